"""My work: one queue of what is the reader's to do, soonest due first, merged from sources.

A source is one small function that returns the reader's rows of one kind, all of one shape
(`WorkRow`: kind, title, due, url, overdue, what to do), at most `limit` of them, soonest due
first, in one bounded query through the permission service: a task of a case the reader's
agency no longer sees, or an RFI it no longer sees, is not there. Each source also counts its
rows (one query), for the navigation's count. Adding a kind of work is one more `Source` in
SOURCES.

The queue then costs one query per source that applies to the reader, whatever the number of
rows; it shows the soonest SHOWN, and links to each source's full list."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Case as Choose
from django.db.models import DateField, F, Q, When
from django.urls import reverse
from django.utils import timezone

from cases import intelligence as cfr23
from cases.models import CaseTask
from cases.selectors import my_tasks_page
from sharing.permissions import items_visible_to, tasks_visible_to

from . import selectors
from .models import Referral, TipTriage

SHOWN = 10


@dataclass(frozen=True)
class WorkRow:
    kind: str  # the Source's kind
    title: str
    due: date | None  # None: no due date (last in the queue)
    url: str
    overdue: bool
    todo: str  # what to do, in the reader's words
    where: str = ""  # what it belongs to: a case number, the agency that asks
    id: int = 0  # the task's, the RFI's or the record's id
    # (object type, id) of the case or item whose title or number the row shows: what the access
    # log names of the queue.
    discloses: tuple = ("", 0)

    @property
    def label(self):
        return LABELS[self.kind]


@dataclass(frozen=True)
class Source:
    kind: str
    label: str  # a row's tag, e.g. "RFI"
    all_label: str  # the link to the full list, e.g. "All RFIs to answer"
    rows: Callable  # rows(user, *, today, limit) -> [WorkRow], soonest due first
    count: Callable  # count(user, *, today) -> int
    list_url: Callable  # list_url() -> the full list's URL
    applies: Callable = lambda user: user.agency_id is not None


# Tasks assigned to me ------------------------------------------------------------------------


def task_rows(user, *, today, limit):
    tasks, _ = my_tasks_page(user, today=today, size=limit)
    return [WorkRow(
        kind="task", title=task.title, due=task.due_date,
        url=reverse("case-detail", args=[task.case_id]) + "#tasks", overdue=task.overdue,
        todo="Do it" if task.status == CaseTask.Status.OPEN else "Finish it",
        where=task.case.number, id=task.pk, discloses=("case", task.case_id),
    ) for task in tasks]


def task_count(user, *, today):
    return tasks_visible_to(user).filter(assignee=user,
                                         status__in=CaseTask.OPEN_STATUSES).count()


# Requests for information to answer -----------------------------------------------------------


def rfi_rows(user, *, today, limit):
    requests = (selectors.requests_of(user).filter(selectors.to_answer(user))
                .select_related("rfi__owner").order_by("due_date", "id")[:limit])
    return [WorkRow(
        kind="rfi", title=request.rfi.title, due=request.due_date,
        url=reverse("rfi-detail", args=[request.rfi_id]), overdue=request.is_overdue(today),
        todo="Answer it" if request.taken_by_id == user.pk else "Take it, or answer it",
        where=f"asked by {request.rfi.owner.name}", id=request.rfi_id,
        discloses=("intelligenceitem", request.rfi_id),
    ) for request in requests]


def rfi_count(user, *, today):
    return selectors.requests_of(user).filter(selectors.to_answer(user)).count()


# 28 CFR Part 23 reviews (a reviewer of the agency) --------------------------------------------


def _reviews(user, today):
    """The agency's own records a reviewer has to decide on: criminal intelligence due for its
    review within REVIEW_SOON_DAYS (or overdue), and information pending review (no date), along
    the (owner, status, review_by) index."""
    horizon = today + timedelta(days=cfr23.REVIEW_SOON_DAYS)
    return items_visible_to(user).filter(
        Q(intelligence_status=cfr23.Status.INTELLIGENCE, review_by__lte=horizon)
        | Q(intelligence_status=cfr23.Status.PENDING),
        owner_id=user.agency_id,
    )


def review_rows(user, *, today, limit):
    due = Choose(When(intelligence_status=cfr23.Status.INTELLIGENCE, then=F("review_by")),
                 default=None, output_field=DateField())
    items = (_reviews(user, today).annotate(due=due)
             .order_by(F("due").asc(nulls_last=True), "created_at", "id")
             .only("id", "title", "intelligence_status", "review_by")[:limit])
    return [WorkRow(
        kind="review", title=item.title, due=item.due,
        url=reverse("item-detail", args=[item.pk]),
        overdue=item.due is not None and item.due < today,
        todo=("Review it: validate, or purge" if item.due is not None
              else "Accept it as criminal intelligence, or reject it"),
        where="28 CFR Part 23", id=item.pk, discloses=("intelligenceitem", item.pk),
    ) for item in items]


def review_count(user, *, today):
    return _reviews(user, today).count()


# Tips assigned to me (their agency's triage queue) ---------------------------------------------


TIP_TODO = {TipTriage.Status.ASSIGNED: "Review it",
            TipTriage.Status.IN_REVIEW: "Accept it, refer it or close it"}


def _my_tips(user):
    """The open tips of the queue assigned to the user, along the (assignee, status, due) index,
    of those the user's agency sees (the permission service)."""
    return TipTriage.objects.filter(assignee_id=user.pk, status__in=tuple(TIP_TODO),
                                    tip__in=items_visible_to(user))


def tip_rows(user, *, today, limit):
    now = timezone.now()
    triages = _my_tips(user).select_related("tip").order_by("due_at", "id")[:limit]
    return [WorkRow(
        kind="tip", title=triage.tip.title, due=timezone.localdate(triage.due_at),
        url=reverse("tip-detail", args=[triage.tip_id]), overdue=triage.is_overdue(now),
        todo=TIP_TODO[triage.status], where=triage.number, id=triage.tip_id,
        discloses=("intelligenceitem", triage.tip_id),
    ) for triage in triages]


def tip_count(user, *, today):
    return _my_tips(user).count()


# Referrals to my agency, to act on -------------------------------------------------------------


REFERRAL_TODO = {Referral.Status.OPEN: "Acknowledge it",
                 Referral.Status.ACKNOWLEDGED: "Close it with its outcome"}


def _referrals_to_us(user):
    return Referral.objects.filter(to_agency_id=user.agency_id,
                                   status__in=Referral.PENDING_STATUSES)


def referral_rows(user, *, today, limit):
    """The pending referrals to the user's agency. The referred record's title only where the
    agency sees it now (selectors.mark_seen: one query per kind of record); otherwise its number,
    as the referral's own page names it."""
    referrals = selectors.mark_seen(user, list(
        _referrals_to_us(user).select_related("case", "item", "from_agency")
        .order_by("due_date", "id")[:limit]))
    rows = []
    for referral in referrals:
        record = referral.referred
        number = (f"case {record.number}" if referral.case_id
                  else f"{record.get_kind_display().lower()} #{record.pk}")
        rows.append(WorkRow(
            kind="referral", title=record.title if referral.sees else f"Referral of {number}",
            due=referral.due_date, url=reverse("referral-detail", args=[referral.pk]),
            overdue=referral.is_overdue(today), todo=REFERRAL_TODO[referral.status],
            where=f"from {referral.from_agency.name}", id=referral.pk,
            discloses=(("case" if referral.case_id else "intelligenceitem", record.pk)
                       if referral.sees else ("", 0)),
        ))
    return rows


def referral_count(user, *, today):
    return _referrals_to_us(user).count()


SOURCES = (
    Source("task", "Task", "All my tasks", task_rows, task_count, lambda: reverse("my-tasks")),
    Source("rfi", "RFI", "All RFIs addressed to us", rfi_rows, rfi_count,
           lambda: reverse("rfi-list") + "?side=to_us"),
    Source("tip", "Tip", "Our triage queue", tip_rows, tip_count,
           lambda: reverse("tip-queue")),
    Source("referral", "Referral", "All referrals to us", referral_rows, referral_count,
           lambda: reverse("referral-list") + "?side=to_us"),
    Source("review", "28 CFR 23 review", "The review queue", review_rows, review_count,
           lambda: reverse("review-queue"),
           applies=lambda user: user.agency_id is not None and user.intelligence_reviewer),
)
LABELS = {source.kind: source.label for source in SOURCES}


@dataclass(frozen=True)
class Queue:
    rows: list  # the soonest SHOWN WorkRows, overdue first by nature of the order
    more: bool  # more rows wait than are shown
    links: list  # (label, url) of each source's full list


def _order(row):
    return (row.due is None, row.due or date.max, row.kind, row.id)


def sources_for(user):
    return [source for source in SOURCES if source.applies(user)]


def my_work(user, *, today, shown=SHOWN):
    """The reader's queue: the soonest `shown` rows of every source that applies, undated ones
    last. One query per source."""
    rows = []
    for source in sources_for(user):
        rows += source.rows(user, today=today, limit=shown + 1)
    rows.sort(key=_order)
    return Queue(rows=rows[:shown], more=len(rows) > shown,
                 links=[(source.all_label, source.list_url()) for source in sources_for(user)])


def my_work_count(user, *, today):
    """How many rows the reader's whole queue holds: one count per source that applies."""
    return sum(source.count(user, today=today) for source in sources_for(user))
