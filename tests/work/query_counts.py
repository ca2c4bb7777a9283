"""The exact number of queries of each page of work/, the same for 10 rows and for 200 (see
tests/cases/query_counts.py)."""

from tests.cases.query_counts import HEADER, SIGNED_IN

QUERY_COUNTS = {
    # The list: the page of requests (the RFIs asked of the permission rows in one semi-join,
    # owner, addressee and taker joined), the access-log row of what was listed.
    "rfi-list": SIGNED_IN + 2 + HEADER,
    # The referrals: the page of referrals (to, from or for my center, with their case or item,
    # agencies and center joined), which of their cases and of their items my agency sees (the
    # permission service, one query each), the access-log rows of the cases and of the items
    # listed with their titles.
    "referral-list": SIGNED_IN + 5 + HEADER,
}
