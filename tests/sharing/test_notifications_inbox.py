"""The inbox as an analyst reads it on a shift: what it says of the reader's own case, twenty
a page with filters, and marking several read at once (issue 18).

Visibility is decided when the inbox is read (notifications.selectors.inbox_page): an alert
to a center about a case that center was not given still tells the owner's own analyst that
its agency owns the case, with the title; anyone else gets the pointer alone.
"""

import re

import pytest
from django.urls import reverse

from notifications.models import Notification, NotificationRead
from notifications.selectors import INBOX_PAGE
from tests.base import HttpsClient
from tests.conftest import fresh
from tests.sharing.test_notifications_pages import deliver_all

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_process(monkeypatch):
    from fusionportal.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    monkeypatch.setitem(app.conf, "task_eager_propagates", True)


@pytest.fixture
def client():
    return HttpsClient()


def entry(page, pk):
    match = re.search(rf'<li class="notification[^"]*" id="notification-{pk}">(.*?)</li>', page, re.S)
    assert match, f"notification {pk} is not on the page"
    return match.group(1)


def inbox(client, user, query=""):
    client.force_login(fresh(user))
    response = client.get(reverse("notification-inbox") + query)
    assert response.status_code in (200, 400), response
    return response, response.content.decode()


def test_the_owners_analyst_reads_its_own_case_not_a_withheld_title(
    client, make_case, analyst_fl, la_safe, cfix
):
    # Led by LA-SAFE, the case comes into Florida: CFIX (MBI's center) is told, and was not
    # given the case; MBI owns it.
    case = make_case(analyst_fl, title="Stolen catalytic converters", states=("LA", "FL"),
                     lead_center=la_safe)
    deliver_all()
    alert = Notification.objects.get(case=case, center=cfix)
    assert ["Access", "not shared with CFIX: contact the owner agency"] in alert.lines

    response, page = inbox(client, analyst_fl)
    text = entry(page, alert.pk)
    assert "Stolen catalytic converters" in text and "your agency owns the case" in text
    assert "withheld" not in text and "not shared with CFIX" not in text
    assert reverse("case-detail", args=[case.pk]) in text


def test_another_member_of_the_center_gets_the_pointer(
    client, make_case, analyst_fl, la_safe, cfix, analyst_fl2
):
    case = make_case(analyst_fl, title="Stolen catalytic converters", states=("LA", "FL"),
                     lead_center=la_safe)
    deliver_all()
    alert = Notification.objects.get(case=case, center=cfix)
    _, page = inbox(client, analyst_fl2)  # OCSO, also of CFIX
    text = entry(page, alert.pk)
    assert "Stolen catalytic converters" not in text and "withheld" in text
    assert "not shared with CFIX" in text and case.number in text
    assert reverse("case-detail", args=[case.pk]) not in text


@pytest.fixture
def many(make_case, analyst_fl, cfix, la_safe):
    """25 alerts to CFIX about MBI's cases coming into Florida, oldest first."""
    for _ in range(INBOX_PAGE + 5):
        make_case(analyst_fl, states=("LA", "FL"), lead_center=la_safe)
    deliver_all()
    return list(Notification.objects.filter(center=cfix).order_by("-created_at", "-id"))


def test_twenty_a_page_then_the_next_by_cursor(client, many, analyst_fl):
    response, page = inbox(client, analyst_fl)
    shown = [int(pk) for pk in re.findall(r'id="notification-(\d+)"', page)]
    assert shown == [note.pk for note in many[:INBOX_PAGE]]
    next_url = re.search(r'href="\?([^"]+)"[^>]*>Older notifications', page).group(1)
    response, page = inbox(client, analyst_fl, "?" + next_url.replace("&amp;", "&"))
    shown = [int(pk) for pk in re.findall(r'id="notification-(\d+)"', page)]
    assert shown == [note.pk for note in many[INBOX_PAGE:]]
    assert "Older notifications" not in page and "End of the list." in page


def test_filters_narrow_to_a_kind_and_to_unread(client, many, analyst_fl):
    NotificationRead.objects.create(notification=many[0], user=analyst_fl)

    _, page = inbox(client, analyst_fl, "?show=unread")
    shown = {int(pk) for pk in re.findall(r'id="notification-(\d+)"', page)}
    assert many[0].pk not in shown and many[1].pk in shown
    _, page = inbox(client, analyst_fl, "?kind=shared")
    assert 'id="notification-' not in page and "matches these filters" in page
    _, page = inbox(client, analyst_fl, "?kind=state_lines&show=unread")
    assert len(re.findall(r'id="notification-(\d+)"', page)) == INBOX_PAGE
    assert "kind=state_lines" in page and "show=unread" in page  # the next page keeps them


def test_a_bad_filter_or_cursor_is_a_clear_400(client, many, analyst_fl):
    for query in ("?kind=accesslog", "?show=maybe", "?cursor=bm90LWEtY3Vyc29y"):
        response, page = inbox(client, analyst_fl, query)
        assert response.status_code == 400
        assert "not valid" in page and 'id="notification-' in page


def test_mark_selected_read_marks_those_and_no_other(client, many, analyst_fl, outsider, txfc,
                                                      make_case):
    foreign = make_case(outsider, states=("TX", "LA"))
    deliver_all()
    not_ours = Notification.objects.filter(case=foreign).first()
    client.force_login(fresh(analyst_fl))
    picked = [many[2].pk, many[5].pk] + ([not_ours.pk] if not_ours else [])
    response = client.post(reverse("notification-read-all"),
                           {"selected": "1", "ids": picked, "back": "show=unread"})
    assert response.status_code == 302 and response["Location"].endswith("?show=unread")
    assert set(NotificationRead.objects.values_list("notification_id", flat=True)) == {
        many[2].pk, many[5].pk}
    # Nothing ticked: nothing marked, and said so.
    response = client.post(reverse("notification-read-all"), {"selected": "1"}, follow=True)
    assert "Tick the notifications" in response.content.decode()
    assert NotificationRead.objects.count() == 2
    # Not an id: refused, nothing marked.
    client.post(reverse("notification-read-all"), {"selected": "1", "ids": ["x1"]})
    assert NotificationRead.objects.count() == 2
    # A digit that is not 0-9 (Python's isdigit takes "²"): refused the same way, never a 500.
    response = client.post(reverse("notification-read-all"), {"selected": "1", "ids": ["²"]})
    assert response.status_code == 302
    assert NotificationRead.objects.count() == 2
    # Mark all read still marks all.
    client.post(reverse("notification-read-all"))
    assert NotificationRead.objects.count() == len(many)


def test_mark_all_read_on_an_inbox_narrowed_to_a_kind_marks_that_kind_only(client, many, analyst_fl):
    shared = Notification.objects.create(
        event=many[0].event, kind="shared", agency=analyst_fl.agency, title="Shared with you"
    )
    _, page = inbox(client, analyst_fl, "?kind=state_lines")
    assert "Mark all “Case spans state lines” read" in page
    client.post(reverse("notification-read-all"), {"back": "kind=state_lines"})
    read = set(NotificationRead.objects.values_list("notification_id", flat=True))
    assert read == {note.pk for note in many}
    assert shared.pk not in read
    # Not narrowed: all of them.
    client.post(reverse("notification-read-all"), {"back": ""})
    assert NotificationRead.objects.filter(notification=shared).exists()
