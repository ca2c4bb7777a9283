"""Tips over /api/v1/tips/ (work/api/tips.py): the endpoint contract of tests/api/base.py (401,
the outsider's 404 of a missing tip, the read-only key's 403, 405s, the owner's writes, the
baselines for 10 and 200 tips), each change of state, each refusal of work.tip_services in the
error shape with its named rule, the queue's filters, and the blind rules of the hints."""

from datetime import timedelta

import pytest
from django.utils import timezone

from agencies.models import ApiKey
from cases import services as case_services
from cases.models import Case, IntelligenceItem
from core.handling import Level
from sharing.services import share
from tests.api.base import EndpointTests, Write, assert_error_shape, written_state
from tests.api.conftest import key_for
from tests.conftest import cfr23_labels
from work.api.tips import TipHintSerializer, TipRowSerializer
from work.models import TipTriage
from work.tip_services import tip_assign, tip_take_down

pytestmark = pytest.mark.django_db

Status = TipTriage.Status
RECRUITER = {"kind": "email", "value": "recruiter.example@mail.example"}
PHONE = "(504) 555-0177"
NOPD_TIP = "Caller at the Airline Highway motel saw the van again"


def account_of(plaintext):
    """The service account a key acts through."""
    return ApiKey.objects.get(prefix="_".join(plaintext.split("_")[:2])).user


@pytest.fixture
def story(story, analyst_fl):
    """The story, and a tip MBI's call-taker took down naming the recruiter's e-mail (a subject
    of the story's case and tip: its hints)."""
    story.triage = tip_take_down(by=analyst_fl, what="Caller saw the recruiter's e-mail on a "
                                 "flyer at the motel", subjects=[RECRUITER],
                                 caller_name="Dana Reyes", caller_phone="407-555-0101")
    story.analyst_id = analyst_fl.pk
    return story


def url(triage, what=""):
    return f"/api/v1/tips/{triage.tip_id}/" + (f"{what}/" if what else "")


class TestTips(EndpointTests):
    resource = "tips"
    model = IntelligenceItem  # a tip is named by its item's id
    # The tip's queue side is the agency that took it down (its owner): every change is its.
    required_level = Level.OWNER
    rows_already = 1  # the story's tip in MBI's queue (its item-form tip has no triage)
    # A tip is information pending review (28 CFR Part 23), shared with nobody: no agency holds
    # it at a level short of owning it.
    test_holder_of_less_cannot_write = None

    def object_id(self, story):
        return story.triage.tip_id

    def writes(self, story):
        detail = self.detail_url(story)
        return [
            Write("post", self.list_url, {"what": "Anonymous caller: a van at the pier."}),
            # The key starts the review (it becomes the reviewer), hands it to MBI's analyst
            # (it stays in review) and accepts it on the story's case.
            Write("post", f"{detail}review/", {"version": 1}, Level.OWNER),
            Write("post", f"{detail}assign/", {"version": 2, "assignee_id": story.analyst_id},
                  Level.OWNER),
            Write("post", f"{detail}accept/", {"version": 3, "case_id": story.case.id},
                  Level.OWNER),
        ]

    def writes_on_the_story(self, story):
        return [*self.writes(story)[1:],
                Write("post", f"{self.detail_url(story)}close/", {"version": 1, "reason": "x"},
                      Level.OWNER)]

    @pytest.fixture
    def make_row(self, analyst_fl):
        """A tip of MBI, taken down without subjects, some assigned."""

        def make(n):
            triage = tip_take_down(by=analyst_fl, what=f"Tip {n}: a van at the pier")
            if n % 2:
                tip_assign(triage=triage, by=analyst_fl, assignee=analyst_fl)

        return make


def test_a_row_says_what_the_tip_is_and_names_the_hint_its_agency_sees(api, story,
                                                                          partner_key_fl):
    row = api.as_key(partner_key_fl).get(url(story.triage)).json()
    assert set(row) == set(TipRowSerializer().fields)
    assert (row["number"], row["status"], row["caller_name"], row["caller_phone"]) == (
        story.triage.number, "new", "Dana Reyes", "407-555-0101")
    assert row["center"] == "CFIX" and row["agency_ori"] == "FL0480400"
    # The story's case and its tip (written on the item form: no triage page) hold the e-mail.
    assert all(set(hint) == set(TipHintSerializer().fields) for hint in row["hints"])
    assert [(h["visible"], h["type"], h["id"], h["number"], h["title"], h["triaged"])
            for h in row["hints"]] == [
        (True, "tip", story.item.id, f"T-{story.item.id}", story.item.title, False),
        (True, "case", story.case.id, "MBI-2015-0042", story.case.title, False)]


@pytest.fixture
def nopd_tip(analyst_la):
    """A tip of NOPD, criminal intelligence, naming a phone: MBI may be told it exists."""
    tip = case_services.item_create(
        by=analyst_la, kind="tip", title=NOPD_TIP, body=f"{NOPD_TIP}; call back {PHONE}.",
        **cfr23_labels(analyst_la))
    case_services.subjects_link(by=analyst_la, target=tip,
                                subjects=[{"kind": "phone", "value": PHONE, "state": ""}])
    return tip


def test_a_tip_is_taken_down_and_a_blind_hint_never_names_the_other_agencys_tip(
        api, story, partner_writer_fl, nopd_tip):
    created = api.as_key(partner_writer_fl).post("/api/v1/tips/", {
        "what": "Caller saw a minor in a van\nat the pier", "where": "Orlando, FL",
        "anonymous": True, "subjects": [{"kind": "phone", "value": PHONE}, RECRUITER]},
        format="json")
    assert created.status_code == 201, created.content
    row = created.json()
    triage = TipTriage.objects.get(tip_id=row["id"])
    assert created["ETag"] == f'"tiptriage-{triage.pk}-v1"'
    assert (row["status"], row["title"], row["where"], row["caller_anonymous"]) == (
        "new", "Caller saw a minor in a van", "Orlando, FL", True)
    assert triage.agency.ori == "FL0480400" and triage.tip.owner.ori == "FL0480400"
    blind = [hint for hint in row["hints"] if not hint["visible"]]
    assert [(h["type"], h["agency_ori"], h["subject"]) for h in blind] == [
        ("tip", "LA0360200", PHONE)]
    assert (blind[0]["id"], blind[0]["number"], blind[0]["title"]) == (None, None, None)
    said = created.content.decode()
    for secret in (f"T-{nopd_tip.pk}", NOPD_TIP, "Airline Highway", f'"id": {nopd_tip.pk},',
                   f'"id":{nopd_tip.pk},'):
        assert secret not in said
    # The detail tells the same.
    again = api.get(f"/api/v1/tips/{row['id']}/").json()
    assert again["hints"] == row["hints"]


def _post(api, triage, what, body=None, **headers):
    """A change, at the version the tip is at unless the body or If-Match names one."""
    body = dict(body or {})
    if "HTTP_IF_MATCH" not in headers:
        body.setdefault("version", TipTriage.objects.get(pk=triage.pk).version)
    return api.post(url(triage, what), body, format="json", **headers)


def test_each_state_change_over_the_api(api, story, partner_writer_fl, analyst_fl,
                                        make_case):
    api.as_key(partner_writer_fl)
    account = account_of(partner_writer_fl)
    assigned = _post(api, story.triage, "assign", {"assignee_id": account.pk},
                     HTTP_IF_MATCH=f'"tiptriage-{story.triage.pk}-v1"')
    assert assigned.status_code == 200, assigned.content
    assert (assigned.json()["status"], assigned.json()["assignee_id"]) == ("assigned", account.pk)
    assert assigned["ETag"] == f'"tiptriage-{story.triage.pk}-v2"'
    mine = api.get("/api/v1/tips/", {"assignee": "me"}).json()["results"]
    assert [r["id"] for r in mine] == [story.triage.tip_id]
    reviewed = _post(api, story.triage, "review", {"version": 2})
    assert reviewed.status_code == 200, reviewed.content
    assert reviewed.json()["status"] == "in_review" and reviewed.json()["review_started_at"]
    case = make_case(analyst_fl)
    accepted = _post(api, story.triage, "accept", {"version": 3, "case_id": case.pk})
    assert accepted.status_code == 200, accepted.content
    assert (accepted.json()["status"], accepted.json()["accepted_case_id"]) == ("accepted",
                                                                                case.pk)
    assert accepted.json()["decided_by_id"] == account.pk
    # Decided tips leave the default (open) filter, and are listed under their status.
    assert api.get("/api/v1/tips/").json()["results"] == []
    listed = api.get("/api/v1/tips/", {"status": "accepted"}).json()["results"]
    assert [r["id"] for r in listed] == [story.triage.tip_id]


def test_a_tip_is_accepted_on_a_new_case_and_another_closed_with_its_reason(
        api, story, partner_writer_fl, analyst_fl):
    api.as_key(partner_writer_fl)
    assert _post(api, story.triage, "review", {"version": 1}).status_code == 200
    accepted = _post(api, story.triage, "accept",
                     {"version": 2, "new_case": {"number": "MBI-2026-0100"}})
    assert accepted.status_code == 200, accepted.content
    case = Case.objects.get(number="MBI-2026-0100")
    other = tip_take_down(by=analyst_fl, what="The same van, again")
    assert _post(api, other, "review").status_code == 200
    used = _post(api, other, "accept", {"new_case": {"number": "MBI-2026-0100"}})
    assert "new_case.number" in assert_error_shape(used, 400)["fields"]
    assert TipTriage.objects.get(pk=other.pk).status == Status.IN_REVIEW
    assert accepted.json()["accepted_case_id"] == case.pk
    assert (case.owner.ori, case.title, case.lead_center.short_name) == (
        "FL0480400", story.triage.tip.title, "CFIX")
    crank = tip_take_down(by=analyst_fl, what="A crank call about aliens")
    closed = _post(api, crank, "close", {"version": 1, "reason": "A crank call."})
    assert closed.status_code == 200, closed.content
    assert (closed.json()["status"], closed.json()["close_reason"]) == ("closed", "A crank call.")


REFUSED_TAKE_DOWN = [
    ({"what": "   "}, "tip_what_missing", "what"),
    ({"what": "x", "anonymous": True, "caller_name": "Dana"}, "tip_anonymous_named",
     "anonymous"),
]


@pytest.mark.parametrize("body,rule,field", REFUSED_TAKE_DOWN, ids=["what", "anonymous"])
def test_a_refused_take_down_names_its_rule_and_writes_nothing(api, story, partner_writer_fl,
                                                               body, rule, field):
    before = written_state(story)
    response = api.as_key(partner_writer_fl).post("/api/v1/tips/", body, format="json")
    error = assert_error_shape(response, 400, rule)
    assert field in error["fields"]
    assert written_state(story) == before and TipTriage.objects.count() == 1


def test_a_tip_filed_to_a_center_the_agency_is_not_of_is_refused(api, story, partner_writer_fl,
                                                                  la_safe):
    response = api.as_key(partner_writer_fl).post(
        "/api/v1/tips/", {"what": "A van", "center_id": la_safe.pk}, format="json")
    error = assert_error_shape(response, 400, "tip_center_not_ours")
    assert "center_id" in error["fields"]
    missing = api.post("/api/v1/tips/", {"what": "A van", "center_id": 10**9}, format="json")
    assert "center_id" in assert_error_shape(missing, 400)["fields"]
    assert TipTriage.objects.count() == 1


def test_each_refused_change_names_its_rule_and_changes_nothing(api, story, partner_writer_fl,
                                                                analyst_fl, analyst_la):
    api.as_key(partner_writer_fl)
    triage = story.triage

    def refused(what, body, rule, field=None):
        before = TipTriage.objects.values().get(pk=triage.pk)
        error = assert_error_shape(_post(api, triage, what, body), 400, rule)
        if field:
            assert field in error["fields"], error
        assert TipTriage.objects.values().get(pk=triage.pk) == before

    refused("assign", {"assignee_id": analyst_la.pk}, "tip_assignee_not_on_queue", "assignee_id")
    # Said without naming who the id is: the same for another agency's person as for nobody.
    theirs = _post(api, triage, "assign", {"assignee_id": analyst_la.pk}).json()
    nobody = _post(api, triage, "assign", {"assignee_id": 10**9}).json()
    assert theirs == nobody and "Analyst" not in str(theirs) and "analyst_la" not in str(theirs)
    refused("accept", {"case_id": story.case.pk}, "tip_not_in_review")
    tip_assign(triage=triage, by=analyst_fl, assignee=analyst_fl)
    refused("review", {}, "tip_not_assignee")
    assert _post(api, triage, "assign", {"assignee_id": account_of(partner_writer_fl).pk}) \
        .status_code == 200
    assert _post(api, triage, "review", {}).status_code == 200
    refused("review", {}, "tip_not_reviewable")
    refused("accept", {}, "tip_case_missing", "case_id")
    refused("close", {"reason": "  "}, "tip_close_reason_missing", "reason")
    assert _post(api, triage, "close", {"reason": "A duplicate of T-1."}).status_code == 200
    refused("close", {"reason": "Again."}, "tip_decided")
    refused("assign", {"assignee_id": analyst_fl.pk}, "tip_decided")


def test_a_stale_version_is_a_412_and_changes_nothing(api, story, partner_writer_fl):
    api.as_key(partner_writer_fl)
    response = _post(api, story.triage, "close", {"reason": "x"}, HTTP_IF_MATCH='"tiptriage-1-v9"')
    assert_error_shape(response, 412)
    stale = _post(api, story.triage, "close", {"reason": "x", "version": 7})
    assert assert_error_shape(stale, 412, "stale_version")["current_version"] == 1
    assert TipTriage.objects.get(pk=story.triage.pk).status == Status.NEW


def test_a_case_the_key_cannot_see_reads_as_missing(api, story, partner_writer_fl, analyst_la,
                                                    make_case):
    api.as_key(partner_writer_fl)
    _post(api, story.triage, "review", {"version": 1})
    theirs = make_case(analyst_la, states=("LA",))
    error = assert_error_shape(_post(api, story.triage, "accept", {"case_id": theirs.pk}), 400)
    assert "found" in str(error["fields"]["case_id"]).lower()
    assert TipTriage.objects.get(pk=story.triage.pk).status == Status.IN_REVIEW


def test_an_outsider_gets_the_404_of_a_missing_tip_on_every_action(api, story, outsider_key):
    api.as_key(outsider_key)
    missing_id = IntelligenceItem.objects.order_by("-pk").first().pk + 1000
    for what in ("", "assign", "review", "accept", "close"):
        method = api.get if not what else api.post
        theirs = method(url(story.triage, what), {}, format="json")
        nothing = method(f"/api/v1/tips/{missing_id}/" + (f"{what}/" if what else ""), {},
                         format="json")
        assert_error_shape(theirs, 404, "not_found")
        assert theirs.content == nothing.content
    assert TipTriage.objects.get(pk=story.triage.pk).version == 1


def test_an_item_form_tip_has_no_triage_here(api, story, partner_key_fl):
    response = api.as_key(partner_key_fl).get(f"/api/v1/tips/{story.item.pk}/")
    assert_error_shape(response, 404, "not_found")


def test_the_queue_filters(api, story, partner_key_fl, analyst_fl):
    other = tip_take_down(by=analyst_fl, what="A van at the pier")
    tip_assign(triage=other, by=analyst_fl, assignee=analyst_fl)
    TipTriage.objects.filter(pk=story.triage.pk).update(due_at=timezone.now() - timedelta(hours=1))
    api.as_key(partner_key_fl)

    def ids(**query):
        response = api.get("/api/v1/tips/", query)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [other.tip_id, story.triage.tip_id]  # newest first
    assert ids(assignee="nobody") == [story.triage.tip_id]
    assert ids(assignee=str(analyst_fl.pk)) == [other.tip_id]
    assert ids(assignee="me") == []
    assert ids(overdue="true") == [story.triage.tip_id]
    assert ids(status="assigned") == [other.tip_id]
    assert ids(status="closed") == []
    page = api.get("/api/v1/tips/", {"limit": 1}).json()
    assert [r["id"] for r in page["results"]] == [other.tip_id] and page["next_cursor"]
    after = api.get("/api/v1/tips/", {"limit": 1, "cursor": page["next_cursor"]}).json()
    assert [r["id"] for r in after["results"]] == [story.triage.tip_id]
    for bad in ({"status": "maybe"}, {"assignee": "someone"}, {"overdue": "perhaps"},
                {"cursor": "not-a-cursor"}):
        assert_error_shape(api.get("/api/v1/tips/", bad), 400)


def test_another_agencys_queue_is_not_listed(api, story, partner_key_la):
    assert api.as_key(partner_key_la).get("/api/v1/tips/").json()["results"] == []


def test_an_agency_that_sees_the_tip_but_did_not_take_it_down_reads_it_and_changes_nothing(
        api, story, reviewer_fl, analyst_fl, analyst_la, nopd, partner_key_la, admin_nopd,
        make_case):
    """Accepted as criminal intelligence and shared with NOPD (view), the tip is NOPD's to read,
    without its caller; its triage stays MBI's: every change is refused (403)."""
    case_services.item_review(item=story.triage.tip, by=reviewer_fl, decision="accept",
                              reason="Predicate stated.", **cfr23_labels(reviewer_fl))
    share(obj=IntelligenceItem.objects.get(pk=story.triage.tip_id), by=analyst_fl, agency=nopd,
          level=Level.VIEW)
    row = api.as_key(partner_key_la).get(url(story.triage)).json()
    assert (row["number"], row["agency_ori"]) == (story.triage.number, "FL0480400")
    assert (row["caller_name"], row["caller_phone"]) == (None, None)
    assert "Dana Reyes" not in str(row)
    api.as_key(key_for(admin_nopd, name="NOPD CAD", scope=ApiKey.Scope.WRITE))
    for what, body in (("assign", {"assignee_id": analyst_fl.pk}), ("review", {}),
                       ("accept", {"case_id": make_case(analyst_la, states=("LA",)).pk}),
                       ("close", {"reason": "x"})):
        assert_error_shape(_post(api, story.triage, what, body), 403, "insufficient_level")
    assert TipTriage.objects.get(pk=story.triage.pk).version == 1
    # Its own queue does not list another agency's tip.
    assert api.get("/api/v1/tips/").json()["results"] == []
