"""Fusion centers, agencies, their memberships and the people who work in them."""

from datetime import timedelta

from django.contrib.auth.models import AbstractUser, Group
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone
from django_otp.models import Device, TimestampMixin

from core.states import STATE_CHOICES, STATE_CODES
from core.zones import TIME_ZONES

from .validators import validate_ori, validate_state

# The ORI check at database level: a real state code, then 7 letters or digits.
ORI_DB_REGEX = r"^(" + "|".join(sorted(STATE_CODES)) + r")[A-Z0-9]{7}$"
STATE_IN = Q(state__in=sorted(STATE_CODES))


class FusionCenter(models.Model):
    class Kind(models.TextChoices):
        PRIMARY = "primary", "Primary (state)"
        RECOGNIZED = "recognized", "Recognized (major urban area)"

    name = models.CharField(max_length=200, unique=True)
    # Not unique: Kansas and Kentucky are both KIFC, Maine and Missouri both MIAC.
    short_name = models.CharField(max_length=30, blank=True)
    state = models.CharField(max_length=2, choices=STATE_CHOICES, validators=[validate_state])
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.PRIMARY)
    # The group that a center-wide share is granted to (see sharing.permissions).
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="fusion_center")

    class Meta:
        ordering = ["state", "name"]
        constraints = [
            models.CheckConstraint(condition=STATE_IN, name="center_state_valid"),
            # Each state's primary center receives that state's cross-center alerts: one only.
            models.UniqueConstraint(
                fields=["state"], condition=Q(kind="primary"), name="one_primary_center_per_state"
            ),
        ]

    def __str__(self):
        return f"{self.short_name or self.name} ({self.state})"

    def save(self, *args, **kwargs):
        # Every center has its group from birth: center-wide shares are granted to it.
        if self.group_id is None:
            self.group = Group.objects.create(name=f"center:{self.state}:{self.name}"[:150])
        super().save(*args, **kwargs)

    @property
    def label(self):
        return self.short_name or self.name


class Agency(models.Model):
    class Level(models.TextChoices):
        FEDERAL = "federal", "Federal"
        STATE = "state", "State"
        LOCAL = "local", "Local"
        TRIBAL = "tribal", "Tribal"

    name = models.CharField(max_length=200)
    ori = models.CharField(
        "ORI", max_length=9, unique=True, validators=[validate_ori],
        help_text="NCIC Originating Agency Identifier: state code + 7 letters or digits.",
    )
    level = models.CharField(max_length=10, choices=Level.choices)
    # 28 CFR 23.20(e): criminal intelligence goes to law-enforcement agencies only. A flag, not a
    # level: a state or local partner (a transit authority, a public-health department, a
    # private-sector partner admitted by a center) has a level but is not law enforcement.
    law_enforcement = models.BooleanField(
        "law enforcement", default=True, db_default=True,
        help_text="A law-enforcement agency; criminal intelligence is disseminated to these only.",
    )
    # A foreign partner (INTERPOL, EUROPOL, an allied center): LES and criminal intelligence
    # never reach it, unless a portion of a finished product is released to it by name.
    foreign_partner = models.BooleanField(
        "foreign partner", default=False, db_default=False,
        help_text="A foreign partner: LES and criminal intelligence never reach it, unless a "
                  "product's portion is released to it (REL TO).",
    )
    # 28 CFR 23.20(h): nothing is purged without a person's decision unless the agency chose
    # this; the daily task then purges its overdue criminal intelligence and says so.
    auto_purge_overdue = models.BooleanField(
        "purge overdue records automatically", default=False, db_default=False,
        help_text="The daily review task purges criminal intelligence whose review is overdue, "
                  "and tells its control official.",
    )
    home_state = models.CharField(max_length=2, choices=STATE_CHOICES, validators=[validate_state])
    contact_name = models.CharField("point of contact", max_length=200, blank=True)
    contact_email = models.EmailField("point of contact e-mail", blank=True)
    contact_phone = models.CharField("point of contact phone", max_length=40, blank=True)
    # The agency's own group: what is shared with the agency is granted to it.
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="agency")
    centers = models.ManyToManyField(FusionCenter, through="Membership", related_name="agencies")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"
        constraints = [
            models.CheckConstraint(condition=Q(ori__regex=ORI_DB_REGEX), name="agency_ori_valid"),
            models.CheckConstraint(
                condition=Q(home_state__in=sorted(STATE_CODES)), name="agency_home_state_valid"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.ori})"

    def save(self, *args, **kwargs):
        # Every agency has its group from birth: what is shared with it is granted to it.
        if self.group_id is None:
            self.group = Group.objects.create(name=f"agency:{self.ori}")
        super().save(*args, **kwargs)


class Membership(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"

    center = models.ForeignKey(FusionCenter, on_delete=models.CASCADE, related_name="memberships")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="memberships")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    since = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["center", "agency"], name="one_membership_per_center"),
            models.CheckConstraint(
                condition=Q(status__in=["active", "suspended"]), name="membership_status_valid"
            ),
        ]
        # The visibility selector reads an agency's active memberships on every request.
        indexes = [models.Index(fields=["agency", "status"], name="membership_agency_status")]

    def __str__(self):
        return f"{self.agency} in {self.center} ({self.status})"


class User(AbstractUser):
    class Role(models.TextChoices):
        ANALYST = "analyst", "Analyst"
        AGENCY_ADMIN = "agency_admin", "Agency admin"

    # Every person belongs to exactly one agency; only a superuser (who runs the
    # platform, not cases) may stand outside every agency.
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="users", null=True, blank=True
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.ANALYST)
    # 28 CFR Part 23: a reviewer of the agency accepts or rejects its information pending review
    # as criminal intelligence. Beside the role, not a role: an analyst or an agency admin may be
    # a reviewer.
    intelligence_reviewer = models.BooleanField(
        "criminal intelligence reviewer", default=False, db_default=False,
        help_text="Accepts or rejects the agency's information pending review (28 CFR Part 23).",
    )
    admin_of_centers = models.ManyToManyField(
        FusionCenter, through="CenterAdmin", related_name="admins", blank=True
    )
    # Lockout (CJIS AC-7, agencies/signins.py): set when refused log-ons lock the account, cleared
    # when an admin releases it; refusals before the release no longer count towards a lock.
    locked_at = models.DateTimeField(null=True, blank=True)
    lock_released_at = models.DateTimeField(null=True, blank=True)
    # Account life cycle (CJIS AC-2(3), agencies/lifecycle.py). A temporary account cannot sign in
    # from `expires_at` on. The daily check disables an account unused for ACCOUNT_INACTIVE_DAYS,
    # counted from the later of its last log-in and `enabled_at` (created, password set through a
    # link, reactivated), and an expired one; `disabled_reason` tells those apart from an admin's
    # deactivation (blank) until an admin re-enables the account.
    expires_at = models.DateTimeField(
        "expires", null=True, blank=True,
        help_text="A temporary account cannot sign in from this time (UTC) on.",
    )
    # Defaults in the database as well: rows written by older code (a migration's historical
    # model, a server not yet restarted after the migration) still have them.
    enabled_at = models.DateTimeField(default=timezone.now, db_default=Now())

    class DisabledReason(models.TextChoices):
        NONE = "", "Not disabled by the portal"
        INACTIVE = "inactive", "Unused for too long"
        EXPIRED = "expired", "Expired"

    disabled_reason = models.CharField(
        max_length=10, choices=DisabledReason.choices, default="", db_default="", blank=True
    )
    disabled_at = models.DateTimeField(null=True, blank=True)
    # Multi-factor (CJIS IA-2, agencies/mfa.py): when an admin last removed the account's second
    # factors; every session signed in before it ends at its next request.
    mfa_reset_at = models.DateTimeField(null=True, blank=True)
    # The zone the pages show times in (agencies.time_zones); the hover of each time gives UTC.
    time_zone = models.CharField(max_length=40, choices=TIME_ZONES, default="UTC", db_default="UTC")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(agency__isnull=False) | Q(is_superuser=True),
                name="user_in_an_agency",
            ),
            models.CheckConstraint(
                condition=Q(role__in=["analyst", "agency_admin"]), name="user_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(disabled_reason__in=["", "inactive", "expired"]),
                name="user_disabled_reason_valid",
            ),
        ]

    @property
    def is_agency_admin(self):
        return self.role == self.Role.AGENCY_ADMIN

    def has_expired(self, now=None):
        """A temporary account whose expiry has come: it cannot sign in."""
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())


class CenterAdmin(models.Model):
    """A person who administers a fusion center (its member agencies and their users)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="center_admin_roles")
    center = models.ForeignKey(FusionCenter, on_delete=models.CASCADE, related_name="admin_roles")
    since = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "center"], name="one_admin_role_per_center")
        ]

    def __str__(self):
        return f"{self.user} administers {self.center}"


class CenterAuditor(models.Model):
    """A person who audits a fusion center's criminal intelligence system (28 CFR Part 23): reads
    the compliance report of each of its active member agencies and the center's access log,
    metadata only. Read-only, and no object permission: an auditor sees of cases and items what
    their own agency sees, nothing more. Granted and revoked by the center's admins."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="center_auditor_roles")
    center = models.ForeignKey(FusionCenter, on_delete=models.CASCADE, related_name="auditor_roles")
    since = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "center"], name="one_auditor_role_per_center")
        ]

    def __str__(self):
        return f"{self.user} audits {self.center}"


class ApiKey(models.Model):
    """A partner system's key to the REST API, bound to one agency.

    Only an HMAC-SHA256 of the key under the server-side API_KEY_HMAC_SECRET is stored; the
    plaintext is shown once, when the agency admin creates it. The key acts through its own
    service account (`user`, of the same agency, with no usable password), so that every
    service, the access log and annotation authorship name it like any other actor.
    Services: agencies.api_keys.
    """

    class Scope(models.TextChoices):
        READ = "read", "Read"
        WRITE = "write", "Read and write"

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100, help_text="The partner system that uses it.")
    prefix = models.CharField(max_length=16, unique=True, help_text="Shown in lists and logs.")
    digest = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.READ)
    # CIDR networks the key may be used from; empty: from anywhere.
    allowed_networks = models.JSONField(default=list, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="api_key")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scope__in=["read", "write"]), name="api_key_scope_valid"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def can_write(self):
        return self.scope == self.Scope.WRITE

    def is_usable(self, now=None):
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class Invitation(models.Model):
    """A single-use link that lets one person set a password: the invitation to a new account,
    or a password reset forced by an admin. Only the SHA-256 of the token is stored, so a copy
    of the database opens no account. Services: agencies.services (user_invite, invitation_accept).
    """

    class Purpose(models.TextChoices):
        INVITE = "invite", "Invitation"
        RESET = "reset", "Password reset"

    VALID_FOR = timedelta(hours=72)

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    purpose = models.CharField(max_length=10, choices=Purpose.choices, default=Purpose.INVITE)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    used_at = models.DateTimeField(null=True, blank=True)
    # A newer link, or the account's deactivation, revokes the links still pending.
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(purpose__in=["invite", "reset"]), name="invitation_purpose_valid"
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")), name="invitation_expires_later"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "used_at", "revoked_at"], name="invitation_pending"),
        ]

    def __str__(self):
        until = f"{self.expires_at:%Y-%m-%d %H:%M}"
        return f"{self.get_purpose_display()} for {self.user} (until {until})"


class RetiredUsername(models.Model):
    """A username that belonged to an account that no longer exists. Never given out again
    (CJIS IA-4): the portal deactivates accounts rather than deleting them, and if a superuser
    deletes one anyway, its name lands here, lower-cased."""

    username = models.CharField(max_length=150, unique=True)
    retired_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.username


@receiver(post_delete, sender=User)
def retire_username(sender, instance, **kwargs):
    # A receiver rather than a service: a deletion can come from Django admin or a shell, and
    # the name must be kept whichever way it happened.
    RetiredUsername.objects.get_or_create(username=instance.username.lower())


class IdentityProvider(models.Model):
    """An agency's (or a state's) SAML 2.0 identity provider that signs people in to the portal
    (agencies.federation). Connected by a superuser in Django admin: its metadata (which holds its
    signing certificate and its sign-in address), the agencies whose people it may sign in (an
    assertion's EmployerORI must be one of theirs), and the authentication contexts by which it
    asserts multi-factor sign-in."""

    name = models.CharField(max_length=200, help_text="Shown on the log-in page: “Sign in through …”.")
    entity_id = models.CharField(
        "entity ID", max_length=1024, unique=True,
        help_text="Read from the metadata when left empty; must be the metadata's entityID.",
    )
    metadata_xml = models.TextField(
        "metadata XML",
        help_text="The identity provider's SAML metadata (an EntityDescriptor with an "
                  "IDPSSODescriptor): its signing certificate and its HTTP-Redirect sign-in address.",
    )
    enabled = models.BooleanField(default=True)
    trusted_agencies = models.ManyToManyField(
        Agency, related_name="identity_providers", blank=True,
        help_text="The agencies whose people it may sign in: the EmployerORI it asserts must be "
                  "one of these. An account is created on first sign-in only for them.",
    )
    mfa_contexts = models.TextField(
        "multi-factor authentication contexts", blank=True,
        help_text="AuthnContextClassRef values, one a line, by which it asserts a multi-factor "
                  "sign-in (e.g. https://refeds.org/profile/mfa). The portal then asks no second "
                  "factor of its own.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True, editable=False
    )
    changed_at = models.DateTimeField(default=timezone.now, editable=False)
    changed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True, editable=False
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def mfa_context_refs(self):
        return [line.strip() for line in self.mfa_contexts.splitlines() if line.strip()]


class FederatedIdentity(models.Model):
    """The link from an account to the person's identity at an identity provider (the GFIPM
    FederationId), so that each later sign-in finds the same account. One per account; never
    re-pointed to another account, and the account's username is never given out again."""

    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="federated_identity")
    identity_provider = models.ForeignKey(
        IdentityProvider, on_delete=models.PROTECT, related_name="identities"
    )
    federation_id = models.CharField("GFIPM federation ID", max_length=512)
    # What the identity provider last asserted (GFIPM SwornLawEnforcementOfficerIndicator and
    # 28CFRCertificationIndicator); None: not asserted.
    sworn_officer = models.BooleanField("sworn law-enforcement officer", null=True, blank=True)
    cfr28_certified = models.BooleanField("28 CFR Part 23 certified", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["identity_provider", "federation_id"],
                                    name="one_account_per_federation_id"),
        ]
        verbose_name_plural = "federated identities"

    def __str__(self):
        return f"{self.federation_id} at {self.identity_provider}"
# Second factors (CJIS IA-2, agencies/mfa.py). django-otp's TOTPDevice is the authenticator app;
# these are django-otp devices too, so that one session marker says which device verified it.


class RecoveryCodes(TimestampMixin, Device):
    """A person's single-use recovery codes, for the day the authenticator app is not at hand.
    Only a keyed digest of each code is stored (agencies.mfa.recovery_code_digest): the codes
    themselves are shown once, when made, and never again."""

    class Meta(Device.Meta):
        verbose_name = "recovery codes"
        verbose_name_plural = "recovery codes"

    def verify_token(self, token):
        # agencies.mfa checks a code (it needs the digest and the used mark in one update).
        return False


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodes, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["device", "digest"], name="recovery_code_once"),
        ]

    def __str__(self):
        return f"Recovery code of {self.device.user} ({'used' if self.used_at else 'unused'})"


class SecurityKey(TimestampMixin, Device):
    """A WebAuthn credential (a security key or a passkey): it answers a challenge bound to the
    portal's address, so a look-alike site cannot replay it (phishing-resistant)."""

    credential_id = models.CharField(max_length=1400, unique=True)  # base64url
    public_key = models.BinaryField()
    sign_count = models.PositiveBigIntegerField(default=0)
    transports = models.JSONField(default=list, blank=True)

    class Meta(Device.Meta):
        verbose_name = "security key"

    def verify_token(self, token):
        return False  # a key answers a challenge (agencies.mfa), never a typed code
