"""The home page as a dashboard (issue 18): every figure counts only what the reader's agency
sees; another agency's hidden cases change none of them; its cost does not grow with the cases.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.dashboard import duration_text, figures, week_starts
from cases.models import Case
from core.handling import Level
from notifications.models import CaseAlert, Follow
from sharing.models import Share
from sharing.services import share
from tests.base import HttpsClient


@pytest.fixture
def client():
    return HttpsClient()


def _by_state(data, key):
    return {row["code"]: row[key] for row in data["states"] if row[key]}


@pytest.fixture
def florida(make_case, make_item, analyst_fl):
    """MBI's own: two open cases (FL+LA, FL) and a closed one (FL+GA), two items this week."""
    spanning = make_case(analyst_fl, states=("FL", "LA"))
    make_case(analyst_fl, states=("FL",))
    closed = make_case(analyst_fl, states=("FL", "GA"))
    Case.objects.filter(pk=closed.pk).update(status=Case.Status.CLOSED)
    make_item(analyst_fl)
    make_item(analyst_fl)
    return spanning


def test_figures_count_what_the_agency_sees(florida, analyst_fl):
    data = figures(analyst_fl)
    assert _by_state(data, "open_cases") == {"FL": 2, "LA": 1}
    assert data["open_cases_total"] == 3
    # One alert per case and state of the cases spanning state lines, closed ones included.
    assert _by_state(data, "alerts") == {"FL": 2, "LA": 1, "GA": 1}
    assert [w["cases"] for w in data["weeks"]][-1] == 3
    assert [w["items"] for w in data["weeks"]][-1] == 2
    assert sum(w["cases"] for w in data["weeks"][:-1]) == 0
    assert len(data["weeks"]) == 12
    assert data["first_annotation"] == {
        "median_seconds": None, "median_text": None, "answered": 0, "waiting": 4}


def test_hidden_cases_of_another_agency_change_no_figure(florida, analyst_fl, outsider,
                                                         make_case, make_item):
    before = figures(analyst_fl)
    hidden = make_case(outsider, states=("TX", "FL", "LA"))
    make_item(outsider)
    case_services.annotation_add(by=outsider, body="hidden note", case=hidden)
    assert CaseAlert.objects.filter(case=hidden).count() == 3
    assert figures(analyst_fl) == before
    # And the outsider's own figures are its own.
    theirs = figures(outsider)
    assert _by_state(theirs, "open_cases") == {"FL": 1, "LA": 1, "TX": 1}
    assert theirs["weeks"][-1]["items"] == 1


def test_a_shared_case_counts_once_shared(florida, analyst_fl, analyst_la, make_case):
    theirs = make_case(analyst_la, states=("LA", "MS"))
    assert _by_state(figures(analyst_fl), "open_cases").get("MS") is None
    share(obj=theirs, by=analyst_la, target=Share.Target.AGENCY, agency=analyst_fl.agency,
          level=Level.VIEW)
    data = figures(analyst_fl)
    assert _by_state(data, "open_cases")["MS"] == 1
    assert _by_state(data, "alerts")["MS"] == 1


def test_median_time_from_an_alert_to_the_first_annotation(florida, analyst_fl, make_case):
    now = timezone.now()
    CaseAlert.objects.filter(case=florida).update(created_at=now - timedelta(hours=2))
    other = make_case(analyst_fl, states=("AL", "MS"))
    CaseAlert.objects.filter(case=other).update(created_at=now - timedelta(hours=6))
    # A note before the alert does not answer it.
    early = case_services.annotation_add(by=analyst_fl, body="before", case=other)
    early.__class__.objects.filter(pk=early.pk).update(created_at=now - timedelta(hours=7))
    case_services.annotation_add(by=analyst_fl, body="first", case=florida)
    case_services.annotation_add(by=analyst_fl, body="second", case=florida)
    later = case_services.annotation_add(by=analyst_fl, body="late", case=other)
    later.__class__.objects.filter(pk=later.pk).update(created_at=now - timedelta(hours=2))
    result = figures(analyst_fl, now=now)["first_annotation"]
    # florida's two alerts waited ~2 h, other's two waited 4 h: the median is between.
    assert result["answered"] == 4
    assert result["waiting"] == 2  # the closed case's two alerts (FL, GA): no note yet
    assert 2 * 3600 <= result["median_seconds"] <= 4 * 3600
    assert result["median_text"].endswith("min") and " h " in result["median_text"]


def test_durations_read_as_people_say_them():
    assert [duration_text(s) for s in (40, 720, 3 * 3600 + 300, 2 * 86400 + 4 * 3600)] == [
        "40 s", "12 min", "3 h 5 min", "2 d 4 h"]


def test_weeks_are_mondays_oldest_first():
    starts = week_starts(timezone.now())
    assert len(starts) == 12 and all(day.weekday() == 0 for day in starts)
    assert starts == sorted(starts)


def test_the_page_shows_the_panels_and_carries_the_figures(client, florida, analyst_fl):
    client.force_login(analyst_fl)
    page = client.get(reverse("home")).content.decode()
    for heading in ("My work", "Unread alerts", "Open cases by state", "New cases and items per week",
                    "Alerts by state", "Time to first annotation", "By state"):
        assert heading in page
    assert 'id="dashboard-data"' in page and "vendor/d3/d3.min.js" in page
    assert "<th scope=\"row\">Florida (FL)</th><td>2</td><td>2</td>" in page


def test_the_page_names_no_hidden_case(client, florida, analyst_fl, outsider, make_case):
    hidden = make_case(outsider, states=("TX", "FL"), title="Secret Houston matter")
    Follow.objects.create(user=analyst_fl, case=hidden)  # a stale follow: still not shown
    client.force_login(analyst_fl)
    page = client.get(reverse("home")).content.decode()
    assert "Secret Houston matter" not in page and hidden.number not in page


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def _queries(client):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    return len(queries)


def test_the_same_queries_for_10_and_500_cases(client, make_case, analyst_fl, reviewer_fl):
    client.force_login(reviewer_fl)
    cases = [make_case(analyst_fl, states=("FL", "LA")) for _ in range(10)]
    Follow.objects.bulk_create([Follow(user=reviewer_fl, case=c) for c in cases])
    at_10 = _queries(client)
    more = [make_case(analyst_fl, states=("FL", "GA")) for _ in range(490)]
    Follow.objects.bulk_create([Follow(user=reviewer_fl, case=c) for c in more])
    assert _queries(client) == at_10
    # Signed in (4); open cases, alerts by state, alert waits, cases and items per week (5);
    # followed cases, unread count (2); the review queue of a reviewer (4: rows, counts,
    # pending, purged); My work (5: the reader's open tasks, RFIs to answer, tips assigned,
    # referrals to the agency, records to review; tests/work/test_my_work.py); the unread
    # notifications (1, its reads and objects only when there are some); the header's centers
    # (1); the access-log row naming the followed cases shown (1; one more per type of object
    # My work shows, when it shows some).
    assert at_10 <= 23
