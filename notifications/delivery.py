"""Delivering an outbox event: compose the message its audience may read, then write the
in-app notifications, e-mails and webhook deliveries, each once per event and recipient.

Run by the Celery tasks of notifications.tasks (or in process without a broker); they enqueue
whatever this returns (webhook deliveries, swept events), so nothing here knows of Celery.
"""

from datetime import timedelta

from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from agencies.models import CenterAdmin, Membership, User
from cases.models import Case
from core.handling import TLP, Level, handling_label
from sharing.permissions import cases_visible_to, group_sees, network_group

from .claims import claim, claim_lease, sweep_after
from .models import (
    Delivery,
    EmailDelivery,
    Follow,
    Notification,
    OutboxEvent,
    WebhookDelivery,
    WebhookEndpoint,
)

Kind = OutboxEvent.Kind


def _center_sees(center, obj):
    """Whether the center as a whole holds view on obj (a center-wide share, or the network's)."""
    return group_sees([center.group_id, network_group().id], obj)


def _contact(agency):
    parts = [agency.contact_name, agency.contact_email, agency.contact_phone]
    return ", ".join(part for part in parts if part) or "none on record"


def _case_facts(case, *, title_visible):
    owner, lead = case.owner, case.lead_center
    handling = handling_label(case.tlp, case.les)
    lines = [["Case number", case.number]]
    if title_visible:
        lines.append(["Title", case.title])
    else:
        lines.append(["Title", f"withheld ({handling}); ask the owner agency for access"])
    lines += [
        ["Owner agency", f"{owner.name} ({owner.ori})"],
        ["Point of contact", _contact(owner)],
        ["Lead center", f"{lead.label} ({lead.state})"],
        ["States", ", ".join(case.states)],
        ["Handling", handling],
    ]
    data = {
        "id": case.pk,
        "number": case.number,
        "title": case.title if title_visible else None,
        "owner": {
            "name": owner.name, "ori": owner.ori,
            "contact": {"name": owner.contact_name, "email": owner.contact_email,
                        "phone": owner.contact_phone},
        },
        "lead_center": {"name": lead.name, "short_name": lead.short_name, "state": lead.state},
        "states": case.states,
        "handling": {"tlp": case.tlp, "les": case.les, "label": handling},
    }
    return lines, data


def compose(event):
    """The message of an event for its audience: {"title", "lines", "data"} (data is the
    webhook's JSON). The case title only where the handling lets the audience see it; never
    the summary or the subjects."""
    if event.kind == Kind.STATE_LINES:
        case = Case.objects.select_related("owner", "lead_center").get(pk=event.case_id)
        center = event.center
        sees = _center_sees(center, case)
        title_visible = sees or case.tlp in (TLP.CLEAR, TLP.GREEN)
        lines, data = _case_facts(case, title_visible=title_visible)
        lines.append(
            ["Access", f"{center.label} may view the case" if sees
             else f"not shared with {center.label}: contact the owner agency"]
        )
        return {
            "title": f"Case {case.number} now spans state lines into {event.detail['state']}",
            "lines": lines,
            "data": {
                "event": "case.spans_state_lines", "state": event.detail["state"],
                "center": {"name": center.name, "short_name": center.short_name,
                           "state": center.state},
                "center_has_access": sees, "case": data,
            },
        }
    if event.kind == Kind.SHARED:
        level = Level(event.detail["level"]).label.lower()
        recipient = event.center.label if event.center_id else event.agency.name
        if event.case_id:
            case = Case.objects.select_related("owner", "lead_center").get(pk=event.case_id)
            lines, data = _case_facts(case, title_visible=True)
            subject, number = "case", case.number
            payload = {"event": "case.shared", "case": data}
        else:
            item = event.item
            lines = [["Item", item.title], ["Kind", item.get_kind_display()],
                     ["Source agency", f"{item.owner.name} ({item.owner.ori})"],
                     ["Handling", handling_label(item.tlp, item.les)]]
            subject, number = "intelligence item", item.title
            payload = {"event": "item.shared", "item": {
                "id": item.pk, "title": item.title, "kind": item.kind,
                "handling": {"tlp": item.tlp, "les": item.les,
                             "label": handling_label(item.tlp, item.les)}}}
        lines.append(["Shared by", event.detail.get("by_agency", "")])
        lines.append(["Access", f"{recipient}: {level}"])
        payload["level"] = level
        return {"title": f"{event.detail.get('by_agency', 'An agency')} shared {subject} "
                         f"{number} with {recipient} ({level})",
                "lines": lines, "data": payload}
    if event.kind == Kind.ANNOTATED:
        case = Case.objects.select_related("owner", "lead_center").get(pk=event.case_id)
        lines, data = _case_facts(case, title_visible=True)
        lines.insert(0, ["Annotated by", event.detail.get("by_agency", "")])
        return {"title": f"New annotation on case {case.number}: {case.title}", "lines": lines,
                "data": {"event": "case.annotated", "case": data}}
    raise ValueError(f"unknown notification kind {event.kind!r}")


def _audience_users_for_email(event):
    if event.center_id:
        admins = CenterAdmin.objects.filter(center_id=event.center_id).values("user_id")
        return User.objects.filter(pk__in=admins, is_active=True).exclude(email="")
    if event.agency_id:
        return User.objects.filter(
            agency_id=event.agency_id, role=User.Role.AGENCY_ADMIN, is_active=True
        ).exclude(email="").exclude(api_key__isnull=False)
    return User.objects.none()


def _audience_endpoints(event):
    if event.center_id:
        members = Membership.objects.filter(
            center_id=event.center_id, status=Membership.Status.ACTIVE
        ).values("agency_id")
        return WebhookEndpoint.objects.filter(agency_id__in=members, is_active=True)
    if event.agency_id:
        return WebhookEndpoint.objects.filter(agency_id=event.agency_id, is_active=True)
    return WebhookEndpoint.objects.none()


def _followers_told(event):
    """Followers of the annotated case whose agency still sees it, other than the author."""
    followers = (
        Follow.objects.filter(case_id=event.case_id)
        .exclude(user_id=event.actor_id)
        .select_related("user__agency")
    )
    told = []
    for follow in followers:
        sees = cases_visible_to(follow.user).filter(pk=event.case_id).exists()
        if follow.user.is_active and sees:
            told.append(follow.user)
    return told


def _fan_out(event, message):
    """Write the in-app notifications, e-mail rows and webhook rows of the event, each once."""
    common = {"event": event, "kind": event.kind, "case_id": event.case_id,
              "item_id": event.item_id, "title": message["title"][:300],
              "lines": message["lines"]}
    if event.kind == Kind.ANNOTATED:
        audiences = [{"user": user} for user in _followers_told(event)]
    elif event.center_id:
        audiences = [{"center_id": event.center_id}]
    else:
        audiences = [{"agency_id": event.agency_id}]
    for audience in audiences:
        Notification.objects.get_or_create(**audience, event=event, defaults=common)
    if event.kind == Kind.ANNOTATED:
        return  # in-app only: followers asked for their inbox, not their mailbox
    EmailDelivery.objects.bulk_create(
        [EmailDelivery(event=event, user=user, address=user.email)
         for user in _audience_users_for_email(event)],
        ignore_conflicts=True,
    )
    WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(event=event, endpoint=endpoint, payload=message["data"])
         for endpoint in _audience_endpoints(event)],
        ignore_conflicts=True,
    )


def _email_text(message):
    body = [message["title"], ""]
    body += [f"{label}: {value}" for label, value in message["lines"]]
    body += ["", "Open FusionPortal to read it in your notifications.",
             "Handle this message by its marking."]
    return "\n".join(body)


def _send_emails(event, message, now):
    for email in EmailDelivery.objects.filter(event=event).exclude(status=Delivery.DELIVERED):
        if not claim(EmailDelivery, email.pk, now=now):
            continue
        try:
            EmailMessage(
                subject=f"[FusionPortal] {message['title']}"[:200],
                body=_email_text(message),
                to=[email.address],
            ).send()
        except Exception as error:
            EmailDelivery.objects.filter(pk=email.pk).update(
                status=Delivery.PENDING, last_error=str(error)[:1000]
            )
            raise
        EmailDelivery.objects.filter(pk=email.pk).update(
            status=Delivery.DELIVERED, sent_at=timezone.now(), last_error=""
        )


def event_deliver(*, event_id, now=None):
    """Deliver one outbox event, once. Returns the webhook delivery ids to attempt, or None when
    another task holds (or finished) the event."""
    now = now or timezone.now()
    if not claim(OutboxEvent, event_id, now=now):
        return None
    event = OutboxEvent.objects.select_related("center", "agency", "item__owner").get(pk=event_id)
    try:
        message = compose(event)
        with transaction.atomic():
            _fan_out(event, message)
        _send_emails(event, message, now)
    except Exception as error:
        OutboxEvent.objects.filter(pk=event_id, claimed_at=now).update(
            status=Delivery.PENDING, last_error=f"{type(error).__name__}: {error}"[:2000]
        )
        raise
    OutboxEvent.objects.filter(pk=event_id, claimed_at=now).update(
        status=Delivery.DELIVERED, delivered_at=timezone.now(), last_error=""
    )
    return list(
        WebhookDelivery.objects.filter(event_id=event_id, status=Delivery.PENDING)
        .values_list("pk", flat=True)
    )


def outbox_sweep(*, now=None):
    """What a crash left behind: events not delivered `sweep_after()` seconds after they were
    written (or whose claim expired), and webhook deliveries overdue by as much, as (event ids,
    webhook delivery ids) for the caller (notifications.tasks) to hand to the workers."""
    now = now or timezone.now()
    overdue = now - timedelta(seconds=sweep_after())
    stale = now - timedelta(seconds=claim_lease())
    events = list(
        OutboxEvent.objects.filter(
            Q(status=Delivery.PENDING, created_at__lt=overdue)
            | Q(status=Delivery.DELIVERING, claimed_at__lt=stale)
        ).order_by("created_at").values_list("pk", flat=True)[:1000]
    )
    webhooks = list(
        WebhookDelivery.objects.filter(
            Q(status=Delivery.PENDING, next_attempt_at__lt=overdue)
            | Q(status=Delivery.DELIVERING, claimed_at__lt=stale)
        ).order_by("next_attempt_at").values_list("pk", flat=True)[:1000]
    )
    return events, webhooks
