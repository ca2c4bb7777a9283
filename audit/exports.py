"""The CSV export of the access log, streamed: a year of log never sits in memory at once.

Rows come from the database `CHUNK_SIZE` at a time (a server-side cursor on PostgreSQL),
and each CSV line is written to the response as soon as it is formatted.
"""

import csv

import orjson
from django.http import StreamingHttpResponse

from .services import detail_for_review

CHUNK_SIZE = 2000
COLUMNS = [
    ("at", "at"),
    ("action", "action"),
    ("actor__username", "user"),
    ("agency__ori", "agency ORI"),
    ("object_type", "object type"),
    ("object_id", "object id"),
    ("object_ids", "object ids"),
    ("ip_address", "IP address"),
    ("detail", "detail"),
]
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Line:
    """csv.writer writes into this and gets the formatted line back."""

    def write(self, value):
        return value


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        value = orjson.dumps(value).decode()
    elif hasattr(value, "isoformat"):
        value = value.isoformat()
    else:
        value = str(value)
    if value.startswith(FORMULA_STARTS):
        value = "'" + value
    return value


def access_log_csv_lines(queryset):
    """Yield the header line, then one line per access-log row, oldest first."""
    writer = csv.writer(_Line())
    yield writer.writerow([label for _, label in COLUMNS])
    rows = queryset.order_by("at", "id").values_list(*(field for field, _ in COLUMNS))
    for row in rows.iterator(chunk_size=CHUNK_SIZE):
        yield writer.writerow(
            [_cell(detail_for_review(value) if field == "detail" else value)
             for (field, _), value in zip(COLUMNS, row, strict=True)]
        )


def access_log_csv_response(queryset, filename):
    response = StreamingHttpResponse(access_log_csv_lines(queryset), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
