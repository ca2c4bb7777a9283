"""28 CFR Part 23 at submission and review (cases.services, cases/intelligence.py): a tip, SAR,
report or RFI response is criminal intelligence with its predicate and labels, or information
pending review that nobody but its agency sees; a reviewer of the agency decides; criminal
intelligence reaches law-enforcement agencies only. Services first, then the pages."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.api_keys import api_key_create
from agencies.models import User
from cases import intelligence as cfr23
from cases import services
from cases.models import IntelligenceItem
from cases.selectors import review_queue
from core.errors import InsufficientLevel, NotVisible
from core.handling import TLP, Level
from notifications import tasks as notification_tasks
from notifications.models import Notification, OutboxEvent
from sharing.models import Share
from sharing.permissions import ShareRefused, items_visible_to, level_of, who_sees
from sharing.services import share
from tests.base import HttpsClient, MemberPageTests, messages_of
from tests.conftest import cfr23_labels, fresh


def codes(error):
    return {name: [e.code for e in errors] for name, errors in error.error_dict.items()}


@pytest.fixture
def pending(analyst_fl):
    return services.item_create(by=analyst_fl, kind="tip", title="Van at the motel, again",
                                body="Plate FL ABC123.", tlp=TLP.GREEN)


@pytest.fixture
def intelligence(analyst_fl):
    return services.item_create(by=analyst_fl, kind="tip", title="Courier named", tlp=TLP.GREEN,
                                **cfr23_labels(analyst_fl))


# Submission -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(cfr23.KINDS_ABOUT_PEOPLE - {"rfi_response"}))
def test_a_kind_about_people_without_a_predicate_is_pending_review(analyst_fl, kind):
    behaviours = ["photography"] if kind == "sar" else []
    item = services.item_create(by=analyst_fl, kind=kind, title="Something seen",
                                behaviours=behaviours)
    assert item.intelligence_status == cfr23.Status.PENDING
    assert item.validated_at is None


@pytest.mark.parametrize("kind", ["rfi", "bulletin"])
def test_a_kind_not_under_the_rule_has_no_status_and_takes_no_labels(analyst_fl, kind):
    item = services.item_create(by=analyst_fl, kind=kind, title="A question")
    assert item.intelligence_status == ""
    with pytest.raises(ValidationError) as refused:
        services.item_create(by=analyst_fl, kind=kind, title="x", **cfr23_labels(analyst_fl))
    assert codes(refused.value) == {"predicate": ["cfr23_not_under_rule"]}


def test_criminal_intelligence_keeps_its_predicate_and_labels_and_is_reviewed_within_five_years(
    analyst_fl, intelligence
):
    item = IntelligenceItem.objects.get(pk=intelligence.pk)
    assert item.intelligence_status == cfr23.Status.INTELLIGENCE
    assert item.predicate.startswith("Reasonable suspicion")
    assert (item.criminal_activity, item.sensitivity) == ("human_trafficking", "sensitive")
    assert (item.source_reliability, item.content_validity) == ("B", "2")
    assert item.control_official == analyst_fl and item.created_by == analyst_fl
    assert item.no_protected_activity is True
    assert item.review_by == cfr23.review_limit(item.validated_at)
    assert item.review_by <= item.validated_at.date().replace(year=item.validated_at.year + 5)


@pytest.mark.parametrize("missing, code", [
    ("predicate", "cfr23_predicate_missing"),
    ("criminal_activity", "cfr23_category_missing"),
    ("no_protected_activity", "cfr23_attestation_missing"),
    ("control_official", "cfr23_control_official_missing"),
    ("sensitivity", "cfr23_sensitivity_missing"),
    ("source_reliability", "cfr23_reliability_missing"),
    ("content_validity", "cfr23_validity_missing"),
])
def test_a_predicate_without_one_of_its_labels_is_refused_naming_it(analyst_fl, missing, code):
    labels = {**cfr23_labels(analyst_fl), missing: None}
    with pytest.raises(ValidationError) as refused:
        services.item_create(by=analyst_fl, kind="sar", title="Half a predicate",
                             behaviours=["photography"], **labels)
    assert codes(refused.value) == {missing: [code]}
    assert not IntelligenceItem.objects.filter(title="Half a predicate").exists()


def test_the_attestation_names_23_20_b(analyst_fl):
    labels = {**cfr23_labels(analyst_fl), "no_protected_activity": False}
    with pytest.raises(ValidationError) as refused:
        services.item_create(by=analyst_fl, kind="tip", title="x", **labels)
    assert "28 CFR 23.20(b)" in refused.value.messages[0]


def test_the_control_official_is_a_person_of_the_submitting_agency(analyst_fl, analyst_la):
    with pytest.raises(ValidationError) as refused:
        services.item_create(by=analyst_fl, kind="tip", title="x",
                             **cfr23_labels(analyst_fl, control_official=analyst_la))
    assert codes(refused.value) == {"control_official": ["cfr23_control_official_other_agency"]}


def test_a_review_date_beyond_five_years_is_refused_naming_the_rule(analyst_fl):
    too_late = timezone.now().date() + timedelta(days=5 * 366 + 1)
    with pytest.raises(ValidationError) as refused:
        services.item_create(by=analyst_fl, kind="tip", title="x", review_by=too_late,
                             **cfr23_labels(analyst_fl))
    assert codes(refused.value) == {"review_by": ["cfr23_review_beyond_five_years"]}
    assert "28 CFR 23.20(h)" in refused.value.messages[0]


# Pending review: its agency alone sees it, nobody shares it -------------------------------------


def test_information_pending_review_is_seen_by_its_agency_alone(pending, analyst_fl, reviewer_fl,
                                                                analyst_la, outsider, analyst_fl2):
    assert items_visible_to(fresh(analyst_fl)).filter(pk=pending.pk).exists()
    assert items_visible_to(fresh(reviewer_fl)).filter(pk=pending.pk).exists()
    for other in (analyst_la, outsider, analyst_fl2):
        assert not items_visible_to(fresh(other)).filter(pk=pending.pk).exists()
    assert who_sees(pending) == {pending.owner_id}


@pytest.mark.parametrize("target", ["agency", "center", "network"])
def test_information_pending_review_is_not_shared(pending, analyst_fl, nopd, cfix, target):
    pending.tlp = TLP.CLEAR
    IntelligenceItem.objects.filter(pk=pending.pk).update(tlp=TLP.CLEAR)
    kwargs = {"agency": {"agency": nopd}, "center": {"center": cfix, "target": Share.Target.CENTER},
              "network": {"target": Share.Target.NETWORK}}[target]
    with pytest.raises(ShareRefused) as refused:
        services.share_grant(obj=pending, by=analyst_fl, level=Level.VIEW, **kwargs)
    assert refused.value.code == "cfr23_pending_review"
    assert "28 CFR 23.20(a)" in refused.value.messages[0]
    assert not Share.objects.filter(item=pending).exists()


def test_a_pending_response_to_an_rfi_goes_back_only_once_accepted(
    analyst_fl, analyst_la, nopd, mbi
):
    rfi = services.item_create(by=analyst_fl, kind="rfi", title="Who rents room 12?", tlp=TLP.GREEN)
    share(obj=rfi, by=analyst_fl, agency=nopd, level=Level.VIEW)
    la = fresh(analyst_la)
    answer = services.item_create(by=la, kind="rfi_response", title="Re: room 12",
                                  in_response_to=rfi, tlp=TLP.GREEN)
    assert answer.is_pending_review
    assert "pending review" in answer.share_back_refusal
    assert level_of(mbi, answer) is None
    reviewer_la = type(analyst_la).objects.create_user(
        username="reviewer_la", agency=nopd, intelligence_reviewer=True, password="x" * 20)
    accepted = services.item_review(item=answer, by=reviewer_la, decision="accept",
                                    reason="Named by the desk clerk.",
                                    **cfr23_labels(reviewer_la))
    assert accepted.share_back_refusal is None
    assert level_of(mbi, accepted) == Level.VIEW


# Review ---------------------------------------------------------------------------------------


def test_a_reviewer_accepts_with_the_predicate_and_the_item_becomes_shareable(
    pending, reviewer_fl, analyst_fl, nopd
):
    accepted = services.item_review(item=pending, by=reviewer_fl, decision="accept",
                                    reason="Predicate stated by the submitting detective.",
                                    **cfr23_labels(reviewer_fl, control_official=analyst_fl))
    assert accepted.is_intelligence
    assert (accepted.reviewed_by, accepted.control_official) == (reviewer_fl, analyst_fl)
    assert accepted.review_reason == "Predicate stated by the submitting detective."
    assert accepted.review_by == cfr23.review_limit(accepted.validated_at)
    services.share_grant(obj=accepted, by=analyst_fl, level=Level.VIEW, agency=nopd,
                         reason="NOPD works the same motel.")
    assert level_of(nopd, accepted) == Level.VIEW


def test_a_rejected_item_is_never_shared_and_cannot_be_decided_again(pending, reviewer_fl,
                                                                     analyst_fl, nopd):
    rejected = services.item_review(item=pending, by=reviewer_fl, decision="reject",
                                    reason="Describes a protest, no criminal conduct.")
    assert rejected.intelligence_status == cfr23.Status.REJECTED
    with pytest.raises(ShareRefused) as refused:
        services.share_grant(obj=rejected, by=analyst_fl, level=Level.VIEW, agency=nopd)
    assert refused.value.code == "cfr23_rejected"
    with pytest.raises(ValidationError) as again:
        services.item_review(item=rejected, by=reviewer_fl, decision="accept", reason="Second look",
                             **cfr23_labels(reviewer_fl))
    assert again.value.code == "cfr23_not_pending"


def test_accepting_without_the_predicate_is_refused_naming_what_is_missing(pending, reviewer_fl):
    with pytest.raises(ValidationError) as refused:
        services.item_review(item=pending, by=reviewer_fl, decision="accept", reason="Looks fine")
    assert "predicate" in codes(refused.value)
    assert IntelligenceItem.objects.get(pk=pending.pk).is_pending_review


def test_a_decision_needs_a_reason(pending, reviewer_fl):
    with pytest.raises(ValidationError) as refused:
        services.item_review(item=pending, by=reviewer_fl, decision="reject", reason="  ")
    assert codes(refused.value) == {"reason": ["reason_missing"]}


def test_only_a_reviewer_of_the_agency_decides_and_not_on_their_own_submission(
    pending, analyst_fl, reviewer_fl, analyst_la
):
    with pytest.raises(InsufficientLevel):
        services.item_review(item=pending, by=fresh(analyst_fl), decision="reject", reason="r")
    reviewer_fl.refresh_from_db()
    own = services.item_create(by=reviewer_fl, kind="tip", title="My own tip")
    with pytest.raises(ValidationError) as refused:
        services.item_review(item=own, by=reviewer_fl, decision="reject", reason="r")
    assert refused.value.code == "cfr23_own_submission"
    # Another agency's reviewer: the item does not exist for it.
    analyst_la.intelligence_reviewer = True
    analyst_la.save()
    with pytest.raises(NotVisible):
        services.item_review(item=pending, by=fresh(analyst_la), decision="reject", reason="r")
    assert IntelligenceItem.objects.get(pk=pending.pk).is_pending_review


# 23.20(e): law-enforcement recipients only ----------------------------------------------------


def test_criminal_intelligence_is_not_shared_with_an_agency_outside_law_enforcement(
    intelligence, analyst_fl, transit_fl
):
    with pytest.raises(ShareRefused) as refused:
        services.share_grant(obj=intelligence, by=analyst_fl, level=Level.VIEW, agency=transit_fl,
                             reason="They run the station.")
    assert refused.value.code == "cfr23_law_enforcement_only"
    assert refused.value.messages[0].startswith(
        "28 CFR 23.20(e): criminal intelligence is disseminated to law-enforcement agencies only."
    )


def test_a_center_share_reaches_its_law_enforcement_members_only(
    intelligence, analyst_fl, cfix, analyst_transit, analyst_fl2, transit_fl
):
    bulletin = services.item_create(by=analyst_fl, kind="bulletin", title="Skimmers at pumps",
                                    tlp=TLP.GREEN)
    for item in (intelligence, bulletin):
        services.share_grant(obj=item, by=analyst_fl, level=Level.VIEW,
                             target=Share.Target.CENTER, center=cfix, reason="The corridor.")
    partner = fresh(analyst_transit)
    assert set(items_visible_to(partner).values_list("pk", flat=True)) == {bulletin.pk}
    assert level_of(partner, intelligence) is None
    assert items_visible_to(fresh(analyst_fl2)).filter(pk=intelligence.pk).exists()


def test_the_share_page_offers_no_agency_outside_law_enforcement(
    intelligence, analyst_fl, transit_fl, ocso
):
    client = HttpsClient()
    client.force_login(analyst_fl)
    options = client.get(reverse("item-share", args=[intelligence.pk])).context["options"]
    assert ocso in options["agencies"] and transit_fl not in options["agencies"]


# Pages ----------------------------------------------------------------------------------------


def item_form(**extra):
    return {"kind": "tip", "title": "Courier at the bus station", "body": "Seen twice.",
            "tlp": "AMBER", **extra}


def browser_labels(user):
    labels = cfr23_labels(user)
    labels["control_official"] = user.pk
    labels["no_protected_activity"] = "on"
    return labels


def test_the_page_keeps_a_tip_without_predicate_as_pending_review(analyst_fl):
    client = HttpsClient()
    client.force_login(analyst_fl)
    response = client.post(reverse("item-create"), item_form())
    assert response.status_code == 302
    item = IntelligenceItem.objects.get(title="Courier at the bus station")
    assert item.is_pending_review
    assert any("pending review" in m for m in messages_of(response))
    page = client.get(reverse("item-detail", args=[item.pk])).content.decode()
    assert "Information pending review" in page
    assert f'href="{reverse("item-share", args=[item.pk])}"' not in page


def test_the_page_submits_criminal_intelligence_and_shows_its_labels(analyst_fl):
    client = HttpsClient()
    client.force_login(analyst_fl)
    response = client.post(reverse("item-create"), item_form(**browser_labels(analyst_fl)))
    assert response.status_code == 302, response.content.decode()[:3000]
    item = IntelligenceItem.objects.get(title="Courier at the bus station")
    assert item.is_intelligence
    page = client.get(reverse("item-detail", args=[item.pk])).content.decode()
    for shown in ("Criminal intelligence", "Reasonable suspicion of trafficking",
                  "Human trafficking", "Sensitive", "B: usually reliable", "2: probably true",
                  "Control official"):
        assert shown in page
    listed = client.get(reverse("item-list"), {"source_reliability": "B"}).content.decode()
    assert "Courier at the bus station" in listed and ">CI<" in listed
    assert "Courier at the bus station" not in client.get(
        reverse("item-list"), {"source_reliability": "A"}).content.decode()


def test_the_page_refuses_half_a_predicate_next_to_the_field(analyst_fl):
    client = HttpsClient()
    client.force_login(analyst_fl)
    labels = browser_labels(analyst_fl)
    del labels["no_protected_activity"]
    response = client.post(reverse("item-create"), item_form(**labels))
    assert response.status_code == 400
    assert "28 CFR 23.20(b)" in str(response.context["form"].errors["no_protected_activity"])
    assert not IntelligenceItem.objects.filter(title="Courier at the bus station").exists()


def test_the_share_dialog_of_a_pending_item_offers_nothing(pending, analyst_fl):
    client = HttpsClient()
    client.force_login(analyst_fl)
    response = client.post(reverse("item-share", args=[pending.pk]),
                           {"recipient": "network", "level": Level.VIEW})
    assert response.status_code == 403
    assert "28 CFR 23.20(a)" in response.content.decode()
    assert not Share.objects.filter(item=pending).exists()


class TestItemReview(MemberPageTests):
    """A reviewer of MBI decides on MBI's information pending review; for everyone outside MBI
    the item does not exist (the byte-equal 404), an MBI analyst who is not a reviewer is
    refused (403)."""

    url_name = "item-review"
    model = IntelligenceItem
    method = "post"
    success_status = 302
    member_fixture = "reviewer_fl"
    outsiders = ("outsider", "analyst_la", "analyst_fl2")

    @pytest.fixture
    def subject(self, pending):
        return pending

    def url(self, subject, pk=None):
        return reverse(self.url_name, args=[subject.pk if pk is None else pk])

    def missing_url(self, subject):
        return self.url(subject, subject.pk + 1000)

    def data(self, subject):
        return {"decision": "accept", "reason": "Predicate stated.",
                **browser_labels(subject.created_by)}

    def assert_changed(self, subject, user, response):
        subject.refresh_from_db()
        assert subject.is_intelligence and subject.reviewed_by == user

    def test_outsider_gets_the_404_of_a_missing_object(self, client, subject, request,
                                                       outsider_fixture):
        outsider = request.getfixturevalue(outsider_fixture)
        existing = self.request(client, outsider, subject)
        missing = self.request(client, outsider, subject, url=self.missing_url(subject))
        assert existing.status_code == 404
        assert (missing.status_code, missing.content) == (existing.status_code, existing.content)
        subject.refresh_from_db()
        assert subject.is_pending_review

    def test_an_analyst_who_is_not_a_reviewer_is_refused(self, client, subject, analyst_fl):
        analyst = type(analyst_fl).objects.create_user(
            username="analyst_fl3", agency=analyst_fl.agency, password="x" * 20)
        response = self.request(client, analyst, subject)
        assert response.status_code == 403
        subject.refresh_from_db()
        assert subject.is_pending_review

    def test_the_reviewer_sees_the_form_and_a_refusal_comes_back_with_its_errors(
        self, client, subject, reviewer_fl
    ):
        client.force_login(reviewer_fl)
        page = client.get(reverse("item-detail", args=[subject.pk])).content.decode()
        assert f'action="{self.url(subject)}"' in page
        response = client.post(self.url(subject), {"decision": "accept", "reason": "ok"})
        assert response.status_code == 400
        assert "28 CFR 23.20(a)" in str(response.context["review_form"].errors["predicate"])


# 23.20(e), (g): a reason for each share, and the dissemination record ------------------------


def test_a_share_of_criminal_intelligence_needs_its_reason(intelligence, analyst_fl, nopd):
    with pytest.raises(ValidationError) as refused:
        services.share_grant(obj=intelligence, by=analyst_fl, level=Level.VIEW, agency=nopd)
    assert codes(refused.value) == {"reason": ["cfr23_reason_missing"]}
    assert not Share.objects.filter(item=intelligence).exists()


def test_each_dissemination_is_recorded_and_its_owner_reads_and_exports_it(
    intelligence, analyst_fl, analyst_la, nopd, cfix
):
    services.share_grant(obj=intelligence, by=analyst_fl, level=Level.VIEW, agency=nopd,
                         reason="NOPD holds the motel's guest list.")
    services.share_grant(obj=intelligence, by=analyst_fl, level=Level.VIEW, center=cfix,
                         target=Share.Target.CENTER, reason="Every CFIX member works the corridor.")
    record = list(intelligence.disseminations.order_by("id").values_list(
        "channel", "recipient_label", "reason"))
    assert record == [
        ("share", "New Orleans Police Department (LA0360200)", "NOPD holds the motel's guest list."),
        ("share", "every member agency of CFIX (FL)", "Every CFIX member works the corridor."),
    ]
    client = HttpsClient()
    client.force_login(analyst_fl)
    url = reverse("item-disseminations", args=[intelligence.pk])
    page = client.get(url).content.decode()
    assert "NOPD holds the motel&#x27;s guest list." in page
    exported = client.get(url, {"format": "csv"})
    assert exported["Content-Type"] == "text/csv"
    lines = exported.content.decode().splitlines()
    assert lines[0] == "at,channel,recipient,recipient ORI,reason,by"
    assert "LA0360200" in lines[1] or "LA0360200" in lines[2]
    # A recipient sees the item, not its dissemination record.
    client.force_login(fresh(analyst_la))
    assert client.get(url).status_code == 403


@pytest.fixture
def admin_nopd_key(nopd):
    admin = User.objects.create_user(username="admin_nopd", agency=nopd, role="agency_admin",
                                     password="x" * 20)
    return api_key_create(by=admin, name="NOPD records system").plaintext


def test_a_partner_pull_of_criminal_intelligence_is_recorded(intelligence, analyst_fl, nopd,
                                                              admin_nopd_key):
    services.share_grant(obj=intelligence, by=analyst_fl, level=Level.VIEW, agency=nopd,
                         reason="Need to know.")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {admin_nopd_key}")
    assert api.get("/api/v1/items/", secure=True).status_code == 200
    assert api.get(f"/api/v1/items/{intelligence.pk}/", secure=True).status_code == 200
    pulls = intelligence.disseminations.filter(channel="api")
    assert pulls.count() == 2
    assert set(pulls.values_list("recipient_agency", flat=True)) == {nopd.pk}
    assert "NOPD records system" in pulls.first().reason


class TestItemDisseminations(MemberPageTests):
    """The dissemination record of MBI's criminal intelligence: MBI reads it; for an agency it
    was not shared with, the item does not exist."""

    url_name = "item-disseminations"
    model = IntelligenceItem
    member_fixture = "analyst_fl"
    outsiders = ("outsider", "analyst_la")

    @pytest.fixture
    def subject(self, intelligence):
        return intelligence

    def url(self, subject, pk=None):
        return reverse(self.url_name, args=[subject.pk if pk is None else pk])

    def test_outsider_gets_the_404_of_a_missing_object(self, client, subject, request,
                                                       outsider_fixture):
        outsider = request.getfixturevalue(outsider_fixture)
        existing = self.request(client, outsider, subject)
        missing = self.request(client, outsider, subject, url=self.url(subject, subject.pk + 1000))
        assert existing.status_code == 404
        assert (missing.status_code, missing.content) == (existing.status_code, existing.content)

    @pytest.mark.parametrize("as_csv", [False, True], ids=["page", "csv"])
    def test_it_costs_the_same_for_2_and_40_disseminations(self, client, subject, analyst_fl,
                                                           nopd, as_csv):
        client.force_login(analyst_fl)
        url = self.url(subject) + ("?format=csv" if as_csv else "")
        counts = []
        for total in (2, 40):
            while subject.disseminations.count() < total:
                services.share_grant(obj=subject, by=analyst_fl, level=Level.VIEW, agency=nopd,
                                     reason=f"Reason {subject.disseminations.count()}")
            client.get(url)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts.append(len(queries))
        assert counts[0] == counts[1]


# 23.20(h): validation and the review queue ----------------------------------------------------


def test_a_reviewer_validates_with_a_reason_and_a_next_date_within_five_years(
    intelligence, reviewer_fl
):
    next_date = timezone.localdate() + timedelta(days=365)
    validated = services.item_validate(item=intelligence, by=reviewer_fl,
                                       reason="Suspect still active.", review_by=next_date)
    assert (validated.review_by, validated.reviewed_by) == (next_date, reviewer_fl)
    assert validated.review_reason == "Suspect still active."
    with pytest.raises(ValidationError) as refused:
        services.item_validate(item=intelligence, by=reviewer_fl, reason="r",
                               review_by=timezone.localdate() + timedelta(days=5 * 366 + 1))
    assert codes(refused.value) == {"review_by": ["cfr23_review_beyond_five_years"]}


def test_validation_refusals(intelligence, pending, analyst_fl, reviewer_fl):
    with pytest.raises(InsufficientLevel):
        services.item_validate(item=intelligence, by=fresh(analyst_fl), reason="r")
    with pytest.raises(ValidationError) as no_reason:
        services.item_validate(item=intelligence, by=reviewer_fl, reason="")
    assert codes(no_reason.value) == {"reason": ["reason_missing"]}
    with pytest.raises(ValidationError) as not_intelligence:
        services.item_validate(item=pending, by=reviewer_fl, reason="r")
    assert not_intelligence.value.code == "cfr23_not_intelligence"


def test_a_record_without_predicate_is_validated_only_with_it(intelligence, reviewer_fl):
    IntelligenceItem.objects.filter(pk=intelligence.pk).update(predicate="")
    intelligence.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        services.item_validate(item=intelligence, by=reviewer_fl, reason="Still relevant.")
    assert "predicate" in codes(refused.value)
    validated = services.item_validate(item=intelligence, by=reviewer_fl, reason="Still relevant.",
                                       predicate="Suspected of running the motel ring.")
    assert not validated.predicate_missing


def test_the_review_queue_buckets_at_a_fixed_day(analyst_fl, mbi):
    today = timezone.localdate()
    made = {}
    for name, days in (("overdue", -3), ("due", 0), ("soon", 12), ("later", 90)):
        item = services.item_create(by=analyst_fl, kind="tip", title=f"Queue {name}",
                                    **cfr23_labels(analyst_fl))
        IntelligenceItem.objects.filter(pk=item.pk).update(review_by=today + timedelta(days=days))
        made[name] = item.pk
    queue = review_queue(mbi, today=today)
    assert [(row.pk, row.bucket) for row in queue["rows"]] == [
        (made["overdue"], "overdue"), (made["due"], "due"), (made["soon"], "soon")]
    assert queue["counts"] == {"overdue": 1, "due": 1, "soon": 1}
    # A day later the due one is overdue: the same records, another clock.
    later = review_queue(mbi, today=today + timedelta(days=1))
    assert later["counts"] == {"overdue": 2, "due": 0, "soon": 1}


@pytest.fixture
def queue_rows(analyst_fl, mbi):
    """make(n): n more of MBI's criminal intelligence records due for review, set-based."""
    today = timezone.localdate()

    def make(n):
        IntelligenceItem.objects.bulk_create([
            IntelligenceItem(
                owner=mbi, kind="tip", title=f"Queued {k}", created_by=analyst_fl,
                intelligence_status="intelligence", predicate="p", criminal_activity="drugs",
                no_protected_activity=True, control_official=analyst_fl, sensitivity="sensitive",
                source_reliability="B", content_validity="2", validated_at=timezone.now(),
                review_by=today + timedelta(days=k % 40 - 10),
            ) for k in range(n)
        ], batch_size=2000)
        services.item_create(by=analyst_fl, kind="tip", title=f"Pending {n}")

    return make


@pytest.mark.parametrize("url_name", ["review-queue"])
def test_the_review_queue_costs_the_same_for_10_and_10000_records(
    client_for, analyst_fl, queue_rows, url_name
):
    client = client_for(analyst_fl)
    counts = []
    for n in (10, 10_000):
        queue_rows(n)
        client.get(reverse(url_name))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse(url_name))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert len(response.context["rows"]) == 200


@pytest.fixture
def client_for():
    def make(user):
        client = HttpsClient()
        client.force_login(user)
        return client

    return make


def test_the_review_queue_shows_an_agency_its_own_records_only(client_for, analyst_fl, outsider,
                                                             intelligence):
    IntelligenceItem.objects.filter(pk=intelligence.pk).update(
        review_by=timezone.localdate())
    assert "Courier named" in client_for(analyst_fl).get(reverse("review-queue")).content.decode()
    assert "Courier named" not in client_for(outsider).get(reverse("review-queue")).content.decode()


def test_anonymous_is_sent_to_log_in_from_the_review_queue():
    response = HttpsClient().get(reverse("review-queue"))
    assert response.status_code == 302 and "/login/" in response["Location"]


class TestItemValidate(TestItemReview):
    """A reviewer of MBI validates MBI's criminal intelligence."""

    url_name = "item-validate"

    @pytest.fixture
    def subject(self, intelligence):
        return intelligence

    def data(self, subject):
        return {"reason": "Still active."}

    def assert_changed(self, subject, user, response):
        subject.refresh_from_db()
        assert subject.reviewed_by == user and subject.review_reason == "Still active."

    def test_outsider_gets_the_404_of_a_missing_object(self, client, subject, request,
                                                       outsider_fixture):
        outsider = request.getfixturevalue(outsider_fixture)
        existing = self.request(client, outsider, subject)
        missing = self.request(client, outsider, subject, url=self.missing_url(subject))
        assert existing.status_code == 404
        assert (missing.status_code, missing.content) == (existing.status_code, existing.content)

    def test_an_analyst_who_is_not_a_reviewer_is_refused(self, client, subject, analyst_fl):
        response = self.request(client, fresh(analyst_fl), subject)
        assert response.status_code == 403

    test_the_reviewer_sees_the_form_and_a_refusal_comes_back_with_its_errors = None


def test_editing_cannot_move_the_review_beyond_five_years(intelligence, analyst_fl):
    too_late = intelligence.validated_at.date() + timedelta(days=5 * 366 + 1)
    with pytest.raises(ValidationError) as refused:
        services.item_update(item=intelligence, by=analyst_fl, version=intelligence.version,
                             review_by=too_late)
    assert codes(refused.value) == {"review_by": ["cfr23_review_beyond_five_years"]}
    cleared = services.item_update(item=intelligence, by=analyst_fl, version=intelligence.version,
                                   review_by=None)
    assert cleared.review_by == cfr23.review_limit(intelligence.validated_at)


def test_editing_cannot_move_the_review_date_into_the_past_but_keeps_an_overdue_one(
    intelligence, analyst_fl
):
    yesterday = timezone.localdate() - timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        services.item_update(item=intelligence, by=analyst_fl, version=intelligence.version,
                             review_by=yesterday)
    assert codes(refused.value) == {"review_by": ["review_in_past"]}
    # A record already overdue: an edit of its title sends its date back unchanged, and is kept.
    type(intelligence).objects.filter(pk=intelligence.pk).update(review_by=yesterday)
    intelligence.refresh_from_db()
    edited = services.item_update(item=intelligence, by=analyst_fl, version=intelligence.version,
                                  title="Retitled", review_by=yesterday)
    assert edited.title == "Retitled" and edited.review_by == yesterday


def test_the_daily_task_tells_each_control_official_once_a_day_with_counts_only(
    analyst_fl, reviewer_fl, mbi, django_capture_on_commit_callbacks, mailoutbox
):
    day = date(2031, 3, 10)  # the frozen clock: the task is given its day
    for title, days, official in (("Overdue one", -3, analyst_fl), ("Due one", 0, analyst_fl),
                                  ("Soon one", 12, reviewer_fl), ("Later one", 90, analyst_fl)):
        item = services.item_create(by=analyst_fl, kind="tip", title=title,
                                    **cfr23_labels(analyst_fl, control_official=official))
        IntelligenceItem.objects.filter(pk=item.pk).update(review_by=day + timedelta(days=days))
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            told = services.review_queue_notify(today=day)
    assert told == 2
    events = {e.detail["official_id"]: e.detail for e in OutboxEvent.objects.filter(
        kind=OutboxEvent.Kind.REVIEW_DUE)}
    assert events[analyst_fl.pk] == {"official_id": analyst_fl.pk, "day": "2031-03-10",
                                          "overdue": 1, "due": 1, "soon": 0}
    assert (events[reviewer_fl.pk]["soon"], events[reviewer_fl.pk]["overdue"]) == (1, 0)
    # Delivered as the worker would (with Redis the suite enqueues and runs no worker).
    for pk in OutboxEvent.objects.filter(status="pending").values_list("pk", flat=True):
        notification_tasks.deliver_event(pk)
    inbox = Notification.objects.filter(user=analyst_fl).get()
    assert inbox.title == "28 CFR Part 23 review: 1 overdue, 1 due today, 0 due within 30 days"
    sent = [m for m in mailoutbox if analyst_fl.email in m.to]
    assert len(sent) == 1 and "Overdue one" not in sent[0].body
    # Run again the same day: nobody is told twice. The next day: told again.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.review_queue_notify(today=day) == 0
        assert services.review_queue_notify(today=day + timedelta(days=1)) == 2
