"""The exact number of queries of each page of work/, the same for 10 rows and for 200 (see
tests/cases/query_counts.py)."""

from tests.cases.query_counts import HEADER, SIGNED_IN

QUERY_COUNTS = {
    # The list: the page of requests (the RFIs asked of the permission rows in one semi-join,
    # owner, addressee and taker joined), the access-log row of what was listed.
    "rfi-list": SIGNED_IN + 2 + HEADER,
    # The home page as a 28 CFR Part 23 reviewer reads it: the figures (open cases by state,
    # alerts by state, alert waits, cases and items per week: 5), the cases followed and the
    # unread count (2), the review queue's counts (4: rows, counts, pending, purged); My work
    # (work.queue): the reviewer's open tasks, the RFIs to answer, the tips assigned, the
    # referrals to the agency, the records to review (one query per source: 5), which of the
    # referred cases and items the agency sees now (one per kind referred: the items, 1) and its
    # access-log rows (one per type of object shown, at most two: the tasks' cases, the items);
    # the unread notifications (1); the header.
    "home": SIGNED_IN + 5 + 2 + 4 + 5 + 1 + 2 + 1 + HEADER,
    # The navigation's My work count: one count per source (tasks, RFIs, tips, referrals,
    # reviews); no header.
    "my-work-count": SIGNED_IN + 5,
    # The referrals: the page of referrals (to, from or for my center, with their case or item,
    # agencies and center joined), which of their cases and of their items my agency sees (the
    # permission service, one query each), the access-log rows of the cases and of the items
    # listed with their titles.
    "referral-list": SIGNED_IN + 5 + HEADER,
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
    # The progress of a tip import, polled every second while it runs: the session, the user and
    # the job (its bad rows are in the job's row: as many for 1 bad row as for 200); a fragment,
    # so no header, and the user's agency is not read (its id is on the user).
    "tip-import-progress": 3,
})
