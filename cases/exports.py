"""What a PDF export of a case or an item holds, and the record of each export.

An export is read as the pages read (the permission service: the case or item through
`get_visible_or_404`, the case's items through `items_visible_to`), bounded so that a case of
thousands of notes makes a PDF of a few pages: the latest `EXPORT_ROWS` of its items, notes and
subjects, and how many were left out. A fixed number of queries, whatever the case's size.

`export_record` is the one writer: the Export row (who, which agency, what, when, the version
given), the 28 CFR 23.20(g) dissemination record of every other agency's criminal
intelligence the PDF holds (as an API pull records it), and the access-log row of the download,
in one transaction. The views call it once the PDF is laid out, so a PDF that failed is never
recorded as disseminated.
"""

from django.db import transaction

from audit.models import AccessLog
from audit.services import log_access
from core.handling import handling_label, most_restrictive
from sharing.permissions import cases_visible_to, items_visible_to

from .models import Annotation, CaseEntity, Dissemination, Export, IntelligenceItem, ItemEntity

# How many of a case's (or an item's) items, notes and subjects a PDF holds, the latest first.
EXPORT_ROWS = 50


def _latest(queryset, order):
    """(the latest EXPORT_ROWS rows, how many were left out): two queries."""
    rows = list(queryset.order_by(*order)[:EXPORT_ROWS])
    return rows, max(queryset.order_by().count() - len(rows), 0)


def _notes(**target):
    return _latest(Annotation.objects.filter(**target).select_related("author", "agency"),
                   ("-created_at", "-id"))


def case_export_parts(case, reader):
    """What a case's PDF holds for the reader: its jurisdictions, the latest subjects, items the
    reader's agency itself may see, and notes, with the counts left out; and the overall
    marking, the most restrictive of the case's and its items'. Seven queries."""
    items, items_left_out = _latest(
        items_visible_to(reader).filter(case=case).select_related("owner"), ("-updated_at", "-id"))
    notes, notes_left_out = _notes(case=case)
    subjects, subjects_left_out = _latest(
        CaseEntity.objects.filter(case=case).select_related("entity"), ("-linked_at", "-id"))
    marked = [case, *items]
    return {
        "case": case,
        "jurisdictions": list(case.jurisdictions.all()),
        "items": items, "items_left_out": items_left_out,
        "notes": notes, "notes_left_out": notes_left_out,
        "subjects": subjects, "subjects_left_out": subjects_left_out,
        "tlp": most_restrictive([obj.tlp for obj in marked]),
        "les": any(obj.les for obj in marked),
    }


def item_export_parts(item, reader):
    """What an item's PDF holds: its text and labels, the latest subjects and notes with the
    counts left out, and its case's number where the reader's agency sees the case. Five
    queries (four without a case)."""
    notes, notes_left_out = _notes(item=item)
    subjects, subjects_left_out = _latest(
        ItemEntity.objects.filter(item=item).select_related("entity"), ("-linked_at", "-id"))
    case = cases_visible_to(reader).filter(pk=item.case_id).first() if item.case_id else None
    return {
        "item": item, "case": case,
        "notes": notes, "notes_left_out": notes_left_out,
        "subjects": subjects, "subjects_left_out": subjects_left_out,
        "tlp": item.tlp, "les": item.les,
    }


def _disseminated_intelligence(by, items):
    return [
        Dissemination(
            item=item, channel=Dissemination.Channel.EXPORT, recipient_agency_id=by.agency_id,
            recipient_label=by.agency.name, reason=f"Exported as a PDF by {by.get_username()}",
            by=by,
        )
        for item in items
        if isinstance(item, IntelligenceItem) and item.is_intelligence
        and item.owner_id != by.agency_id
    ]


@transaction.atomic
def export_record(*, by, obj, kind, tlp, les, items=(), held=(), withheld=(), contents=None):
    """Record one export by `by` for its agency: the Export row with the version given (its
    marking; of a product the portions held and withheld, of a case the items it held), the
    dissemination record of each other agency's criminal intelligence among `items` (the
    exported item itself included), and the access-log row of the download naming what the PDF
    disclosed. Three or four INSERTs, whatever the number of items."""
    target = {"case": obj} if kind == Export.Kind.CASE else {"item": obj}
    record = Export.objects.create(
        kind=kind, by=by, agency_id=by.agency_id, marking=handling_label(tlp, les),
        held=list(held), withheld=list(withheld), contents=contents or {}, **target,
    )
    released = _disseminated_intelligence(by, [obj, *items])
    if released:
        Dissemination.objects.bulk_create(released)
    log_access(
        action=AccessLog.Action.DOWNLOAD, actor=by, obj=obj,
        object_ids=[item.pk for item in items],
        detail={"export": record.pk, "format": "pdf", "marking": record.marking,
                "withheld": [w["portion"] for w in record.withheld]},
    )
    return record
