"""What changes an RFI's request: addressing it, taking it, its answer, closing and reopening.

The pages, the API and the commands call these, so that they refuse the same things. An actor
who does not see the RFI gets NotVisible (the 404 of a missing object); one who sees it but is
not on the side that may act gets InsufficientLevel, naming the rule; a change the state does not
allow raises RfiRefused (a ValidationError with a code)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from agencies.models import Membership
from audit.services import log_access
from cases.models import IntelligenceItem
from cases.services import item_create, share_grant
from core.errors import InsufficientLevel, StaleVersion
from core.handling import Level
from notifications import services as notices
from sharing.models import Share
from sharing.permissions import require_level

from .models import RfiRequest

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
