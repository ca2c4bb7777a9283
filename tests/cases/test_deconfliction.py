"""Blind deconfliction (cases.services.deconflict): an agency that links a subject another
agency's record already holds, where it may not see that record, is told only that another
agency holds one and whom to contact; the holder is told who linked it to what. Once per subject
and pair of records; of a TLP:RED record, of information pending review and (to an agency
outside law enforcement) of criminal intelligence, the holder alone."""

import json

import pytest
from django.db import transaction

from cases import services
from cases.models import CaseEntity, SubjectMatch
from core.handling import TLP, Level
from notifications import webhooks
from notifications.models import Notification, OutboxEvent, WebhookDelivery
from sharing.services import share
from tests.base import deliver_all

PHONE = "(407) 555-0148"
SECRET_TITLE = "Orlando motel ring, the secret one"


def link_phone(by, label=PHONE, **target):
    return services.entity_link(by=by, kind="phone", label=label, number="407-555-0148", **target)


@pytest.fixture
def orlando(make_case, analyst_fl, mbi):
    mbi.contact_name, mbi.contact_email = "Sgt. Ada Quint", "quint@mbi.example.gov"
    mbi.save()
    case = make_case(analyst_fl, title=SECRET_TITLE, tlp=TLP.AMBER)
    link_phone(analyst_fl, label="Recruiter's phone (407) 555-0148", case=case)
    return case


@pytest.fixture
def houston_case(make_case, outsider):
    return make_case(outsider, states=("TX",), title="Houston stash house")


@pytest.fixture
def endpoints(outsider, analyst_fl):
    from agencies.models import User
    made = {}
    for agency in (outsider.agency, analyst_fl.agency):
        admin = User.objects.create_user(username=f"admin_{agency.ori}", password="x" * 20,
                                         agency=agency, role=User.Role.AGENCY_ADMIN,
                                         email=f"admin@{agency.ori}.example.gov")
        made[agency.pk] = webhooks.endpoint_register(by=admin, url=f"https://{agency.ori}.example.gov/h")
    return made


def match_of(by, target, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        link_phone(by, label="407.555.0148 from the stash house", case=target)
    deliver_all()


def test_both_sides_are_told_and_the_linker_learns_only_whom_to_contact(
    orlando, houston_case, outsider, analyst_fl, endpoints, django_capture_on_commit_callbacks,
    mailoutbox
):
    match_of(outsider, houston_case, django_capture_on_commit_callbacks)
    match = SubjectMatch.objects.get()
    assert (match.kind, match.new_case, match.held_case) == ("match", houston_case, orlando)

    linker = Notification.objects.get(kind="deconfliction", agency=outsider.agency)
    assert linker.title == ("Another agency holds a record on a subject you linked "
                            "(Phone number: 407.555.0148 from the stash house)")
    lines = dict(linker.lines)
    assert lines["Contact"].startswith("Metropolitan Bureau of Investigation (FL0480400): "
                                       "Sgt. Ada Quint, quint@mbi.example.gov")
    hook = WebhookDelivery.objects.get(endpoint=endpoints[outsider.agency_id])
    mails = [m for m in mailoutbox if outsider.agency.ori.lower() in m.to[0].lower()]
    told_linker = [linker.title, json.dumps(linker.lines), json.dumps(hook.payload),
                   *(m.subject + m.body for m in mails)]
    assert mails and hook.payload["event"] == "deconfliction.match"
    for text in told_linker:
        for hidden in (SECRET_TITLE, orlando.number, "AMBER", "Recruiter's phone"):
            assert hidden not in text, (hidden, text)
    assert set(hook.payload) == {"event", "side", "subject", "your_record", "contact"}
    assert hook.payload["your_record"] == {"type": "case", "id": houston_case.pk}

    holder = Notification.objects.get(kind="deconfliction", agency=analyst_fl.agency)
    assert holder.case_id == orlando.pk  # its own case: the inbox shows the title to it
    assert holder.title == (f"{outsider.agency.name} linked a subject your agency holds "
                            "(Phone number: Recruiter's phone (407) 555-0148)")
    assert dict(holder.lines)["Their record"] == f"a case of {outsider.agency.name}"
    held_hook = WebhookDelivery.objects.get(endpoint=endpoints[analyst_fl.agency_id])
    assert held_hook.payload["their_record"]["title"] is None  # MBI does not see it
    assert held_hook.payload["your_record"]["title"] == SECRET_TITLE


def test_the_holder_reads_the_linkers_title_only_if_it_sees_that_record(
    orlando, houston_case, outsider, analyst_fl, endpoints, django_capture_on_commit_callbacks
):
    share(obj=houston_case, by=outsider, agency=analyst_fl.agency, level=Level.VIEW)
    match_of(outsider, houston_case, django_capture_on_commit_callbacks)
    hook = WebhookDelivery.objects.get(endpoint=endpoints[analyst_fl.agency_id])
    assert hook.payload["their_record"]["title"] == "Houston stash house"
    holder = Notification.objects.get(kind="deconfliction", agency=analyst_fl.agency)
    assert "Houston stash house" not in json.dumps(holder.lines)  # in-app: decided when read


def test_no_match_for_what_the_linker_sees_or_owns(
    orlando, make_case, analyst_fl, analyst_la, django_capture_on_commit_callbacks
):
    own = make_case(analyst_fl)
    match_of(analyst_fl, own, django_capture_on_commit_callbacks)  # its own other case
    share(obj=orlando, by=analyst_fl, agency=analyst_la.agency, level=Level.VIEW)
    share(obj=own, by=analyst_fl, agency=analyst_la.agency, level=Level.VIEW)
    nopd_case = make_case(analyst_la, states=("LA",))
    match_of(analyst_la, nopd_case, django_capture_on_commit_callbacks)  # sees both
    assert not SubjectMatch.objects.exists()
    assert not OutboxEvent.objects.filter(kind="deconfliction").exists()


def test_one_notice_per_subject_and_pair_of_records_ever(
    orlando, houston_case, outsider, make_case, django_capture_on_commit_callbacks
):
    match_of(outsider, houston_case, django_capture_on_commit_callbacks)
    CaseEntity.objects.filter(case=houston_case).delete()
    match_of(outsider, houston_case, django_capture_on_commit_callbacks)  # linked again
    assert SubjectMatch.objects.count() == 1
    assert OutboxEvent.objects.filter(kind="deconfliction").count() == 2
    # Another record of the same agency is another pair.
    match_of(outsider, make_case(outsider, states=("TX",)), django_capture_on_commit_callbacks)
    assert SubjectMatch.objects.count() == 2


@pytest.mark.parametrize("held_as", ["red case", "pending tip", "intelligence to a non-LE"])
def test_only_the_holder_is_told_of_what_the_linker_must_not_hear_of(
    held_as, make_case, make_item, analyst_fl, outsider, analyst_transit, houston_case,
    django_capture_on_commit_callbacks
):
    linker, target = outsider, houston_case
    if held_as == "red case":
        link_phone(analyst_fl, case=make_case(analyst_fl, tlp=TLP.RED))
    elif held_as == "pending tip":
        link_phone(analyst_fl, item=make_item(analyst_fl, pending=True))
    else:
        link_phone(analyst_fl, item=make_item(analyst_fl))
        linker, target = analyst_transit, make_case(analyst_transit)
    match_of(linker, target, django_capture_on_commit_callbacks)
    assert SubjectMatch.objects.count() == 1
    told = set(Notification.objects.filter(kind="deconfliction").values_list("agency_id", flat=True))
    assert told == {analyst_fl.agency_id}


def test_a_close_name_born_the_same_day_is_a_possible_match_told_to_the_holder_alone(
    make_case, analyst_fl, outsider, endpoints, django_capture_on_commit_callbacks
):
    held = make_case(analyst_fl, title=SECRET_TITLE)
    services.entity_link(by=analyst_fl, case=held, kind="person", label="Dwayne Halvorsen-Pike",
                         name="Dwayne Halvorsen-Pike", dob="1988-11-27")
    houston = make_case(outsider, states=("TX",))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        services.entity_link(by=outsider, case=houston, kind="person", label="D. Halvorson Pike",
                             name="Dwayne Halvorson Pike", dob="1988-11-27")
        services.entity_link(by=outsider, case=houston, kind="person", label="Other day",
                             name="Dwayne Halvorsen-Pike", dob="1988-11-28")
    deliver_all()
    match = SubjectMatch.objects.get()
    assert match.kind == "possible" and match.held_case == held
    assert 85 <= match.score < 100
    told = Notification.objects.filter(kind="deconfliction")
    assert set(told.values_list("agency_id", flat=True)) == {analyst_fl.agency_id}
    lines = dict(told.get().lines)
    assert lines["Match"] == f"possible match, score {match.score:.0f}"
    assert lines["Subject"] == "Person: Dwayne Halvorsen-Pike"  # the holder's own writing
