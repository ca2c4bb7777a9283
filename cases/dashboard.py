"""The home page's figures (issue 18): what the reader's agency may see, and nothing else.

Every figure is counted over the cases and items `sharing.permissions` says the agency sees now:

- my work: the reader's unread notifications, the cases the reader follows (visible ones only),
  and, for a 28 CFR Part 23 reviewer, the agency's review queue counts (its own records); what is
  the reader's to do (tasks, RFIs, reviews) is work.queue's, beside it on the page;
- open cases per state: the states of the visible open cases (a case in two states counts in
  both);
- new cases and items per week: visible ones created in each of the last WEEKS weeks, read from
  the visibility rows changed in that window (`visible_changed_since`), so the cost follows the
  window, not the visible set;
- alerts per state: the state-line alerts (`CaseAlert`, one per case and state) whose case the
  agency sees. An alert addressed to one of the agency's centers about a case the agency does
  not see is not counted: its existence, and so the case's, is not the agency's to know;
- median time to the first annotation: for the visible alerts of the same window, the time from
  the alert to the first annotation made on that case after it; alerts still awaiting one are
  counted apart.
"""

from datetime import datetime, timedelta
from statistics import median

from django.db.models import Count, Min, OuterRef, Subquery
from django.db.models.functions import TruncWeek
from django.utils import timezone

from core.states import STATES
from notifications.models import CaseAlert, Follow
from notifications.selectors import inbox_page, unread_count
from sharing.permissions import cases_visible_to, visible_changed_since, visible_ids

from .models import Annotation, Case, IntelligenceItem, Jurisdiction
from .selectors import review_queue

WEEKS = 12
UNREAD_SHOWN = 5
FOLLOWED_SHOWN = 5


def week_starts(now, weeks=WEEKS):
    """The Mondays (local dates) that start each of the last `weeks` weeks, oldest first."""
    today = timezone.localdate(now)
    this_monday = today - timedelta(days=today.weekday())
    return [this_monday - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]


def _per_week(model, user, since, starts):
    rows = (
        model.objects.filter(id__in=visible_changed_since(model, user, since),
                             created_at__gte=since)
        .annotate(week=TruncWeek("created_at"))
        .values("week").annotate(n=Count("id")).order_by()
    )
    counts = {}
    for row in rows:
        week = row["week"]
        week = week.date() if hasattr(week, "date") else week
        counts[week] = counts.get(week, 0) + row["n"]
    return [counts.get(start, 0) for start in starts]


def duration_text(seconds):
    """A wait as people say it: '3 h 5 min', '12 min', '40 s', '2 d 4 h'."""
    seconds = int(round(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min"
    return f"{secs} s"


def _since(starts):
    first = starts[0]
    return timezone.make_aware(datetime(first.year, first.month, first.day))


def my_work(user, *, today):
    """The reader's own panel: what waits for it. Each part is a few queries, whatever the data."""
    followed = list(
        cases_visible_to(user)
        .filter(id__in=Follow.objects.filter(user=user).values("case_id"))
        .order_by("-updated_at", "-id")[:FOLLOWED_SHOWN]
    )
    work = {
        "unread": unread_count(user),
        "followed": followed,
        "review": None,
    }
    if user.intelligence_reviewer and user.agency_id is not None:
        work["review"] = review_queue(user.agency, today=today)["counts"]
    return work


def figures(user, *, now=None):
    """The dashboard's figures for the reader (see the module's docstring)."""
    now = now or timezone.now()
    starts = week_starts(now)
    since = _since(starts)
    visible_cases = cases_visible_to(user)
    # The alerts' own case ids are matched against the visibility rows directly.
    visible_case_ids = visible_ids(Case, user)

    open_by_state = dict(
        Jurisdiction.objects.filter(case_id__in=visible_cases.filter(status=Case.Status.OPEN)
                                    .values("id"))
        .values("state").annotate(n=Count("case_id", distinct=True)).order_by()
        .values_list("state", "n")
    )
    alerts_by_state = dict(
        CaseAlert.objects.filter(case_id__in=visible_case_ids)
        .values("state").annotate(n=Count("id")).order_by().values_list("state", "n")
    )
    first_note = (
        Annotation.objects.filter(case_id=OuterRef("case_id"), created_at__gte=OuterRef("created_at"))
        .order_by().values("case_id").annotate(first=Min("created_at")).values("first")[:1]
    )
    answered = list(
        CaseAlert.objects.filter(case_id__in=visible_case_ids, created_at__gte=since)
        .annotate(first=Subquery(first_note)).values_list("created_at", "first")
    )
    waits = [(first - at).total_seconds() for at, first in answered if first is not None]
    cases_per_week = _per_week(Case, user, since, starts)
    items_per_week = _per_week(IntelligenceItem, user, since, starts)
    states = [
        {"code": code, "name": name, "open_cases": open_by_state.get(code, 0),
         "alerts": alerts_by_state.get(code, 0)}
        for code, name in STATES.items()
    ]
    return {
        "states": states,
        "open_cases_total": sum(open_by_state.values()),
        "alerts_total": sum(alerts_by_state.values()),
        "weeks": [
            {"start": start.isoformat(), "cases": c, "items": i}
            for start, c, i in zip(starts, cases_per_week, items_per_week, strict=True)
        ],
        "first_annotation": {
            "median_seconds": median(waits) if waits else None,
            "median_text": duration_text(median(waits)) if waits else None,
            "answered": len(waits),
            "waiting": len(answered) - len(waits),
        },
    }


def unread_latest(user):
    rows, _ = inbox_page(user, size=UNREAD_SHOWN, unread_only=True)
    return rows

