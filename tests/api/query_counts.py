"""The exact number of queries of each endpoint of /api/v1/, a page of 10 rows as of 200.

tests/api/base.py reads these by name (the resource; "<resource> detail" for one object) and
asserts them on SQLite and on PostgreSQL alike, for a key whose last_used_at was written less
than a minute ago (the first use in a minute adds that UPDATE). A change that adds or removes a
query changes the number here, and the comment that names the queries, in the same commit; a
count that grows with the rows is a bug, never a new baseline.

The API-key page of the portal (agencies/api/pages.py) is counted here too.
"""

# The key, with its user and agency (one query).
KEY = 1
# What the key's agency may see: its visibility groups (its own, its centers where active, the
# network).
GROUPS = 1
# A list page's access-log row, naming every id it disclosed; a detail's read row.
LOGGED = 1

QUERY_COUNTS = {
    # One query picks the page's keys through the permission rows and reads their rows with
    # their subjects and states.
    "cases": KEY + GROUPS + 1 + LOGGED,
    # The same, and for the items that have them, the linked cases the caller may see and the
    # RFIs they answer (one query each, whatever the page holds).
    "items": KEY + GROUPS + 1 + 2 + LOGGED,
    "items without linked cases or RFIs": KEY + GROUPS + 1 + LOGGED,
    # Filtered by an ISE-SAR behaviour (a semi-join inside the page's query): the page, and the
    # linked cases the caller may see (a SAR answers no RFI).
    "items by ISE-SAR behaviour": KEY + GROUPS + 1 + 1 + LOGGED,
    "annotations": KEY + GROUPS + 1 + LOGGED,
    "entities": KEY + GROUPS + 1 + LOGGED,
    # The tasks of the cases the agency sees: one query picks the page's keys (each task asked of
    # the permission rows through its case) and reads their rows.
    "tasks": KEY + GROUPS + 1 + LOGGED,
    # The requests for information of the agency (work.selectors.requests_page): one query reads
    # the page's requests with their RFIs, askers, addressees and takers through the permission
    # service; one more, the responses the agency sees of them, whatever their number.
    "rfis": KEY + GROUPS + 1 + 1 + LOGGED,
    # The referrals to and from the agency: one query picks the page's keys and reads their rows
    # with their case or item and agencies; which of their cases and of their items the agency
    # sees now (the permission service, one query each, whatever the page holds).
    "referrals": KEY + GROUPS + 1 + 2 + LOGGED,
    # The agency's triage queue (work.tip_selectors.queue_page): one query reads the page's tips
    # with their items, agencies, assignees and centers, and whether the agency sees each; the
    # records behind the page's hints, whatever their number (tip_selectors.hint_records): which
    # of their tips and of their cases the agency sees, and those tips and cases with their
    # owners.
    "tips": KEY + GROUPS + 1 + 4 + LOGGED,
    # The network's directory, read by every key: the page's ids, their rows, and for agencies
    # their memberships. No access-log row.
    "agencies": KEY + 1 + 1 + 1,
    "fusion-centers": KEY + 1 + 1,
    # The tombstones: the page's ids, their rows, the groups, and whether any became visible
    # again: one query per type on the page (case, item, annotation, entity). No access-log row.
    "changes": KEY + 1 + 1 + GROUPS + 4,
    # One object: the object through the permission service, its read row, its API row; an
    # item's row reads its case if the caller may see it (the story's tip is on its case).
    "cases detail": KEY + GROUPS + 1 + LOGGED + 1,
    "items detail": KEY + GROUPS + 1 + LOGGED + 1 + 1,
    "annotations detail": KEY + GROUPS + 1 + LOGGED + 1,
    "tasks detail": KEY + GROUPS + 1 + LOGGED + 1,
    # The request through the permission service with its RFI and the rest, its read row, the
    # responses the agency sees.
    "rfis detail": KEY + GROUPS + 1 + LOGGED + 1,
    # The referral (of either side), its read row, its API row, whether the agency sees its
    # case now.
    "referrals detail": KEY + 1 + LOGGED + 1 + GROUPS + 1,
    # The tip through the permission service, its triage row with its center and assignee, its
    # read row, the records behind its hints (four queries, as a page's).
    "tips detail": KEY + GROUPS + 1 + 1 + LOGGED + 4,
    "entities detail": KEY + GROUPS + 1 + LOGGED + 1,
    "agencies detail": KEY + 1 + 1,
    "fusion-centers detail": KEY + 1,
    # The portal page of the agency's keys: the session, the user, the user's agency and its
    # centers (the header), the keys with who created each.
    "api-keys": 2 + 2 + 1,
}
