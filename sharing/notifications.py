"""Notifications: what is told, to whom, and how it reaches them.

Writing (called inside the transaction of the change that causes it):
- `case_states_changed`: a case was opened, or a place in a state new to it was added. When
  the case spans state lines, each state not alerted before gets one CaseAlert row and, unless
  its primary center leads the case, one outbox event for that center; when the owner chose
  so, that center is also given view access (never for TLP:RED).
- `share_granted`: a case or item was shared with an agency or a center.
- `annotation_added`: a case was annotated; its followers are told.

Each writes an OutboxEvent row in the caller's transaction and enqueues its delivery with
transaction.on_commit. `event_deliver` (run by the Celery task) claims the row with a
conditional UPDATE, composes the message for its audience, and writes the in-app
notification, the e-mails and the webhook deliveries, each unique per event and recipient:
a task run twice, or a worker killed half-way and the event swept again, delivers once.

Reading: `inbox_queryset`, `unread_count`, `inbox_page`, `queue_stats`.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Min, Q
from django.utils import timezone

from agencies.models import CenterAdmin, FusionCenter, Membership, User
from cases.models import Case

from .handling import TLP, Level, handling_label
from .models import (
    CaseAlert,
    EmailDelivery,
    Follow,
    Notification,
    NotificationRead,
    OutboxEvent,
    Share,
    WebhookDelivery,
    WebhookEndpoint,
)
from .notifications_models import Delivery
from .permissions import PERMISSION_MODELS, _codename, cases_visible_to, level_of

logger = logging.getLogger(__name__)

Kind = OutboxEvent.Kind


def sweep_after():
    """Seconds after which an undelivered event (or an expired claim) is swept again."""
    return getattr(settings, "NOTIFICATION_SWEEP_AFTER", 60)


def claim_lease():
    """Seconds a claim holds: a task still running after this is presumed dead."""
    return getattr(settings, "NOTIFICATION_CLAIM_LEASE", 60)


# Writing events ---------------------------------------------------------------------------------


def _enqueue_event(event_id):
    """Hand the event to a worker. Called after commit; if the broker is down the event stays
    pending and the beat sweep delivers it (nothing is lost between commit and enqueue)."""
    from .tasks import deliver_event

    try:
        deliver_event.apply_async(args=[event_id], retry=False)
    except Exception:  # the broker unreachable, or (in process) a delivery error
        logger.exception("Notification event %s not handed over now; the sweep will", event_id)


def _record_event(**fields):
    """Write one outbox row in the current transaction (nothing if its key exists) and enqueue
    its delivery on commit. Returns the row, or None when the key was already used."""
    try:
        with transaction.atomic():
            event = OutboxEvent.objects.create(**fields)
    except IntegrityError:
        return None
    transaction.on_commit(lambda: _enqueue_event(event.pk))
    return event


def _center_sees(center, obj):
    """Whether the center's group holds view on obj (a center-wide share, or the network's)."""
    from .permissions import network_group

    model = type(obj)
    return PERMISSION_MODELS[model].objects.filter(
        content_object=obj,
        group_id__in=[center.group_id, network_group().id],
        permission__codename=_codename(model, Level.VIEW),
    ).exists()


def _auto_share(case, center, by):
    """The owner chose to give involved centers view access: a center-wide view share, within
    the handling rules (never for TLP:RED), unless the center already holds a share."""
    from .permissions import ShareRefused
    from .services import share

    if case.tlp == TLP.RED:
        return None
    if Share.objects.filter(case=case, group_id=center.group_id).exists():
        return None
    # The share is the owner's decision: made by the actor if it may share, else in the name of
    # the owner agency's user who opened the case.
    sharer = by
    held = level_of(by, case)
    if held is None or held < Level.MANAGE:
        sharer = case.created_by
        if sharer is None or sharer.agency_id != case.owner_id:
            return None
    try:
        return share(
            obj=case, by=sharer, level=Level.VIEW, target=Share.Target.CENTER, center=center,
            notify=False,
        )
    except ShareRefused as refusal:
        logger.info("No automatic share of case %s with %s: %s", case.pk, center, refusal)
        return None


def case_opened(*, case, by):
    """A case was opened: its author follows it, and it may already span state lines."""
    Follow.objects.get_or_create(user=by, case=case)
    return case_states_changed(case=case, by=by)


def case_states_changed(*, case, by):
    """A case was opened or a state was added to it. If it spans state lines, alert the primary
    center of every state not alerted before (other than the lead center). Returns the events.

    Call inside the transaction of the change. Idempotent: one CaseAlert per (case, state) ever,
    so removing a state and adding it again alerts nobody twice.
    """
    states = sorted(set(case.jurisdictions.values_list("state", flat=True)))
    if len(states) < 2:
        return []
    known = set(CaseAlert.objects.filter(case=case).values_list("state", flat=True))
    new_states = [state for state in states if state not in known]
    if not new_states:
        return []
    primaries = {
        center.state: center
        for center in FusionCenter.objects.filter(
            kind=FusionCenter.Kind.PRIMARY, state__in=new_states
        )
    }
    events = []
    for state in new_states:
        center = primaries.get(state)
        if center is not None and center.pk == case.lead_center_id:
            center = None
        try:
            with transaction.atomic():
                CaseAlert.objects.create(case=case, state=state, center=center)
        except IntegrityError:  # a concurrent change alerted this state first
            continue
        if center is None:
            continue
        if case.share_with_involved_centers:
            _auto_share(case, center, by)
        event = _record_event(
            kind=Kind.STATE_LINES, key=f"case-alert:{case.pk}:{state}", case=case, center=center,
            actor=by, detail={"state": state, "states": states},
        )
        if event is not None:
            events.append(event)
    return events


def share_granted(*, share_record, by, level_before):
    """Tell the agency or center a case or item was shared with (or its level raised).
    Network-wide shares tell nobody: everyone would be told."""
    if share_record.target == Share.Target.NETWORK:
        return None
    if level_before is not None and share_record.level <= level_before:
        return None
    return _record_event(
        kind=Kind.SHARED,
        key=f"share:{share_record.pk}:{share_record.level}",
        case_id=share_record.case_id,
        item_id=share_record.item_id,
        center_id=share_record.target_center_id,
        agency_id=share_record.target_agency_id,
        actor=by,
        detail={"level": share_record.level, "by_agency": by.agency.name},
    )


def annotation_added(*, annotation, by):
    """Tell the followers of a case that it was annotated. The author follows it from now on."""
    if annotation.case_id is None:
        return None
    Follow.objects.get_or_create(user=by, case_id=annotation.case_id)
    if not Follow.objects.filter(case_id=annotation.case_id).exclude(user=by).exists():
        return None
    return _record_event(
        kind=Kind.ANNOTATED, key=f"annotation:{annotation.pk}", case_id=annotation.case_id,
        actor=by, detail={"annotation_id": annotation.pk, "by_agency": by.agency.name},
    )


@transaction.atomic
def follow_set(*, user, case, following):
    """Follow a case (the user's agency must see it) or stop following it."""
    from .permissions import require_level

    require_level(user, case, Level.VIEW)
    if following:
        Follow.objects.get_or_create(user=user, case=case)
    else:
        Follow.objects.filter(user=user, case=case).delete()
    return following


# Composing what an audience may read -----------------------------------------------------------


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


# Delivering ------------------------------------------------------------------------------------


def _claim(model, pk, *, now, extra=None):
    """Take a row for delivery with one conditional UPDATE: pending, or claimed by a task whose
    lease ran out (a worker that died). Returns True for exactly one of two racing tasks."""
    stale = now - timedelta(seconds=claim_lease())
    free = Q(status=Delivery.PENDING) | Q(status=Delivery.DELIVERING, claimed_at__lt=stale)
    rows = model.objects.filter(free, pk=pk, **(extra or {}))
    changes = {"status": Delivery.DELIVERING, "claimed_at": now}
    if hasattr(model, "attempts"):
        changes["attempts"] = F("attempts") + 1
    return rows.update(**changes) == 1


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
        if not _claim(EmailDelivery, email.pk, now=now):
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
    if not _claim(OutboxEvent, event_id, now=now):
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
    written (or whose claim expired), and webhook deliveries overdue by as much. Returns the
    ids handed to the workers as (event ids, webhook delivery ids)."""
    from .tasks import deliver_event, deliver_webhook

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
    for event_id in events:
        deliver_event.delay(event_id)
    for delivery_id in webhooks:
        deliver_webhook.delay(delivery_id)
    return events, webhooks


# Reading: the inbox ----------------------------------------------------------------------------


def inbox_queryset(user):
    """The notifications addressed to the user, the user's agency, or a center where the agency
    is an active member. Nothing for a user outside every agency."""
    if getattr(user, "agency_id", None) is None:
        return Notification.objects.none()
    centers = Membership.objects.filter(
        agency_id=user.agency_id, status=Membership.Status.ACTIVE
    ).values("center_id")
    return Notification.objects.filter(
        Q(center_id__in=centers) | Q(agency_id=user.agency_id) | Q(user_id=user.pk)
    )


def unread_count(user):
    """One query."""
    return inbox_queryset(user).exclude(reads__user=user).count()


INBOX_PAGE = 50


def inbox_page(user, *, before=None, size=INBOX_PAGE):
    """A page of the inbox, newest first (keyset on id), with `is_read` and `case_visible` on each
    row. Three queries whatever the page holds: the page, its reads, the visible cases."""
    rows = inbox_queryset(user).select_related("center", "agency").order_by("-id")
    if before is not None:
        rows = rows.filter(id__lt=before)
    rows = list(rows[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    ids = [row.pk for row in rows]
    read = set(
        NotificationRead.objects.filter(user=user, notification_id__in=ids)
        .values_list("notification_id", flat=True)
    )
    case_ids = {row.case_id for row in rows if row.case_id}
    visible = set(
        cases_visible_to(user).filter(pk__in=case_ids).values_list("pk", flat=True)
    ) if case_ids else set()
    for row in rows:
        row.is_read = row.pk in read
        row.case_visible = row.case_id in visible
    return rows, (rows[-1].pk if more and rows else None)


@transaction.atomic
def notification_mark_read(*, user, notification_ids=None):
    """Mark some (or, with None, all) of the user's notifications read. Ids outside the user's
    inbox are ignored as if they did not exist. Returns how many were newly marked."""
    unread = inbox_queryset(user).exclude(reads__user=user)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    ids = list(unread.values_list("pk", flat=True))
    NotificationRead.objects.bulk_create(
        [NotificationRead(notification_id=pk, user=user) for pk in ids], ignore_conflicts=True
    )
    return len(ids)


# The queue, for operators ----------------------------------------------------------------------


def queue_stats(*, now=None):
    """Counts by status of events, e-mails and webhook deliveries, and the oldest pending."""
    now = now or timezone.now()
    stats = {}
    for name, model, stamp in (
        ("events", OutboxEvent, "created_at"),
        ("emails", EmailDelivery, "event__created_at"),
        ("webhooks", WebhookDelivery, "created_at"),
    ):
        counts = dict(model.objects.values_list("status").annotate(n=Count("pk")).order_by())
        oldest = model.objects.filter(
            status__in=[Delivery.PENDING, Delivery.DELIVERING]
        ).aggregate(oldest=Min(stamp))["oldest"]
        stats[name] = {
            **{status: counts.get(status, 0) for status in Delivery.values},
            "oldest_pending_age": (now - oldest).total_seconds() if oldest else None,
        }
    return stats

