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
from cases.models import Case, IntelligenceItem


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


class Referral(models.Model):
    """A tip, an item or a case referred by the agency that may share it to another agency for
    action: the addressee is given view on it (within its handling rules), acknowledges the
    referral and closes it with an outcome by its due date; the referrer, and the center it acts
    for, follow its status (work.services)."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        CLOSED = "closed", "Closed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Outcome(models.TextChoices):
        ACTION_TAKEN = "action_taken", "Action taken"
        NO_ACTION = "no_action", "No action needed"
        DECLINED = "declined", "Declined"
        TRANSFERRED = "transferred", "Transferred to another agency"

    # Still to be done by the addressee: what reminders, escalations and the queues look at.
    PENDING_STATUSES = (Status.OPEN, Status.ACKNOWLEDGED)

    case = models.ForeignKey(Case, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="referrals")
    item = models.ForeignKey(IntelligenceItem, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="referrals")
    from_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    # The center the referrer acts for (one it administers), if any: its admins see the status.
    referring_center = models.ForeignKey(FusionCenter, on_delete=models.PROTECT, null=True,
                                         blank=True, related_name="+")
    to_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField("due")
    instructions = models.TextField(max_length=5000)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    outcome_text = models.TextField("what was done", max_length=5000, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                        null=True, blank=True, related_name="+")
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                  blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # Sent once each (work.tasks.remind_and_escalate): the day before, and once overdue.
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            # A case or an item, exactly one.
            models.CheckConstraint(
                condition=(Q(case__isnull=False) & Q(item__isnull=True))
                | (Q(case__isnull=True) & Q(item__isnull=False)),
                name="referral_one_object"),
            models.CheckConstraint(
                condition=Q(status__in=["open", "acknowledged", "closed", "withdrawn"]),
                name="referral_status_valid"),
            # Closed means closed with an outcome; nothing else has one.
            models.CheckConstraint(
                condition=(Q(status="closed") & Q(outcome__in=[
                    "action_taken", "no_action", "declined", "transferred"]))
                | (~Q(status="closed") & Q(outcome="")),
                name="referral_outcome_when_closed"),
            models.CheckConstraint(condition=~Q(from_agency=models.F("to_agency")),
                                   name="referral_not_to_itself"),
            # One pending referral of an object to an agency (work.services refuses a second).
            models.UniqueConstraint(
                fields=["case", "to_agency"], condition=Q(status__in=["open", "acknowledged"]),
                name="referral_one_pending_case"),
            models.UniqueConstraint(
                fields=["item", "to_agency"], condition=Q(status__in=["open", "acknowledged"]),
                name="referral_one_pending_item"),
        ]
        indexes = [
            # The beat task's sweep: the pending referrals by due date.
            models.Index(fields=["status", "due_date", "id"], name="referral_due"),
            # The queues of the list: to my agency, made by my agency, my center's.
            models.Index(fields=["to_agency", "status", "due_date", "id"],
                         name="referral_to_agency"),
            models.Index(fields=["from_agency", "status", "due_date", "id"],
                         name="referral_from_agency"),
            models.Index(fields=["referring_center", "status", "due_date", "id"],
                         name="referral_center"),
        ]

    def __str__(self):
        return f"Referral {self.pk} ({self.status}) to {self.to_agency_id} due {self.due_date}"

    @property
    def referred(self):
        """The case or item referred."""
        return self.case if self.case_id is not None else self.item

    @property
    def pending(self):
        return self.status in self.PENDING_STATUSES

    def is_overdue(self, today=None):
        today = today or timezone.localdate()
        return self.pending and self.due_date < today


class TriageDeadline(models.Model):
    """How many hours a fusion center gives its member agencies to decide a new tip (accepted,
    referred or closed); a center without a row gives DEFAULT_HOURS."""

    DEFAULT_HOURS = 24

    center = models.OneToOneField(FusionCenter, on_delete=models.CASCADE,
                                  related_name="triage_deadline")
    hours = models.PositiveIntegerField(default=DEFAULT_HOURS)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(hours__gte=1), name="triage_hours_min")]

    def __str__(self):
        return f"{self.center}: tips decided within {self.hours} h"


class TipTriage(models.Model):
    """A tip's way through its agency's triage queue, one row per tip item (kind `tip`).

    The tip is the owner agency's (a tip is information pending review, shared with nobody, 28
    CFR Part 23): its people triage it. It is filed to one of the agency's fusion centers, whose
    deadline sets `due_at` at intake and whose center admins see it on the center's queue, by
    pointer when their own agency does not see the tip. `hints` keeps the records that shared a
    subject with it at intake ({"type": "item"|"case", "id", "subject"}): what a reader is shown
    of them is decided when the page is read (work.selectors.hints_shown)."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        ASSIGNED = "assigned", "Assigned"
        IN_REVIEW = "in_review", "In review"
        ACCEPTED = "accepted", "Accepted"
        REFERRED = "referred", "Referred"
        CLOSED = "closed", "Closed"

    # Still to be decided: what the deadline is measured against.
    OPEN_STATUSES = (Status.NEW, Status.ASSIGNED, Status.IN_REVIEW)

    tip = models.OneToOneField(IntelligenceItem, on_delete=models.CASCADE, related_name="triage")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    center = models.ForeignKey(FusionCenter, on_delete=models.PROTECT, related_name="+",
                               null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+", null=True, blank=True)
    # What the call-taker took down beside the tip's text.
    caller_anonymous = models.BooleanField(default=False)
    caller_name = models.CharField(max_length=200, blank=True)
    caller_phone = models.CharField(max_length=40, blank=True)
    place = models.CharField("where", max_length=300, blank=True)
    occurred_at = models.DateTimeField("when", null=True, blank=True)
    hints = models.JSONField(default=list, blank=True)
    # Whether its subjects' links were deconflicted and their watchers told. A tip taken down by
    # hand is at once (cases.services.entity_link); an imported one after the import commits, by
    # work.tasks.tip_import_deconflict, and by the sweep if that hand-over was lost.
    subjects_told = models.BooleanField(default=True)
    close_reason = models.TextField(blank=True)
    accepted_case = models.ForeignKey("cases.Case", on_delete=models.SET_NULL, related_name="+",
                                      null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    assigned_at = models.DateTimeField(null=True, blank=True)
    review_started_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    # The id a bulk import gave the tip in the agency's own system (work.tip_import): a second
    # import of the same row finds it and creates nothing. Null for a tip taken down by hand.
    # Null, not "": the unique constraint holds for the imported tips only.
    source_id = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001

    class Meta:
        verbose_name = "tip triage"
        constraints = [
            models.UniqueConstraint(fields=["agency", "source_id"],
                                    condition=Q(source_id__isnull=False),
                                    name="tip_triage_source_id_once"),
            models.CheckConstraint(
                condition=Q(status__in=["new", "assigned", "in_review", "accepted", "referred",
                                        "closed"]),
                name="tip_triage_status_valid"),
            models.CheckConstraint(condition=~Q(status="closed") | ~Q(close_reason=""),
                                   name="tip_triage_closed_with_reason"),
            models.CheckConstraint(condition=~Q(status="accepted")
                                   | Q(accepted_case__isnull=False),
                                   name="tip_triage_accepted_on_case"),
        ]
        indexes = [
            # The queues, newest first (keyset on created_at, id).
            models.Index(fields=["agency", "-created_at", "-id"], name="tip_triage_agency"),
            models.Index(fields=["center", "-created_at", "-id"], name="tip_triage_center"),
            models.Index(fields=["status", "due_at"], name="tip_triage_due"),
            # My work: the tips assigned to a person, soonest due first.
            models.Index(fields=["assignee", "status", "due_at"], name="tip_triage_assignee"),
            # The sweep: imported tips whose subjects are still to be told.
            models.Index(fields=["created_at"], condition=Q(subjects_told=False),
                         name="tip_triage_untold"),
        ]

    def __str__(self):
        return f"Tip T-{self.tip_id} ({self.status})"

    @property
    def number(self):
        return f"T-{self.tip_id}"

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES

    def is_overdue(self, now=None):
        return self.is_open and self.due_at < (now or timezone.now())


class TipImportJob(models.Model):
    """One bulk import of tips (work.tip_import), run in the background: the page polls its
    progress (done of total) and then shows its result and its bad rows. The rows wait in
    `rows` until the task reads them, and are cleared once it has."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        REFUSED = "refused", "Refused (bad rows)"
        FAILED = "failed", "Failed"

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    file_name = models.CharField(max_length=200, blank=True)
    good_only = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    already = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    rows = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["agency", "-created_at"], name="tip_import_agency")]

    def __str__(self):
        return f"Tip import {self.pk} ({self.status})"

    @property
    def finished(self):
        return self.status in (self.Status.DONE, self.Status.REFUSED, self.Status.FAILED)

    @property
    def percent(self):
        return 100 if self.finished or not self.total else int(100 * self.done / self.total)
