"""The exact number of queries of each page of work/, the same for 10 rows and for 200 (see
tests/cases/query_counts.py)."""

from tests.cases.query_counts import HEADER, SIGNED_IN

QUERY_COUNTS = {
    # The list: the page of requests (the RFIs asked of the permission rows in one semi-join,
    # owner, addressee and taker joined), the access-log row of what was listed.
    "rfi-list": SIGNED_IN + 2 + HEADER,
}
