"""The exact number of queries of each page of sharing/, the same for 10 rows and for 200.

The generic classes of tests/base.py read these by name (the url name) and assert them on SQLite
and on PostgreSQL alike. A change that adds or removes a query changes the number here, and the
comment that names the queries, in the same commit; a count that grows with the rows is a bug,
never a new baseline.
"""

# Every page reads the session and the user first,
SIGNED_IN = 2
# and base.html reads the user's agency (once a request) and its centers for the header.
LAYOUT = 2

QUERY_COUNTS = {
    # The inbox: one page of notifications (center and agency joined), which of them the user
    # read, the visible cases among theirs (the user's agency, its visibility groups, the
    # cases: the agency is then the layout's as well), the header's centers, and the unread
    # count the inbox shows in the page.
    "notification-inbox": SIGNED_IN + 2 + 3 + 1 + 1,
    # The unread count on its own (notifications.selectors.unread_count; what the navigation
    # polls): one COUNT.
    "unread count": 1,
    # The agency's endpoints, with who registered each.
    "webhook-list": SIGNED_IN + 1 + LAYOUT,
    # One endpoint (the gate: an endpoint of the admin's own agency), its latest deliveries
    # with their events, and every attempt of those (one prefetch).
    "webhook-detail": SIGNED_IN + 3 + LAYOUT,
}
