"""Cases, intelligence items and what hangs off them.

Ownership is a foreign key (`owner`) on both cases and items: it is the truth of who owns
an object. What was shared with other agencies lives in sharing.models.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from agencies.models import STATE_IN, Agency, FusionCenter
from agencies.validators import validate_state
from core.handling import TLP, handling_label
from core.states import STATE_CHOICES, STATES

from . import entities as keys
from . import intelligence as cfr23
from . import sar

TLP_IN = Q(tlp__in=TLP.values)


class Handled(models.Model):
    """An object that carries a handling marking, an owner agency and a version."""

    owner = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    tlp = models.CharField("TLP", max_length=12, choices=TLP.choices, default=TLP.AMBER)
    les = models.BooleanField(
        "LES", default=False, help_text="Law Enforcement Sensitive: law-enforcement use only."
    )
    # Optimistic locking: an update names the version it read; a stale one is refused.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        abstract = True

    @property
    def handling(self):
        return handling_label(self.tlp, self.les)


class Case(Handled):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"
        ARCHIVED = "archived", "Archived"

    owner = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="cases")
    lead_center = models.ForeignKey(FusionCenter, on_delete=models.PROTECT, related_name="led_cases")
    number = models.CharField("case number", max_length=40)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # The owner's choice: when the case comes to span state lines, each newly involved state's
    # primary center also gets view access (a center-wide share, within the handling rules;
    # never for TLP:RED). Otherwise the center is only alerted.
    share_with_involved_centers = models.BooleanField(
        "give involved centers view access", default=False,
        help_text="When the case spans state lines, the fusion center of each newly involved "
                  "state may view it (never for TLP:RED).",
    )

    class Meta:
        permissions = [
            ("annotate_case", "Can annotate case"),
            ("manage_case", "Can share case onward"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["owner", "number"], name="case_number_unique_per_agency"),
            models.CheckConstraint(condition=TLP_IN, name="case_tlp_valid"),
            models.CheckConstraint(
                condition=Q(status__in=["open", "closed", "archived"]), name="case_status_valid"
            ),
            models.CheckConstraint(condition=~Q(number=""), name="case_number_not_empty"),
        ]
        indexes = [
            # Keyset pagination of every case list: newest change first.
            models.Index(fields=["-updated_at", "-id"], name="case_updated_keyset"),
        ]

    def __str__(self):
        return f"{self.number}: {self.title}"

    @property
    def states(self):
        """The distinct states of the jurisdictions (uses a prefetch when there is one)."""
        return sorted({j.state for j in self.jurisdictions.all()})

    @property
    def spans_state_lines(self):
        return len(self.states) >= 2


class Jurisdiction(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="jurisdictions")
    state = models.CharField(max_length=2, choices=STATE_CHOICES, validators=[validate_state])
    county = models.CharField(max_length=100, blank=True)
    city = models.CharField(max_length=100, blank=True)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["state", "county", "city"]
        constraints = [
            models.CheckConstraint(condition=STATE_IN, name="jurisdiction_state_valid"),
            models.UniqueConstraint(
                fields=["case", "state", "county", "city"], name="jurisdiction_unique_per_case"
            ),
        ]
        indexes = [models.Index(fields=["state", "case"], name="jurisdiction_state_case")]

    def __str__(self):
        place = ", ".join(part for part in [self.city, self.county] if part)
        return f"{place}, {self.state}" if place else STATES.get(self.state, self.state)


class IntelligenceItem(Handled):
    class Kind(models.TextChoices):
        TIP = "tip", "Tip or lead"
        SAR = "sar", "Suspicious-activity report"
        RFI = "rfi", "Request for information"
        RFI_RESPONSE = "rfi_response", "Response to an RFI"
        BULLETIN = "bulletin", "Bulletin or product"
        REPORT = "report", "Report"

    # The source agency owns the item.
    owner = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="items")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    case = models.ForeignKey(
        Case, on_delete=models.SET_NULL, related_name="items", null=True, blank=True
    )
    in_response_to = models.ForeignKey(
        "self", on_delete=models.PROTECT, related_name="responses", null=True, blank=True
    )
    review_by = models.DateField(null=True, blank=True)

    # 28 CFR Part 23 (cases/intelligence.py): empty for the kinds not under the rule.
    # Database defaults as well, so that rows written in bulk by SQL (COPY) need not name them.
    intelligence_status = models.CharField(
        "28 CFR Part 23 status", max_length=12, choices=cfr23.Status.choices, blank=True,
        default="", db_default="",
    )
    predicate = models.TextField("criminal predicate", blank=True, default="", db_default="")
    criminal_activity = models.CharField(
        "criminal activity", max_length=30, choices=cfr23.CriminalActivity.choices, blank=True,
        default="", db_default="",
    )
    no_protected_activity = models.BooleanField(
        "no protected views or activities (23.20(b))", default=False, db_default=False
    )
    control_official = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True,
        blank=True,
    )
    sensitivity = models.CharField(
        max_length=20, choices=cfr23.Sensitivity.choices, blank=True, default="", db_default=""
    )
    source_reliability = models.CharField(
        "source reliability", max_length=1, choices=cfr23.SourceReliability.choices, blank=True,
        default="", db_default="",
    )
    content_validity = models.CharField(
        "content validity", max_length=1, choices=cfr23.ContentValidity.choices, blank=True,
        default="", db_default="",
    )
    # The reviewer's decision on information pending review (accept or reject, with a reason).
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True,
        blank=True,
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reason = models.TextField(blank=True, default="", db_default="")
    # When it became criminal intelligence, or was last validated: review_by is at most five
    # years after it (23.20(h)).
    validated_at = models.DateTimeField(null=True, blank=True)
    # 23.20(h): the purge (cases.services.item_purge). `purged_by` is empty when the agency's
    # automatic purge of overdue records did it.
    purged_at = models.DateTimeField(null=True, blank=True)
    purged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True,
        blank=True,
    )
    purge_reason = models.TextField(blank=True, default="", db_default="")

    class Meta:
        permissions = [
            ("annotate_intelligenceitem", "Can annotate intelligence item"),
            ("manage_intelligenceitem", "Can share intelligence item onward"),
        ]
        constraints = [
            models.CheckConstraint(condition=TLP_IN, name="item_tlp_valid"),
            models.CheckConstraint(
                condition=Q(kind__in=["tip", "sar", "rfi", "rfi_response", "bulletin", "report"]),
                name="item_kind_valid",
            ),
            # Only a response to an RFI points at one, and every response does.
            models.CheckConstraint(
                condition=(Q(kind="rfi_response") & Q(in_response_to__isnull=False))
                | (~Q(kind="rfi_response") & Q(in_response_to__isnull=True)),
                name="item_rfi_response_links_rfi",
            ),
            models.CheckConstraint(
                condition=Q(intelligence_status__in=cfr23.Status.values),
                name="item_intelligence_status_valid",
            ),
            # Only the kinds about people are under the rule, and each of them is.
            models.CheckConstraint(
                condition=(Q(kind__in=sorted(cfr23.KINDS_ABOUT_PEOPLE)) & ~Q(intelligence_status=""))
                | (~Q(kind__in=sorted(cfr23.KINDS_ABOUT_PEOPLE)) & Q(intelligence_status="")),
                name="item_intelligence_status_by_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["-updated_at", "-id"], name="item_updated_keyset"),
            models.Index(fields=["case", "-updated_at"], name="item_case"),
            # The review queue and the compliance report: an agency's records by status and date.
            models.Index(
                fields=["owner", "intelligence_status", "review_by"], name="item_cfr23_review"
            ),
            # An agency's purged records, newest first (the review queue's tombstones).
            models.Index(
                fields=["owner", "intelligence_status", "-purged_at"], name="item_cfr23_purged"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.title}"

    @property
    def is_intelligence(self):
        return self.intelligence_status == cfr23.Status.INTELLIGENCE

    @property
    def is_pending_review(self):
        return self.intelligence_status == cfr23.Status.PENDING

    @property
    def predicate_missing(self):
        return self.is_intelligence and not self.predicate

    @property
    def is_purged(self):
        return self.intelligence_status == cfr23.Status.PURGED


class SARBehaviour(models.Model):
    """One behaviour of the ISE-SAR Functional Standard that a suspicious-activity report names
    (cases/sar.py; a SAR names at least one, other kinds none: cases.services checks it).

    A row per report and behaviour rather than a JSON list on the report: "the SARs that report
    Photography" is then a semi-join on the (behaviour, item) B-tree index, the same plan on
    SQLite and PostgreSQL, inside the lists' visibility walk as in the API's. A JSON list would
    need each database's own containment operator (Django offers none on SQLite) and a GIN index
    that only PostgreSQL has; an ArrayField exists on PostgreSQL only."""

    item = models.ForeignKey(IntelligenceItem, on_delete=models.CASCADE,
                             related_name="sar_behaviours")
    behaviour = models.CharField(max_length=sar.MAX_LENGTH, choices=sar.Behaviour.choices)

    class Meta:
        verbose_name = "ISE-SAR behaviour"
        constraints = [
            models.UniqueConstraint(fields=["item", "behaviour"], name="sar_behaviour_once"),
            models.CheckConstraint(condition=Q(behaviour__in=sar.Behaviour.values),
                                   name="sar_behaviour_valid"),
        ]
        indexes = [models.Index(fields=["behaviour", "item"], name="sar_behaviour_item")]

    def __str__(self):
        return f"{self.get_behaviour_display()} on item {self.item_id}"


class ItemCorrection(models.Model):
    """28 CFR 23.20(h): a change to disseminated criminal intelligence, of which every agency it
    reached was told (cases.services.item_update). Names the fields, never their text."""

    item = models.ForeignKey(IntelligenceItem, on_delete=models.CASCADE, related_name="corrections")
    version = models.PositiveIntegerField(help_text="The item's version after the change.")
    fields = models.JSONField(default=list)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    agencies_told = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "version"], name="item_correction_once"),
        ]
        indexes = [models.Index(fields=["item", "-at"], name="item_correction_item")]

    def __str__(self):
        return f"Correction of item {self.item_id} to version {self.version}"


class Entity(models.Model):
    """A subject, recognised across agencies by its normalised key."""

    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        VEHICLE = "vehicle", "Vehicle (plate)"
        VIN = "vin", "Vehicle (VIN)"
        PHONE = "phone", "Phone number"
        EMAIL = "email", "E-mail address"
        ADDRESS = "address", "Address"
        ORGANISATION = "organisation", "Organisation"
        ACCOUNT = "account", "Online account"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=300, help_text="The normalised match key.")
    # As first entered, by whichever agency linked it first: shown to nobody else, since another
    # agency holding the same subject must not read what the first one typed (each link keeps
    # its own label).
    label = models.CharField(max_length=300, help_text="As first entered.")
    created_at = models.DateTimeField(default=timezone.now)
    cases = models.ManyToManyField(Case, through="CaseEntity", related_name="entities")
    items = models.ManyToManyField(IntelligenceItem, through="ItemEntity", related_name="entities")

    class Meta:
        verbose_name_plural = "entities"
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="entity_key_unique"),
            models.CheckConstraint(condition=~Q(key=""), name="entity_key_not_empty"),
        ]
        indexes = [models.Index(fields=["key"], name="entity_key")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.label}"

    @staticmethod
    def normalise(kind, **values):
        """The match key for what was typed; raises ValidationError naming the problem."""
        match kind:
            case Entity.Kind.PERSON:
                return keys.person_key(values.get("name"), values.get("dob"))
            case Entity.Kind.VEHICLE:
                return keys.plate_key(values.get("plate"), values.get("state"))
            case Entity.Kind.VIN:
                return keys.vin_key(values.get("vin"))
            case Entity.Kind.PHONE:
                return keys.phone_key(values.get("number"))
            case Entity.Kind.EMAIL:
                return keys.email_key(values.get("address"))
            case Entity.Kind.ADDRESS | Entity.Kind.ORGANISATION:
                return keys.text_key(values.get("text"))
            case Entity.Kind.ACCOUNT:
                return keys.account_key(values.get("platform"), values.get("handle"))
        raise ValueError(f"unknown entity kind {kind!r}")


class CaseEntity(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="subject_links")
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="case_links")
    role = models.CharField(max_length=60, blank=True, help_text="e.g. suspect, victim, vehicle used")
    # What this agency typed: another agency that holds the same subject never reads it.
    label = models.CharField(max_length=300, help_text="As entered by the agency that linked it.")
    linked_at = models.DateTimeField(default=timezone.now)
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "entity"], name="case_entity_once"),
        ]
        indexes = [models.Index(fields=["entity", "case"], name="case_entity_by_entity")]

    def __str__(self):
        return f"{self.entity.get_kind_display()}: {self.label} on {self.case}"


class ItemEntity(models.Model):
    item = models.ForeignKey(IntelligenceItem, on_delete=models.CASCADE, related_name="subject_links")
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="item_links")
    role = models.CharField(max_length=60, blank=True)
    # What this agency typed: another agency that holds the same subject never reads it.
    label = models.CharField(max_length=300, help_text="As entered by the agency that linked it.")
    linked_at = models.DateTimeField(default=timezone.now)
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "entity"], name="item_entity_once"),
        ]
        indexes = [models.Index(fields=["entity", "item"], name="item_entity_by_entity")]

    def __str__(self):
        return f"{self.entity.get_kind_display()}: {self.label} on {self.item}"


class SubjectMatch(models.Model):
    """Blind deconfliction: an agency linked a subject that a case or item it may not see already
    links (cases.services.entity_link). One row per subject and pair of objects, ever: the
    notices it caused are never repeated. `kind` is an exact match of the normalised key, or a
    possible match (a person of the same date of birth whose name is close, with its score),
    of which the holder alone is told."""

    class Kind(models.TextChoices):
        MATCH = "match", "Match"
        POSSIBLE = "possible", "Possible match"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    # The subject as the new link names it, and as the record that held it names it (the same
    # entity for a match; for a possible match, the close one).
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="+")
    held_entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="+")
    # The object just linked, by its agency.
    new_case = models.ForeignKey(Case, on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="+")
    new_item = models.ForeignKey(IntelligenceItem, on_delete=models.CASCADE, null=True,
                                 blank=True, related_name="+")
    new_agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    # The object that already held it, which the new agency could not see.
    held_case = models.ForeignKey(Case, on_delete=models.CASCADE, null=True, blank=True,
                                  related_name="+")
    held_item = models.ForeignKey(IntelligenceItem, on_delete=models.CASCADE, null=True,
                                  blank=True, related_name="+")
    held_agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(null=True, blank=True, help_text="Name similarity, 0-100.")
    # "<subject>:<object>:<object>", the pair in a fixed order: the same pair linked the other
    # way round is the same match.
    key = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["match", "possible"]),
                                   name="subject_match_kind_valid"),
            models.CheckConstraint(
                condition=(Q(new_case__isnull=False) & Q(new_item__isnull=True))
                | (Q(new_case__isnull=True) & Q(new_item__isnull=False)),
                name="subject_match_one_new_object",
            ),
            models.CheckConstraint(
                condition=(Q(held_case__isnull=False) & Q(held_item__isnull=True))
                | (Q(held_case__isnull=True) & Q(held_item__isnull=False)),
                name="subject_match_one_held_object",
            ),
        ]
        indexes = [models.Index(fields=["held_agency", "-created_at"], name="subject_match_held")]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.entity_id} ({self.key})"

    @property
    def new_object(self):
        return self.new_case if self.new_case_id else self.new_item

    @property
    def held_object(self):
        return self.held_case if self.held_case_id else self.held_item


class SubjectWatch(models.Model):
    """A user watches a subject by its normalised key, whether or not the portal holds it yet;
    when any agency links it later, the user is told under the blind rules of deconfliction
    (cases.services.deconflict). `label` is what the user typed."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="subject_watches")
    kind = models.CharField(max_length=20, choices=Entity.Kind.choices)
    key = models.CharField(max_length=300)
    label = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "key"], name="one_watch_per_key"),
        ]
        # A link looks up the watches of its key: one index lookup at the write.
        indexes = [models.Index(fields=["kind", "key"], name="subject_watch_key")]

    def __str__(self):
        return f"{self.user_id} watches {self.kind} {self.label}"


class WatchNotice(models.Model):
    """A watcher was told that a record links the subject: once per watch and record."""

    watch = models.ForeignKey(SubjectWatch, on_delete=models.CASCADE, related_name="notices")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    item = models.ForeignKey(IntelligenceItem, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="+")
    key = models.CharField(max_length=60, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.key


class TimelineEvent(models.Model):
    """One thing that happened on a case: a fact of the investigation or a change in the portal."""

    class Kind(models.TextChoices):
        EVENT = "event", "Event"
        CREATED = "created", "Case opened"
        UPDATED = "updated", "Case changed"
        JURISDICTION = "jurisdiction", "Jurisdiction"
        SUBJECT = "subject", "Subject linked"
        SHARED = "shared", "Shared"
        UNSHARED = "unshared", "Share withdrawn"
        ATTACHMENT = "attachment", "Attachment"
        ITEM = "item", "Intelligence item"
        TASK_ADDED = "task_added", "Task added"
        TASK_ASSIGNED = "task_assigned", "Task assigned"
        TASK_DONE = "task_done", "Task done"
        TASK_CHANGED = "task_changed", "Task changed"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="timeline")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    occurred_at = models.DateTimeField(default=timezone.now)
    summary = models.CharField(max_length=500)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", null=True, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["case", "-occurred_at", "-id"], name="timeline_case_keyset")]

    def __str__(self):
        return self.summary


class CaseTask(models.Model):
    """Work to do on a case: what, who does it, by when, and how far it is.

    Anyone whose agency may annotate the case adds, assigns and closes its tasks, and the
    assignee is an active person of an agency that may annotate it (cases.services.task_add,
    task_update). A task is its case's: it is read through the case (every agency that sees the
    case sees its tasks, and none other), and it goes when the case goes."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"

    # Not done yet: what a case page and a person's own list show.
    OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS)

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=200)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assigned_tasks",
        null=True, blank=True,
    )
    due_date = models.DateField("due", null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    # Who added it, and for which agency.
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Optimistic locking, as cases and items: a change names the version it read.
    version = models.PositiveIntegerField(default=1)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="+", null=True, blank=True)

    class Meta:
        verbose_name = "task"
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["open", "in_progress", "done"]),
                                   name="task_status_valid"),
            models.CheckConstraint(condition=~Q(title=""), name="task_title_not_empty"),
            # Done, and when: together or not at all.
            models.CheckConstraint(
                condition=(Q(status="done") & Q(done_at__isnull=False))
                | (~Q(status="done") & Q(done_at__isnull=True)),
                name="task_done_when_done",
            ),
        ]
        indexes = [
            # A case's tasks by status and due date (the case page's card, its task list).
            models.Index(fields=["case", "status", "due_date", "id"], name="task_case"),
            # A person's own tasks by status and due date ("My tasks", the dashboard).
            models.Index(fields=["assignee", "status", "due_date", "id"], name="task_assignee"),
            # The partner API's keyset: oldest change first.
            models.Index(fields=["updated_at", "id"], name="task_updated_keyset"),
        ]

    def __str__(self):
        return f"Task {self.pk} on case {self.case_id}: {self.title}"

    @property
    def is_done(self):
        return self.status == self.Status.DONE


class OnCaseOrItem(models.Model):
    """Something attached to exactly one case or one intelligence item."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    item = models.ForeignKey(
        IntelligenceItem, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True

    @property
    def subject(self):
        return self.case if self.case_id else self.item


def exactly_one_target(name):
    return models.CheckConstraint(
        condition=(Q(case__isnull=False) & Q(item__isnull=True))
        | (Q(case__isnull=True) & Q(item__isnull=False)),
        name=name,
    )


class Annotation(OnCaseOrItem):
    """An analyst's note. Edits keep every earlier text in AnnotationRevision."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, null=True, blank=True, related_name="annotations"
    )
    item = models.ForeignKey(
        IntelligenceItem, on_delete=models.CASCADE, null=True, blank=True, related_name="annotations"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            exactly_one_target("annotation_on_case_or_item"),
            models.CheckConstraint(condition=~Q(body=""), name="annotation_not_empty"),
        ]
        indexes = [
            models.Index(fields=["case", "created_at", "id"], name="annotation_case"),
            models.Index(fields=["item", "created_at", "id"], name="annotation_item"),
            models.Index(fields=["-updated_at", "-id"], name="annotation_updated_keyset"),
        ]

    def __str__(self):
        return f"Annotation by {self.author} on {self.subject}"

    @property
    def edited(self):
        return self.version > 1


class AnnotationRevision(models.Model):
    """An earlier text of an annotation, kept when it was edited."""

    annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    body = models.TextField()
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField()

    class Meta:
        ordering = ["annotation", "version"]
        constraints = [
            models.UniqueConstraint(fields=["annotation", "version"], name="annotation_revision_once")
        ]

    def __str__(self):
        return f"Version {self.version} of annotation {self.annotation_id}"


def attachment_path(instance, filename):
    # The stored name carries no part of the uploaded name: nothing to traverse, nothing to guess.
    return f"{instance.sha256[:2]}/{instance.sha256}-{timezone.now():%Y%m%d%H%M%S%f}"


class Attachment(OnCaseOrItem):
    """A file on a case or item, kept outside the public folders and served after a check."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    item = models.ForeignKey(
        IntelligenceItem, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=200)
    filename = models.CharField(max_length=255, help_text="The name it was uploaded under.")
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            exactly_one_target("attachment_on_case_or_item"),
            models.CheckConstraint(condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="attachment_sha256"),
        ]
        indexes = [
            models.Index(fields=["case", "uploaded_at"], name="attachment_case"),
            models.Index(fields=["item", "uploaded_at"], name="attachment_item"),
        ]

    def __str__(self):
        return self.filename


class Dissemination(models.Model):
    """28 CFR 23.20(g): one release of a criminal intelligence record outside its agency, with
    its recipient, reason and date. Written by the service that releases it (a share, a
    partner's API pull); read and exported by the owner agency (its control official among
    them). Kept after the record is purged: it says whom to tell."""

    class Channel(models.TextChoices):
        SHARE = "share", "Share"
        API = "api", "API pull"
        EXPORT = "export", "Export"
        NOTIFICATION = "notification", "Notification with content"

    item = models.ForeignKey(IntelligenceItem, on_delete=models.CASCADE, related_name="disseminations")
    at = models.DateTimeField(default=timezone.now)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    # The agency or center it went to (the network: neither), and its name as it was then.
    recipient_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recipient_center = models.ForeignKey(
        FusionCenter, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recipient_label = models.CharField(max_length=300)
    reason = models.TextField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=["share", "api", "export", "notification"]),
                name="dissemination_channel_valid",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="dissemination_has_reason"),
        ]
        indexes = [
            models.Index(fields=["item", "-at", "-id"], name="dissemination_item"),
            models.Index(fields=["recipient_agency", "at"], name="dissemination_recipient"),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} of item {self.item_id} to {self.recipient_label}"


class Export(models.Model):
    """One PDF export of a case, an item or a product: a dissemination outside the portal, with
    who made it, for which agency, when, and the version it held (cases.exports writes it with
    the access-log row of the download, once the PDF is laid out)."""

    class Kind(models.TextChoices):
        CASE = "case", "Case"
        ITEM = "item", "Intelligence item"
        PRODUCT = "product", "Finished product"

    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    item = models.ForeignKey(
        IntelligenceItem, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    # The version given: its overall marking ("TLP:AMBER · LES"); of a product, the portions
    # held and those withheld with the notice that stood in their place; of a case, the items
    # and notes it held and how many were left out.
    marking = models.CharField(max_length=40)
    held = models.JSONField(default=list, blank=True)
    withheld = models.JSONField(default=list, blank=True)
    contents = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            exactly_one_target("export_of_case_or_item"),
            models.CheckConstraint(condition=Q(kind__in=["case", "item", "product"]),
                                   name="export_kind_valid"),
        ]
        indexes = [
            models.Index(fields=["case", "-at"], name="export_case"),
            models.Index(fields=["item", "-at"], name="export_item"),
            models.Index(fields=["agency", "-at"], name="export_agency"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} export #{self.pk} to {self.agency_id}"
