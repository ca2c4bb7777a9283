"""Who may see what, and the record of who did see it.

- `CaseGroupObjectPermission` / `ItemGroupObjectPermission`: django-guardian's per-object
  group permissions with direct foreign keys. One group per agency, one per fusion center
  (center-wide shares) and one for the whole network (CLEAR). The owner's own group has its
  rows here too, so "visible to agency A" is one semi-join on one index, with no OR.
- `Share`: what an agency decided to grant, to whom, at which level. The permission rows are
  derived from shares and ownership by sharing.permissions, and from nothing else.
- `Tombstone`: what stopped being visible to an agency, for the partner systems' sync.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models import Q
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase

from agencies.models import Agency, FusionCenter
from cases.models import Case, IntelligenceItem, SubjectMatch, exactly_one_target
from core.handling import Level


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="group_permissions")
    # The case's updated_at, kept equal by database triggers (migration 0005): a partner's page
    # is then one range scan per visibility group (sharing.permissions.visible_page_ids).
    updated_at = models.DateTimeField(null=True, editable=False)

    class Meta(GroupObjectPermissionBase.Meta):
        abstract = False
        # unique_together (group, permission, content_object) is the visibility index.
        indexes = [
            models.Index(
                fields=["group", "permission", "updated_at", "content_object"],
                name="case_perm_sort_key",
            )
        ]


class ItemGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(
        IntelligenceItem, on_delete=models.CASCADE, related_name="group_permissions"
    )
    # The item's updated_at, kept equal by database triggers (see CaseGroupObjectPermission).
    updated_at = models.DateTimeField(null=True, editable=False)

    class Meta(GroupObjectPermissionBase.Meta):
        abstract = False
        indexes = [
            models.Index(
                fields=["group", "permission", "updated_at", "content_object"],
                name="item_perm_sort_key",
            )
        ]


class Share(models.Model):
    class Target(models.TextChoices):
        AGENCY = "agency", "Agency"
        CENTER = "center", "Every member agency of a fusion center"
        NETWORK = "network", "Every agency in the network"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, null=True, blank=True, related_name="shares")
    item = models.ForeignKey(
        IntelligenceItem, on_delete=models.CASCADE, null=True, blank=True, related_name="shares"
    )
    target = models.CharField(max_length=10, choices=Target.choices)
    target_agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, null=True, blank=True, related_name="received_shares"
    )
    target_center = models.ForeignKey(
        FusionCenter, on_delete=models.CASCADE, null=True, blank=True, related_name="received_shares"
    )
    # The group the permission rows are granted to: the agency's, the center's or the network's.
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(
        choices=[(lv.value, lv.label) for lv in Level if lv != Level.OWNER]
    )
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_by_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="granted_shares")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            exactly_one_target("share_on_case_or_item"),
            models.UniqueConstraint(fields=["case", "group"], name="one_share_per_case_and_group"),
            models.UniqueConstraint(fields=["item", "group"], name="one_share_per_item_and_group"),
            models.CheckConstraint(
                condition=Q(level__gte=Level.VIEW, level__lte=Level.MANAGE), name="share_level_valid"
            ),
            models.CheckConstraint(
                condition=(
                    Q(target="agency", target_agency__isnull=False, target_center__isnull=True)
                    | Q(target="center", target_agency__isnull=True, target_center__isnull=False)
                    | Q(target="network", target_agency__isnull=True, target_center__isnull=True)
                ),
                name="share_target_consistent",
            ),
        ]
        indexes = [
            models.Index(fields=["target_agency"], name="share_target_agency"),
            models.Index(fields=["target_center"], name="share_target_center"),
        ]

    def __str__(self):
        return f"{self.get_level_display()} for {self.recipient_label}"

    @property
    def recipient_label(self):
        if self.target == self.Target.AGENCY:
            return str(self.target_agency)
        if self.target == self.Target.CENTER:
            return f"every member agency of {self.target_center}"
        return "every agency in the network"


class Tombstone(models.Model):
    """An object that stopped being visible to an agency: unshared, deleted, or reachable only
    through a center where the agency's membership was suspended.

    Partner systems read them on /api/v1/changes/ and purge their copies. Written by
    sharing.tombstones, never by hand.
    """

    class Type(models.TextChoices):
        CASE = "case", "Case"
        ITEM = "item", "Intelligence item"
        ANNOTATION = "annotation", "Annotation"
        ENTITY = "entity", "Entity"

    class Reason(models.TextChoices):
        UNSHARED = "unshared", "Share withdrawn"
        DELETED = "deleted", "Deleted"
        MEMBERSHIP_SUSPENDED = "membership_suspended", "Membership suspended"
        MEMBERSHIP_ENDED = "membership_ended", "Membership ended"
        # 28 CFR 23.20(h): the record was purged; a partner destroys its copy.
        PURGED = "purged", "Purged (28 CFR Part 23)"

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    object_type = models.CharField(max_length=12, choices=Type.choices)
    object_id = models.BigIntegerField()
    removed_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=24, choices=Reason.choices)

    class Meta:
        indexes = [
            # The changes feed of one agency, keyset on (removed_at, id).
            models.Index(fields=["agency", "removed_at", "id"], name="tombstone_agency_keyset"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(object_type__in=["case", "item", "annotation", "entity"]),
                name="tombstone_type_valid",
            ),
        ]

    def __str__(self):
        return f"{self.object_type}#{self.object_id} gone for {self.agency_id} ({self.reason})"


class AccessRequest(models.Model):
    """An agency asks the owner of a case or item it may not see for access (cases.access): from
    a deconfliction notice (`match`), or from an alert whose title was withheld. The owner
    grants it (a share within the handling rules, at the level it chooses) or declines it, with
    an answer; both sides are told. The requester never reads
    the object through the request: only the owner agency's name until a share is granted."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        GRANTED = "granted", "Granted"
        DECLINED = "declined", "Declined"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    item = models.ForeignKey(
        IntelligenceItem, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    owner = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    requester = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField()
    class Source(models.TextChoices):
        DECONFLICTION = "deconfliction", "A deconfliction notice"
        ALERT = "alert", "An alert whose title was withheld"

    # Where the requester learnt that the record exists (the match, for a deconfliction).
    source = models.CharField(max_length=16, choices=Source.choices)
    match = models.ForeignKey(
        SubjectMatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    level = models.PositiveSmallIntegerField(
        null=True, blank=True, choices=[(lv.value, lv.label) for lv in Level if lv != Level.OWNER]
    )
    answer = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            exactly_one_target("access_request_on_case_or_item"),
            models.CheckConstraint(condition=Q(status__in=["pending", "granted", "declined"]),
                                   name="access_request_status_valid"),
            models.CheckConstraint(condition=~Q(reason=""), name="access_request_has_reason"),
            # One open request per agency and record.
            models.UniqueConstraint(fields=["requester", "case"], condition=Q(status="pending"),
                                    name="one_pending_request_per_case"),
            models.UniqueConstraint(fields=["requester", "item"], condition=Q(status="pending"),
                                    name="one_pending_request_per_item"),
        ]
        indexes = [
            models.Index(fields=["owner", "status", "-created_at"], name="access_request_owner"),
            models.Index(fields=["requester", "-created_at"], name="access_request_requester"),
        ]

    def __str__(self):
        return f"{self.requester_id} asks {self.owner_id} ({self.status})"

    @property
    def subject(self):
        return self.case if self.case_id else self.item
