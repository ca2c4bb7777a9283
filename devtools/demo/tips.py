"""The demo's tips: calls that MBI's and NOPD's call-takers took down, in every state of the
triage queue (new, assigned, in review, accepted, referred, closed), one of them overdue, one a
possible duplicate of another, one on the recruiter's phone that the trafficking case holds.
Taken down and triaged through the services, each at its own moment (time-machine), every step
at least two hours before the seeding, as every story of the demo."""

from dataclasses import dataclass
from datetime import timedelta

import time_machine
from django.core.exceptions import ValidationError

from agencies.models import FusionCenter
from cases.models import Case, IntelligenceItem
from work.models import TipTriage, TriageDeadline
from work.tip_services import (
    tip_accept,
    tip_assign,
    tip_close,
    tip_mark_referred,
    tip_start_review,
    tip_take_down,
)

from .stories import RECRUITER_PHONE, TRAFFICKING_NUMBER

Status = TipTriage.Status


@dataclass(frozen=True)
class TipSpec:
    by: str
    what: str
    hours_ago: float
    status: str = Status.NEW
    where: str = ""
    caller: str = ""
    caller_phone: str = ""
    phones: tuple = ()
    assignee: str = ""
    close_reason: str = ""


TIPS = [
    TipSpec("analyst_fl", "Motel clerk on Orange Blossom Trail: a girl who looks 15 checked in "
            f"with an older man; the room was booked from {RECRUITER_PHONE}.",
            hours_ago=4, where="Orange Blossom Trail, Orlando, FL", caller="R. Aldana",
            caller_phone="407-555-0111", phones=(RECRUITER_PHONE,), status=Status.NEW),
    TipSpec("analyst_fl", "Anonymous caller: the same man was back at the motel, paying cash, "
            f"and gave {RECRUITER_PHONE} to the desk.",
            hours_ago=3, where="Orlando, FL", phones=(RECRUITER_PHONE,), status=Status.NEW),
    TipSpec("analyst_fl", "Neighbour reports cars coming and going all night at a rental on "
            "Pine Hills Road; a grey sedan, FL plate QWK-4471.",
            hours_ago=30, where="Pine Hills Road, Orlando, FL", caller="M. Osei",
            assignee="reviewer_fl", status=Status.ASSIGNED),
    TipSpec("analyst_fl", "Caller's daughter was offered a modelling job by (321) 555-0176; "
            "the ad asked for photos and no parents.",
            hours_ago=6, where="Kissimmee, FL", caller="L. Baptiste",
            caller_phone="321-555-0102", phones=("(321) 555-0176",), assignee="analyst_fl",
            status=Status.IN_REVIEW),
    TipSpec("analyst_fl", "Hotel security in Kissimmee saw the runaway from the flyer with two "
            f"adults; one called {RECRUITER_PHONE} from the lobby phone.",
            hours_ago=50, where="Kissimmee, FL", caller="Hotel security desk",
            phones=(RECRUITER_PHONE,), assignee="analyst_fl", status=Status.ACCEPTED),
    TipSpec("analyst_fl", "A truck driver at the I-4 rest area saw a girl passed between two "
            "cars with Louisiana plates, heading west.",
            hours_ago=20, where="I-4 rest area, Polk County, FL", assignee="analyst_fl",
            status=Status.REFERRED),
    TipSpec("analyst_fl", "Caller insists the missing girl is hidden in the caller's "
            "neighbour's attic; the neighbour is abroad since June.",
            hours_ago=12, where="Winter Park, FL", caller="anonymous", assignee="analyst_fl",
            status=Status.CLOSED,
            close_reason="Checked by patrol: the house is empty and locked; nothing to act on."),
    TipSpec("analyst_la", "French Quarter bartender: a man offering 'dates' with a girl who "
            "said she came from Orlando.",
            hours_ago=10, where="Bourbon Street, New Orleans, LA", status=Status.NEW),
]


def _at(seeder, hours_ago):
    return time_machine.travel(seeder.started - timedelta(hours=hours_ago), tick=False)


def seed_tips(seeder):
    """Take down and triage the tips that are not in the database yet (by agency and title)."""
    for short, hours in (("LA-SAFE", 8),):
        center = FusionCenter.objects.filter(short_name=short).first()
        if center is not None:
            TriageDeadline.objects.get_or_create(center=center, defaults={"hours": hours})
    existing = set(IntelligenceItem.objects.filter(kind=IntelligenceItem.Kind.TIP,
                                                   triage__isnull=False)
                   .values_list("owner_id", "title"))
    for spec in TIPS:
        by = seeder.users[spec.by]
        if (by.agency_id, spec.what[:120]) in existing:
            continue
        seeder._attempt(f"tip {spec.what[:40]!r}", _tell_tip, seeder, spec)


def _tell_tip(seeder, spec):
    by = seeder.users[spec.by]
    with _at(seeder, spec.hours_ago):
        triage = tip_take_down(
            by=by, what=spec.what, where=spec.where, anonymous=spec.caller == "anonymous",
            caller_name="" if spec.caller == "anonymous" else spec.caller,
            caller_phone=spec.caller_phone,
            subjects=[{"kind": "phone", "value": phone} for phone in spec.phones])
    seeder.created["tips"] += 1
    if spec.status == Status.NEW:
        return
    later = spec.hours_ago * 0.8
    with _at(seeder, later):
        assignee = seeder.users[spec.assignee or spec.by]
        triage = tip_assign(triage=triage, by=by, assignee=assignee)
    if spec.status == Status.ASSIGNED:
        return
    with _at(seeder, later * 0.8):
        triage = tip_start_review(triage=triage, by=assignee)
    if spec.status == Status.IN_REVIEW:
        return
    with _at(seeder, later * 0.6):
        if spec.status == Status.ACCEPTED:
            case = Case.objects.filter(owner_id=by.agency_id, number=TRAFFICKING_NUMBER).first()
            if case is None:
                raise ValidationError(f"the case {TRAFFICKING_NUMBER} is not in the demo.")
            tip_accept(triage=triage, by=assignee, case=case)
        elif spec.status == Status.REFERRED:
            tip_mark_referred(tip=triage.tip, by=assignee)
        else:
            tip_close(triage=triage, by=assignee, reason=spec.close_reason)
