"""Referrals over /api/v1/referrals/ (work/api/referrals.py): the endpoint contract of
tests/api/base.py (401, the outsider's 404, the read-only key's 403, the levels of referring,
the baselines for 10 and 500 referrals), and what is particular to referrals: each action with
If-Match, each refusal in the error shape with its rule, and what a side that no longer sees the
record reads."""

from datetime import timedelta

import pytest
from django.utils import timezone

from agencies.models import Agency, ApiKey
from cases.models import Case
from core.handling import TLP, Level
from sharing.models import Share
from sharing.services import share, unshare
from tests.api.base import EndpointTests, Write, assert_error_shape
from tests.api.conftest import key_for
from tests.conftest import _user
from work.api.referrals import ReferralRowSerializer
from work.models import Referral
from work.services import refer

pytestmark = pytest.mark.django_db

INSTRUCTIONS = "Canvass the motel on Airline Highway."


def soon(days=3):
    return timezone.localdate() + timedelta(days=days)


@pytest.fixture
def story(story, analyst_fl, lsp, nopd):
    """The story, its case at TLP:GREEN (a holder of manage may refer it anywhere), referred by
    MBI to the Louisiana State Police."""
    Case.objects.filter(pk=story.case.pk).update(tlp=TLP.GREEN)
    story.case.refresh_from_db()
    story.referral = refer(obj=story.case, by=analyst_fl, agency=lsp, due_date=soon(),
                           instructions=INSTRUCTIONS)
    story.nopd = nopd
    return story


@pytest.fixture
def admin_lsp(lsp):
    return _user("admin_lsp", lsp, "agency_admin")


@pytest.fixture
def writer_lsp(admin_lsp):
    return key_for(admin_lsp, scope=ApiKey.Scope.WRITE)


class TestReferrals(EndpointTests):
    resource = "referrals"
    model = Referral
    required_level = Level.MANAGE
    rows_already = 1  # the story's referral
    row_counts = (10, 499)  # with the story's, a page of 500: the largest a page holds

    def object_id(self, story):
        return story.referral.id

    def writes(self, story):
        action = f"{self.detail_url(story)}{{}}/"
        return [
            Write("post", self.list_url,
                  {"case_id": story.case.id, "agency_id": story.nopd.id,
                   "due_date": soon().isoformat(), "instructions": INSTRUCTIONS},
                  Level.MANAGE),
            # The actions need a side of the referral, not a level on the case: the tests
            # below prove who may press them.
            Write("post", action.format("acknowledge"), {"version": 1}),
            Write("post", action.format("close"), {"version": 1, "outcome": "declined",
                                                   "outcome_text": "x"}),
            Write("post", action.format("withdraw"), {"version": 1}),
        ]

    @pytest.fixture
    def make_row(self, story, analyst_fl, make_case, make_item, nopd, lsp):
        """A referral by MBI, of a case or a tip, to NOPD or the state police."""

        def make(n):
            obj = make_case(analyst_fl) if n % 2 else make_item(analyst_fl, kind="tip")
            refer(obj=obj, by=analyst_fl, agency=nopd if n % 3 else lsp, due_date=soon(n % 4),
                  instructions=f"Referral {n}")

        return make


def url(referral, what=""):
    return f"/api/v1/referrals/{referral.pk}/" + (f"{what}/" if what else "")


def test_a_row_says_what_the_referral_is(api, story, partner_key_fl):
    row = api.as_key(partner_key_fl).get(url(story.referral)).json()
    assert set(row) == set(ReferralRowSerializer().fields)
    assert (row["case_id"], row["case_number"], row["item_id"], row["title"]) == (
        story.case.id, "MBI-2015-0042", None, story.case.title)
    assert (row["direction"], row["from_agency_ori"], row["to_agency_ori"]) == (
        "outgoing", "FL0480400", "LALSP0000")
    assert (row["status"], row["outcome"], row["instructions"], row["overdue"]) == (
        "open", None, INSTRUCTIONS, False)


def test_a_tip_is_referred_through_the_service(api, story, partner_writer_fl, nopd, analyst_la):
    created = api.as_key(partner_writer_fl).post("/api/v1/referrals/", {
        "item_id": story.item.id, "agency_id": nopd.id, "due_date": soon().isoformat(),
        "instructions": "Interview the caller."}, format="json")
    assert created.status_code == 201, created.content
    made = Referral.objects.get(pk=created.json()["id"])
    assert made.item == story.item and made.to_agency == nopd
    assert created["ETag"] == f'"referral-{made.pk}-v1"'
    assert Share.objects.filter(item=story.item, target_agency=nopd).exists()


def test_refusals_name_their_rule_and_write_nothing(api, story, partner_writer_fl, nopd, lsp):
    api.as_key(partner_writer_fl)
    body = {"case_id": story.case.id, "agency_id": nopd.id, "due_date": soon().isoformat(),
            "instructions": "x"}
    for change, status, code in [
        ({"due_date": (timezone.localdate() - timedelta(days=1)).isoformat()}, 400, "invalid"),
        ({"agency_id": lsp.id}, 400, "referral_pending_already"),
        ({"item_id": story.item.id}, 400, "invalid"),
        ({"case_id": None}, 400, "invalid"),
        ({"agency_id": 10**12}, 400, "invalid"),
    ]:
        response = api.post("/api/v1/referrals/", {**body, **change}, format="json")
        assert_error_shape(response, status, code)
    assert Referral.objects.count() == 1


def test_les_to_a_foreign_partner_is_a_400_naming_the_rule(api, story, partner_writer_fl):
    europol = Agency.objects.create(name="EUROPOL", ori="DCEUROPOL", level="federal",
                                    home_state="DC", foreign_partner=True)
    response = api.as_key(partner_writer_fl).post("/api/v1/referrals/", {
        "case_id": story.case.id, "agency_id": europol.id, "due_date": soon().isoformat(),
        "instructions": "x"}, format="json")
    body = assert_error_shape(response, 400, "foreign_partner_les")
    assert "LES never reaches a foreign partner" in body["message"]
    assert not Share.objects.filter(target_agency=europol).exists()
    assert Referral.objects.count() == 1


def test_the_addressee_acknowledges_and_closes_with_if_match(api, story, writer_lsp):
    api.as_key(writer_lsp)
    read = api.get(url(story.referral))
    assert read.json()["direction"] == "incoming"
    acked = api.post(url(story.referral, "acknowledge"), {}, format="json",
                     headers={"If-Match": read["ETag"]})
    assert acked.status_code == 200, acked.content
    assert (acked.json()["status"], acked.json()["version"]) == ("acknowledged", 2)
    stale = api.post(url(story.referral, "close"), {"outcome": "action_taken",
                                                    "outcome_text": "Canvassed."},
                     format="json", headers={"If-Match": read["ETag"]})
    assert_error_shape(stale, 412, "stale_version")
    closed = api.post(url(story.referral, "close"), {"outcome": "action_taken",
                                                     "outcome_text": "Canvassed."},
                      format="json", headers={"If-Match": acked["ETag"]})
    assert closed.status_code == 200, closed.content
    assert (closed.json()["status"], closed.json()["outcome"]) == ("closed", "action_taken")
    again = api.post(url(story.referral, "acknowledge"), {"version": 3}, format="json")
    assert_error_shape(again, 400, "referral_not_open")


def test_each_side_presses_its_own_buttons_only(api, story, writer_lsp, partner_writer_fl):
    api.as_key(partner_writer_fl)
    for what, body in [("acknowledge", {"version": 1}),
                       ("close", {"version": 1, "outcome": "declined", "outcome_text": "x"})]:
        assert_error_shape(api.post(url(story.referral, what), body, format="json"), 403,
                           "insufficient_level")
    api.as_key(writer_lsp)
    assert_error_shape(api.post(url(story.referral, "withdraw"), {"version": 1}, format="json"),
                       403, "insufficient_level")
    assert_error_shape(api.post(url(story.referral, "close"), {"version": 1, "outcome": "nope",
                                                               "outcome_text": "x"},
                                format="json"), 400)
    assert_error_shape(api.post(url(story.referral, "acknowledge"), {}, format="json"), 400)
    api.as_key(partner_writer_fl)
    withdrawn = api.post(url(story.referral, "withdraw"), {"version": 1}, format="json")
    assert withdrawn.json()["status"] == "withdrawn"
    story.referral.refresh_from_db()
    assert story.referral.status == Referral.Status.WITHDRAWN


def test_an_outsider_cannot_act_on_it_as_if_it_were_missing(api, story, outsider_key):
    api.as_key(outsider_key)
    for what in ("acknowledge", "close", "withdraw"):
        existing = api.post(url(story.referral, what), {"version": 1}, format="json")
        missing = api.post(f"/api/v1/referrals/{story.referral.pk + 1000}/{what}/",
                           {"version": 1}, format="json")
        assert_error_shape(existing, 404, "not_found")
        assert existing.content == missing.content
    story.referral.refresh_from_db()
    assert story.referral.status == Referral.Status.OPEN and story.referral.version == 1


def test_an_addressee_that_lost_the_record_reads_the_pointer(api, story, writer_lsp, analyst_fl):
    unshare(share_record=Share.objects.get(case=story.case, target_agency=story.referral.to_agency),
            by=analyst_fl)
    row = api.as_key(writer_lsp).get(url(story.referral)).json()
    assert (row["title"], row["instructions"], row["case_number"]) == (
        None, None, "MBI-2015-0042")


def test_filters(api, story, writer_lsp, partner_key_fl):
    api.as_key(partner_key_fl)
    assert [r["id"] for r in api.get("/api/v1/referrals/?direction=outgoing").json()[
        "results"]] == [story.referral.id]
    assert api.get("/api/v1/referrals/?direction=incoming").json()["results"] == []
    assert api.get("/api/v1/referrals/?status=closed").json()["results"] == []
    assert api.get("/api/v1/referrals/?overdue=true").json()["results"] == []
    Referral.objects.filter(pk=story.referral.pk).update(due_date=soon(-2))
    assert len(api.get("/api/v1/referrals/?overdue=true").json()["results"]) == 1
    assert_error_shape(api.get("/api/v1/referrals/?status=lost"), 400)
    assert [r["id"] for r in api.get(f"/api/v1/referrals/?case={story.case.id}").json()[
        "results"]] == [story.referral.id]
    assert api.get(f"/api/v1/referrals/?item={story.item.id}").json()["results"] == []
    for bad in ("0", "99999999999999999999999", "x"):
        assert_error_shape(api.get(f"/api/v1/referrals/?case={bad}"), 400)
    assert len(api.as_key(writer_lsp).get("/api/v1/referrals/?direction=incoming").json()[
        "results"]) == 1


def test_a_holder_of_manage_refers_and_the_owner_is_not_its_addressee(
        api, story, analyst_fl, anaheim, nopd, mbi):
    share(obj=story.case, by=analyst_fl, agency=anaheim, level=Level.MANAGE)
    writer_ana = key_for(_user("admin_ana2", anaheim, "agency_admin"), scope=ApiKey.Scope.WRITE)
    response = api.as_key(writer_ana).post("/api/v1/referrals/", {
        "case_id": story.case.id, "agency_id": mbi.id, "due_date": soon().isoformat(),
        "instructions": "Your case: the subject moved to Anaheim."}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["from_agency_ori"] == anaheim.ori
