"""The one keyset cursor codec of the portal: browser lists, the access log and the API.

A cursor names the last row of a page by its sort value and id, so the next page starts after
it with an index range scan, whatever its depth (no OFFSET, no COUNT). It is opaque to its
reader: URL-safe base64 of `<value>|<id>`, or `<sort>|<value>|<id>` for a list that can be
sorted several ways (a cursor of another sort is refused rather than misread). Partners keep the
API's cursors between pulls, so the `<value>|<id>` form must stay readable as it is.
"""

import base64
from datetime import UTC, date, datetime


class InvalidCursor(ValueError):
    """Not a cursor this portal gave out (or one of another sort)."""


DATETIME, DATE, INT, TEXT = "datetime", "date", "int", "text"


def encode_cursor(value, pk, *, sort=None):
    text = value.isoformat() if isinstance(value, datetime | date) else str(value)
    raw = f"{text}|{pk}" if sort is None else f"{sort}|{text}|{pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _value(text, kind):
    if kind == DATETIME:
        value = datetime.fromisoformat(text)
        if value.tzinfo is None:
            raise InvalidCursor("a cursor's time names its zone")
        return value.astimezone(UTC)
    if kind == DATE:
        return date.fromisoformat(text)
    if kind == INT:
        value = int(text)
        if not 0 <= value < 2**63:
            raise InvalidCursor("out of range")
        return value
    return text


def decode_cursor(cursor, *, kind=DATETIME, sort=None):
    """(sort value, id) of a cursor; InvalidCursor for anything this codec did not write."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.urlsafe_b64decode(padded.encode()).decode()
        if sort is not None:
            named, separator, raw = raw.partition("|")
            if not separator or named != sort:
                raise InvalidCursor("a cursor of another sort")
        text, separator, pk = raw.rpartition("|")
        if not separator:
            raise InvalidCursor("no id")
        pk = int(pk)
        if not 0 <= pk < 2**63:
            raise InvalidCursor("id out of range")
        return _value(text, kind), pk
    except InvalidCursor:
        raise
    except (ValueError, UnicodeDecodeError, TypeError, OverflowError, AttributeError) as error:
        raise InvalidCursor(str(error)) from None


def kind_of_field(field):
    """The cursor kind of a model field's values."""
    internal = field.get_internal_type()
    if internal == "DateTimeField":
        return DATETIME
    if internal == "DateField":
        return DATE
    if internal in ("AutoField", "BigAutoField", "IntegerField", "BigIntegerField",
                    "PositiveIntegerField", "PositiveSmallIntegerField", "SmallIntegerField"):
        return INT
    return TEXT
