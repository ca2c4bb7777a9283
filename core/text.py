"""Text that people type, as the portal keeps it.

Unicode's explicit directional formatting characters (UAX #9: the embeddings U+202A, U+202B,
the overrides U+202D, U+202E, their end U+202C, and the isolates U+2066 to U+2069) reorder how
the text around them is drawn without being seen themselves: "‮gnp.exe" shows as "exe.png", an
annotation can read backwards, or say other than what it holds ("Trojan Source",
CVE-2021-42574). Nothing a case or an item needs is written with them, so they are dropped
where the text enters the portal (the services, which pages, the API and commands all call).
The implicit marks (U+200E, U+200F, U+061C) are kept: they cannot reverse a run of letters,
only place neutral characters next to right-to-left words, which a Hebrew or Arabic name may
need.
"""

BIDI_CONTROLS = dict.fromkeys((*range(0x202A, 0x202F), *range(0x2066, 0x206A)))


def without_bidi_controls(value):
    """value without the directional embeddings, overrides and isolates; anything that is not a
    string as it is."""
    return value.translate(BIDI_CONTROLS) if isinstance(value, str) else value
