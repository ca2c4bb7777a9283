"""What changes a tip: taking it down (the item, its subjects and its triage row at once), and
its way through the triage queue: new → assigned → in review → accepted (a lead on a case) /
referred / closed (with a reason).

The pages and the referral code call these, so that they refuse the same things. An actor who
does not see the tip gets NotVisible (the 404 of a missing object); one who sees it but is not of
the agency whose queue holds it gets InsufficientLevel; a change the state does not allow raises
TipRefused (a ValidationError whose code names the rule); a stale version raises StaleVersion."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from agencies.gate import require_center_admin
from agencies.models import FusionCenter, Membership, User
from audit.services import log_access
from cases import services as case_services
from cases.entities import typed_values
from cases.models import Entity, IntelligenceItem
from core.errors import InsufficientLevel, StaleVersion
from core.handling import TLP, Level
from core.text import without_bidi_controls
from sharing.permissions import require_level

from . import tip_selectors
from .models import TipTriage, TriageDeadline

Status = TipTriage.Status


class TipRefused(ValidationError):
    """A change of a tip's triage that its state does not allow; `code` names it."""


def _refuse(message, code, field=None):
    raise TipRefused({field: ValidationError(message, code=code)} if field else
                     ValidationError(message, code=code))


def centers_of(agency):
    """The centers a tip of `agency` may be filed to: those it is an active member of, the one of
    its home state first."""
    centers = list(FusionCenter.objects.filter(
        memberships__agency=agency, memberships__status=Membership.Status.ACTIVE).order_by("name"))
    return sorted(centers, key=lambda center: center.state != agency.home_state)


@transaction.atomic
def tip_take_down(*, by, what, subjects=(), caller_name="", caller_phone="", anonymous=False,
                  where="", when=None, tlp=TLP.AMBER, center=None):
    """A call-taker takes a tip down: the tip item (owned by the call-taker's agency, information
    pending review under 28 CFR Part 23), its subjects (cases.services.subjects_link: each key
    normalised, deconfliction and watchers as every link), and its triage row, new, filed to
    `center` (one of the agency's centers; its home state's by default) whose deadline sets when
    it is due. The records that already held a subject are kept as references (hints). All or
    nothing: a subject that cannot be normalised refuses the lot, naming it."""
    if by.agency_id is None:
        raise InsufficientLevel("Only a member of an agency takes tips down.")
    what = without_bidi_controls(what or "").strip()
    if not what:
        _refuse("Say what the caller reported.", "tip_what_missing", "what")
    if anonymous and (caller_name.strip() or caller_phone.strip()):
        _refuse("An anonymous caller has no name or phone on record: clear them, or untick "
                "anonymous.", "tip_anonymous_named", "anonymous")
    center = center_for(by.agency, center)
    now = timezone.now()
    tip = case_services.item_create(by=by, kind=IntelligenceItem.Kind.TIP, title=tip_title(what),
                                    body=what, tlp=tlp)
    typed = [{"kind": subject["kind"], "value": subject["value"],
              "state": subject.get("state", "")} for subject in subjects]
    case_services.subjects_link(by=by, target=tip, subjects=typed)
    keyed = [{**subject, "key": _key_of(subject)} for subject in subjects]
    triage = TipTriage.objects.create(
        tip=tip, hints=tip_selectors.hint_refs(keyed, now=now, exclude_item=tip.pk),
        **triage_fields(agency=by.agency, center=center, anonymous=anonymous,
                        caller_name=caller_name, caller_phone=caller_phone, where=where,
                        when=when, now=now, hours=tip_selectors.deadline_hours(center)))
    log_access(action="update", actor=by, obj=tip,
               detail={"tip": "taken down", "center_id": getattr(center, "pk", None),
                       "subjects": len(typed), "hints": len(triage.hints)})
    return triage


def center_for(agency, center=None):
    """The center a tip of `agency` is filed to: `center` when the agency is an active member of
    it (else refused), the home state's by default; None for an agency of no center."""
    allowed = centers_of(agency)
    if center is None:
        return allowed[0] if allowed else None
    if center not in allowed:
        _refuse("File the tip to a fusion center your agency is an active member of.",
                "tip_center_not_ours", "center")
    return center


def tip_title(what):
    """A tip's title: the first line of what the caller reported."""
    return what.splitlines()[0][:120]


def triage_fields(*, agency, center, anonymous, caller_name, caller_phone, where, when, now,
                  hours):
    """The fields of a new triage row, new in `agency`'s queue, filed to `center` and due
    `hours` (the center's deadline) from `now`: tip_take_down and the bulk import
    (work.tip_import) both build their rows from this."""
    return {
        "agency": agency, "center": center, "caller_anonymous": anonymous,
        "caller_name": "" if anonymous else without_bidi_controls(caller_name or "").strip()[:200],
        "caller_phone": "" if anonymous else (caller_phone or "").strip()[:40],
        "place": without_bidi_controls(where or "").strip()[:300], "occurred_at": when or now,
        "created_at": now, "updated_at": now, "due_at": now + timedelta(hours=hours),
    }


def _key_of(subject):
    return Entity.normalise(subject["kind"], **typed_values(
        subject["kind"], subject["value"], state=subject.get("state", "")))


MAX_DEADLINE_HOURS = 24 * 14


@transaction.atomic
def triage_deadline_set(*, center, by, hours):
    """A center admin sets how many hours the center gives its member agencies to decide a new
    tip (1 to MAX_DEADLINE_HOURS): tips taken down from now on are due that long after. The
    admin gate decides who may (agencies.gate.require_center_admin: a 404 for anyone else)."""
    require_center_admin(by, center)
    if not isinstance(hours, int) or not 1 <= hours <= MAX_DEADLINE_HOURS:
        _refuse(f"Give the deadline in whole hours, from 1 to {MAX_DEADLINE_HOURS}.",
                "tip_deadline_out_of_range", "hours")
    before = tip_selectors.deadline_hours(center)
    deadline, _ = TriageDeadline.objects.update_or_create(center=center,
                                                          defaults={"hours": hours})
    log_access(action="admin", actor=by, obj=center,
               detail={"operation": "tip_deadline_set", "before": before, "after": hours,
                       "center_id": center.pk})
    return deadline


def on_queue_side(user, triage):
    """Whether `user` triages this tip: an active person of the agency that took it down."""
    return bool(user.is_active and user.agency_id is not None
                and user.agency_id == triage.agency_id)


def _locked(triage, by, version):
    require_level(by, triage.tip, Level.VIEW)
    if not on_queue_side(by, triage):
        raise InsufficientLevel("Only the agency that took the tip down triages it.")
    current = TipTriage.objects.select_for_update().select_related("tip").get(pk=triage.pk)
    if version is not None and current.version != version:
        raise StaleVersion(current, version)
    return current


def _save(current, by, what, **detail):
    current.updated_at = timezone.now()
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    log_access(action="update", actor=by, obj=current.tip,
               detail={"tip": what, "status": current.status, **detail})
    return current


def _require_open(current, doing):
    if not current.is_open:
        _refuse(f"This tip is {current.get_status_display().lower()} already: nobody {doing} it "
                "now.", "tip_decided")


def _check_assignee(triage, assignee):
    if assignee is None or not isinstance(assignee, User):
        _refuse("Choose whom to assign the tip to.", "tip_assignee_missing", "assignee")
    if not on_queue_side(assignee, triage):
        _refuse(f"{assignee.get_full_name() or assignee.username} is not of the agency whose "
                "queue holds this tip.", "tip_assignee_not_on_queue", "assignee")


@transaction.atomic
def tip_assign(*, triage, by, assignee, version=None):
    """Assign (or reassign) an open tip to a person of its agency: a new tip becomes assigned; a
    tip in review stays in review with its new reviewer."""
    current = _locked(triage, by, version)
    _require_open(current, "assigns")
    _check_assignee(current, assignee)
    current.assignee = assignee
    current.assigned_at = timezone.now()
    if current.status == Status.NEW:
        current.status = Status.ASSIGNED
    return _save(current, by, "assigned", assignee_id=assignee.pk)


@transaction.atomic
def tips_assign(*, triages, by, assignee, versions=None):
    """Bulk assign: each of `triages` to `assignee`, all or none. A refusal of one (not visible,
    not ours, decided, stale) refuses the lot, naming the tip, and changes nothing."""
    if not triages:
        _refuse("Choose the tips to assign.", "tip_none_chosen", "tips")
    versions = versions or {}
    done = []
    for triage in triages:
        try:
            with transaction.atomic():
                done.append(tip_assign(triage=triage, by=by, assignee=assignee,
                                       version=versions.get(triage.pk)))
        except StaleVersion as stale:
            raise TipRefused(f"{triage.number} was changed by someone else since the page was "
                             "shown; no tip was assigned.", code="tip_stale") from stale
        except TipRefused as refusal:
            raise TipRefused(f"{triage.number}: {' '.join(refusal.messages)} No tip was "
                             "assigned.", code=getattr(refusal, "code", None) or "tip_refused") \
                from refusal
    return done


@transaction.atomic
def tip_start_review(*, triage, by, version=None):
    """Start the review of a new or assigned tip: its assignee does (or, unassigned, whoever
    starts it becomes its assignee)."""
    current = _locked(triage, by, version)
    if current.status not in (Status.NEW, Status.ASSIGNED):
        _refuse(f"This tip is {current.get_status_display().lower()}: only a new or assigned tip "
                "goes into review.", "tip_not_reviewable")
    if current.assignee_id is not None and current.assignee_id != by.pk:
        _refuse("The tip is assigned to someone else: reassign it to yourself first.",
                "tip_not_assignee")
    current.assignee = by
    current.status = Status.IN_REVIEW
    current.review_started_at = timezone.now()
    return _save(current, by, "in review")


def _decide(current, by, status):
    current.status = status
    current.decided_by = by
    current.decided_at = timezone.now()


@transaction.atomic
def tip_accept(*, triage, by, case=None, new_case=None, version=None):
    """Accept a tip in review as a lead: on `case`, an existing case the actor may edit, or on a
    case it opens now (`new_case`: the keyword arguments of cases.services.case_create, e.g.
    number, title, lead_center, jurisdictions). The tip is linked to the case through
    cases.services.item_lead_on_case (the case's timeline names it by pointer)."""
    current = _locked(triage, by, version)
    if current.status != Status.IN_REVIEW:
        _refuse(f"This tip is {current.get_status_display().lower()}: a tip is accepted from "
                "review.", "tip_not_in_review")
    if (case is None) == (new_case is None):
        _refuse("Accept the tip on one case: an existing one, or a new one.",
                "tip_case_missing", "case")
    if case is None:
        case = case_services.case_create(by=by, **new_case)
    case_services.item_lead_on_case(item=current.tip, case=case, by=by)
    _decide(current, by, Status.ACCEPTED)
    current.accepted_case = case
    return _save(current, by, "accepted", case_id=case.pk)


@transaction.atomic
def tip_close(*, triage, by, reason, version=None):
    """Close an open tip, with the reason (required): nothing to act on, a crank call, a
    duplicate of another tip..."""
    current = _locked(triage, by, version)
    _require_open(current, "closes")
    reason = without_bidi_controls(reason or "").strip()
    if not reason:
        _refuse("Say why the tip is closed.", "tip_close_reason_missing", "reason")
    _decide(current, by, Status.CLOSED)
    current.close_reason = reason[:2000]
    return _save(current, by, "closed")


@transaction.atomic
def tip_mark_referred(*, tip, by, referral=None, version=None):
    """The tip was referred to another agency (the referral service calls this once it has
    written the referral, `referral` naming it for the access log): an open tip only."""
    triage = TipTriage.objects.filter(tip=tip).first()
    if triage is None:
        _refuse("This item is not a tip in a triage queue.", "tip_not_in_queue")
    current = _locked(triage, by, version)
    _require_open(current, "refers")
    _decide(current, by, Status.REFERRED)
    return _save(current, by, "referred", referral_id=getattr(referral, "pk", referral))
