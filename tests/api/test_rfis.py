"""Requests for information over /api/v1/rfis/ (work/api/rfis.py): the endpoint contract of
tests/api/base.py (401, the outsider's 404, the read-only key's 403, 405s, the asker's rule at
every level below the owner, the baselines for 10 and 200 requests), each change of state, and
each refusal of work.services in the error shape with its named rule."""

from datetime import timedelta

import pytest
from django.utils import timezone

from agencies.models import ApiKey, User
from cases import services as case_services
from cases.models import IntelligenceItem
from core.handling import TLP, Level
from sharing.permissions import level_of
from sharing.services import share
from tests.api.base import EndpointTests, Write, assert_error_shape, written_state
from tests.api.conftest import api_labels, key_for
from tests.conftest import _user
from work.api.rfis import RfiRowSerializer
from work.models import RfiRequest
from work.services import rfi_address, rfi_close, rfi_take

pytestmark = pytest.mark.django_db


def in_days(n):
    return timezone.localdate() + timedelta(days=n)


def rfi_of(analyst, title="Who rents the Gulf Breeze storage unit?"):
    return case_services.item_create(by=analyst, kind="rfi", title=title, tlp=TLP.GREEN)


@pytest.fixture
def story(story, analyst_fl, nopd):
    """The story, MBI's RFI addressed to NOPD (due in three days), and an RFI of MBI not
    addressed yet."""
    story.rfi = rfi_of(analyst_fl)
    story.request = rfi_address(rfi=story.rfi, by=analyst_fl, agency=nopd, due_date=in_days(3))
    story.fresh = rfi_of(analyst_fl, "Which motel did the van stop at?")
    return story


class TestRfis(EndpointTests):
    resource = "rfis"
    model = IntelligenceItem  # a request is named by its RFI's id
    # Addressing, closing and reopening are the asker's: every level short of owning the RFI
    # is refused. Taking and answering are the addressed side's (the tests below).
    required_level = Level.OWNER
    rows_already = 1  # the story's request (its other RFI is not addressed)

    def object_id(self, story):
        return story.rfi.id

    def writes(self, story):
        detail = self.detail_url(story)
        return [
            Write("post", self.list_url, {"rfi_id": story.fresh.id, "center_id": story.center.id,
                                          "due_date": in_days(2).isoformat()}, Level.OWNER),
            Write("post", f"{detail}close/", {"version": 1}, Level.OWNER),
            Write("post", f"{detail}reopen/", {"version": 2}, Level.OWNER),
            Write("post", f"{detail}take/", {"version": 1}),
            Write("post", f"{detail}answer/", {"title": "Re: the unit"}),
        ]

    def writes_on_the_story(self, story):
        return self.writes(story)  # every one of them names the story's RFIs

    def _share_rfis(self, story, analyst_fl, anaheim, level):
        for rfi in (story.rfi, story.fresh):
            share(obj=rfi, by=analyst_fl, agency=anaheim, level=level)

    def test_holder_of_less_cannot_write(self, api, story, request, analyst_fl, anaheim,
                                         lower_level):
        """Anaheim holds the RFIs at a level short of owning them: it neither addresses, closes
        nor reopens them, and (not addressed) takes and answers nothing."""
        self._share_rfis(story, analyst_fl, anaheim, lower_level)
        api.as_key(request.getfixturevalue(self.holder_key))
        before = written_state(story)
        for write in self.writes(story):
            response = getattr(api, write.method)(write.url, write.body, format="json")
            assert_error_shape(response, 403, "insufficient_level")
        assert written_state(story) == before
        assert RfiRequest.objects.get().status == RfiRequest.Status.OPEN

    def level_writes(self, story):
        return [write for write in self.writes(story) if write.level is not None]

    @pytest.fixture
    def make_row(self, analyst_fl, nopd, la_safe):
        """A request of MBI, to NOPD or to LA-SAFE in turn, due within five days."""

        def make(n):
            target = {"agency": nopd} if n % 2 else {"center": la_safe}
            rfi_address(rfi=rfi_of(analyst_fl, f"Question {n}"), by=analyst_fl,
                        due_date=in_days(n % 5), **target)

        return make


@pytest.fixture
def nopd_writer(admin_nopd):
    return key_for(admin_nopd, name="NOPD case tool", scope=ApiKey.Scope.WRITE)


@pytest.fixture
def lsp_writer(lsp):
    return key_for(_user("admin_lsp", lsp, User.Role.AGENCY_ADMIN), name="LSP RMS",
                   scope=ApiKey.Scope.WRITE)


def url(story, what=""):
    return f"/api/v1/rfis/{story.rfi.id}/{what + '/' if what else ''}"


def test_a_row_says_what_the_request_is(api, story, partner_key_fl):
    row = api.as_key(partner_key_fl).get(url(story))
    assert row.status_code == 200, row.content
    assert row["ETag"] == f'"rfirequest-{story.request.pk}-v1"'
    row = row.json()
    assert set(row) == set(RfiRowSerializer().fields)
    assert (row["title"], row["asker_ori"], row["addressed_agency_ori"], row["addressed_center"],
            row["status"], row["due_date"], row["overdue"], row["taken_by"]) == (
        "Who rents the Gulf Breeze storage unit?", "FL0480400", "LA0360200", None, "open",
        in_days(3).isoformat(), False, None)


def test_the_owner_addresses_an_rfi_to_a_center(api, story, partner_writer_fl, la_safe,
                                                analyst_la2):
    created = api.as_key(partner_writer_fl).post("/api/v1/rfis/", {
        "rfi_id": story.fresh.id, "center_id": la_safe.id, "due_date": in_days(2).isoformat()})
    assert created.status_code == 201, created.content
    assert (created.json()["id"], created.json()["addressed_center"]) == (story.fresh.id,
                                                                          "LA-SAFE")
    # Given view on the RFI: every member agency of the center sees it.
    assert level_of(analyst_la2, story.fresh) == Level.VIEW


@pytest.mark.parametrize("body, field, rule", [
    ({"due_date": "2001-01-01"}, "due_date", "rfi_due_in_past"),
    ({"agency_id": "MBI"}, "addressee", "rfi_addressed_to_self"),
    ({"agency_id": None}, "addressee", "rfi_addressee_missing"),
])
def test_addressing_refusals_name_their_rule(api, story, partner_writer_fl, nopd, mbi, body,
                                             field, rule):
    sent = {"rfi_id": story.fresh.id, "agency_id": nopd.id, "due_date": in_days(1).isoformat(),
            **body}
    if sent.get("agency_id") == "MBI":
        sent["agency_id"] = mbi.id
    response = api.as_key(partner_writer_fl).post("/api/v1/rfis/", sent)
    error = assert_error_shape(response, 400, rule)
    assert list(error["fields"]) == [field]
    assert not RfiRequest.objects.filter(rfi=story.fresh).exists()


def test_an_rfi_is_addressed_once_and_only_an_rfi(api, story, partner_writer_fl, nopd,
                                                  analyst_fl):
    api.as_key(partner_writer_fl)
    again = api.post("/api/v1/rfis/", {"rfi_id": story.rfi.id, "agency_id": nopd.id,
                                       "due_date": in_days(1).isoformat()})
    assert_error_shape(again, 400, "rfi_addressed_already")
    missing = api.post("/api/v1/rfis/", {"rfi_id": story.item.id, "agency_id": 10**9,
                                         "due_date": in_days(1).isoformat()})
    assert assert_error_shape(missing, 400)["fields"] == {"agency_id": ["No agency has this id."]}
    tip = api.post("/api/v1/rfis/", {"rfi_id": story.item.id, "agency_id": nopd.id,
                                     "due_date": in_days(1).isoformat()})
    assert_error_shape(tip, 400, "rfi_not_an_rfi")


def test_the_addressee_takes_and_answers_and_the_answer_goes_back_to_the_asker(
        api, story, nopd_writer, analyst_la, analyst_fl, partner_key_fl):
    api.as_key(nopd_writer)
    taken = api.post(url(story, "take"), {}, HTTP_IF_MATCH=f'"rfirequest-{story.request.pk}-v1"')
    assert taken.status_code == 200, taken.content
    assert (taken.json()["status"], taken.json()["taken_by"]) == ("acknowledged",
                                                                  "API key NOPD case tool")
    assert taken["ETag"] == f'"rfirequest-{story.request.pk}-v2"'
    answered = api.post(url(story, "answer"), {
        "title": "Re: the unit", "body": "Rented by the courier's cousin.",
        **api_labels(analyst_la)})
    assert answered.status_code == 201, answered.content
    body = answered.json()
    assert (body["shared_with_asker"], body["share_back_refusal"]) == (True, None)
    assert body["request"]["status"] == "answered"
    response = IntelligenceItem.objects.get(pk=body["response_id"])
    assert (response.kind, response.in_response_to_id, response.owner_id, response.tlp) == (
        "rfi_response", story.rfi.id, analyst_la.agency_id, TLP.GREEN)
    # Shared back through the service the item page uses: the asker sees it, and its row lists it.
    assert level_of(analyst_fl, response) == Level.VIEW
    row = api.as_key(partner_key_fl).get(url(story)).json()
    assert row["response_ids"] == [response.id]


def test_a_response_pending_review_says_it_was_not_shared_back(api, story, nopd_writer,
                                                               analyst_fl):
    answered = api.as_key(nopd_writer).post(url(story, "answer"), {"title": "Re: the unit"})
    assert answered.status_code == 201, answered.content
    body = answered.json()
    assert body["shared_with_asker"] is False
    assert "pending review" in body["share_back_refusal"]
    assert level_of(analyst_fl, IntelligenceItem.objects.get(pk=body["response_id"])) is None


def test_a_center_request_is_taken_by_one_member_analyst_only(api, story, analyst_fl, la_safe,
                                                              nopd_writer, lsp_writer):
    rfi_address(rfi=story.fresh, by=analyst_fl, center=la_safe, due_date=in_days(1))
    fresh = f"/api/v1/rfis/{story.fresh.id}/"
    taken = api.as_key(lsp_writer).post(f"{fresh}take/", {"version": 1})
    assert taken.status_code == 200, taken.content
    again = api.as_key(nopd_writer).post(f"{fresh}take/", {"version": 2})
    assert_error_shape(again, 400, "rfi_taken_already")
    # Both have it "to us" (NOPD the story's too); only LSP's key has it as its own.
    assert [r["id"] for r in api.get("/api/v1/rfis/", {"side": "to_us"}).json()["results"]] == [
        story.fresh.id, story.rfi.id]
    assert api.get("/api/v1/rfis/", {"side": "mine"}).json()["results"] == []
    mine = api.as_key(lsp_writer).get("/api/v1/rfis/", {"side": "mine"}).json()["results"]
    assert [r["id"] for r in mine] == [story.fresh.id]


def test_the_asker_closes_and_reopens_with_a_new_due_date(api, story, partner_writer_fl):
    api.as_key(partner_writer_fl)
    closed = api.post(url(story, "close"), {"version": 1})
    assert (closed.status_code, closed.json()["status"]) == (200, "closed"), closed.content
    assert_error_shape(api.post(url(story, "close"), {"version": 2}), 400, "rfi_closed_already")
    reopened = api.post(url(story, "reopen"), {"version": 2, "due_date": in_days(9).isoformat()})
    assert reopened.status_code == 200, reopened.content
    assert (reopened.json()["status"], reopened.json()["due_date"], reopened.json()["cycle"]) == (
        "open", in_days(9).isoformat(), 1)
    assert_error_shape(api.post(url(story, "reopen"), {"version": 3}), 400, "rfi_still_pending")
    past = api.post(url(story, "close"), {"version": 3})
    assert past.status_code == 200
    assert_error_shape(api.post(url(story, "reopen"), {"version": 4, "due_date": "2001-01-01"}),
                       400, "rfi_due_in_past")


def test_a_stale_version_is_412_and_changes_nothing(api, story, partner_writer_fl, analyst_la):
    rfi_take(request=story.request, by=analyst_la)
    response = api.as_key(partner_writer_fl).post(url(story, "close"), {"version": 1})
    assert_error_shape(response, 412, "stale_version")
    assert RfiRequest.objects.get().status == RfiRequest.Status.ACKNOWLEDGED
    no_version = api.post(url(story, "close"), {})
    assert list(assert_error_shape(no_version, 400)["fields"]) == ["version"]


def test_state_refusals_name_their_rule(api, story, nopd_writer, analyst_fl, analyst_la):
    rfi_take(request=story.request, by=analyst_la)
    api.as_key(nopd_writer)
    assert_error_shape(api.post(url(story, "take"), {"version": 2}), 400, "rfi_taken_already")
    rfi_close(request=story.request, by=analyst_fl)
    assert_error_shape(api.post(url(story, "take"), {"version": 3}), 400, "rfi_not_pending")
    before = IntelligenceItem.objects.count()
    assert_error_shape(api.post(url(story, "answer"), {"title": "Late"}), 400, "rfi_not_pending")
    assert IntelligenceItem.objects.count() == before


def test_the_addressee_neither_closes_nor_reopens_and_the_asker_takes_nothing(
        api, story, nopd_writer, partner_writer_fl):
    api.as_key(nopd_writer)
    for what in ("close", "reopen"):
        assert_error_shape(api.post(url(story, what), {"version": 1}), 403, "insufficient_level")
    api.as_key(partner_writer_fl)
    for what, body in (("take", {"version": 1}), ("answer", {"title": "Self"})):
        assert_error_shape(api.post(url(story, what), body), 403, "insufficient_level")
    assert RfiRequest.objects.get().status == RfiRequest.Status.OPEN


def test_an_outsider_takes_and_answers_nothing(api, story, outsider_key):
    api.as_key(outsider_key)
    before = IntelligenceItem.objects.count()
    for what, body in (("take", {"version": 1}), ("answer", {"title": "Hello"})):
        existing = api.post(url(story, what), body)
        missing = api.post(f"/api/v1/rfis/{story.rfi.id + 10**6}/{what}/", body)
        assert_error_shape(existing, 404, "not_found")
        assert existing.content == missing.content
    assert IntelligenceItem.objects.count() == before
    assert RfiRequest.objects.get().status == RfiRequest.Status.OPEN


def test_the_filters_are_the_pages(api, story, analyst_fl, la_safe, partner_key_fl,
                                   partner_key_la):
    late = rfi_of(analyst_fl, "Late one")
    late_request = rfi_address(rfi=late, by=analyst_fl, center=la_safe, due_date=in_days(0))
    RfiRequest.objects.filter(pk=late_request.pk).update(due_date=in_days(-2))
    api.as_key(partner_key_fl)

    def ids(**params):
        response = api.get("/api/v1/rfis/", params)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [late.id, story.rfi.id]  # soonest due first
    assert ids(overdue="true") == [late.id]
    assert ids(side="to_us") == []
    assert ids(side="by_us", status="closed") == []
    assert ids(status="any", limit=1) == [late.id]
    page = api.get("/api/v1/rfis/", {"limit": 1}).json()
    assert page["has_more"] is True
    assert ids(cursor=page["next_cursor"]) == [story.rfi.id]
    assert api.get("/api/v1/rfis/", {"cursor": page["next_cursor"], "limit": 1}).json()[
        "next_cursor"] is None
    # NOPD has both "to us": the one to it, and the one to LA-SAFE, of which it is a member.
    to_nopd = api.as_key(partner_key_la).get("/api/v1/rfis/", {"side": "to_us"}).json()
    assert {row["id"] for row in to_nopd["results"]} == {late.id, story.rfi.id}


@pytest.mark.parametrize("params, field", [
    ({"side": "theirs"}, "side"), ({"status": "open"}, "status"), ({"overdue": "maybe"}, "overdue"),
    ({"cursor": "not-a-cursor"}, "cursor"), ({"limit": "0"}, "limit"),
])
def test_a_bad_filter_or_page_is_a_400_naming_it(api, story, partner_key_fl, params, field):
    response = api.as_key(partner_key_fl).get("/api/v1/rfis/", params)
    assert list(assert_error_shape(response, 400)["fields"]) == [field]


def test_an_outsider_lists_none(api, story, outsider_key):
    assert api.as_key(outsider_key).get("/api/v1/rfis/", {"status": "any"}).json()[
        "results"] == []


@pytest.mark.parametrize("route, field", [
    ("", "rfi_id"), ("take/", "version"), ("reopen/", "due_date"), ("answer/", "title")])
def test_options_describe_what_each_route_takes(api, story, partner_writer_fl, route, field):
    path = "/api/v1/rfis/" + (f"{story.rfi.id}/{route}" if route else "")
    described = api.as_key(partner_writer_fl).options(path)
    assert described.status_code == 200, described.content
    assert field in described.json()["actions"]["POST"]
