"""The exact number of queries of each page of cases/, the same for 10 rows and for 200.

The generic classes of tests/base.py read these by name (the url name; "(owner)" and "(viewer)"
for a page that shows one object) and assert them on SQLite and on PostgreSQL alike. A change
that adds or removes a query changes the number here, and the comment that names the queries, in
the same commit; a count that grows with the rows is a bug, never a new baseline.
"""

# What every page of a logged-in user reads first: the session, the user, the user's agency, and
# the agency's visibility groups (its own, its centers where its membership is active, the
# network).
SIGNED_IN = 4
# What base.html reads for the header: the user's centers. (The unread count arrives by htmx.)
HEADER = 1

QUERY_COUNTS = {
    # The list: the page of cases (one semi-join on the permission rows, owner and lead center
    # joined), their jurisdictions (one prefetch), the access-log row of what was listed; the
    # agencies the owner menu offers (the user's and its centers' members, from the directory,
    # whatever is visible). Sorting and filtering add none.
    "case-list": SIGNED_IN + 3 + 1 + HEADER,
    # The item list: the page of items, the visible cases among theirs (one query a page), the
    # access-log row; the agencies the source menu offers (from the directory).
    "item-list": SIGNED_IN + 3 + 1 + HEADER,
    # The results (the best twenty of each kind): cases, items, annotations, and the subjects
    # matched by their keys through cases and through items (cases/search.py); the access-log
    # row of what was found.
    "search": SIGNED_IN + 5 + 1 + HEADER,
    # A section's next page ("More results", a page of its own; with htmx the rows alone,
    # without the header's query): that section's rows from the cursor on (one query: on
    # PostgreSQL the candidates from the permission rows, ranked, highlighted for the page's
    # rows), the access-log row of what it showed.
    "search (section)": SIGNED_IN + 1 + 1 + HEADER,
    "search (section, htmx)": SIGNED_IN + 1 + 1,
    # The case page of its owner: the case (owner and lead center joined) and its read row; the
    # share options (agencies, centers); the access log of the case (owner only); the latest
    # annotations and their revisions (one prefetch), attachments, the timeline's latest events
    # (its annotations, attachments, items and shares are those the page reads anyway), linked
    # items, shares, jurisdictions, subjects; the open tasks shown (their assignees joined) and,
    # for a reader who may annotate, the people a new task may be assigned to. The owner's level
    # needs no query.
    "case-detail (owner)": SIGNED_IN + 2 + 2 + 1 + 8 + 2 + HEADER,
    # The case page of a viewer: the same without the share options, the access log and the
    # task form's people, and with the viewer's level (one query of the permission rows).
    "case-detail (viewer)": SIGNED_IN + 2 + 1 + 8 + 1 + HEADER,
    # "Earlier" annotations of a case (a page of their own, or with htmx the notes alone, without
    # the header's query): the case and its read row; the page of annotations (keyset on the
    # case's index) and their revisions (one prefetch). The owner's level needs no query.
    "case-annotations (owner)": SIGNED_IN + 2 + 2 + HEADER,
    # The same for a viewer, and the viewer's level (may it edit its own notes?).
    "case-annotations (viewer)": SIGNED_IN + 2 + 1 + 2 + HEADER,
    # The same for an item.
    "item-annotations (owner)": SIGNED_IN + 2 + 2 + HEADER,
    "item-annotations (viewer)": SIGNED_IN + 2 + 1 + 2 + HEADER,
    # "Earlier" entries of a case's timeline: the case and its read row; the next entries of
    # each source, one keyset query each: events, annotations, attachments, the linked items the
    # reader sees.
    "case-timeline (owner)": SIGNED_IN + 2 + 4 + HEADER,
    # The same for a viewer, and the shares it is shown (read whole, as the case page does).
    "case-timeline (viewer)": SIGNED_IN + 2 + 4 + 1 + HEADER,
    # A case's task list: the case and its read row; the page of its tasks (keyset on the due
    # date, assignees joined). The owner's level needs no query.
    "case-tasks (owner)": SIGNED_IN + 2 + 1 + HEADER,
    # The same for a viewer, and the viewer's level (may it mark them done?).
    "case-tasks (viewer)": SIGNED_IN + 2 + 1 + 1 + HEADER,
    # My tasks: the page of the open tasks assigned to me on the cases my agency sees (each
    # asked of the permission rows through its case, the case and its owner joined), and the
    # access-log row naming their cases.
    "my-tasks": SIGNED_IN + 1 + 1 + HEADER,
    # The item page of its owner: the item and its read row; share options (agencies, centers);
    # the access log; annotations, their revisions, attachments, shares, subjects, its case if
    # visible, and (criminal intelligence) the corrections sent to the agencies it reached.
    "item-detail (owner)": SIGNED_IN + 2 + 2 + 1 + 7 + HEADER,
    # The item page of a viewer: without share options and access log, with the level.
    "item-detail (viewer)": SIGNED_IN + 2 + 1 + 7 + HEADER,
    # A download: the session, the user, the attachment, then the user's agency and groups, the
    # case it hangs off (visibility), the download's access-log row. No page around it.
    "attachment-download (owner)": 7,
    "attachment-download (viewer)": 7,
    # A case as a PDF (no page around it, so no header): the case (owner and lead center
    # joined); the latest items the reader's agency sees and how many there are, the latest
    # notes (authors and agencies joined) and how many, the latest subjects and how many, the
    # jurisdictions; then the record, in its savepoint: the Export row and the access-log row.
    # The same for a viewer (no level is asked: the export is every viewer's).
    "case-export (owner)": SIGNED_IN + 1 + 7 + 2 + 2,
    "case-export (viewer)": SIGNED_IN + 1 + 7 + 2 + 2,
    # An item as a PDF: the item (owner joined), whether it is a product (exported as one);
    # the latest notes and how many, the latest subjects and how many (its case's number, one
    # more, when it has a case); the record in its savepoint: the Export row and the access
    # log's. Criminal intelligence of another agency adds its dissemination row.
    "item-export (owner)": SIGNED_IN + 2 + 4 + 2 + 2,
    "item-export (viewer)": SIGNED_IN + 2 + 4 + 2 + 2,
}
