"""The referral pages: the refer form on a case and an item, a referral's page and buttons, and
the list; each state change and refusal, and the outsider's 404 on each."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, CenterAdmin, FusionCenter
from cases.models import Case, IntelligenceItem
from core.handling import Level
from sharing.models import Share
from sharing.services import unshare
from tests.base import HttpsClient, ListPageTests, ObjectActionTests, ObjectPageTests
from tests.conftest import _user
from work.models import Referral
from work.services import refer, referral_acknowledge, referral_close

pytestmark = pytest.mark.django_db

TITLE = "Caller names the driver of the white van on I-4"
INSTRUCTIONS = "Interview the caller at the Kenner address."


def soon(days=2):
    return timezone.localdate() + timedelta(days=days)


def _agency(name):
    return Agency.objects.get(name=name)


@pytest.fixture
def tip(make_item, analyst_fl):
    return make_item(analyst_fl, kind="tip", title=TITLE)


@pytest.fixture
def referral(tip, analyst_fl, lsp):
    """To the Louisiana State Police: NOPD (the holder of the generic tests) is not on it."""
    return refer(obj=tip, by=analyst_fl, agency=lsp, due_date=soon(), instructions=INSTRUCTIONS)


class ReferTests(ObjectActionTests):
    required_level = Level.MANAGE

    def data(self, subject):
        return {"agency": _agency("Louisiana State Police").pk, "due_date": soon().isoformat(),
                "instructions": INSTRUCTIONS}

    def assert_changed(self, subject, user, response):
        made = Referral.objects.get(**{self.field: subject})
        assert made.to_agency.name == "Louisiana State Police"
        assert made.from_agency_id == user.agency_id
        assert response["Location"] == reverse("referral-detail", args=[made.pk])

    def assert_refused(self, subject, user, response):
        assert not Referral.objects.exists()

    def test_the_form_offers_the_agencies_its_rules_allow(self, client, subject, owner):
        client.force_login(owner)
        page = client.get(self.url(subject))
        assert page.status_code == 200
        assert "Louisiana State Police" in page.content.decode()

    def test_a_viewer_reads_why_not(self, client, subject, holder):
        client.force_login(holder(Level.VIEW))
        page = client.get(self.url(subject)).content.decode()
        assert "may not share it onward" in page and "<form class=\"card" not in page

    def test_bad_input_is_a_form_error_and_writes_nothing(self, client, subject, owner):
        client.force_login(owner)
        lsp = _agency("Louisiana State Police").pk
        for data, words in [
            ({"due_date": soon().isoformat(), "instructions": "x"}, "Choose the agency"),
            ({"agency": lsp, "due_date": "2000-01-01", "instructions": "x"}, "today or later"),
            ({"agency": lsp, "due_date": soon().isoformat()}, "This field is required"),
            ({"ori": "ZZ0000000", "due_date": soon().isoformat(), "instructions": "x"},
             "No agency has the ORI ZZ0000000"),
        ]:
            response = client.post(self.url(subject), data)
            assert response.status_code == 400 and words in response.content.decode()
        assert not Referral.objects.exists()

    def test_a_second_open_referral_is_refused(self, client, subject, owner):
        client.force_login(owner)
        assert client.post(self.url(subject), self.data(subject)).status_code == 302
        response = client.post(self.url(subject), self.data(subject))
        assert response.status_code == 400
        assert "still open" in response.content.decode()
        assert Referral.objects.count() == 1

    def test_les_to_a_foreign_partner_is_refused_naming_the_rule(self, client, subject, owner):
        europol = Agency.objects.create(name="EUROPOL", ori="DCEUROPOL", level="federal",
                                        home_state="DC", foreign_partner=True)
        type(subject).objects.filter(pk=subject.pk).update(les=True)
        client.force_login(owner)
        response = client.post(self.url(subject), {"ori": europol.ori,
                                                   "due_date": soon().isoformat(),
                                                   "instructions": INSTRUCTIONS})
        assert response.status_code == 400
        assert "LES never reaches a foreign partner: EUROPOL is one." in response.content.decode()
        assert not Referral.objects.exists()
        assert not Share.objects.filter(target_agency=europol).exists()


class TestReferItem(ReferTests):
    url_name = "item-refer"
    model = IntelligenceItem
    field = "item"

    @pytest.fixture
    def subject(self, tip, lsp):
        return tip


class TestReferCase(ReferTests):
    url_name = "case-refer"
    model = Case
    field = "case"

    @pytest.fixture
    def subject(self, trafficking_case, lsp):
        return trafficking_case

    def test_the_case_page_offers_refer_to_who_may_share(self, client, subject, owner, holder):
        client.force_login(owner)
        assert self.url(subject) in client.get(reverse("case-detail", args=[subject.pk])).content.decode()
        client.force_login(holder(Level.EDIT))
        assert self.url(subject) not in client.get(
            reverse("case-detail", args=[subject.pk])).content.decode()


def test_the_item_page_offers_refer(tip, analyst_fl):
    client = HttpsClient()
    client.force_login(analyst_fl)
    page = client.get(reverse("item-detail", args=[tip.pk])).content.decode()
    assert reverse("item-refer", args=[tip.pk]) in page


class ReferralPage(ObjectPageTests):
    model = Referral

    @pytest.fixture
    def subject(self, referral):
        return referral

    @pytest.fixture
    def owner(self, analyst_fl):
        return analyst_fl


class TestReferralDetail(ReferralPage):
    url_name = "referral-detail"

    def test_the_referrer_sees_status_and_withdraw(self, client, subject, analyst_fl):
        client.force_login(analyst_fl)
        page = client.get(self.url(subject)).content.decode()
        assert TITLE in page and INSTRUCTIONS in page and "Louisiana State Police" in page
        assert "Withdraw" in page and "Acknowledge" not in page

    def test_the_addressee_sees_acknowledge_and_close(self, client, subject, analyst_la2):
        client.force_login(analyst_la2)
        page = client.get(self.url(subject)).content.decode()
        assert TITLE in page and "Acknowledge" in page and "Close the referral" in page
        assert "Withdraw" not in page

    def test_the_center_admin_sees_the_status_and_no_title_it_may_not_see(
            self, client, tip, analyst_fl, nopd, cfix, houston):
        houston_admin = _user("admin_hpd", houston)
        CenterAdmin.objects.create(user=houston_admin, center=cfix)
        CenterAdmin.objects.create(user=analyst_fl, center=cfix)
        made = refer(obj=tip, by=analyst_fl, agency=nopd, center=cfix, due_date=soon(),
                     instructions=INSTRUCTIONS)
        client.force_login(houston_admin)
        page = client.get(self.url(made)).content.decode()
        assert "Open" in page and "New Orleans Police Department" in page
        assert TITLE not in page and INSTRUCTIONS not in page
        assert "Acknowledge" not in page and "Withdraw" not in page
        listed = client.get(reverse("referral-list"), {"side": "center"}).content.decode()
        assert f"#{made.pk}" in listed and TITLE not in listed

    def test_the_addressee_whose_share_was_withdrawn_reads_the_pointer(
            self, client, subject, tip, analyst_fl, analyst_la2):
        unshare(share_record=tip.shares.get(target_agency__name="Louisiana State Police"),
                by=analyst_fl)
        client.force_login(analyst_la2)
        page = client.get(self.url(subject)).content.decode()
        assert TITLE not in page and INSTRUCTIONS not in page and "not shared" in page


class ReferralAction(ReferralPage):
    method = "post"
    action = ""

    def url(self, subject, pk=None):
        return reverse("referral-action", args=[subject.pk if pk is None else pk, self.action])

    def data(self, subject):
        return {"version": 1}


class TestReferralAcknowledge(ReferralAction):
    url_name = "referral-action"
    action = "acknowledge"

    def test_the_addressee_acknowledges_it_once(self, client, subject, analyst_la2):
        client.force_login(analyst_la2)
        assert client.post(self.url(subject), {"version": 1}).status_code == 302
        subject.refresh_from_db()
        assert (subject.status, subject.acknowledged_by) == (Referral.Status.ACKNOWLEDGED,
                                                             analyst_la2)
        response = client.post(self.url(subject), {"version": 2}, follow=True)
        assert "only an open one is acknowledged" in response.content.decode()

    def test_a_stale_page_changes_nothing(self, client, subject, analyst_la2):
        client.force_login(analyst_la2)
        response = client.post(self.url(subject), {"version": 9}, follow=True)
        assert "changed by someone else" in response.content.decode()
        subject.refresh_from_db()
        assert subject.status == Referral.Status.OPEN and subject.version == 1

    def test_the_referrer_does_not_acknowledge(self, client, subject, analyst_fl):
        client.force_login(analyst_fl)
        assert client.post(self.url(subject), {"version": 1}).status_code == 403
        subject.refresh_from_db()
        assert subject.status == Referral.Status.OPEN


class TestReferralClose(ReferralAction):
    url_name = "referral-action"
    action = "close"

    def test_the_addressee_closes_it_with_an_outcome(self, client, subject, analyst_la2):
        client.force_login(analyst_la2)
        response = client.post(self.url(subject), {"version": 1, "outcome": "transferred",
                                                   "outcome_text": "Sent to Jefferson Parish."})
        assert response.status_code == 302
        subject.refresh_from_db()
        assert (subject.status, subject.outcome) == (Referral.Status.CLOSED, "transferred")
        assert subject.outcome_text == "Sent to Jefferson Parish."

    def test_without_an_outcome_nothing_changes(self, client, subject, analyst_la2):
        client.force_login(analyst_la2)
        response = client.post(self.url(subject), {"version": 1, "outcome_text": "x"},
                               follow=True)
        assert "Choose the outcome" in response.content.decode()
        response = client.post(self.url(subject), {"version": 1, "outcome": "declined"},
                               follow=True)
        assert "Say what was done" in response.content.decode()
        subject.refresh_from_db()
        assert subject.status == Referral.Status.OPEN

    def test_the_referrer_does_not_close_it(self, client, subject, analyst_fl):
        client.force_login(analyst_fl)
        response = client.post(self.url(subject), {"version": 1, "outcome": "declined",
                                                   "outcome_text": "x"})
        assert response.status_code == 403
        subject.refresh_from_db()
        assert subject.status == Referral.Status.OPEN


class TestReferralWithdraw(ReferralAction):
    url_name = "referral-action"
    action = "withdraw"

    def test_the_referrer_withdraws_it(self, client, subject, analyst_fl):
        client.force_login(analyst_fl)
        assert client.post(self.url(subject), {"version": 1, "back": "list"})[
            "Location"] == reverse("referral-list")
        subject.refresh_from_db()
        assert subject.status == Referral.Status.WITHDRAWN

    def test_the_addressee_does_not_and_a_closed_one_is_not(self, client, subject, analyst_la2,
                                                             analyst_fl):
        client.force_login(analyst_la2)
        assert client.post(self.url(subject), {"version": 1}).status_code == 403
        referral_close(referral=subject, by=analyst_la2, outcome="no_action", outcome_text="x")
        client.force_login(analyst_fl)
        response = client.post(self.url(subject), {"version": 2}, follow=True)
        assert "closed already" in response.content.decode()
        subject.refresh_from_db()
        assert subject.status == Referral.Status.CLOSED


def test_an_unknown_action_is_a_404(referral, analyst_fl):
    client = HttpsClient()
    client.force_login(analyst_fl)
    assert client.post(reverse("referral-action", args=[referral.pk, "burn"]),
                       {"version": 1}).status_code == 404


class TestReferralList(ListPageTests):
    url_name = "referral-list"
    page_size = 50
    rows_already = 1

    @pytest.fixture
    def subject(self, tip, referral):
        return tip

    def row_text(self, subject):
        return subject.title

    @pytest.fixture
    def make_row(self, make_item, make_case, analyst_fl, lsp, nopd):
        def make(n):
            obj = make_case(analyst_fl) if n % 2 else make_item(analyst_fl, kind="tip")
            refer(obj=obj, by=analyst_fl, agency=lsp if n % 3 else nopd, due_date=soon(n % 5),
                  instructions=f"Referral {n}")

        return make

    def test_sides_status_and_overdue(self, client, subject, referral, analyst_la2, analyst_fl):
        Referral.objects.filter(pk=referral.pk).update(due_date=soon(-3))
        client.force_login(analyst_la2)
        page = client.get(reverse(self.url_name), {"side": "to_us", "overdue": "1"})
        assert page.context["rows"][0].overdue and 'class="overdue"' in page.content.decode()
        assert client.get(reverse(self.url_name), {"side": "by_us"}).context["rows"] == []
        referral_acknowledge(referral=referral, by=analyst_la2)
        assert len(client.get(reverse(self.url_name)).context["rows"]) == 1
        referral_close(referral=referral, by=analyst_la2, outcome="action_taken",
                       outcome_text="Done.")
        assert client.get(reverse(self.url_name)).context["rows"] == []
        assert len(client.get(reverse(self.url_name), {"status": "closed"}).context["rows"]) == 1
        client.force_login(analyst_fl)
        assert len(client.get(reverse(self.url_name), {"side": "by_us",
                                                       "status": "any"}).context["rows"]) == 1
        assert client.get(reverse(self.url_name), {"side": "nope"}).status_code == 400
        assert client.get(reverse(self.url_name), {"cursor": "x"}).status_code == 400

    def test_pages_follow_the_cursor(self, client, subject, make_row, analyst_fl):
        for n in range(55):
            make_row(n)
        client.force_login(analyst_fl)
        first = client.get(reverse(self.url_name))
        second = client.get(reverse(self.url_name), {"cursor": first.context["next_cursor"]})
        ids = [r.pk for r in first.context["rows"]] + [r.pk for r in second.context["rows"]]
        assert len(ids) == len(set(ids)) == 56 and second.context["next_cursor"] is None


def test_the_navigation_links_the_list(analyst_fl):
    client = HttpsClient()
    client.force_login(analyst_fl)
    assert reverse("referral-list") in client.get(reverse("rfi-list")).content.decode()


def test_the_center_field_is_offered_to_a_center_admin_only(tip, analyst_fl, cfix):
    client = HttpsClient()
    client.force_login(analyst_fl)
    url = reverse("item-refer", args=[tip.pk])
    assert 'name="center"' not in client.get(url).content.decode()
    CenterAdmin.objects.create(user=analyst_fl, center=cfix)
    assert 'name="center"' in client.get(url).content.decode()
    assert FusionCenter.objects.filter(pk=cfix.pk).exists()
