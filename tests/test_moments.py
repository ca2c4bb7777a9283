"""One way of showing time on every page (core/templatetags/moments.py): "Dec 1, 2026 18:50"
inside a <time> element with the instant in ISO 8601 and the same moment in UTC on hover."""

import re
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template import Context, Template
from django.utils import timezone

from core.templatetags.moments import moment, moment_text

TEMPLATES = Path(settings.BASE_DIR) / "templates"
AT = datetime(2026, 12, 1, 18, 50, 12, tzinfo=UTC)


def test_no_template_formats_a_date_of_its_own():
    own = [
        f"{path.relative_to(TEMPLATES)}: {match.group(0)}"
        for path in TEMPLATES.rglob("*.html")
        for match in re.finditer(r"\|\s*(date|time)\b[^}]*", path.read_text())
    ]
    assert own == []


def test_a_moment_is_one_format_with_utc_on_hover():
    html = Template("{% moment at %}").render(Context({"at": AT}))
    assert html == (
        '<time datetime="2026-12-01T18:50:12Z" title="2026-12-01 18:50:12 UTC">'
        "Dec 1, 2026 18:50</time>"
    )


def test_in_another_time_zone_the_text_moves_and_the_hover_stays_utc():
    with timezone.override(ZoneInfo("America/New_York")):
        html = moment(AT)
    assert ">Dec 1, 2026 13:50</time>" in html and 'title="2026-12-01 18:50:12 UTC"' in html


def test_dates_seconds_and_nothing():
    assert moment(date(2026, 8, 3)) == '<time datetime="2026-08-03">Aug 3, 2026</time>'
    assert moment_text(AT, seconds=True) == "Dec 1, 2026 18:50:12"
    assert moment(None) == "never" and moment(None, empty="—") == "—"
