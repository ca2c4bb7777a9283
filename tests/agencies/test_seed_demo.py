"""`manage.py seed_demo`: the demo network, complete, consistent and idempotent.

The network is seeded once for the module, inside a transaction rolled back at the end, so that
the other test modules start from an empty database as usual.
"""

import csv
import io
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, CenterAdmin, FusionCenter, Membership, User
from agencies.validators import validate_ori
from audit.models import AccessLog
from cases.models import (
    Annotation,
    Case,
    CaseTask,
    Entity,
    IntelligenceItem,
    ItemCorrection,
    SubjectMatch,
    TimelineEvent,
)
from core.errors import NotVisible
from core.handling import TLP, Level
from devtools.demo.network import CENTERS_CSV, DEMO_PASSWORD
from notifications.models import OutboxEvent
from sharing.models import Share
from sharing.permissions import cases_visible_to, get_visible_or_404, items_visible_to, level_of
from work.models import RfiRequest, TipTriage
from work.queue import my_work

TRAFFICKING = "MBI-HT-0042"


def seed(**options):
    out = io.StringIO()
    call_command("seed_demo", force=True, stdout=out, **options)
    return out.getvalue()


@pytest.fixture(scope="module")
def first_run(django_db_setup, django_db_blocker):
    """The output of the first run; the data lives until the end of the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield seed()
        transaction.set_rollback(True)


@pytest.fixture
def demo(first_run, db):
    return first_run


def user(username):
    return User.objects.select_related("agency").get(username=username)


def row_counts():
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


@pytest.fixture
def trafficking_case(demo):
    return Case.objects.select_related("owner", "lead_center").get(number=TRAFFICKING)


def test_a_second_run_writes_nothing_in_any_table(demo):
    before = row_counts()
    assert before["audit.AccessLog"] > 0 and before["sharing.CaseGroupObjectPermission"] > 0
    last_log = AccessLog.objects.order_by("-id").values_list("id", flat=True).first()

    output = seed()

    assert row_counts() == before
    assert AccessLog.objects.order_by("-id").values_list("id", flat=True).first() == last_log
    assert "nothing to do" in output
    assert DEMO_PASSWORD in output and "analyst_tx" in output


def test_the_first_run_reports_what_it_created_and_the_demo_logins(demo):
    assert "Demo network seeded" in demo
    assert "45 cases" in demo
    for username in ("admin", "analyst_fl", "admin_cfix", "analyst_la", "analyst_ca", "analyst_tx"):
        assert f"  {username} " in demo


def test_every_fusion_center_of_the_list(demo):
    with open(CENTERS_CSV, newline="", encoding="utf-8") as handle:
        rows = {(r["name"], r["short_name"], r["state"], r["kind"]) for r in csv.DictReader(handle)}
    centers = set(FusionCenter.objects.values_list("name", "short_name", "state", "kind"))
    assert len(rows) == 78
    assert centers == rows
    # Short names repeat across states, and both centers are there.
    assert FusionCenter.objects.filter(short_name="KIFC").count() == 2
    assert FusionCenter.objects.get(short_name="CFIX").kind == "recognized"


def test_agencies_in_eight_states_with_valid_oris_and_contacts(demo):
    agencies = list(Agency.objects.all())
    assert len(agencies) >= 30
    states = {agency.home_state for agency in agencies}
    assert {"FL", "LA", "CA", "TX", "GA", "NY", "IL", "AZ"} <= states
    assert {agency.level for agency in agencies} == {"federal", "state", "local", "tribal"}
    assert len({agency.ori for agency in agencies}) == len(agencies)
    for agency in agencies:
        validate_ori(agency.ori)
        assert agency.ori[:2] == agency.home_state
        assert agency.contact_name and agency.contact_phone
        assert agency.contact_email.endswith(".example.com")
        assert "555-01" in agency.contact_phone


def test_memberships_in_the_state_center_some_urban_some_suspended(demo):
    for agency in Agency.objects.filter(foreign_partner=False):  # foreign partners: none
        primary = FusionCenter.objects.get(state=agency.home_state, kind="primary")
        assert Membership.objects.filter(agency=agency, center=primary).exists(), agency
    anaheim = Agency.objects.get(name="Anaheim Police Department")
    assert set(anaheim.centers.values_list("short_name", flat=True)) == {"STAC", "OCIAC"}
    assert Membership.objects.filter(center__kind="recognized").count() >= 10
    assert Membership.objects.filter(status=Membership.Status.SUSPENDED).exists()


def test_people_in_every_role_all_with_the_demo_password(demo):
    users = list(User.objects.select_related("agency"))
    roles = {u.role for u in users if not u.is_superuser}
    assert roles == {User.Role.ANALYST, User.Role.AGENCY_ADMIN}
    assert [u.username for u in users if u.is_superuser] == ["admin"]
    assert all(u.agency_id for u in users if not u.is_superuser)
    assert set(CenterAdmin.objects.values_list("user__username", "center__short_name")) >= {
        ("admin_cfix", "CFIX"), ("admin_lasafe", "LA-SAFE"),
    }
    assert user("analyst_fl").agency.name == "Metropolitan Bureau of Investigation"
    assert all(u.email.endswith("example.com") for u in users)
    for person in users:
        assert authenticate(username=person.username, password=DEMO_PASSWORD) == person
    assert authenticate(username="analyst_fl", password="not-the-demo-password") is None


def test_cases_of_every_status_marking_and_reach(demo):
    cases = list(Case.objects.prefetch_related("jurisdictions"))
    assert len(cases) >= 40
    assert {c.status for c in cases} == {"open", "closed", "archived"}
    assert {c.tlp for c in cases} == set(TLP.values)
    assert any(c.les for c in cases) and not all(c.les for c in cases)
    spans = [c.spans_state_lines for c in cases]
    assert spans.count(True) >= 5 and spans.count(False) >= 5
    # Every case has the owner's own permission rows and its opening on the timeline.
    for case in cases:
        assert level_of(case.owner, case) == Level.OWNER
        assert TimelineEvent.objects.filter(case=case, kind="created").count() == 1


def test_the_trafficking_case_of_the_design(trafficking_case):
    case = trafficking_case
    assert case.owner.name == "Metropolitan Bureau of Investigation"
    assert case.owner.home_state == "FL"
    assert case.lead_center.short_name == "CFIX"
    assert (case.tlp, case.les) == (TLP.AMBER, True)
    places = set(case.jurisdictions.values_list("state", "city"))
    assert ("FL", "Orlando") in places
    assert {city for state, city in places if state == "LA"} == {
        "Baton Rouge", "New Orleans", "Shreveport"}
    assert {city for state, city in places if state == "CA"} == {"Anaheim", "Los Angeles"}

    kinds = set(case.entities.values_list("kind", flat=True))
    assert {"person", "vehicle", "phone"} <= kinds
    assert case.entities.filter(kind="vehicle", key__startswith="FL:").exists()
    assert case.entities.filter(kind="person").count() >= 3

    item_kinds = set(case.items.values_list("kind", flat=True))
    assert item_kinds >= {"tip", "sar", "rfi", "rfi_response", "bulletin", "report"}
    response = case.items.get(kind="rfi_response", owner__name="Louisiana State Police")
    assert response.in_response_to.kind == "rfi"

    annotations = Annotation.objects.filter(case=case)
    annotating = set(annotations.values_list("agency__home_state", flat=True))
    assert annotating >= {"LA", "CA"}
    corrected = annotations.get(version=2)  # edited with its history kept
    assert corrected.agency.name == "Anaheim Police Department"
    assert "possible sighting" in corrected.revisions.get(version=1).body
    assert TimelineEvent.objects.filter(case=case).count() >= 20

    shares = Share.objects.filter(case=case)
    centers = shares.filter(target="center").values_list("target_center__short_name", flat=True)
    assert set(centers) >= {"CFIX", "LA-SAFE", "OCIAC"}
    assert shares.filter(target="agency").exists()
    red = case.items.get(tlp=TLP.RED)
    assert set(Share.objects.filter(item=red).values_list("target", flat=True)) == {"agency"}


def test_the_28_cfr_part_23_records_are_in_every_state(demo):
    """Pending review, intelligence due within the month and overdue, corrected after it was
    disseminated (its recipients told), and purged (its tombstone and dissemination record)."""
    today = timezone.localdate()
    mbi = user("analyst_fl").agency
    records = IntelligenceItem.objects.filter(owner=mbi)
    assert records.filter(intelligence_status="pending").exists()
    assert records.filter(intelligence_status="intelligence", review_by__lt=today).exists()
    assert IntelligenceItem.objects.filter(
        intelligence_status="intelligence", review_by__gte=today,
        review_by__lte=today + timedelta(days=30)).exists()
    correction = ItemCorrection.objects.get(item__title="Vehicle used by the Biscayne recruiter")
    assert correction.fields == ["body"] and correction.agencies_told >= 2
    purged = records.get(intelligence_status="purged")
    assert (purged.title, purged.body, purged.predicate) == ("Purged record", "", "")
    assert purged.purged_by == user("reviewer_fl") and purged.purge_reason.startswith("Not validated")
    assert purged.disseminations.exists()
    assert not items_visible_to(user("analyst_fl")).filter(pk=purged.pk).exists()
    assert OutboxEvent.objects.filter(kind="purged", item=purged, agency__ori="FLFDLE000").exists()


def test_two_agencies_hold_a_subject_houston_links_without_seeing_them(demo):
    """Blind deconfliction in the demo: Houston's port case links the recruiter's phone that
    MBI's trafficking case and NOPD's parlour case hold, neither of which Houston sees."""
    houston = user("analyst_tx").agency
    holders = set(SubjectMatch.objects.filter(new_agency=houston, kind="match")
                  .values_list("held_agency__ori", flat=True))
    assert holders == {"FL0480400", "LA0360200"}
    assert OutboxEvent.objects.filter(kind="deconfliction", agency=houston).exists()


def test_shares_center_wide_red_and_network(demo):
    assert Share.objects.filter(target=Share.Target.CENTER).count() >= 10
    red = Share.objects.filter(case__tlp=TLP.RED) | Share.objects.filter(item__tlp=TLP.RED)
    assert red.exists()
    assert set(red.values_list("target", flat=True)) == {"agency"}
    assert not red.filter(level=Level.MANAGE).exists()
    network = Share.objects.filter(target=Share.Target.NETWORK)
    assert network.exists()
    for record in network:
        assert (record.case or record.item).tlp == TLP.CLEAR
    # A CLEAR network share reaches even an agency that nothing else was shared with.
    assert items_visible_to(user("analyst_tx")).filter(shares__target="network").exists()


def test_the_outsider_sees_none_of_the_trafficking_case(trafficking_case):
    outsider = user("analyst_tx")
    assert outsider.agency.name == "Houston Police Department"
    assert cases_visible_to(outsider).exists()  # it does see other cases
    assert not cases_visible_to(outsider).filter(pk=trafficking_case.pk).exists()
    assert not items_visible_to(outsider).filter(case=trafficking_case).exists()
    with pytest.raises(NotVisible):
        get_visible_or_404(outsider, Case, trafficking_case.pk, record_read=False)
    # ... while the partners it was shared with do see it.
    for partner in ("analyst_la", "analyst_la2", "analyst_ca", "analyst_fl2"):
        assert cases_visible_to(user(partner)).filter(pk=trafficking_case.pk).exists(), partner


def test_dates_spread_over_months_and_all_in_the_past(demo):
    now = timezone.now()
    created = list(Case.objects.values_list("created_at", flat=True))
    assert max(created) < now and min(created) < now - timedelta(days=120)
    assert max(created) - min(created) > timedelta(days=90)
    assert all(c.updated_at >= c.created_at for c in Case.objects.all())
    assert all(i.updated_at >= i.created_at for i in IntelligenceItem.objects.all())
    for case in Case.objects.all():
        opened = TimelineEvent.objects.get(case=case, kind="created").occurred_at
        assert opened == case.created_at
        assert not TimelineEvent.objects.filter(case=case, occurred_at__lt=opened).exists()


def test_persons_are_fictional(demo):
    phones = Entity.objects.filter(kind="phone").values_list("key", flat=True)
    assert phones and all(key[2:].startswith("555", 3) for key in phones)  # +1 AAA 555 01xx
    emails = Entity.objects.filter(kind="email").values_list("key", flat=True)
    assert emails and all(key.endswith("@example.com") for key in emails)


def test_refuses_to_run_without_debug_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", stdout=io.StringIO())


def test_every_demo_account_has_an_authenticator_and_the_logins_say_how_to_get_its_code(demo):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    people = User.objects.count()
    assert TOTPDevice.objects.filter(confirmed=True).values("user").distinct().count() == people
    assert "make code USER=analyst_fl" in demo and "manage.py demo_code analyst_fl" in demo


def test_the_demo_sars_name_their_behaviours_and_the_story_has_its_tasks(demo):
    """Every demo SAR names at least one ISE-SAR behaviour; the trafficking case carries tasks
    across its agencies: one done, one overdue, each assignee told."""
    sars = IntelligenceItem.objects.filter(kind="sar")
    assert sars.exists()
    assert not sars.filter(sar_behaviours__isnull=True).exists()
    case = Case.objects.get(number=TRAFFICKING)
    tasks = {task.title: task for task in CaseTask.objects.filter(case=case)
             .select_related("assignee__agency")}
    assert len(tasks) == 4
    assert {task.assignee.agency.home_state for task in tasks.values()} == {"FL", "LA", "CA"}
    assert sum(task.status == "done" for task in tasks.values()) == 1
    assert any(task.due_date and task.due_date < timezone.localdate()
               for task in tasks.values() if task.status != "done")
    assert OutboxEvent.objects.filter(kind="task_assigned", case=case).count() == 2


def test_the_demo_rfis_are_addressed_so_that_my_work_shows_each(demo):
    """One open to NOPD due in three days, one to CFIX taken by an OCSO analyst, one overdue
    and escalated to the admins of both sides, one answered: each where My work shows it."""
    today = timezone.localdate()
    requests = {r.rfi.title: r for r in RfiRequest.objects.select_related("rfi", "taken_by")}
    by_state = sorted((r.status, r.is_overdue(today), r.escalated_at is not None)
                      for r in requests.values())
    assert by_state == [("acknowledged", False, False), ("answered", False, False),
                        ("open", False, False), ("open", True, True)]
    assert OutboxEvent.objects.filter(kind="rfi_overdue").count() == 2  # Anaheim's, NOPD's admin
    nopd = [(row.kind, row.overdue) for row in my_work(user("analyst_la"), today=today).rows]
    assert nopd[:2] == [("rfi", True), ("rfi", False)]
    taken = my_work(user("analyst_fl2"), today=today).rows
    assert [(row.kind, row.todo) for row in taken] == [("rfi", "Answer it")]
    open_one = next(r for r in requests.values() if r.status == "open" and not r.is_overdue(today))
    assert (open_one.addressed_agency.ori, open_one.due_date) == ("LA0360200",
                                                                  today + timedelta(days=3))


def test_the_demo_referrals_are_open_acknowledged_overdue_and_closed(demo):
    from work.models import Referral

    referrals = list(Referral.objects.select_related("to_agency"))
    assert len(referrals) == 4  # none of the stories was refused
    assert {r.status for r in referrals} == {"open", "acknowledged", "closed"}
    overdue = [r for r in referrals if r.is_overdue()]
    assert len(overdue) == 1 and overdue[0].escalated_at is not None
    assert OutboxEvent.objects.filter(kind="referral_overdue").exists()
    closed = next(r for r in referrals if r.status == "closed")
    assert closed.outcome == "action_taken" and closed.outcome_text
    # Every addressee sees what was referred to it.
    for referral in referrals:
        addressee = User.objects.filter(agency=referral.to_agency).first()
        assert level_of(addressee, referral.referred) is not None


def test_the_demo_tips_are_in_every_state_of_the_queue(demo):
    """Tips in every state of the triage queue, one open past its center's deadline, one a
    possible duplicate of another, one accepted as a lead on the trafficking case."""
    rows = list(TipTriage.objects.select_related("tip", "accepted_case"))
    assert {row.status for row in rows} == set(TipTriage.Status.values)
    assert any(row.is_overdue() for row in rows)
    assert any(hint["type"] == "item" for row in rows for hint in row.hints)
    accepted = next(row for row in rows if row.status == "accepted")
    assert accepted.accepted_case.number == TRAFFICKING
    assert accepted.tip.case_id == accepted.accepted_case_id
    assert all(row.close_reason for row in rows if row.status == "closed")
