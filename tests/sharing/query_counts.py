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
    # Tasks (notifications.delivery.event_deliver, notifications.webhooks.deliveries_attempt):
    # the same for one webhook as for a dozen. In the tests their transactions are savepoints,
    # counted here (two per transaction); in production they are BEGIN and COMMIT, not counted.
    #
    # An alert to a center, in one transaction: the claim, the event, its case, the case's
    # states, the network group and whether the center sees the case (the permission
    # service), one INSERT each for the in-app notification, the e-mail rows and the webhook
    # rows (with the center admins and the endpoints read before them; on a first attempt
    # the rows written are all there are, so nothing is read back); after the commit each
    # e-mail's claim and its sent mark (one admin here), and the event's delivered mark.
    "event delivery (webhooks, e-mail)": 2 + 11 + 2 * 1 + 1,
    # A batch of webhook deliveries: before the POSTs, in one transaction, the claim, the
    # deliveries with their endpoints and events, the attempts logged; after them, in another,
    # the attempts completed and the deliveries marked (one UPDATE each, all answered 200).
    "webhook batch": 2 + 3 + 2 + 2,
}
