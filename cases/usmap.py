"""The map of the United States the case page draws: a tile grid, one square per state.

No external tiles and no geographic outlines: the standard US tile-grid layout (the one
newsrooms use for state results), with DC and the territories, drawn as inline SVG so that
the case's states can be highlighted and read by a screen reader. The same layout is
shipped as static/img/us-states-tilegrid.svg (kept in sync by a test).
"""

from core.states import STATES

# USPS code -> (column, row) on an 11 x 9 grid.
TILES = {
    "AK": (0, 0), "ME": (10, 0),
    "WI": (5, 1), "VT": (9, 1), "NH": (10, 1),
    "WA": (0, 2), "ID": (1, 2), "MT": (2, 2), "ND": (3, 2), "MN": (4, 2), "IL": (5, 2),
    "MI": (6, 2), "NY": (8, 2), "MA": (9, 2),
    "OR": (0, 3), "NV": (1, 3), "WY": (2, 3), "SD": (3, 3), "IA": (4, 3), "IN": (5, 3),
    "OH": (6, 3), "PA": (7, 3), "NJ": (8, 3), "CT": (9, 3), "RI": (10, 3),
    "CA": (0, 4), "UT": (1, 4), "CO": (2, 4), "NE": (3, 4), "MO": (4, 4), "KY": (5, 4),
    "WV": (6, 4), "VA": (7, 4), "MD": (8, 4), "DE": (9, 4),
    "AZ": (1, 5), "NM": (2, 5), "KS": (3, 5), "AR": (4, 5), "TN": (5, 5), "NC": (6, 5),
    "SC": (7, 5), "DC": (8, 5),
    "OK": (3, 6), "LA": (4, 6), "MS": (5, 6), "AL": (6, 6), "GA": (7, 6),
    "HI": (0, 7), "TX": (3, 7), "FL": (8, 7),
    # Territories, on a row of their own.
    "GU": (0, 8), "MP": (1, 8), "AS": (2, 8), "PR": (9, 8), "VI": (10, 8),
}
SIZE = 40
GAP = 4
COLUMNS = 11
ROWS = 9


def map_tiles(highlight=()):
    """The tiles to draw: code, name, x, y and whether the state is one of `highlight`."""
    highlight = set(highlight)
    tiles = []
    for code, (column, row) in TILES.items():
        tiles.append({
            "code": code,
            "name": STATES[code],
            "x": column * (SIZE + GAP),
            "y": row * (SIZE + GAP) + (GAP * 2 if row == 8 else 0),
            "on": code in highlight,
        })
    return tiles


def viewbox():
    return f"0 0 {COLUMNS * (SIZE + GAP)} {ROWS * (SIZE + GAP) + GAP * 2}"


def standalone_svg():
    """The layout as a standalone SVG document (static/img/us-states-tilegrid.svg)."""
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="' + viewbox() + '" role="img" '
        'aria-labelledby="title">',
        "<title id=\"title\">United States, one square per state (tile grid)</title>",
        "<style>rect{fill:#dfe5ee;stroke:#fff}text{font:600 12px sans-serif;fill:#334;"
        "text-anchor:middle;dominant-baseline:central}</style>",
    ]
    for tile in map_tiles():
        parts.append(
            f'<g id="{tile["code"]}"><title>{tile["name"]}</title>'
            f'<rect x="{tile["x"]}" y="{tile["y"]}" width="{SIZE}" height="{SIZE}" rx="4"/>'
            f'<text x="{tile["x"] + SIZE // 2}" y="{tile["y"] + SIZE // 2}">'
            f'{tile["code"]}</text></g>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
