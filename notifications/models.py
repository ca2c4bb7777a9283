"""Notifications: what must be told, to whom, by which channel, and what became of it.

- `CaseAlert`: a case came to span state lines into a state. One row per (case, state), ever:
  removing a state and adding it again finds the row and alerts nobody twice.
- `OutboxEvent`: one thing to tell (a state-lines alert, a share, an annotation), written in the
  same transaction as the change. Its `key` is the idempotency key; a task claims the row with
  a conditional UPDATE (healthchecks' Flip rows), so a task run twice delivers once, and the
  beat sweep finds whatever a crash left behind.
- `Notification`: the in-app message, to a fusion center (every user of its active member
  agencies), to an agency, or to one user. `NotificationRead` records who read it.
- `EmailDelivery`: one e-mail of one event to one person, sent once.
- `WebhookEndpoint`: a partner system's URL registered by an agency admin, with its secret;
  `WebhookDelivery` one event to one endpoint, retried with backoff; `WebhookAttempt` every try.
- `Follow`: a user follows a case and hears of its new annotations.
- A task assigned to a person is an `OutboxEvent` to that person alone (in-app and e-mail).

Writing: notifications.services; delivery: notifications.delivery, run by notifications.tasks;
signing: notifications.webhooks; reading: notifications.selectors.

The tables keep the names they were created with (`sharing_*`): the models moved here from the
sharing app without moving a row (migration notifications 0001).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from agencies.models import Agency, FusionCenter
from cases.models import Case, IntelligenceItem
from core.states import STATE_CHOICES

from .sealing import open_sealed, seal


class CaseAlert(models.Model):
    """A state became part of a case that spans state lines; its primary center was alerted."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="state_alerts")
    state = models.CharField(max_length=2, choices=STATE_CHOICES)
    # The state's primary center at the time; None when the state has none, or when it is the
    # lead center itself (who needs no alert about its own case).
    center = models.ForeignKey(
        FusionCenter, on_delete=models.SET_NULL, null=True, blank=True, related_name="case_alerts"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "sharing_casealert"
        constraints = [
            models.UniqueConstraint(fields=["case", "state"], name="one_alert_per_case_and_state"),
        ]

    def __str__(self):
        return f"{self.case_id} spans into {self.state}"


class Delivery(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERING = "delivering", "Being delivered"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


DELIVERY_STATUS_IN = Q(status__in=Delivery.values)


class OutboxEvent(models.Model):
    class Kind(models.TextChoices):
        STATE_LINES = "state_lines", "Case spans state lines"
        SHARED = "shared", "Shared with you"
        ANNOTATED = "annotated", "Annotated"
        ACCOUNTS_DISABLED = "accounts_disabled", "Accounts disabled"
        # 28 CFR 23.20(h): a control official's records due for review (counts only).
        REVIEW_DUE = "review_due", "Criminal intelligence due for review"
        # 23.20(h): a record that reached the agency was corrected, or purged; the control
        # official is told what the automatic purge destroyed.
        CORRECTED = "corrected", "Criminal intelligence corrected"
        PURGED = "purged", "Criminal intelligence purged"
        AUTO_PURGED = "auto_purged", "Overdue records purged automatically"
        # Blind deconfliction: another agency's record links the same subject.
        DECONFLICTION = "deconfliction", "Deconfliction match"
        # An agency asks the owner for access to a record it may not see; the owner's answer.
        ACCESS_REQUESTED = "access_requested", "Access requested"
        ACCESS_ANSWERED = "access_answered", "Access request answered"
        WATCHED = "watched", "A subject you watch was linked"
        # A task on a case was assigned to a person.
        TASK_ASSIGNED = "task_assigned", "Task assigned to you"
        # A request for information's life cycle (work.services, work.tasks).
        RFI_ADDRESSED = "rfi_addressed", "Request for information addressed to you"
        RFI_REMINDER = "rfi_reminder", "Request for information due soon"
        RFI_OVERDUE = "rfi_overdue", "Request for information overdue"
        RFI_ANSWERED = "rfi_answered", "Request for information answered"
        # A referral's life cycle (work.services, work.tasks).
        REFERRED = "referred", "Referred to your agency"
        REFERRAL_ACKED = "referral_acked", "Referral acknowledged"
        REFERRAL_CLOSED = "referral_closed", "Referral closed"
        REFERRAL_WITHDRAWN = "referral_withdrawn", "Referral withdrawn"
        REFERRAL_REMINDER = "referral_reminder", "Referral due soon"
        REFERRAL_OVERDUE = "referral_overdue", "Referral overdue"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    # The idempotency key: "case-alert:<case>:<state>", "share:<share>:<level>", "annotation:<id>",
    # "accounts-<reason>:<agency>:<time of the check>".
    key = models.CharField(max_length=200, unique=True)
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    item = models.ForeignKey(
        IntelligenceItem, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # Who is told: a center (state-lines alert, center-wide share) or an agency (a share).
    center = models.ForeignKey(
        FusionCenter, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Ids and labels the delivery needs (the annotation, the share level): never case content.
    detail = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=12, choices=Delivery.choices, default=Delivery.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        db_table = "sharing_outboxevent"
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["state_lines", "shared", "annotated", "accounts_disabled",
                                      "review_due", "corrected", "purged", "auto_purged",
                                      "deconfliction", "access_requested", "access_answered",
                                      "watched", "task_assigned", "rfi_addressed",
                                      "rfi_reminder", "rfi_overdue", "rfi_answered",
                                      "referred", "referral_acked", "referral_closed",
                                      "referral_withdrawn", "referral_reminder",
                                      "referral_overdue"]),
                name="outbox_kind_valid",
            ),
            models.CheckConstraint(condition=DELIVERY_STATUS_IN, name="outbox_status_valid"),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="outbox_status_age")]

    def __str__(self):
        return f"{self.key} ({self.status})"


class Notification(models.Model):
    """An in-app message to a center's users, an agency's users, or one user.

    `title` and `lines` were composed for that audience: the case title only where the handling
    lets the audience see it, never the summary or the subjects.
    """

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=OutboxEvent.Kind.choices)
    center = models.ForeignKey(
        FusionCenter, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
        related_name="notifications",
    )
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    item = models.ForeignKey(
        IntelligenceItem, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    title = models.CharField(max_length=300)
    lines = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "sharing_notification"
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(center__isnull=False, agency__isnull=True, user__isnull=True)
                    | Q(center__isnull=True, agency__isnull=False, user__isnull=True)
                    | Q(center__isnull=True, agency__isnull=True, user__isnull=False)
                ),
                name="notification_one_audience",
            ),
            # A task run twice finds these and creates nothing.
            models.UniqueConstraint(fields=["event", "center"], name="notification_once_center"),
            models.UniqueConstraint(fields=["event", "agency"], name="notification_once_agency"),
            models.UniqueConstraint(fields=["event", "user"], name="notification_once_user"),
        ]
        indexes = [
            models.Index(fields=["center", "-created_at"], name="notification_center"),
            models.Index(fields=["agency", "-created_at"], name="notification_agency"),
            models.Index(fields=["user", "-created_at"], name="notification_user"),
        ]

    def __str__(self):
        return self.title


class NotificationRead(models.Model):
    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "sharing_notificationread"
        constraints = [
            models.UniqueConstraint(fields=["notification", "user"], name="notification_read_once"),
        ]
        indexes = [models.Index(fields=["user", "notification"], name="notification_read_user")]

    def __str__(self):
        return f"{self.notification_id} read by {self.user_id}"


class EmailDelivery(models.Model):
    """One e-mail of one event to one person (a center admin)."""

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="emails")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    address = models.EmailField()
    status = models.CharField(max_length=12, choices=Delivery.choices, default=Delivery.PENDING)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        db_table = "sharing_emaildelivery"
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="email_once_per_event_and_user"),
            models.CheckConstraint(condition=DELIVERY_STATUS_IN, name="email_status_valid"),
        ]

    def __str__(self):
        return f"E-mail of {self.event_id} to {self.address} ({self.status})"


class WebhookEndpoint(models.Model):
    """A partner system's URL, registered by an agency admin. Deliveries are signed with
    `secret` (HMAC-SHA256, see notifications.webhooks); the secret is shown to the admin when the
    endpoint is created or its secret rotated, in the answer to that request only.

    The database holds the secret only sealed under WEBHOOK_SECRET_KEYS (`sealed_secret`,
    notifications.sealing); `secret` reads and sets it in the clear."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    sealed_secret = models.TextField()
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        db_table = "sharing_webhookendpoint"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["agency", "is_active"], name="webhook_agency_active")]

    def __str__(self):
        return self.url

    @property
    def secret(self):
        return open_sealed(self.sealed_secret)

    @secret.setter
    def secret(self, value):
        self.sealed_secret = seal(value)


class WebhookDelivery(models.Model):
    """One event to one endpoint. `delivery_id` is sent with every attempt (the receiver's
    de-duplication key); retried with exponential backoff until delivered or 24 hours old."""

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="webhooks")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    delivery_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The JSON body, composed once: every retry sends the same bytes.
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=12, choices=Delivery.choices, default=Delivery.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "sharing_webhookdelivery"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="webhook_once_per_event"),
            models.CheckConstraint(condition=DELIVERY_STATUS_IN, name="webhook_status_valid"),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_due"),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_endpoint_log"),
        ]

    def __str__(self):
        return f"Webhook {self.delivery_id} ({self.status})"


class WebhookAttempt(models.Model):
    """Every POST of a delivery, successful or not: the delivery log the agency admin reads."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="log")
    number = models.PositiveIntegerField()
    at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    # None: the attempt never finished (the worker stopped while waiting for the answer).
    duration_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        db_table = "sharing_webhookattempt"
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"Attempt {self.number} of {self.delivery_id}: {self.status_code or self.error}"

    @property
    def succeeded(self):
        return self.status_code is not None and 200 <= self.status_code < 300


class Follow(models.Model):
    """A user follows a case: new annotations on it reach the user's inbox."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="followers")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "sharing_follow"
        constraints = [models.UniqueConstraint(fields=["user", "case"], name="follow_once")]
        indexes = [models.Index(fields=["case", "user"], name="follow_case")]

    def __str__(self):
        return f"{self.user_id} follows {self.case_id}"
