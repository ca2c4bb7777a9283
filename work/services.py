"""What changes an RFI's request (addressing it, taking it, its answer, closing and reopening)
and a referral (making it, acknowledging it, closing it with an outcome, withdrawing it).

The pages, the API and the commands call these, so that they refuse the same things. An actor
who does not see the RFI gets NotVisible (the 404 of a missing object); one who sees it but is
not on the side that may act gets InsufficientLevel, naming the rule; a change the state does not
allow raises RfiRefused (a ValidationError with a code)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from agencies.models import CenterAdmin, Membership
from audit.services import log_access
from cases.models import Case, IntelligenceItem
from cases.services import item_create, share_grant
from core.errors import InsufficientLevel, NotVisible, StaleVersion
from core.handling import Level
from notifications import services as notices
from sharing.models import Share
from sharing.permissions import level_of, require_level

from . import tip_services
from .models import Referral, RfiRequest, TipTriage

Status = RfiRequest.Status


class RfiRefused(ValidationError):
    """A change of an RFI's request that its state does not allow; `code` names it."""


def on_addressed_side(user, request):
    """Whether `user` answers for the addressee: a person of the addressed agency, or of an
    agency that is an active member of the addressed center."""
    if user.agency_id is None:
        return False
    if request.addressed_agency_id is not None:
        return user.agency_id == request.addressed_agency_id
    return Membership.objects.filter(
        center_id=request.addressed_center_id, agency_id=user.agency_id,
        status=Membership.Status.ACTIVE,
    ).exists()


def _refuse(message, code, field=None):
    raise RfiRefused({field: ValidationError(message, code=code)} if field else
                     ValidationError(message, code=code))


@transaction.atomic
def rfi_address(*, rfi, by, due_date, agency=None, center=None):
    """Address the asking agency's RFI to one agency or to a whole center, due on a day: the
    addressee is given view on the RFI (cases.services.share_grant, within its handling rules;
    a refusal is ShareRefused and writes nothing). Only the agency that asks (the RFI's owner)
    addresses it, once."""
    if require_level(by, rfi, Level.VIEW) != Level.OWNER:
        raise InsufficientLevel("Only the agency that asks addresses its request for information.")
    if rfi.kind != IntelligenceItem.Kind.RFI:
        _refuse("Only a request for information is addressed.", "rfi_not_an_rfi")
    if (agency is None) == (center is None):
        _refuse("Address the request to one agency or to one fusion center.",
                "rfi_addressee_missing", "addressee")
    if agency is not None and agency.pk == rfi.owner_id:
        _refuse("Your agency cannot address a request to itself.", "rfi_addressed_to_self",
                "addressee")
    if due_date is None or due_date < timezone.localdate():
        _refuse("Give a due date, today or later.", "rfi_due_in_past", "due_date")
    if RfiRequest.objects.filter(rfi=rfi).exists():
        _refuse("This request for information is addressed already.", "rfi_addressed_already")
    if agency is not None:
        share_grant(obj=rfi, by=by, level=Level.VIEW, agency=agency,
                    reason="A request for information addressed to your agency.")
    else:
        share_grant(obj=rfi, by=by, level=Level.VIEW, target=Share.Target.CENTER, center=center,
                    reason="A request for information addressed to your center.")
    request = RfiRequest.objects.create(rfi=rfi, addressed_agency=agency, addressed_center=center,
                                        due_date=due_date)
    notices.rfi_addressed(request=request, by=by)
    log_access(action="update", actor=by, obj=rfi,
               detail={"rfi": "addressed", "agency_id": getattr(agency, "pk", None),
                       "center_id": getattr(center, "pk", None), "due": due_date.isoformat()})
    return request


def _locked(request, by, version):
    current = RfiRequest.objects.select_for_update().get(pk=request.pk)
    if version is not None and current.version != version:
        raise StaleVersion(current, version)
    return current


def _save(current, by, what):
    now = timezone.now()
    current.updated_at = now
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    log_access(action="update", actor=by, obj=current.rfi,
               detail={"rfi": what, "status": current.status})
    return current


@transaction.atomic
def rfi_take(*, request, by, version=None):
    """Acknowledge the request and take it: a person on the addressed side who sees the RFI,
    while it is open (or acknowledged by nobody in particular)."""
    require_level(by, request.rfi, Level.VIEW)
    if not on_addressed_side(by, request):
        raise InsufficientLevel("Only the addressed agency, or a member agency of the addressed "
                                "center, takes this request for information.")
    current = _locked(request, by, version)
    if current.status not in RfiRequest.PENDING_STATUSES:
        _refuse(f"This request is {current.get_status_display().lower()}: nobody takes it now.",
                "rfi_not_pending")
    if current.taken_by_id is not None:
        _refuse("Someone took this request already.", "rfi_taken_already")
    current.status = Status.ACKNOWLEDGED
    current.taken_by = by
    current.acknowledged_at = timezone.now()
    return _save(current, by, "taken")


@transaction.atomic
def rfi_respond(*, request, by, title, body="", tlp=None, les=None, **labels):
    """Answer the request: a person on the addressed side writes a response while it is pending.
    The response is created by cases.services.item_create, as one written on the item's page is
    (shared back to the asker at view when its marking allows, else `share_back_refusal` says
    why), and that answers the request (work.signals). Its marking defaults to the RFI's."""
    require_level(by, request.rfi, Level.VIEW)
    if not on_addressed_side(by, request):
        raise InsufficientLevel("Only the addressed agency, or a member agency of the addressed "
                                "center, answers this request for information.")
    current = _locked(request, by, None)
    if current.status not in RfiRequest.PENDING_STATUSES:
        _refuse(f"This request is {current.get_status_display().lower()}: it takes no answer "
                "now.", "rfi_not_pending")
    rfi = current.rfi
    return item_create(by=by, kind=IntelligenceItem.Kind.RFI_RESPONSE, title=title, body=body,
                       tlp=rfi.tlp if tlp is None else tlp, les=rfi.les if les is None else les,
                       in_response_to=rfi, **labels)


def rfi_answered(*, response):
    """A response to the RFI was written (page, API or command): the request is answered.
    The response goes back to the asker through cases.services.item_create already."""
    request = RfiRequest.objects.select_for_update().filter(rfi_id=response.in_response_to_id).first()
    if request is None or request.status not in RfiRequest.PENDING_STATUSES:
        return request
    request.status = Status.ANSWERED
    request.answered_at = timezone.now()
    if request.taken_by_id is None and response.created_by_id is not None:
        request.taken_by_id = response.created_by_id
    request = _save(request, response.created_by, "answered")
    notices.rfi_answered(request=request, by=response.created_by)
    return request


def _require_asker(by, request):
    if require_level(by, request.rfi, Level.VIEW) != Level.OWNER:
        raise InsufficientLevel("Only the agency that asked closes or reopens its request.")


@transaction.atomic
def rfi_close(*, request, by, version=None):
    """The asker closes the request (answered or not: it no longer needs an answer)."""
    _require_asker(by, request)
    current = _locked(request, by, version)
    if current.status == Status.CLOSED:
        _refuse("This request is closed already.", "rfi_closed_already")
    current.status = Status.CLOSED
    current.closed_at = timezone.now()
    return _save(current, by, "closed")


@transaction.atomic
def rfi_reopen(*, request, by, due_date=None, version=None):
    """The asker reopens an answered or closed request (the answer did not do), perhaps with a
    new due date: it is pending again with whoever took it, and reminded and escalated anew."""
    _require_asker(by, request)
    current = _locked(request, by, version)
    if current.status in RfiRequest.PENDING_STATUSES:
        _refuse("This request is still pending.", "rfi_still_pending")
    if due_date is not None:
        if due_date < timezone.localdate():
            _refuse("Give a due date, today or later.", "rfi_due_in_past", "due_date")
        current.due_date = due_date
    current.status = Status.ACKNOWLEDGED if current.taken_by_id else Status.OPEN
    current.answered_at = current.closed_at = None
    current.reminded_at = current.escalated_at = None
    current.cycle += 1
    return _save(current, by, "reopened")


# Referrals -------------------------------------------------------------------------------------
#
# Who refers: the agency that may share the object, i.e. its owner or an agency holding manage
# on it (sharing.permissions.check_share's rule "sharer_level"). A referral gives the addressee
# view through the share service, so whoever could not share the object cannot refer it; a
# holder of less gets InsufficientLevel (403: it sees the object). The addressee then acts on
# the referral (acknowledge, close) as the addressed agency's person; the referrer's agency
# withdraws it. Closing needs no acknowledgement first: an agency that declines or transfers a
# referral at once closes it directly from open (acknowledged_at then stays empty, as it was).

ReferralStatus = Referral.Status


class ReferralRefused(ValidationError):
    """A referral its rules or its state do not allow; `code` names the rule."""


def _refuse_referral(message, code, field=None):
    raise ReferralRefused({field: ValidationError(message, code=code)} if field else
                          ValidationError(message, code=code))


def referring_centers(user):
    """The centers a person may refer for: those they administer (the center then follows the
    referral's status)."""
    return CenterAdmin.objects.filter(user_id=user.pk).values("center_id")


def on_referral(user, referral):
    """Which side of a referral the person is on: "to" (the addressed agency), "from" (the
    referring agency), "center" (an admin of the referring center), or None (it does not exist
    for them)."""
    if user.agency_id is not None and user.agency_id == referral.to_agency_id:
        return "to"
    if user.agency_id is not None and user.agency_id == referral.from_agency_id:
        return "from"
    if referral.referring_center_id is not None and CenterAdmin.objects.filter(
            user_id=user.pk, center_id=referral.referring_center_id).exists():
        return "center"
    return None


def _share_for_referral(obj, by, agency, instructions):
    """Give the addressee view on the object through the share service (every handling rule;
    a refusal is ShareRefused naming the rule, and the caller's transaction writes nothing),
    unless it holds access already: a referral never lowers a share it holds."""
    if level_of(agency, obj) is not None:
        return None
    reason = f"Referred to {agency.name} for action: {instructions}"
    return share_grant(obj=obj, by=by, level=Level.VIEW, agency=agency, reason=reason)


@transaction.atomic
def refer(*, obj, by, agency, due_date, instructions, center=None):
    """Refer a case or an intelligence item (a tip is an item of kind tip) to an agency for
    action, due on a day, with instructions; `center`: one the referrer administers, whose admins
    follow it. The addressee is given view on the object (within its handling rules) and told.

    Refusals: NotVisible (the object does not exist for the referrer); InsufficientLevel (the
    referrer's agency may not share it); ShareRefused naming the handling rule (e.g.
    foreign_partner_les, red_no_reshare); ReferralRefused naming its own rule. A refusal writes
    nothing. Writes the access-log row; the notices go out after commit."""
    held = require_level(by, obj, Level.VIEW)
    if held < Level.MANAGE:
        raise InsufficientLevel(
            "Only the owner agency, or an agency holding manage, refers this "
            f"{obj._meta.verbose_name}: a referral shares it. Yours holds "
            f"{Level(held).label.lower()}.")
    if agency is None:
        _refuse_referral("Choose the agency to refer it to.", "referral_agency_missing", "agency")
    if agency.pk == by.agency_id:
        _refuse_referral("Your agency cannot refer it to itself.", "referral_to_self", "agency")
    if due_date is None or due_date < timezone.localdate():
        _refuse_referral("Give a due date, today or later.", "referral_due_in_past", "due_date")
    instructions = (instructions or "").strip()
    if not instructions:
        _refuse_referral("Say what the agency is asked to do.", "referral_instructions_missing",
                         "instructions")
    if center is not None and not referring_centers(by).filter(center_id=center.pk).exists():
        _refuse_referral("You refer for a fusion center you administer only.",
                         "referral_center_not_yours", "center")
    field = "case" if isinstance(obj, Case) else "item"
    pending = Referral.objects.select_for_update().filter(
        **{field: obj}, to_agency=agency, status__in=Referral.PENDING_STATUSES)
    if pending.exists():
        _refuse_referral(f"It is referred to {agency.name} already, and that referral is still "
                         "open: close or withdraw it first.", "referral_pending_already")
    _share_for_referral(obj, by, agency, instructions)
    try:
        # A savepoint: the partial unique index catches a second referral made at the same
        # moment as this one (the check above saw neither), refused as the check refuses it.
        with transaction.atomic():
            referral = Referral.objects.create(
                **{field: obj}, from_agency_id=by.agency_id, referred_by=by,
                referring_center=center, to_agency=agency, due_date=due_date,
                instructions=instructions)
    except IntegrityError:
        _refuse_referral(f"It is referred to {agency.name} already, and that referral is still "
                         "open: close or withdraw it first.", "referral_pending_already")
    _mark_tip_referred(obj, by, referral)
    notices.referral_changed(referral=referral, by=by, change="referred")
    log_access(action="update", actor=by, obj=obj,
               detail={"referral": "referred", "referral_id": referral.pk,
                       "agency_id": agency.pk, "due": due_date.isoformat()})
    return referral


def _mark_tip_referred(obj, by, referral):
    """A tip still open in its agency's triage queue, referred by a person of that agency, leaves
    the queue as referred (work.tip_services), with the referral named; in the referral's
    transaction, so that a refused referral leaves the tip as it was."""
    if not isinstance(obj, IntelligenceItem) or obj.kind != IntelligenceItem.Kind.TIP:
        return
    triage = TipTriage.objects.filter(tip=obj).first()
    if triage is not None and triage.is_open and tip_services.on_queue_side(by, triage):
        tip_services.tip_mark_referred(tip=obj, by=by, referral=referral)


def _locked_referral(referral, version):
    current = Referral.objects.select_for_update().get(pk=referral.pk)
    if version is not None and current.version != version:
        raise StaleVersion(current, version)
    return current


def _require_side(by, referral, side, message):
    found = on_referral(by, referral)
    if found is None:
        raise NotVisible(Referral)
    if found != side:
        raise InsufficientLevel(message)


def _save_referral(current, by, change):
    current.updated_at = timezone.now()
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    notices.referral_changed(referral=current, by=by, change=change)
    log_access(action="update", actor=by, obj=current.referred,
               detail={"referral": change, "referral_id": current.pk,
                       "status": current.status})
    return current


ADDRESSEE_ONLY = "Only the agency the referral is addressed to {}s it."


@transaction.atomic
def referral_acknowledge(*, referral, by, version=None):
    """The addressed agency acknowledges an open referral (someone works on it now)."""
    _require_side(by, referral, "to", ADDRESSEE_ONLY.format("acknowledge"))
    current = _locked_referral(referral, version)
    if current.status != ReferralStatus.OPEN:
        _refuse_referral(f"This referral is {current.get_status_display().lower()}: only an "
                         "open one is acknowledged.", "referral_not_open")
    current.status = ReferralStatus.ACKNOWLEDGED
    current.acknowledged_by = by
    current.acknowledged_at = timezone.now()
    return _save_referral(current, by, "acknowledged")


@transaction.atomic
def referral_close(*, referral, by, outcome, outcome_text, version=None):
    """The addressed agency closes a pending referral (acknowledged or not) with its outcome
    (Referral.Outcome) and what was done."""
    _require_side(by, referral, "to", ADDRESSEE_ONLY.format("close"))
    if outcome not in Referral.Outcome.values:
        _refuse_referral("Choose the outcome.", "referral_outcome_missing", "outcome")
    outcome_text = (outcome_text or "").strip()
    if not outcome_text:
        _refuse_referral("Say what was done, or why not.", "referral_outcome_text_missing",
                         "outcome_text")
    current = _locked_referral(referral, version)
    if not current.pending:
        _refuse_referral(f"This referral is {current.get_status_display().lower()} already.",
                         "referral_not_pending")
    current.status = ReferralStatus.CLOSED
    current.outcome, current.outcome_text = outcome, outcome_text
    current.closed_by = by
    current.closed_at = timezone.now()
    return _save_referral(current, by, "closed")


@transaction.atomic
def referral_withdraw(*, referral, by, version=None):
    """The referring agency withdraws a pending referral. Its share stays (withdraw it on the
    object's sharing page): the record already reached the addressee."""
    _require_side(by, referral, "from", "Only the agency that referred it withdraws it.")
    current = _locked_referral(referral, version)
    if not current.pending:
        _refuse_referral(f"This referral is {current.get_status_display().lower()} already.",
                         "referral_not_pending")
    current.status = ReferralStatus.WITHDRAWN
    current.withdrawn_at = timezone.now()
    return _save_referral(current, by, "withdrawn")
