"""28 CFR Part 23: the compliance report of one agency for an auditor, over a date range.

What it counts and lists is metadata only: ids, kinds, statuses, categories, labels, dates, who
decided and the dissemination record's recipients. Never a title, a body, a predicate's text, a
subject or a file's name: an auditor reads how the rule was applied, not the intelligence.

Who may read it is agencies.gate.may_audit's answer (the view asks); this module only reads.
The reasons people wrote (of a dissemination, of a purge) are free text that may repeat what a
record says: the lists give them to the agency's own readers only (`reasons=True`), as the
item's dissemination record does; a center's admins and auditors read the rest.

Cost: the counts are four grouped queries (the agency's records through the (owner, status,
review_by) index; its purges; its corrections; its disseminations through their item), and a
list is one keyset page, whatever the agency holds. A category's list, and the CSV, read only
the agency's own records of that category.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.cursors import DATE, DATETIME, InvalidCursor, decode_cursor, encode_cursor

from . import intelligence as cfr23
from .intelligence import REVIEW_SOON_DAYS
from .models import Dissemination, IntelligenceItem, ItemCorrection

REPORT_PAGE_SIZE = 50
DEFAULT_DAYS = 365
Status = cfr23.Status


@dataclass(frozen=True)
class Period:
    """From the first moment of `first` to the last of `last` (both included), in the
    reader's time zone, and the day the report is as of (overdue and due are today's)."""

    first: object  # date
    last: object  # date
    today: object  # date

    @classmethod
    def default(cls, today):
        return cls(first=today - timedelta(days=DEFAULT_DAYS), last=today, today=today)

    @property
    def since(self):
        return timezone.make_aware(datetime.combine(self.first, time.min))

    @property
    def until(self):
        """The first moment after the period (exclusive)."""
        return timezone.make_aware(datetime.combine(self.last + timedelta(days=1), time.min))

    def during(self, field):
        return Q(**{f"{field}__gte": self.since, f"{field}__lt": self.until})

    @property
    def horizon(self):
        return self.today + timedelta(days=REVIEW_SOON_DAYS)


@dataclass(frozen=True)
class Category:
    name: str
    label: str
    # How the records of the category are found, and the date (never null for them) that orders
    # its list, with its cursor kind.
    where: object
    order: str
    kind: str = DATETIME
    # The row comes from this model: items, corrections or disseminations.
    source: str = "item"


def categories(period):
    """Every list of the report, in the order the page and the CSV give them."""
    intelligence = Q(intelligence_status=Status.INTELLIGENCE)
    return {c.name: c for c in (
        Category("pending", "Information pending review",
                 Q(intelligence_status=Status.PENDING), "created_at"),
        Category("intelligence", "Criminal intelligence",
                 intelligence, "created_at"),
        Category("rejected", "Rejected: not criminal intelligence",
                 Q(intelligence_status=Status.REJECTED), "created_at"),
        Category("predicate_missing", "Criminal intelligence with its predicate missing",
                 intelligence & Q(predicate=""), "created_at"),
        Category("overdue", "Review overdue",
                 intelligence & Q(review_by__lt=period.today), "review_by", DATE),
        Category("due_soon", f"Review due within {REVIEW_SOON_DAYS} days",
                 intelligence & Q(review_by__gte=period.today, review_by__lte=period.horizon),
                 "review_by", DATE),
        Category("validated", "Accepted or validated in the range",
                 ~Q(intelligence_status="") & period.during("validated_at"), "validated_at"),
        Category("purged", "Purged in the range",
                 Q(intelligence_status=Status.PURGED) & period.during("purged_at"), "purged_at"),
        Category("corrections", "Corrections in the range", period.during("at"), "at",
                 source="correction"),
        Category("disseminations", "Disseminations in the range", period.during("at"), "at",
                 source="dissemination"),
    )}


def _records(agency):
    return IntelligenceItem.objects.filter(owner=agency).exclude(intelligence_status="")


def report_counts(agency, period):
    """Every count of the report: four queries, whatever the agency holds."""
    found = categories(period)
    submitted = period.during("created_at")
    # Counting a column of the (owner, status, review_by) index, not the id.
    records = _records(agency).aggregate(
        **{f"now_{s}": Count("intelligence_status", filter=Q(intelligence_status=s))
           for s in Status.values if s},
        **{f"submitted_{s}": Count("intelligence_status", filter=Q(intelligence_status=s) & submitted)
           for s in Status.values if s},
        **{name: Count("intelligence_status", filter=found[name].where)
           for name in ("predicate_missing", "overdue", "due_soon", "validated", "purged")},
    )
    purges = list(
        _records(agency).filter(found["purged"].where)
        .values("purged_by__username").annotate(n=Count("*"))
        # The automatic purge (no one) first, on every database.
        .order_by("-n", F("purged_by__username").asc(nulls_first=True))
    )
    corrections = ItemCorrection.objects.filter(item__owner=agency).filter(
        found["corrections"].where
    ).aggregate(n=Count("*"), agencies_told=Coalesce(Sum("agencies_told"), 0))
    recipients = list(
        Dissemination.objects.filter(item__owner=agency).filter(found["disseminations"].where)
        .values("recipient_label", "channel").annotate(n=Count("*"))
        .order_by("-n", "recipient_label", "channel")
    )
    channels = dict(Dissemination.Channel.choices)
    for row in recipients:
        row["channel_label"] = channels.get(row["channel"], row["channel"])
    statuses = [
        {"status": s, "label": label, "now": records[f"now_{s}"],
         "submitted": records[f"submitted_{s}"]}
        for s, label in Status.choices if s
    ]
    return {
        "statuses": statuses,
        "predicate_missing": records["predicate_missing"],
        "overdue": records["overdue"],
        "due_soon": records["due_soon"],
        "validated": records["validated"],
        "purged": records["purged"],
        "purges_by": [{"by": row["purged_by__username"], "n": row["n"]} for row in purges],
        "corrections": corrections["n"],
        "corrections_agencies_told": corrections["agencies_told"],
        "disseminations": sum(row["n"] for row in recipients),
        "recipients": recipients,
    }


# The rows: plain values, metadata only --------------------------------------------------------

ITEM_FIELDS = (
    "id", "kind", "intelligence_status", "criminal_activity", "sensitivity", "source_reliability",
    "content_validity", "control_official__username", "created_at", "validated_at", "review_by",
    "purged_at", "purged_by__username", "purge_reason",
)
CORRECTION_FIELDS = ("id", "item_id", "at", "version", "fields", "by__username", "agencies_told")
DISSEMINATION_FIELDS = (
    "id", "item_id", "at", "channel", "recipient_label", "recipient_agency__ori", "reason",
    "by__username",
)
_KINDS = dict(IntelligenceItem.Kind.choices)
_STATUSES = dict(Status.choices)
_ACTIVITIES = dict(cfr23.CriminalActivity.choices)
_SENSITIVITIES = dict(cfr23.Sensitivity.choices)
_CHANNELS = dict(Dissemination.Channel.choices)


def _item_row(values, reasons):
    evaluation = f"{values['source_reliability']}{values['content_validity']}"
    return {
        "record": values["id"],
        "kind": _KINDS.get(values["kind"], values["kind"]),
        "status": _STATUSES.get(values["intelligence_status"], values["intelligence_status"]),
        "criminal_activity": _ACTIVITIES.get(values["criminal_activity"], ""),
        "sensitivity": _SENSITIVITIES.get(values["sensitivity"], ""),
        "evaluation": evaluation,
        "control_official": values["control_official__username"] or "",
        "submitted": values["created_at"],
        "validated": values["validated_at"],
        "review_by": values["review_by"],
        "purged": values["purged_at"],
        "purged_by": (values["purged_by__username"] or "automatic") if values["purged_at"] else "",
        "purge_reason": values["purge_reason"] if reasons else "",
        "disseminations": values["dissemination_count"],
    }


def _correction_row(values, reasons):
    return {
        "record": values["item_id"], "at": values["at"], "version": values["version"],
        "fields": ", ".join(str(name) for name in values["fields"] or []),
        "by": values["by__username"] or "", "agencies_told": values["agencies_told"],
    }


def _dissemination_row(values, reasons):
    return {
        "record": values["item_id"], "at": values["at"],
        "channel": _CHANNELS.get(values["channel"], values["channel"]),
        "recipient": values["recipient_label"], "recipient_ori": values["recipient_agency__ori"] or "",
        "reason": values["reason"] if reasons else "", "by": values["by__username"] or "",
    }


def _rows_of(agency, category, reasons):
    """The category's records as a values() queryset (no content column), in list order, and
    the function that makes a row of each."""
    if category.source == "correction":
        queryset = ItemCorrection.objects.filter(item__owner=agency).values(*CORRECTION_FIELDS)
        to_row = _correction_row
    elif category.source == "dissemination":
        fields = [f for f in DISSEMINATION_FIELDS if reasons or f != "reason"]
        queryset = Dissemination.objects.filter(item__owner=agency).values(*fields)
        to_row = _dissemination_row
    else:
        told = (
            Dissemination.objects.filter(item=OuterRef("pk")).order_by()
            .values("item").annotate(n=Count("*")).values("n")
        )
        fields = [f for f in ITEM_FIELDS if reasons or f != "purge_reason"]
        queryset = (
            _records(agency).annotate(dissemination_count=Coalesce(Subquery(told), 0))
            .values(*fields, "dissemination_count")
        )
        to_row = _item_row
    queryset = queryset.filter(category.where).order_by(category.order, "id")
    return queryset, lambda values: to_row(values, reasons)


def report_page(agency, period, name, cursor=None, size=REPORT_PAGE_SIZE, *, reasons=False):
    """One keyset page of a category's list, oldest first: (rows, next cursor). One query.
    A cursor not given out for this list is refused (ValidationError)."""
    category = categories(period).get(name)
    if category is None:
        raise ValidationError("There is no such list in the report.", code="unknown_list")
    queryset, to_row = _rows_of(agency, category, reasons)
    if cursor:
        try:
            value, pk = decode_cursor(cursor, kind=category.kind, sort=name)
        except InvalidCursor as error:
            raise ValidationError(
                "That page link is not valid; start again from the first page.",
                code="invalid_cursor",
            ) from error
        order = category.order
        queryset = queryset.filter(Q(**{f"{order}__gt": value}) | Q(**{order: value, "id__gt": pk}))
    found = list(queryset[: size + 1])
    next_cursor = None
    if len(found) > size:
        found = found[:size]
        last = found[-1]
        next_cursor = encode_cursor(last[category.order], last["id"], sort=name)
    return [to_row(values) for values in found], next_cursor


def report_rows(agency, period, chunk_size=2000, *, reasons=False):
    """Every list of the report, category by category, each record a row (for the CSV): a
    server-side cursor per category on PostgreSQL, never the whole report in memory."""
    for category in categories(period).values():
        queryset, to_row = _rows_of(agency, category, reasons)
        for values in queryset.iterator(chunk_size=chunk_size):
            yield category, to_row(values)
