"""What reads cases and items. Every function starts from the permission service."""

import base64
import json
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Case as Choose
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery, Value, When
from django.db.models.functions import Coalesce

from agencies.models import Agency, FusionCenter, Membership, User
from audit.models import AccessLog
from core.cursors import DATE, DATETIME, InvalidCursor
from core.cursors import decode_cursor as decode_core_cursor
from core.cursors import encode_cursor as encode_core_cursor
from core.db import JSONArrayAgg
from core.handling import TLP, Level
from sharing.models import Share
from sharing.permissions import (
    agencies_holding_known_to,
    cases_visible_to,
    items_visible_to,
    level_of,
    tasks_visible_to,
    visible_page_ids,
)
from sharing.permissions import shares_seen_by as permission_shares_seen_by

from . import intelligence as cfr23
from . import sar
from .models import (
    Annotation,
    AnnotationRevision,
    Attachment,
    CaseEntity,
    CaseTask,
    Dissemination,
    IntelligenceItem,
    ItemEntity,
    Jurisdiction,
    SARBehaviour,
    TimelineEvent,
)

PAGE_SIZE = 50


def encode_cursor(updated_at, pk):
    raw = f"{updated_at.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor):
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        stamp, pk = base64.urlsafe_b64decode(padded.encode()).decode().split("|")
        return datetime.fromisoformat(stamp), int(pk)
    except (ValueError, UnicodeDecodeError) as error:
        raise ValidationError(
            "That page link is not valid; start again from the first page."
        ) from error


def keyset_page(queryset, cursor=None, size=PAGE_SIZE):
    """One page of a queryset ordered newest change first, and the cursor of the next page.

    Keyset on (updated_at, id): the cost of a page does not grow with its depth, and no
    COUNT(*) is run.
    """
    queryset = queryset.order_by("-updated_at", "-id")
    if cursor:
        updated_at, pk = decode_cursor(cursor)
        queryset = queryset.filter(
            Q(updated_at__lt=updated_at) | Q(updated_at=updated_at, id__lt=pk)
        )
    rows = list(queryset[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        next_cursor = encode_cursor(last.updated_at, last.pk)
    return rows, next_cursor


# Sorting a list by another key, still a page at a time without OFFSET or COUNT ------------

# The sorts a list offers: name -> (field, descending, label). Each is paired with id as the
# tie-breaker, so that (field, id) is a total order that a cursor can resume from.
SORTS = {
    "updated": ("updated_at", True, "Last change, newest first"),
    "updated_asc": ("updated_at", False, "Last change, oldest first"),
    "created": ("created_at", True, "Opened, newest first"),
    "title": ("title", False, "Title, A to Z"),
}
CASE_SORTS = {**SORTS, "number": ("number", False, "Case number")}


def _cursor_value(value):
    if isinstance(value, datetime | date):
        return {"t": "dt", "v": value.isoformat()}
    return {"t": "s", "v": str(value)}


def _parse_cursor_value(raw):
    if raw.get("t") == "dt":
        return datetime.fromisoformat(raw["v"])
    return str(raw["v"])


def encode_sorted_cursor(sort, value, pk):
    raw = json.dumps({"s": sort, "k": _cursor_value(value), "id": pk}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_sorted_cursor(cursor, sort):
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        if raw["s"] != sort:
            raise ValueError("cursor of another sort")
        return _parse_cursor_value(raw["k"]), int(raw["id"])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, AttributeError,
            OverflowError) as error:  # OverflowError: an "id" of Infinity
        raise ValidationError(
            "That page link is not valid; start again from the first page."
        ) from error


def sorted_page(queryset, *, sort="updated", cursor=None, size=PAGE_SIZE, sorts=SORTS):
    """One page of `queryset` in the order `sort` names, and the cursor of the next page.

    Keyset on (field, id): a deep page costs what the first does; no COUNT(*), no OFFSET.
    An unknown sort or a cursor that does not decode raises ValidationError.
    """
    if sort not in sorts:
        raise ValidationError(f"Unknown sort {sort!r}; choose one of {', '.join(sorts)}.")
    field, descending, _ = sorts[sort]
    prefix = "-" if descending else ""
    queryset = queryset.order_by(f"{prefix}{field}", f"{prefix}id")
    if cursor:
        value, pk = decode_sorted_cursor(cursor, sort)
        beyond = "lt" if descending else "gt"
        try:
            queryset = queryset.filter(
                Q(**{f"{field}__{beyond}": value}) | Q(**{field: value, f"id__{beyond}": pk})
            )
        except ValidationError as error:
            # A key the field cannot hold (a text where a date belongs): the same clear words.
            raise ValidationError(
                "That page link is not valid; start again from the first page."
            ) from error
    rows = list(queryset[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        next_cursor = encode_sorted_cursor(sort, getattr(last, field), last.pk)
    return rows, next_cursor


# The sorts whose key the permission rows carry (updated_at, id), and whether they descend.
PERMISSION_ROW_SORTS = {"updated": True, "updated_asc": False}


def visible_sorted_page(queryset, principal, *, narrowed, sort="updated", cursor=None,
                        size=None, sorts=SORTS, narrow=None):
    """sorted_page over a list of visible cases or items. In the default order and with nothing
    narrowing the list, the page's ids come from the permission rows alone, one index range scan
    per visibility group (sharing.permissions.visible_page_ids, as the partner API pages): the
    cost is that of a page, whatever the number of objects or the share of them visible, where
    walking the objects newest first checks a permission row for each invisible one.

    A filtered list in that order (`narrow`: the function that applies its filters to a
    queryset, e.g. the FilterSet's filter_queryset) walks the same range scans newest first,
    each permission row's object asked of the filters by its key, and stops at the page: the
    semi-join on the whole visible set read and sorted every visible object (24,576 at
    1,000,000 items) for each page of a filter that many of them meet."""
    size = size or PAGE_SIZE
    if (not narrowed or narrow is not None) and sort in PERMISSION_ROW_SORTS and sort in sorts:
        key = decode_sorted_cursor(cursor, sort) if cursor else None
        if key is not None and not isinstance(key[0], datetime):
            raise ValidationError("That page link is not valid; start again from the first page.")
        ids = visible_page_ids(queryset.model, principal, limit=size + 1, cursor=key,
                               descending=PERMISSION_ROW_SORTS[sort],
                               narrow=narrow if narrowed else None)
        queryset = queryset.filter(id__in=ids) if ids is not None else queryset.none()
    return sorted_page(queryset, sort=sort, cursor=cursor, size=size, sorts=sorts)


# Cases ---------------------------------------------------------------------------------------


def case_list_queryset(user):
    """Visible cases with what a list row shows: owner, lead center, states (3 queries a page)."""
    return (
        cases_visible_to(user)
        .select_related("owner", "lead_center")
        .prefetch_related(
            Prefetch("jurisdictions", queryset=Jurisdiction.objects.only("case_id", "state"))
        )
    )


def case_list_page(user, cursor=None, size=PAGE_SIZE):
    """The cases the user's agency may see, a page at a time, with what a list row shows."""
    return keyset_page(case_list_queryset(user), cursor, size)


def case_timeline(*, events, annotations, attachments, items=(), reader=None, shares=()):
    """One timeline, newest first: the case's events, its annotations, its attachments and
    the intelligence items linked to it that the reader may see.

    Shares, jurisdictions and subjects are already events (the services write them); an
    annotation is an entry of its own so that the thread and the timeline tell one story.
    An item's own event names the item, which a case share does not open to the reader: it
    is replaced by the reader's visible items (`items`), so no title leaks through a case.
    For a `reader` that is not the owner, share events are those of the shares it may know
    of (`shares`, see shares_seen_by): the owner's full distribution list stays the owner's.
    """
    share_kinds = (TimelineEvent.Kind.SHARED, TimelineEvent.Kind.UNSHARED)
    hide_shares = reader is not None
    entries = [
        {
            "at": e.occurred_at,
            "kind": e.kind,
            "label": e.get_kind_display(),
            "summary": e.summary,
            "agency": e.agency,
            "anchor": None,
            "position": _position(e.occurred_at, e.pk, EVENT),
        }
        for e in events
        if e.kind not in (TimelineEvent.Kind.ATTACHMENT, TimelineEvent.Kind.ITEM)
        and not (hide_shares and e.kind in share_kinds)
    ]
    if hide_shares:
        entries += [
            {
                "at": s.updated_at,
                "kind": "shared",
                "label": "Shared",
                "summary": f"{s.granted_by_agency.name} shared it with {s.recipient_label} "
                f"({s.get_level_display().lower()})",
                "agency": s.granted_by_agency,
                "anchor": "sharing",
                "position": _position(s.updated_at, s.pk, SHARE),
            }
            for s in shares
        ]
    entries += [
        {
            "at": i.created_at,
            "kind": "item",
            "label": i.get_kind_display(),
            "summary": i.title,
            "agency": i.owner,
            "anchor": "items",
            "item_id": i.pk,
            "position": _position(i.created_at, i.pk, ITEM),
        }
        for i in items
    ]
    entries += [
        {
            "at": a.created_at,
            "kind": "annotation",
            "label": "Annotation",
            "summary": a.body if len(a.body) <= 140 else a.body[:139] + "…",
            "agency": a.agency,
            "anchor": f"note-{a.pk}",
            "note_id": a.pk,
            "position": _position(a.created_at, a.pk, NOTE),
        }
        for a in annotations
    ]
    entries += [
        {
            "at": f.uploaded_at,
            "kind": "attachment",
            "label": "Attachment",
            "summary": f"Attached {f.filename}",
            "agency": f.agency,
            "anchor": f"file-{f.pk}",
            "position": _position(f.uploaded_at, f.pk, FILE),
        }
        for f in attachments
    ]
    entries.sort(key=lambda entry: entry["position"], reverse=True)
    return entries


# The case page a page at a time: annotations and the timeline, latest first ------------------

# How many annotations, and how many timeline entries, a case or item page shows before its
# "Earlier" button; the rest come a page at a time (views: case-annotations, case-timeline).
NOTES_PAGE_SIZE = 20

INVALID_PAGE_LINK = "That page link is not valid; start again from the first page."

# The sources of the timeline. At the same instant, entries follow (id, source): the place of an
# entry is (time, id * SOURCES + source), one number that the cursor codec carries as its id.
EVENT, SHARE, ITEM, NOTE, FILE = range(5)
SOURCES = 8


def _position(at, pk, source):
    return (at, pk * SOURCES + source)


def _decode(cursor):
    if not cursor:
        return None
    try:
        return decode_core_cursor(cursor, kind=DATETIME)
    except InvalidCursor as error:
        raise ValidationError(INVALID_PAGE_LINK) from error


def _older(field, place, source=None):
    """The rows that come after `place` (a decoded cursor) in a newest-first order on (field, id),
    or, for a timeline `source`, on the place (field, id * SOURCES + source)."""
    if place is None:
        return Q()
    at, position = place
    # id * SOURCES + source < position  <=>  id < ceil((position - source) / SOURCES)
    below = position if source is None else -((source - position) // SOURCES)
    return Q(**{f"{field}__lt": at}) | Q(**{field: at, "id__lt": below})


def newest_annotations(*, case=None, item=None, cursor=None, size=NOTES_PAGE_SIZE):
    """The newest `size + 1` annotations of a case or an item before `cursor`, with what the
    thread shows of each (author, agency, earlier versions): two queries, an index range scan."""
    target = {"case": case} if case is not None else {"item": item}
    return list(
        Annotation.objects.filter(**target)
        .filter(_older("created_at", _decode(cursor)))
        .select_related("author", "agency")
        .prefetch_related(
            Prefetch(
                "revisions",
                queryset=AnnotationRevision.objects.select_related("written_by").order_by(
                    "-version"
                ),
            )
        )
        .order_by("-created_at", "-id")[: size + 1]
    )


def page_of_notes(rows, size=NOTES_PAGE_SIZE):
    """(the page, the cursor of the earlier annotations or None) of newest_annotations' rows."""
    if len(rows) <= size:
        return rows, None
    rows = rows[:size]
    return rows, encode_core_cursor(rows[-1].created_at, rows[-1].pk)


def cursor_of_note(note):
    """The cursor of the page of annotations that starts with `note` (the next newer one would
    come just before it: same time, the next id)."""
    return encode_core_cursor(note.created_at, note.pk + 1)


def annotations_page(*, case=None, item=None, cursor=None, size=NOTES_PAGE_SIZE):
    """A page of a case's or an item's annotations, newest first, from `cursor` (a link's, or
    None for the latest), and the cursor of the earlier ones. ValidationError for a cursor this
    portal did not give out."""
    return page_of_notes(
        newest_annotations(case=case, item=item, cursor=cursor, size=size), size
    )


def case_timeline_page(*, case, reader, cursor=None, size=NOTES_PAGE_SIZE, known=None):
    """A page of the case's timeline (case_timeline's entries and rules), newest first, from
    `cursor`, and the cursor of the earlier entries.

    Each source gives its newest `size + 1` entries before the cursor, one query each along an
    index (events, annotations, attachments, the linked items the reader sees; the shares it is
    shown are read whole, as the page shows them anyway); the page is the newest `size` of them
    all. `known` hands over rows the caller already read: a source's rows in full, or, for
    "annotations", newest_annotations' rows from the same cursor.
    """
    known = known or {}
    place = _decode(cursor)
    is_owner = reader is None or case.owner_id == reader.agency_id
    hidden = [TimelineEvent.Kind.ATTACHMENT, TimelineEvent.Kind.ITEM]
    if not is_owner:
        hidden += [TimelineEvent.Kind.SHARED, TimelineEvent.Kind.UNSHARED]

    def newest(rows, field, source, related="agency"):
        """The next `size` + 1 rows of one source, newest first, before `place`."""
        return list(
            rows.filter(_older(field, place, source)).select_related(related)
            .order_by(f"-{field}", "-id")[: size + 1]
        )

    events = newest(
        TimelineEvent.objects.filter(case=case).exclude(kind__in=hidden), "occurred_at", EVENT
    )
    annotations = known.get("annotations")
    if annotations is None:
        annotations = newest(Annotation.objects.filter(case=case), "created_at", NOTE)
    attachments = known.get("attachments")
    if attachments is None:
        attachments = newest(Attachment.objects.filter(case=case), "uploaded_at", FILE)
    items = known.get("items")
    if items is None:
        items = (
            newest(items_visible_to(reader).filter(case=case), "created_at", ITEM, "owner")
            if reader is not None
            else []
        )
    shares = known.get("shares")
    if shares is None:
        shares = [] if is_owner else shares_seen_by(reader, shares_of(case), is_owner)
    entries = case_timeline(
        events=events,
        annotations=annotations,
        attachments=attachments,
        items=items,
        reader=None if is_owner else reader,
        shares=shares,
    )
    if place is not None:
        entries = [entry for entry in entries if entry["position"] < place]
    if len(entries) <= size:
        return entries, None
    entries = entries[:size]
    return entries, encode_core_cursor(*entries[-1]["position"])


def attachments_of(*, case=None, item=None):
    target = {"case": case} if case is not None else {"item": item}
    return list(
        Attachment.objects.filter(**target)
        .select_related("uploaded_by", "agency")
        .order_by("uploaded_at", "id")
    )


def access_log_of(obj, limit=100):
    """The latest access-log rows about one case or item (for its owner)."""
    return list(
        AccessLog.objects.filter(object_type=obj._meta.model_name, object_id=obj.pk)
        .select_related("actor", "agency")
        .order_by("-at", "-id")[:limit]
    )


DISSEMINATIONS_SHOWN = 500

# 28 CFR 23.20(h): the review queue of an agency's criminal intelligence.
REVIEW_SOON_DAYS = cfr23.REVIEW_SOON_DAYS
REVIEW_QUEUE_SHOWN = 200


def review_bucket(review_by, today):
    if review_by < today:
        return "overdue"
    if review_by == today:
        return "due"
    return "soon"


def review_queue(agency, *, today):
    """The agency's criminal intelligence whose review is overdue, due today or due within
    REVIEW_SOON_DAYS, oldest date first (the first REVIEW_QUEUE_SHOWN, each with its
    `bucket`), how many of each there are, and its information pending review: three queries
    whatever the number of records, each a range scan of the (owner, status, review_by) index.
    Records are the agency's own: nothing here is read through another agency's share."""
    horizon = today + timedelta(days=REVIEW_SOON_DAYS)
    mine = IntelligenceItem.objects.filter(owner=agency)
    due = mine.filter(intelligence_status=cfr23.Status.INTELLIGENCE, review_by__lte=horizon)
    rows = list(
        due.select_related("control_official").order_by("review_by", "id")[:REVIEW_QUEUE_SHOWN]
    )
    for row in rows:
        row.bucket = review_bucket(row.review_by, today)
    counts = due.aggregate(
        overdue=Count("id", filter=Q(review_by__lt=today)),
        due=Count("id", filter=Q(review_by=today)),
        soon=Count("id", filter=Q(review_by__gt=today)),
    )
    pending = list(
        mine.filter(intelligence_status=cfr23.Status.PENDING)
        .select_related("created_by").order_by("created_at", "id")[:REVIEW_QUEUE_SHOWN]
    )
    purged = list(
        mine.filter(intelligence_status=cfr23.Status.PURGED)
        .select_related("purged_by").order_by("-purged_at", "-id")[:REVIEW_QUEUE_SHOWN]
    )
    return {"rows": rows, "counts": counts, "pending": pending, "purged": purged,
            "horizon": horizon}


def disseminations_of(item, limit=DISSEMINATIONS_SHOWN):
    """28 CFR 23.20(g): the item's dissemination record, newest first (one query). For the owner
    agency only: the caller checks it."""
    return (
        Dissemination.objects.filter(item=item)
        .select_related("by", "recipient_agency", "recipient_center")
        .order_by("-at", "-id")[:limit]
    )


def shares_of(obj):
    field = "case" if obj._meta.model_name == "case" else "item"
    return list(
        Share.objects.filter(**{field: obj})
        .select_related("target_agency", "target_center", "granted_by_agency")
        .order_by("id")
    )


def shares_seen_by(user, shares, is_owner):
    """The shares of an object the page shows its reader (sharing.permissions.shares_seen_by:
    the owner sees them all)."""
    return shares if is_owner else permission_shares_seen_by(user, shares)


def case_detail_parts(case, user=None):
    """What the case page shows besides the case itself (a fixed number of queries, whatever the
    case's size): the latest annotations and the latest timeline entries, a page of each, with
    the cursors of the earlier ones."""
    newest_notes = newest_annotations(case=case)
    annotations, annotations_next = page_of_notes(newest_notes)
    attachments = attachments_of(case=case)
    # Only the linked items this agency may itself see: a case share is not an item share.
    items = (
        list(
            items_visible_to(user)
            .filter(case=case)
            .select_related("owner")
            .order_by("-updated_at", "-id")
        )
        if user is not None
        else []
    )
    is_owner = user is None or case.owner_id == user.agency_id
    shares = shares_seen_by(user, shares_of(case), is_owner)
    # The first page of the timeline reads its events; its annotations are the thread's (the
    # latest page of them) and its attachments, items and shares those the page shows anyway.
    timeline_entries, timeline_next = case_timeline_page(
        case=case,
        reader=user,
        known={
            "annotations": newest_notes,
            "attachments": attachments,
            "items": items,
            "shares": shares,
        },
    )
    return {
        "jurisdictions": list(case.jurisdictions.all()),
        "annotations": annotations,
        "annotations_next": annotations_next,
        "attachments": attachments,
        "timeline_entries": timeline_entries,
        "timeline_next": timeline_next,
        "shares": shares,
        "subjects": list(
            CaseEntity.objects.filter(case=case)
            .select_related("entity")
            .order_by("entity__kind", "label")
        ),
        "items": items,
    }


# Intelligence items --------------------------------------------------------------------------


def sar_behaviour_codes():
    """Each item's ISE-SAR behaviours as one JSON array (null for none), a correlated subquery
    of the rows' own query along the (item, behaviour) index: a list shows them for no query."""
    rows = SARBehaviour.objects.filter(item=OuterRef("pk")).values("item")
    return Subquery(rows.annotate(codes=JSONArrayAgg("behaviour")).values("codes"))


def item_list_queryset(user):
    # Not the case: an item's case is shown only where the agency may see the case too.
    return (items_visible_to(user).select_related("owner")
            .annotate(behaviour_codes=sar_behaviour_codes()))


CORRECTIONS_SHOWN = 20


def item_detail_parts(item, user):
    annotations, annotations_next = annotations_page(item=item)
    parts = {
        "annotations": annotations,
        "annotations_next": annotations_next,
        "attachments": attachments_of(item=item),
        "shares": shares_seen_by(user, shares_of(item), item.owner_id == user.agency_id),
        "subjects": list(
            ItemEntity.objects.filter(item=item)
            .select_related("entity")
            .order_by("entity__kind", "label")
        ),
        # Responses to an RFI, and the RFI a response answers, only where this agency sees them.
        "responses": list(
            items_visible_to(user)
            .filter(in_response_to=item)
            .select_related("owner")
            .order_by("created_at", "id")
        )
        if item.kind == IntelligenceItem.Kind.RFI
        else [],
        "rfi": items_visible_to(user).filter(pk=item.in_response_to_id).first()
        if item.in_response_to_id
        else None,
        # The case is shown only if this agency sees it too.
        "case": cases_visible_to(user).filter(pk=item.case_id).first() if item.case_id else None,
        # 28 CFR 23.20(h): the corrections sent to the agencies it reached (fields, not text).
        "corrections": list(item.corrections.order_by("-at", "-id")[:CORRECTIONS_SHOWN])
        if item.is_intelligence
        else [],
        # A SAR's ISE-SAR behaviours, (number, label) in the standard's order.
        "behaviours": sar.labelled(
            SARBehaviour.objects.filter(item=item).values_list("behaviour", flat=True))
        if item.kind == IntelligenceItem.Kind.SAR
        else [],
    }
    return parts


# Sharing: what the share dialog may offer ------------------------------------------------------


def share_options(user, obj, held=None):
    """The recipients and levels that sharing.permissions.check_share would accept from this
    user on obj, so the dialog never offers a share that will be refused.

    Mirrors check_share's handling rules (tests/cases/test_pages_share.py proves the two agree
    on every agency, center, the network and every level). Returns a dict with `levels`,
    `agencies`, `centers` and `network` (bool); all empty when the user may not share at all.
    Three queries at most.
    """
    none = {"levels": [], "agencies": [], "centers": [], "network": False}
    held = level_of(user, obj) if held is None else held
    if held is None or held < Level.MANAGE:
        return none
    if getattr(obj, "intelligence_status", "") in (cfr23.Status.PENDING, cfr23.Status.REJECTED):
        return none  # 28 CFR 23.20(a): not criminal intelligence, not shared
    is_owner = held == Level.OWNER
    tlp = obj.tlp
    if tlp in (TLP.RED, TLP.AMBER_STRICT) and not is_owner:
        return none
    levels = [lv for lv in (Level.VIEW, Level.ANNOTATE, Level.EDIT, Level.MANAGE) if lv <= held]
    if tlp in (TLP.RED, TLP.AMBER_STRICT):
        levels = [lv for lv in levels if lv != Level.MANAGE]
    agencies = Agency.objects.exclude(pk__in={obj.owner_id, user.agency_id})
    centers = FusionCenter.objects.all()
    if tlp == TLP.AMBER and not is_owner:
        own_centers = Membership.objects.filter(
            agency_id=user.agency_id, status=Membership.Status.ACTIVE
        ).values("center_id")
        centers = centers.filter(pk__in=own_centers)
        agencies = agencies.filter(
            pk__in=Membership.objects.filter(
                center_id__in=own_centers, status=Membership.Status.ACTIVE
            ).values("agency_id")
        )
    if tlp == TLP.RED:
        centers = centers.none()
    if getattr(obj, "is_intelligence", False):
        agencies = agencies.filter(law_enforcement=True)  # 28 CFR 23.20(e)
    return {
        "levels": levels,
        "agencies": list(agencies.order_by("home_state", "name")),
        "centers": list(centers.order_by("state", "name")) if tlp != TLP.RED else [],
        "network": tlp == TLP.CLEAR,
    }


# Tasks on cases ------------------------------------------------------------------------------

# How many open tasks the case page shows; the rest are on the case's task list.
TASKS_SHOWN = 10
# How many people a task's assignee menu offers (the API assigns anyone the rule allows).
ASSIGNEES_OFFERED = 200
# Where a task without a due date sorts: after every dated one.
NO_DUE_DATE = date(9999, 12, 31)
TASK_STATUSES = {"open": CaseTask.OPEN_STATUSES, "done": (CaseTask.Status.DONE,),
                 "all": tuple(CaseTask.Status.values)}


def _by_due_date(tasks):
    """Soonest due first, the undated last, then by id: the order every task list shows."""
    return (tasks.annotate(due_key=Coalesce("due_date", Value(NO_DUE_DATE)))
            .order_by("due_key", "id"))


def _with_overdue(tasks, today):
    """Mark each task not done whose due date is before `today` (the reader's day, in the time
    zone of the page)."""
    for task in tasks:
        task.overdue = (task.due_date is not None and task.due_date < today
                        and task.status != CaseTask.Status.DONE)
    return tasks


def _task_page(tasks, *, cursor, size, today):
    """(a page of `tasks` by due date, the cursor of the next one or None): keyset on (due date,
    id), so a page costs one query however deep. ValidationError for a cursor this portal did
    not give out."""
    tasks = _by_due_date(tasks)
    if cursor:
        try:
            due, pk = decode_core_cursor(cursor, kind=DATE)
        except InvalidCursor as error:
            raise ValidationError(INVALID_PAGE_LINK) from error
        tasks = tasks.filter(Q(due_key__gt=due) | Q(due_key=due, id__gt=pk))
    rows = list(tasks[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        next_cursor = encode_core_cursor(rows[-1].due_key, rows[-1].pk)
    return _with_overdue(rows, today), next_cursor


def open_tasks_of(case, *, today, size=TASKS_SHOWN):
    """The case's tasks not done yet, soonest due first (at most `size`, with their assignees),
    and whether there are more: one query along the (case, status, due date) index."""
    rows = list(_by_due_date(
        CaseTask.objects.filter(case=case, status__in=CaseTask.OPEN_STATUSES)
        .select_related("assignee__agency")
    )[: size + 1])
    return _with_overdue(rows[:size], today), len(rows) > size


def case_tasks_page(case, *, today, status="open", cursor=None, size=PAGE_SIZE):
    """A page of a case's tasks of `status` ("open": open or in progress, "done", "all"), by due
    date, and the cursor of the next page (the case is one the caller fetched through the
    permission service)."""
    if status not in TASK_STATUSES:
        raise ValidationError("Show open tasks, done tasks or all of them.")
    tasks = CaseTask.objects.filter(case=case, status__in=TASK_STATUSES[status]).select_related(
        "assignee__agency")
    return _task_page(tasks, cursor=cursor, size=size, today=today)


def my_tasks_page(user, *, today, cursor=None, size=PAGE_SIZE):
    """The tasks assigned to the user and not done yet, on the cases the user's agency sees now
    (a task of a case it stopped seeing is gone from here too), soonest due first: a page, and
    the cursor of the next one. One query: the user's tasks along the (assignee, status, due
    date) index, each asked of the permission rows through its case."""
    tasks = tasks_visible_to(user).filter(
        assignee=user, status__in=CaseTask.OPEN_STATUSES
    ).select_related("case__owner", "assignee__agency")
    return _task_page(tasks, cursor=cursor, size=size, today=today)


def task_assignees(user, case, *, shares=None):
    """The people the user may assign a task of the case to: the active persons (no partner
    system's account) of the agencies that may annotate it, as the user's agency may know them
    (sharing.permissions.agencies_holding_known_to; `shares`: the case's shares the page read
    already), the user's own agency first, then by agency and name; at most ASSIGNEES_OFFERED.
    One query."""
    agencies = agencies_holding_known_to(user, case, Level.ANNOTATE, shares=shares)
    own = Choose(When(agency_id=user.agency_id, then=Value(0)), default=Value(1))
    return list(
        User.objects.filter(agency__in=agencies, is_active=True, api_key__isnull=True)
        .select_related("agency").annotate(own_agency=own)
        .order_by("own_agency", "agency__name", "last_name", "first_name", "username")
        [:ASSIGNEES_OFFERED]
    )
