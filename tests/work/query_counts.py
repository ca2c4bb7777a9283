"""The exact number of queries of each page of work/, the same for 10 rows and for 200 (see
tests/cases/query_counts.py)."""

from tests.cases.query_counts import HEADER, SIGNED_IN

QUERY_COUNTS = {
    # The list: the page of requests (the RFIs asked of the permission rows in one semi-join,
    # owner, addressee and taker joined), the access-log row of what was listed.
    "rfi-list": SIGNED_IN + 2 + HEADER,
}
QUERY_COUNTS.update({
    # An agency's tip queue: the page of triage rows (tip, agency, assignee and center joined,
    # whether the reader's agency sees each tip in the same query), the access-log row of what
    # was listed; the agency's people (the assignee filter and bulk assign); the centers the
    # reader administers (links to their queues).
    "tip-queue": SIGNED_IN + 2 + 1 + 1 + HEADER,
    # A center's tip queue (its center admins): the admin gate, the page of rows as above, the
    # access-log row of the tips listed that the reader's agency sees, the center's deadline.
    "tip-center-queue": SIGNED_IN + 1 + 2 + 1 + HEADER,
})
