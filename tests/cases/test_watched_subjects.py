"""Watched subjects (cases.services.watch_set, tell_watchers): a user watches a key, even one the
portal does not hold yet; when any agency links it later the user is told, under the blind rules
of deconfliction: which record if the user's agency sees it, else only who linked it."""

import json

import pytest
from django.urls import reverse

from cases import services
from cases.models import Entity, SubjectWatch, WatchNotice
from core.handling import TLP, Level
from notifications.models import Notification, OutboxEvent
from sharing.services import share
from tests.base import HttpsClient, deliver_all
from tests.conftest import fresh


def client_of(user):
    client = HttpsClient()
    client.force_login(fresh(user))
    return client


def link_phone(by, **target):
    return services.entity_link(by=by, kind="phone", label="407-555-0148 (burner)",
                                number="407-555-0148", **target)


@pytest.fixture
def watching(analyst_fl):
    """MBI's analyst watches a phone number no record holds yet, typed as it was heard."""
    client = client_of(analyst_fl)
    done = client.post(reverse("watched-subjects"), {"kind": "phone",
                                                     "value": "(407) 555-0148"})
    assert done.status_code == 302, done.content.decode()[:2000]
    assert not Entity.objects.exists()
    return SubjectWatch.objects.get()


def test_a_watched_key_linked_later_by_another_agency_tells_the_watcher_blindly(
    watching, analyst_fl, analyst_la, make_case, django_capture_on_commit_callbacks, mailoutbox
):
    case = make_case(analyst_la, states=("LA",), title="Baton Rouge burner ring")
    with django_capture_on_commit_callbacks(execute=True):
        link_phone(analyst_la, case=case)
    deliver_all()
    notice = Notification.objects.get(kind="watched")
    assert notice.user == analyst_fl and notice.case_id is None
    assert notice.title == "Another agency linked a subject you watch (Phone number: (407) 555-0148)"
    assert dict(notice.lines)["Contact"].startswith("New Orleans Police Department (LA0360200)")
    told = notice.title + json.dumps(notice.lines) + "".join(m.body for m in mailoutbox)
    for hidden in ("Baton Rouge burner ring", case.number, "burner)"):
        assert hidden not in told
    # Once per record, however often it is linked again; the linker itself is never told.
    services.watch_set(user=analyst_la, kind="phone", number="4075550148")
    with django_capture_on_commit_callbacks(execute=True):
        link_phone(analyst_la, case=case)
    assert WatchNotice.objects.count() == 1


def test_a_watcher_that_sees_the_record_is_told_which(
    watching, analyst_fl, analyst_la, make_case, django_capture_on_commit_callbacks
):
    case = make_case(analyst_la, states=("LA",), title="Baton Rouge burner ring")
    share(obj=case, by=analyst_la, agency=analyst_fl.agency, level=Level.VIEW)
    with django_capture_on_commit_callbacks(execute=True):
        link_phone(analyst_la, case=case)
    deliver_all()
    notice = Notification.objects.get(kind="watched")
    assert notice.case_id == case.pk
    assert notice.title == (f"A subject you watch was linked to case {case.number} "
                            "(Phone number: (407) 555-0148)")
    inbox = client_of(analyst_fl).get(reverse("notification-inbox")).content.decode()
    assert "Baton Rouge burner ring" in inbox  # the inbox adds the title at read time


def test_of_a_red_record_a_watcher_who_does_not_see_it_hears_nothing(
    watching, analyst_la, make_case, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        link_phone(analyst_la, case=make_case(analyst_la, states=("LA",), tlp=TLP.RED))
    assert not OutboxEvent.objects.filter(kind="watched").exists()


def test_the_watch_pages(watching, analyst_fl, analyst_la, outsider, make_case):
    client = client_of(analyst_fl)
    page = client.get(reverse("watched-subjects")).content.decode()
    assert "(407) 555-0148" in page
    bad = client.post(reverse("watched-subjects"), {"kind": "phone", "value": "12"})
    assert bad.status_code == 400
    client.post(reverse("watched-subjects"), {"stop": watching.pk})
    assert not SubjectWatch.objects.exists()
    # From a subject's page; a subject the agency sees nowhere is the 404 of a missing one.
    link_phone(analyst_la, case=make_case(analyst_la, states=("LA",)))
    phone = Entity.objects.get()
    assert client_of(outsider).post(reverse("subject-watch", args=[phone.pk])).status_code == 404
    nopd = client_of(analyst_la)
    assert nopd.post(reverse("subject-watch", args=[phone.pk])).status_code == 302
    assert SubjectWatch.objects.get().user == analyst_la
    assert "Stop watching" in nopd.get(reverse("subject-detail", args=[phone.pk])).content.decode()
