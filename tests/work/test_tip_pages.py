"""The tip pages: the intake and its subjects fragment, a tip's triage page and its buttons, the
agency's queue with bulk assign, and a center's queue."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from agencies.models import FusionCenter
from cases.models import IntelligenceItem, ItemEntity
from cases.services import entity_link
from tests.base import (
    LOGIN_URL,
    HttpsClient,
    ListPageTests,
    MemberPageTests,
    ObjectPageTests,
    QueryCountTests,
    messages_of,
)
from work.models import TipTriage, TriageDeadline
from work.tip_services import tip_assign, tip_close, tip_start_review, tip_take_down

pytestmark = pytest.mark.django_db

Status = TipTriage.Status
WHAT = "Caller saw a girl pushed into a white van on Colonial Drive, call back (407) 555-0148"
PHONE = {"kind": "phone", "value": "(407) 555-0148"}


@pytest.fixture
def client():
    return HttpsClient()


@pytest.fixture
def triage(analyst_fl, cfix):
    return tip_take_down(by=analyst_fl, what=WHAT, subjects=[PHONE], where="Orlando, FL")


class TipPage:
    model = IntelligenceItem

    @pytest.fixture
    def subject(self, triage):
        return triage.tip


# The intake

def test_the_intake_form_is_one_screen_for_the_keyboard(client, analyst_fl, cfix):
    client.force_login(analyst_fl)
    page = client.get(reverse("tip-new")).content.decode()
    assert 'name="caller_name"' in page and "autofocus" in page.split('name="caller_name"')[0][-300:] \
        + page.split('name="caller_name"')[1][:300]
    for key in ('accesskey="w"', 'accesskey="l"', 'accesskey="t"', 'accesskey="s"',
                "Ctrl</kbd> <kbd>Enter", 'hx-trigger="keyup changed delay:400ms'):
        assert key in page
    assert page.index('name="caller_name"') < page.index('name="what"') \
        < page.index('name="where"') < page.index('name="when"')


def test_taking_a_tip_down_makes_the_item_its_subjects_and_its_row(client, analyst_fl, cfix):
    client.force_login(analyst_fl)
    response = client.post(reverse("tip-new"), {
        "caller_name": "", "caller_phone": "", "anonymous": "on", "what": WHAT,
        "where": "Orlando, FL", "when": "2026-03-02T14:05", "subject": ["phone||(407) 555-0148"],
        "center": cfix.pk, "tlp": "AMBER"})
    assert response.status_code == 302
    triage = TipTriage.objects.get()
    assert response["Location"] == reverse("tip-detail", args=[triage.tip_id])
    assert triage.caller_anonymous and triage.status == Status.NEW and triage.center == cfix
    assert ItemEntity.objects.filter(item=triage.tip, entity__key="+14075550148").exists()


def test_bad_input_is_a_form_error_and_writes_nothing(client, analyst_fl, cfix):
    client.force_login(analyst_fl)
    response = client.post(reverse("tip-new"), {"what": "", "tlp": "AMBER"})
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    response = client.post(reverse("tip-new"), {"what": "x", "anonymous": "on",
                                                "caller_name": "Ann", "tlp": "AMBER"})
    assert response.status_code == 400 and "anonymous caller" in response.content.decode().lower()
    response = client.post(reverse("tip-new"), {"what": "x", "tlp": "AMBER",
                                                "subject": ["phone||12"]})
    assert response.status_code == 400
    response = client.post(reverse("tip-new"), {"what": "x", "tlp": "AMBER",
                                                "subject": ["weapon||AK"]})
    assert response.status_code == 400 and "altered" in response.content.decode()
    assert not TipTriage.objects.exists() and not IntelligenceItem.objects.exists()


def test_the_subjects_fragment_offers_what_the_text_names(client, analyst_fl):
    client.force_login(analyst_fl)
    page = client.post(reverse("tip-subjects"), {
        "what": "call 407.555.0148 or j.doe@example.com; FL plate LKR-7Q2; VIN 1M8GDM9AXKP042788",
        "subject_offered": ["email||j.doe@example.com"]}, headers={"HX-Request": "true"})
    html = page.content.decode()
    assert page.status_code == 200 and "<html" not in html
    assert 'value="phone||407.555.0148" checked' in html
    assert 'value="vehicle|FL|LKR-7Q2" checked' in html and "1M8GDM9AXKP042788" in html
    # Unticked before: stays unticked while the text is retyped.
    assert 'value="email||j.doe@example.com">' in html


def test_the_hint_names_a_tip_the_reader_sees(client, triage, analyst_fl):
    client.force_login(analyst_fl)
    html = client.post(reverse("tip-subjects"), {"what": "again (407) 555-0148"}).content.decode()
    assert f"Possible duplicate of tip <a href=\"{reverse('tip-detail', args=[triage.tip_id])}\">" \
           f"T-{triage.tip_id}</a>" in html


def test_the_hint_of_a_case_the_reader_does_not_see_is_blind(client, analyst_fl, analyst_la,
                                                             make_case, nopd):
    secret = make_case(analyst_fl, title="Halvorsen trafficking ring", number="MBI-SECRET-9")
    entity_link(by=analyst_fl, kind="phone", case=secret, number="407 555 0148")
    client.force_login(analyst_la)
    html = client.post(reverse("tip-subjects"), {"what": "(407) 555-0148 called"}).content.decode()
    assert "Another agency holds a case on (407) 555-0148" in html
    assert "Metropolitan Bureau of Investigation" in html
    for secret_text in ("Halvorsen", "MBI-SECRET-9", reverse("case-detail", args=[secret.pk])):
        assert secret_text not in html
    # Taken down: the triage page says it again, blind still.
    client.post(reverse("tip-new"), {"what": "(407) 555-0148 called", "tlp": "AMBER",
                                     "subject": ["phone||(407) 555-0148"]})
    triage = TipTriage.objects.get(agency=nopd)
    html = client.get(reverse("tip-detail", args=[triage.tip_id])).content.decode()
    assert "Another agency holds a case on (407) 555-0148" in html
    assert "Halvorsen" not in html and "MBI-SECRET-9" not in html


# A tip's triage page and its buttons

class TestTipDetail(TipPage, ObjectPageTests):
    url_name = "tip-detail"

    def test_the_agency_sees_its_tip_and_the_buttons(self, client, subject, analyst_fl,
                                                     triage):
        client.force_login(analyst_fl)
        html = client.get(self.url(subject)).content.decode()
        assert f"Tip T-{subject.pk}" in html and "Start the review" in html
        assert "Orlando, FL" in html and "Why close it" in html

    def test_an_item_that_is_no_tip_in_a_queue_is_a_404(self, client, make_item, analyst_fl):
        client.force_login(analyst_fl)
        assert client.get(self.url(make_item(analyst_fl))).status_code == 404


class TipAction(TipPage, ObjectPageTests):
    url_name = "tip-action"
    method = "post"
    action = ""

    def url(self, subject, pk=None):
        return reverse(self.url_name, args=[subject.pk if pk is None else pk, self.action])

    def data(self, subject):
        return {"version": 1, "reason": "Crank call"}

    def press(self, client, user, subject, **data):
        client.force_login(user)
        response = client.post(self.url(subject), data, follow=True)
        # The page pressed from, after its redirect: the message says what changed or why not.
        return response, TipTriage.objects.get(tip=subject), response.content.decode()


class TestTipAssign(TipAction):
    action = "assign"

    def test_assigned_then_reassigned(self, client, subject, analyst_fl, agency_admin_fl):
        _, row, html = self.press(client, analyst_fl, subject, version=1,
                                  assignee=agency_admin_fl.pk)
        assert (row.status, row.assignee) == (Status.ASSIGNED, agency_admin_fl)
        assert "assigned to" in html
        _, row, html = self.press(client, analyst_fl, subject, version=1, assignee=analyst_fl.pk)
        assert "changed by someone else" in html and row.assignee == agency_admin_fl

    def test_someone_of_another_agency_is_not_offered(self, client, subject, analyst_fl,
                                                      analyst_fl2):
        _, row, html = self.press(client, analyst_fl, subject, version=1, assignee=analyst_fl2.pk)
        assert row.status == Status.NEW and "Nothing changed" in html


class TestTipReview(TipAction):
    action = "review"

    def test_review_starts_and_is_refused_twice(self, client, subject, analyst_fl):
        _, row, _ = self.press(client, analyst_fl, subject, version=1)
        assert (row.status, row.assignee) == (Status.IN_REVIEW, analyst_fl)
        _, row, html = self.press(client, analyst_fl, subject, version=2)
        assert "only a new or assigned tip goes into review" in html and row.version == 2


class TestTipAccept(TipAction):
    action = "accept"

    def test_accepted_on_a_new_case(self, client, subject, triage, analyst_fl, cfix):
        tip_start_review(triage=triage, by=analyst_fl)
        _, row, html = self.press(client, analyst_fl, subject, version=2,
                                  new_case_number="MBI-T-7", new_case_title="White van")
        assert row.status == Status.ACCEPTED and row.accepted_case.number == "MBI-T-7"
        assert "MBI-T-7 · White van" in html

    def test_accepted_on_an_existing_case(self, client, subject, triage, analyst_fl,
                                          trafficking_case):
        tip_start_review(triage=triage, by=analyst_fl)
        _, row, _ = self.press(client, analyst_fl, subject, version=2, case=trafficking_case.pk)
        assert row.accepted_case == trafficking_case

    def test_a_new_tip_is_not_accepted(self, client, subject, analyst_fl, trafficking_case):
        _, row, html = self.press(client, analyst_fl, subject, version=1,
                                  case=trafficking_case.pk)
        assert row.status == Status.NEW and "accepted from review" in html

    def test_a_case_the_reader_does_not_see_is_refused(self, client, subject, triage, analyst_fl,
                                                       make_case, analyst_la):
        tip_start_review(triage=triage, by=analyst_fl)
        elsewhere = make_case(analyst_la, states=("LA",))
        _, row, html = self.press(client, analyst_fl, subject, version=2, case=elsewhere.pk)
        assert row.status == Status.IN_REVIEW and "Nothing changed" in html


class TestTipClose(TipAction):
    action = "close"

    def test_closed_with_its_reason_never_without(self, client, subject, analyst_fl):
        _, row, html = self.press(client, analyst_fl, subject, version=1, reason=" ")
        assert row.status == Status.NEW and "Say why the tip is closed" in html
        _, row, html = self.press(client, analyst_fl, subject, version=1, reason="Crank call")
        assert (row.status, row.close_reason) == (Status.CLOSED, "Crank call")
        assert "Closed because" in html
        _, row, html = self.press(client, analyst_fl, subject, version=2, reason="again")
        assert "closed already" in html and row.version == 2

    def test_a_viewer_outside_the_queue_is_refused(self, client, subject, triage, analyst_la,
                                                   make_item, analyst_fl, nopd):
        from cases.services import share_grant
        from core.handling import Level

        item = make_item(analyst_fl)
        TipTriage.objects.filter(pk=triage.pk).update(tip=item)
        share_grant(obj=item, by=analyst_fl, level=Level.VIEW, agency=nopd, reason="Need to know")
        client.force_login(analyst_la)
        assert client.post(self.url(item), {"version": 1, "reason": "x"}).status_code == 403
        assert TipTriage.objects.get(tip=item).status == Status.NEW


def test_an_unknown_action_is_a_404(client, triage, analyst_fl):
    client.force_login(analyst_fl)
    url = reverse("tip-action", args=[triage.tip_id, "burn"])
    assert client.post(url, {"version": 1}).status_code == 404


# The queues

class TestTipQueue(ListPageTests):
    url_name = "tip-queue"
    page_size = 50
    rows_already = 1

    @pytest.fixture
    def subject(self, triage):
        return triage.tip

    def row_text(self, subject):
        return subject.title

    @pytest.fixture
    def make_row(self, analyst_fl, agency_admin_fl):
        def make(n):
            row = tip_take_down(by=analyst_fl, what=f"Tip number {n}")
            if n % 3 == 1:
                tip_assign(triage=row, by=analyst_fl, assignee=agency_admin_fl)
            elif n % 3 == 2:
                tip_start_review(triage=row, by=analyst_fl)

        return make

    def test_filters_and_overdue_at_a_frozen_clock(self, client, analyst_fl, agency_admin_fl,
                                                   cfix):
        TriageDeadline.objects.create(center=cfix, hours=2)
        with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False):
            late = tip_take_down(by=analyst_fl, what="Early call")
        with time_machine.travel(datetime(2026, 3, 2, 10, 30, tzinfo=UTC), tick=False):
            fresh = tip_take_down(by=analyst_fl, what="Later call")
            tip_assign(triage=fresh, by=analyst_fl, assignee=agency_admin_fl)
        client.force_login(analyst_fl)
        with time_machine.travel(datetime(2026, 3, 2, 11, 30, tzinfo=UTC), tick=False):
            page = client.get(reverse(self.url_name))
            rows = {row.tip_id: row for row in page.context["rows"]}
            assert rows[late.tip_id].overdue and not rows[fresh.tip_id].overdue
            assert page.content.decode().count('class="overdue"') == 1
            overdue = client.get(reverse(self.url_name), {"overdue": "1"}).context["rows"]
            assert [row.tip_id for row in overdue] == [late.tip_id]
            mine = client.get(reverse(self.url_name), {"assignee": agency_admin_fl.pk})
            assert [row.tip_id for row in mine.context["rows"]] == [fresh.tip_id]
            nobody = client.get(reverse(self.url_name), {"assignee": "nobody"}).context["rows"]
            assert [row.tip_id for row in nobody] == [late.tip_id]
            older = client.get(reverse(self.url_name), {"older_than": "24"}).context["rows"]
            assert older == []
        assert client.get(reverse(self.url_name), {"status": "nope"}).status_code == 400
        assert client.get(reverse(self.url_name), {"cursor": "x"}).status_code == 400

    def test_pages_follow_one_another(self, client, analyst_fl, make_row):
        for n in range(55):
            tip_take_down(by=analyst_fl, what=f"Call {n}")
        client.force_login(analyst_fl)
        first = client.get(reverse(self.url_name), {"status": "any"})
        second = client.get(reverse(self.url_name), {"status": "any",
                                                     "cursor": first.context["next_cursor"]})
        ids = [r.pk for r in first.context["rows"]] + [r.pk for r in second.context["rows"]]
        assert len(ids) == len(set(ids)) == 55


def test_bulk_assign_all_or_nothing(client, analyst_fl, agency_admin_fl, triage):
    second = tip_take_down(by=analyst_fl, what="Second call")
    closed = tip_take_down(by=analyst_fl, what="Third call")
    tip_close(triage=closed, by=analyst_fl, reason="Crank call")
    client.force_login(analyst_fl)
    url = reverse("tip-bulk-assign")
    response = client.post(url, {"assignee": agency_admin_fl.pk,
                                 "tip": [triage.tip_id, second.tip_id, closed.tip_id]},
                           follow=True)
    assert f"T-{closed.tip_id}" in " ".join(messages_of(response))
    assert "No tip was assigned" in " ".join(messages_of(response))
    assert not TipTriage.objects.filter(assignee__isnull=False).exists()
    response = client.post(url, {"tip": [triage.tip_id]}, follow=True)
    assert "Choose whom" in " ".join(messages_of(response))
    response = client.post(url, {"assignee": agency_admin_fl.pk,
                                 "tip": [triage.tip_id, second.tip_id],
                                 f"version_{triage.tip_id}": 1, f"version_{second.tip_id}": 1},
                           follow=True)
    assert "2 tips assigned to" in " ".join(messages_of(response))
    assert set(TipTriage.objects.filter(assignee=agency_admin_fl).values_list("pk", flat=True)) \
        == {triage.pk, second.pk}


def test_bulk_assign_of_a_tip_not_seen_is_a_404(client, triage, outsider, analyst_fl):
    client.force_login(outsider)
    response = client.post(reverse("tip-bulk-assign"), {"assignee": outsider.pk,
                                                        "tip": [triage.tip_id]})
    assert response.status_code == 404
    assert TipTriage.objects.get().assignee is None


class TestTipCenterQueue(MemberPageTests, QueryCountTests):
    url_name = "tip-center-queue"
    model = FusionCenter
    member_fixture = "admin_cfix"
    rows_already = 1
    page_size = 50

    @pytest.fixture
    def subject(self, cfix, triage):
        return cfix

    @pytest.fixture
    def make_row(self, analyst_fl, analyst_fl2):
        return lambda n: tip_take_down(by=analyst_fl if n % 2 else analyst_fl2,
                                       what=f"Center tip {n}")

    def assert_changed(self, subject, user, response):
        html = response.content.decode()
        # admin_cfix is of the Orange County Sheriff's Office: MBI's tip is a pointer.
        assert "A tip of Metropolitan Bureau of Investigation (not shared" in html
        assert WHAT[:30] not in html and "T-" not in html.split("<tbody>")[1]

    def test_an_analyst_who_is_no_center_admin_gets_a_404(self, client, subject, analyst_fl):
        client.force_login(analyst_fl)
        assert client.get(self.url(subject)).status_code == 404

    def test_the_centers_own_agency_tips_are_named(self, client, subject, admin_cfix):
        own = tip_take_down(by=admin_cfix, what="A call to the sheriff")
        client.force_login(admin_cfix)
        html = client.get(self.url(subject)).content.decode()
        assert f"T-{own.tip_id}</a> · A call to the sheriff" in html


def test_the_queue_moves_in_the_center_overdue_too(client, admin_cfix, analyst_fl, cfix):
    TriageDeadline.objects.create(center=cfix, hours=1)
    old = tip_take_down(by=analyst_fl, what="Call")
    TipTriage.objects.filter(pk=old.pk).update(due_at=old.due_at - timedelta(hours=2))
    client.force_login(admin_cfix)
    page = client.get(reverse("tip-center-queue", args=[cfix.pk]), {"overdue": "1"})
    assert [row.pk for row in page.context["rows"]] == [old.pk]
    assert "after 1 hours" in page.content.decode()


class TestTipDeadline(MemberPageTests):
    url_name = "tip-deadline"
    model = FusionCenter
    member_fixture = "admin_cfix"
    method = "post"
    success_status = 302

    @pytest.fixture
    def subject(self, cfix):
        return cfix

    def data(self, subject):
        return {"hours": 6}

    def assert_changed(self, subject, user, response):
        assert TriageDeadline.objects.get(center=subject).hours == 6

    def test_an_analyst_gets_a_404_and_bad_hours_change_nothing(self, client, subject,
                                                                analyst_fl, admin_cfix):
        client.force_login(analyst_fl)
        assert client.post(self.url(subject), {"hours": 6}).status_code == 404
        client.force_login(admin_cfix)
        for hours in ("0", "x", "10000"):
            response = client.post(self.url(subject), {"hours": hours}, follow=True)
            assert "did not change" in " ".join(messages_of(response))
        assert not TriageDeadline.objects.exists()
        client.post(self.url(subject), {"hours": 6})
        assert tip_take_down(by=analyst_fl, what="A call").due_at \
            - TipTriage.objects.get().created_at == timedelta(hours=6)


def test_the_hint_of_a_tip_the_reader_does_not_see_is_blind_and_logged(client, analyst_fl,
                                                                       analyst_la, make_item):
    from audit.models import AccessLog

    # NOPD's tip is criminal intelligence (not pending review): MBI may be told it exists.
    theirs = make_item(analyst_la, title="Bourbon Street bartender names the driver",
                       body="The driver is Remy Thibodeaux of Metairie.")
    entity_link(by=analyst_la, kind="phone", item=theirs, number="(407) 555-0148")
    client.force_login(analyst_fl)
    html = client.post(reverse("tip-subjects"), {"what": "call 407 555 0148"}).content.decode()
    assert "Another agency holds a tip on 407 555 0148" in html
    assert "New Orleans Police Department" in html
    for secret in ("Bourbon", "Thibodeaux", f"T-{theirs.pk}", reverse("tip-detail", args=[theirs.pk])):
        assert secret not in html
    logged = AccessLog.objects.filter(actor=analyst_fl, detail__list="tip intake hints").get()
    assert logged.detail["pointers"] == ["LA0360200"] and logged.object_ids == []


@pytest.mark.parametrize("name,method", [("tip-new", "get"), ("tip-new", "post"),
                                         ("tip-subjects", "post"), ("tip-bulk-assign", "post")])
def test_anonymous_is_sent_to_login_from_the_pages_of_no_object(client, name, method):
    response = getattr(client, method)(reverse(name), {"what": "x", "tlp": "AMBER"})
    assert response.status_code == 302 and response["Location"].startswith(LOGIN_URL + "?next=")
    assert not TipTriage.objects.exists()


def test_a_person_of_no_agency_gets_the_404_of_the_intake(client, django_user_model):
    platform = django_user_model.objects.create_superuser(username="operator", email="",
                                                          password="x" * 16)
    client.force_login(platform)
    assert client.get(reverse("tip-new")).status_code == 404
    assert client.post(reverse("tip-subjects"), {"what": "x"}).status_code == 404
