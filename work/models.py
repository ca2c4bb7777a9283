"""The life cycle of a request for information.

An RFI is an intelligence item of kind `rfi` (cases.models.IntelligenceItem), owned by the agency
that asks. Its RfiRequest says to whom it is addressed (one agency, or a whole fusion center whose
member analysts may each take it), by when, how far it is, and who took it. A response is an item
of kind `rfi_response` pointing at the RFI; writing one answers the request (work.signals)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from agencies.models import Agency, FusionCenter
from cases.models import IntelligenceItem


class RfiRequest(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        ANSWERED = "answered", "Answered"
        CLOSED = "closed", "Closed"

    # Still to be answered: what reminders, escalations and My work look at.
    PENDING_STATUSES = (Status.OPEN, Status.ACKNOWLEDGED)

    rfi = models.OneToOneField(IntelligenceItem, on_delete=models.CASCADE, related_name="request")
    addressed_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    addressed_center = models.ForeignKey(
        FusionCenter, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    due_date = models.DateField("due")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True,
        blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Sent once each (work.tasks.remind_and_escalate): the day before, and once overdue.
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # How many times it was reopened: a reopened request is reminded and escalated anew.
    cycle = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "request for information"
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "acknowledged", "answered", "closed"]),
                name="rfi_request_status_valid"),
            # Addressed to one agency or to one center, never both, never none.
            models.CheckConstraint(
                condition=(Q(addressed_agency__isnull=False) & Q(addressed_center__isnull=True))
                | (Q(addressed_agency__isnull=True) & Q(addressed_center__isnull=False)),
                name="rfi_request_addressed_once"),
        ]
        indexes = [
            # The beat task's sweep and My work: the pending requests by due date.
            models.Index(fields=["status", "due_date", "id"], name="rfi_request_due"),
            models.Index(fields=["addressed_agency", "status", "due_date"],
                         name="rfi_request_agency"),
            models.Index(fields=["addressed_center", "status", "due_date"],
                         name="rfi_request_center"),
        ]

    def __str__(self):
        return f"RFI request {self.pk} ({self.status}) due {self.due_date}"

    @property
    def addressee(self):
        return self.addressed_agency or self.addressed_center

    def is_overdue(self, today=None):
        today = today or timezone.localdate()
        return self.status in self.PENDING_STATUSES and self.due_date < today
