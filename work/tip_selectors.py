"""What the tip pages read: the subjects a call-taker's text names, the records that already hold
them (the duplicate hints, within the blind rules), a tip's triage row, and the queues of an
agency and of a center, newest first, a page at a time."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db.models import BooleanField, ExpressionWrapper, Q

from agencies.gate import is_center_admin
from agencies.models import User
from cases.entities import recognise_subjects
from cases.models import Case, CaseEntity, Entity, IntelligenceItem, ItemEntity
from core.cursors import InvalidCursor, decode_cursor, encode_cursor
from core.handling import TLP
from sharing.permissions import cases_visible_to, items_visible_to

from .models import TipTriage, TriageDeadline

# A tip that shares a subject with a tip at most this old is a possible duplicate of it.
RECENT_TIP_DAYS = 30
# How many links of the subjects typed are read for hints: the newest ones, by (entity) index.
HINT_LINKS_READ = 50
# How many subjects one text is checked for.
SUBJECTS_READ = 20
PAGE_SIZE = 50
INVALID_PAGE_LINK = "This page link is not one the portal gave out; start from the first page."
STATUSES = {"open": TipTriage.OPEN_STATUSES, **{value: (value,) for value in TipTriage.Status.values},
            "any": tuple(TipTriage.Status.values)}
STATUS_CHOICES = [("open", "Still to decide"), *TipTriage.Status.choices, ("any", "Any status")]
AGES = {"": None, "4": 4, "24": 24, "72": 72}


def deadline_hours(center):
    """The center's triage deadline, in hours (TriageDeadline.DEFAULT_HOURS without a row)."""
    if center is None:
        return TriageDeadline.DEFAULT_HOURS
    row = TriageDeadline.objects.filter(center=center).values_list("hours", flat=True).first()
    return row or TriageDeadline.DEFAULT_HOURS


def subjects_in(text):
    """The subjects written in a tip's text (cases.entities.recognise_subjects), at most
    SUBJECTS_READ of them."""
    return recognise_subjects(text)[:SUBJECTS_READ]


def hint_refs(subjects, *, now, exclude_item=None):
    """The records that hold one of `subjects` (dicts with kind, key and the value as typed):
    tips created in the last RECENT_TIP_DAYS and cases, newest link first, each once, as
    [{"type": "item"|"case", "id", "subject"}]: references only, for hints_shown to decide what
    a reader is told of each. Three queries whatever the number of subjects."""
    wanted = [(subject["kind"], subject["key"]) for subject in subjects if subject.get("key")]
    if not wanted:
        return []
    match = Q()
    for kind, key in wanted:
        match |= Q(kind=kind, key=key)
    typed = {(subject["kind"], subject["key"]): subject["value"] for subject in subjects}
    entities = {pk: typed[(kind, key)]
                for pk, kind, key in Entity.objects.filter(match).values_list("pk", "kind", "key")}
    if not entities:
        return []
    item_links = (ItemEntity.objects.filter(entity_id__in=entities, item__kind=IntelligenceItem.Kind.TIP,
                                            item__created_at__gte=now - timedelta(days=RECENT_TIP_DAYS))
                  .exclude(item__intelligence_status="purged"))
    if exclude_item is not None:
        item_links = item_links.exclude(item_id=exclude_item)
    refs, seen = [], set()
    for model, rows in (
        ("item", item_links.order_by("-linked_at", "-id").values_list("item_id", "entity_id")),
        ("case", CaseEntity.objects.filter(entity_id__in=entities)
         .order_by("-linked_at", "-id").values_list("case_id", "entity_id")),
    ):
        for pk, entity_id in rows[:HINT_LINKS_READ]:
            if (model, pk) not in seen:
                seen.add((model, pk))
                refs.append({"type": model, "id": pk, "subject": entities[entity_id]})
    return refs


def _told_blind(user, record, *, is_item):
    """Whether a reader who does not see `record` is told that it exists (the blind rules of
    deconfliction, cases.services.tell_watchers): never of TLP:RED, of information pending
    review or rejected, nor of criminal intelligence outside law enforcement."""
    if record.tlp == TLP.RED:
        return False
    if not is_item:
        return True
    status = record.intelligence_status
    if status in ("pending", "rejected", "purged"):
        return False
    return not (status == "intelligence" and not user.agency.law_enforcement)


def _contact(agency):
    parts = [agency.contact_name, agency.contact_email, agency.contact_phone]
    return ", ".join(part for part in parts if part) or "no contact on record"


def hints_shown(user, refs):
    """What the reader is told of each record behind `refs` now: a record its agency sees is
    named (number, title, link); one it does not see, when the blind rules allow, is a pointer
    (another agency holds a case or a tip on the subject, which agency, whom to call), once per
    agency and subject; else nothing. At most four queries."""
    return hints_told(user, refs, hint_records(user, refs))


def hint_records(user, refs):
    """The records behind `refs` (of one tip or of a page of tips) and which of them the
    reader's agency sees, read at once: at most four queries, whatever their number."""
    item_ids = [ref["id"] for ref in refs if ref["type"] == "item"]
    case_ids = [ref["id"] for ref in refs if ref["type"] == "case"]
    seen_items = set(items_visible_to(user).filter(pk__in=item_ids).values_list("pk", flat=True)) \
        if item_ids else set()
    seen_cases = set(cases_visible_to(user).filter(pk__in=case_ids).values_list("pk", flat=True)) \
        if case_ids else set()
    items = {item.pk: item for item in IntelligenceItem.objects.filter(pk__in=item_ids)
             .select_related("owner", "triage")} if item_ids else {}
    cases = {case.pk: case for case in Case.objects.filter(pk__in=case_ids)
             .select_related("owner")} if case_ids else {}
    return {"item": (items, seen_items), "case": (cases, seen_cases)}


def hints_told(user, refs, records):
    """hints_shown's answer for one tip's `refs`, of the records hint_records read (no query)."""
    shown, blind_told = [], set()
    for ref in refs:
        is_item = ref["type"] == "item"
        found, seen = records[ref["type"]]
        record = found.get(ref["id"])
        if record is None:
            continue
        if ref["id"] in seen:
            shown.append({"visible": True, "type": "tip" if is_item else "case",
                          "subject": ref["subject"], "id": record.pk,
                          "number": f"T-{record.pk}" if is_item else record.number,
                          "title": record.title, "agency": record.owner.name,
                          # A tip written on the item form has no triage page: its item page.
                          "triaged": is_item and hasattr(record, "triage")})
        elif _told_blind(user, record, is_item=is_item):
            once = (record.owner_id, ref["subject"], ref["type"])
            if once in blind_told:
                continue
            blind_told.add(once)
            shown.append({"visible": False, "type": "tip" if is_item else "case",
                          "subject": ref["subject"], "agency": record.owner.name,
                          "ori": record.owner.ori, "contact": _contact(record.owner)})
    return shown


def triage_of(tip):
    """The triage row of a tip the caller fetched through the permission service, or None."""
    return (TipTriage.objects.select_related("center", "assignee", "accepted_case", "decided_by")
            .filter(tip=tip).first())


def triages_visible(user, tip_ids):
    """The triage rows of those of `tip_ids` the user's agency sees (one query)."""
    if not tip_ids:
        return []
    return list(TipTriage.objects.filter(tip_id__in=items_visible_to(user).filter(pk__in=tip_ids)
                                         .values("pk")).select_related("tip"))


def triagers_of(agency):
    """Whom a tip of `agency` may be assigned to: its active people."""
    return User.objects.filter(agency=agency, is_active=True).order_by("last_name", "first_name",
                                                                       "username")


def queue_centers(user):
    """The centers whose queue the user reads: those it is a center admin of."""
    return user.center_admin_roles.select_related("center").order_by("center__name")


def center_queue_or_none(user, center):
    return center if is_center_admin(user, center) else None


def queue_page(user, *, now, agency=None, center=None, status="open", assignee="", overdue=False,
               older_than="", cursor=None, size=PAGE_SIZE):
    """(a page of one queue, the next page's cursor): the tips of `agency` (the user's own), or
    those filed to `center` (a center admin's), newest first, keyset on (created_at, id), one
    query however deep. Each row says whether the reader's agency sees the tip (`seen`): a row
    it does not see is shown by pointer (number, agency, status, age) only. ValidationError for
    a filter or cursor the portal did not give out."""
    if status not in STATUSES or older_than not in AGES:
        raise ValidationError("Choose what to show from the filters offered.")
    rows = TipTriage.objects.filter(agency=agency) if center is None else \
        TipTriage.objects.filter(center=center)
    rows = rows.filter(status__in=STATUSES[status])
    if assignee == "me":
        rows = rows.filter(assignee=user)
    elif assignee == "nobody":
        rows = rows.filter(assignee__isnull=True)
    elif assignee:
        try:
            rows = rows.filter(assignee_id=int(assignee))
        except ValueError as error:
            raise ValidationError("Choose what to show from the filters offered.") from error
    if overdue:
        rows = rows.filter(status__in=TipTriage.OPEN_STATUSES, due_at__lt=now)
    if AGES[older_than]:
        rows = rows.filter(created_at__lt=now - timedelta(hours=AGES[older_than]))
    if cursor:
        try:
            created, pk = decode_cursor(cursor)
        except (InvalidCursor, ValueError) as error:
            raise ValidationError(INVALID_PAGE_LINK) from error
        rows = rows.filter(Q(created_at__lt=created) | Q(created_at=created, id__lt=pk))
    rows = rows.annotate(seen=ExpressionWrapper(Q(tip_id__in=items_visible_to(user).values("pk")),
                                             output_field=BooleanField()))
    rows = list(rows.select_related("tip", "agency", "assignee", "center")
                .order_by("-created_at", "-id")[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        next_cursor = encode_cursor(rows[-1].created_at, rows[-1].pk)
    for row in rows:
        row.overdue = row.is_overdue(now)
    return rows, next_cursor
