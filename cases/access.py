"""Request access: an agency that learnt a record exists without seeing it (a deconfliction
notice, or an alert whose title was withheld) asks its owner for access, with a reason; the
owner grants it (a share within the handling rules, at the level it chooses) or declines it,
with an answer, in one step. Both sides are told; every step is in the access log.

Nothing of the record reaches the requester through the request: the request names the owner
agency alone until a share is granted, and a request through something the agency was never
told of (another agency's match, a notice it does not hold) is the 404 of a missing one.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import log_access
from core.errors import NotVisible
from core.handling import Level
from notifications.models import Notification, OutboxEvent
from notifications.selectors import inbox_queryset
from notifications.services import access_answered, access_requested, linker_is_told
from sharing.models import AccessRequest
from sharing.permissions import level_of, require_level

from . import services
from .models import SubjectMatch


def _reason(reason, what="Say why your agency needs access; the owner reads it."):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ValidationError(what, code="reason_missing")})
    return reason


def record_from_match(by, match_id):
    """The record a deconfliction notice told the user's agency of (the other side of the
    match), or NotVisible when it was not told of one under that number."""
    match = (SubjectMatch.objects.select_related("held_case", "held_item", "new_agency")
             .filter(pk=match_id, new_agency_id=by.agency_id or -1).first())
    if match is None or not linker_is_told(match):
        raise NotVisible(SubjectMatch)
    return match, match.held_object


def record_from_alert(by, notification_id):
    """The case of a state-lines alert in the user's inbox, or NotVisible."""
    notification = (inbox_queryset(by).filter(pk=notification_id, kind=OutboxEvent.Kind.STATE_LINES,
                                              case__isnull=False)
                    .select_related("case").first())
    if notification is None:
        raise NotVisible(Notification)
    return notification.case


@transaction.atomic
def access_request(*, by, reason, match_id=None, alert_id=None):
    """Ask the owner of the record behind a deconfliction match (`match_id`) or a withheld alert
    (`alert_id`) for access. Refused: a record the agency sees already, a request already
    pending for it, no reason. Tells the owner agency (in-app, e-mail to its admins, webhook
    `access.requested`)."""
    if by.agency_id is None:
        raise ValidationError("Only a member of an agency asks for access.")
    if (match_id is None) == (alert_id is None):
        raise ValidationError("Ask for access from one deconfliction notice or one alert.")
    match = None
    if match_id is not None:
        match, record = record_from_match(by, match_id)
        source = AccessRequest.Source.DECONFLICTION
    else:
        record = record_from_alert(by, alert_id)
        source = AccessRequest.Source.ALERT
    reason = _reason(reason)
    if level_of(by, record) is not None:
        raise ValidationError("Your agency sees this record already.", code="already_visible")
    field = "case" if record._meta.model_name == "case" else "item"
    try:
        with transaction.atomic():
            request = AccessRequest.objects.create(
                **{field: record}, owner_id=record.owner_id, requester_id=by.agency_id,
                requested_by=by, reason=reason, source=source, match=match,
            )
    except IntegrityError:
        raise ValidationError(
            "Your agency has asked for access to this record already; the owner has not "
            "answered yet.", code="already_requested",
        ) from None
    log_access(action="create", actor=by, obj=request,
               detail={"access_request": source, "owner_id": record.owner_id})
    access_requested(request=request, by=by)
    return request


@transaction.atomic
def access_decide(*, request, by, decision, level=Level.VIEW, answer=""):
    """The owner agency grants (a share of `level` with the requester, within every handling
    rule: a refused share leaves the request pending and says why) or declines (with an
    answer) a pending request. Anyone outside the owner agency: the 404 of a missing request.
    Tells the requester (in-app, e-mail, webhook `access.answered`)."""
    # Lock the request row alone (`of=("self",)`): case and item are nullable joins, and
    # PostgreSQL refuses FOR UPDATE on the nullable side of an outer join.
    current = AccessRequest.objects.select_for_update(of=("self",)).select_related(
        "case", "item", "requester").filter(pk=request.pk, owner_id=by.agency_id or -1).first()
    if current is None:
        raise NotVisible(AccessRequest)
    record = current.subject
    require_level(by, record, Level.MANAGE)
    if current.status != AccessRequest.Status.PENDING:
        raise ValidationError(f"This request was {current.get_status_display().lower()} already.",
                              code="decided")
    answer = (answer or "").strip()
    if decision == "grant":
        if level not in (Level.VIEW, Level.ANNOTATE, Level.EDIT):
            raise ValidationError({"level": "Grant view, annotate or edit."})
        services.share_grant(
            obj=record, by=by, level=level, agency=current.requester,
            reason=f"Access requested by {current.requester.name}: {current.reason}",
        )
        current.status, current.level = AccessRequest.Status.GRANTED, level
    elif decision == "decline":
        answer = _reason(answer, "Say why you decline; the agency that asked reads it.")
        current.status = AccessRequest.Status.DECLINED
    else:
        raise ValidationError({"decision": "Grant or decline."})
    current.answer, current.decided_by, current.decided_at = answer, by, timezone.now()
    current.save(update_fields=["status", "level", "answer", "decided_by", "decided_at"])
    log_access(action="update", actor=by, obj=current,
               detail={"access_request": current.status, "level": current.level})
    access_answered(request=current, by=by)
    return current


def requests_of(user, *, limit=50):
    """(incoming, outgoing): the requests to the user's agency, pending first, and the ones it
    made, newest first; two queries."""
    incoming = list(
        AccessRequest.objects.filter(owner_id=user.agency_id or -1)
        .select_related("case", "item", "owner", "requester", "requested_by", "decided_by")
        .order_by("-status", "-created_at")[:limit]
    )
    outgoing = list(
        AccessRequest.objects.filter(requester_id=user.agency_id or -1)
        .select_related("owner", "requester", "requested_by", "case", "item")
        .order_by("-created_at")[:limit]
    )
    return incoming, outgoing
