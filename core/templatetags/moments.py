"""One way of showing time on every page: `{% moment value %}`.

A moment reads "Dec 1, 2026 18:50" in the time zone of the page (the reader's, see
agencies.middleware), inside a <time> element that carries the ISO 8601 instant and, on hover,
the same moment in UTC, the time every log and partner system speaks. A date without a time
(a review-by date, a membership's first day) is `{% moment value date_only=True %}`: "Dec 1,
2026", never shifted by a time zone. The access log keeps its seconds (`seconds=True`).
"""

from datetime import UTC, date, datetime

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html

register = template.Library()

DATE = "M j, Y"
TIME = "H:i"
SECONDS = "H:i:s"
# On hover: the same instant, unambiguous, in UTC.
UTC_TITLE = "Y-m-d H:i:s"


def moment_text(value, *, seconds=False, date_only=False):
    """The text of a moment, as the pages show it ("" for none)."""
    if value in (None, ""):
        return ""
    if date_only or not isinstance(value, datetime):
        return date_format(value, DATE)
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return date_format(value, f"{DATE} {SECONDS if seconds else TIME}")


@register.simple_tag
def moment(value, seconds=False, date_only=False, empty="never"):
    """A <time> element: the moment in the page's time zone, its UTC on hover."""
    if value in (None, ""):
        return empty
    if date_only or (isinstance(value, date) and not isinstance(value, datetime)):
        return format_html(
            '<time datetime="{}">{}</time>', value.isoformat()[:10], moment_text(value, date_only=True)
        )
    instant = value if timezone.is_aware(value) else timezone.make_aware(value, UTC)
    in_utc = instant.astimezone(UTC)
    return format_html(
        '<time datetime="{}" title="{} UTC">{}</time>',
        in_utc.isoformat(timespec="seconds").replace("+00:00", "Z"),
        date_format(in_utc, UTC_TITLE),
        moment_text(instant, seconds=seconds),
    )


@register.filter
def moment_plain(value):
    """The text alone, where markup cannot go (an attribute, a title)."""
    return moment_text(value)


@register.simple_tag
def now_moment():
    """This moment, as `moment` shows it."""
    return moment(timezone.now())
