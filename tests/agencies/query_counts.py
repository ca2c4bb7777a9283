"""The exact number of queries of each admin page of agencies/, the same for 10 rows and for 200.

The generic classes of tests/base.py read these by name (the url name) and assert them on SQLite
and on PostgreSQL alike. A change that adds or removes a query changes the number here, and the
comment that names the queries, in the same commit; a count that grows with the rows is a bug,
never a new baseline.
"""

# Every admin page reads the session and the user first,
SIGNED_IN = 2
# and base.html reads the user's agency and its centers for the header.
LAYOUT = 2
# The center's admin gate: the center, joined to the user's center-admin row (one query; a
# center the user does not administer is the 404 of a missing one).
CENTER = 1
# The gate of one agency's users through a center: the agency, the user's center-admin row
# and the agency's membership of the center (after CENTER).
CENTER_AGENCY = 3
# The gate of one agency's users for its own agency admin: the agency.
OWN_AGENCY = 1

QUERY_COUNTS = {
    # The member agencies: the memberships with their agency, active users and last activity
    # (two subqueries, one query).
    "center-agencies": SIGNED_IN + CENTER + 1 + LAYOUT,
    # One membership, its agency and center joined.
    "center-membership": SIGNED_IN + CENTER + 1 + LAYOUT,
    # The access log: one page of rows with actor and agency joined; the agencies offered by
    # the filter.
    "center-access-log": SIGNED_IN + CENTER + 2 + LAYOUT,
    # With cases and items on the page: their pointers, with the title where the reader's
    # agency sees them (sharing.permissions.pointers_of: one query for the cases, one for the
    # items; the reader's visibility groups are read once, for the first).
    "center-access-log (objects)": SIGNED_IN + CENTER + 2 + LAYOUT + 3,
    # An agency's users, with their pending links and center roles (subqueries, one query).
    "agency-users": SIGNED_IN + OWN_AGENCY + 1 + LAYOUT,
    "center-users": SIGNED_IN + CENTER + CENTER_AGENCY + 1 + LAYOUT,
    # One user (with the same flags) and the centers it administers.
    "agency-user-detail": SIGNED_IN + OWN_AGENCY + 2 + LAYOUT,
    "center-user-detail": SIGNED_IN + CENTER + CENTER_AGENCY + 2 + LAYOUT,
    # The directory's type-to-search as a page: the agencies found (at most LOOKUP_LIMIT).
    "agency-lookup": SIGNED_IN + 1 + LAYOUT,
}
