import hashlib

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AccessLog
from audit.services import log_access

from . import saml
from .models import (
    Agency,
    CenterAdmin,
    CenterAuditor,
    FederatedIdentity,
    FusionCenter,
    IdentityProvider,
    Membership,
    User,
)

# What a superuser changes of an account in Django admin that decides what it may do: written to
# the access log as the portal's own admin pages write their actions (CJIS AC-2(4), AU-2).
USER_GRANTS = ("role", "is_active", "is_staff", "is_superuser", "agency_id", "expires_at")


def _iso(moment):
    return moment.isoformat() if moment is not None else None


def superusers_only(request):
    """Django admin is for the people who run the platform, not for center or agency admins
    (who have their own pages): is_staff alone does not open it."""
    return request.user.is_active and request.user.is_superuser


admin.site.has_permission = superusers_only


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["center"]


@admin.register(FusionCenter)
class FusionCenterAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "state", "kind"]
    list_filter = ["kind", "state"]
    search_fields = ["name", "short_name", "state"]
    exclude = ["group"]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "ori", "level", "home_state"]
    list_filter = ["level", "home_state"]
    search_fields = ["name", "ori"]
    exclude = ["group"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["agency", "center", "status", "since"]
    list_filter = ["status", "center__state"]
    list_select_related = ["agency", "center"]
    autocomplete_fields = ["agency", "center"]


class FederatedIdentityInline(admin.StackedInline):
    """The person's identity at an identity provider, as it last asserted it (read-only: the
    link is made by the first federated sign-in, never by hand)."""

    model = FederatedIdentity
    fields = ["identity_provider", "federation_id", "sworn_officer", "cfr28_certified",
              "created_at", "last_sign_in_at"]
    readonly_fields = fields
    can_delete = False
    extra = 0
    max_num = 0

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    inlines = [FederatedIdentityInline]
    list_display = ["username", "email", "agency", "role", "is_active"]
    list_filter = ["role", "is_active", "is_superuser"]
    list_select_related = ["agency"]
    autocomplete_fields = ["agency"]
    fieldsets = UserAdmin.fieldsets + (
        ("Agency", {"fields": ["agency", "role"]}),
        ("Account life cycle", {"fields": ["expires_at", "enabled_at", "disabled_reason",
                                           "disabled_at"]}),
    )
    readonly_fields = ["enabled_at", "disabled_reason", "disabled_at"]
    add_fieldsets = UserAdmin.add_fieldsets + (("Agency", {"fields": ["agency", "role"]}),)

    def has_delete_permission(self, request, obj=None):
        # A username is never reused (CJIS IA-4): accounts are deactivated, never deleted.
        return False

    def user_change_password(self, request, id, form_url=""):
        """Django admin's password page: a password it sets (or disables) reaches the access log,
        as a reset by a portal admin does (CJIS AU-2). Never the password itself."""
        stored = User.objects.filter(pk=id).values_list("password", flat=True)
        before = stored.first() if str(id).isdigit() else None
        response = super().user_change_password(request, id, form_url)
        if before is not None and stored.first() != before:
            user = User.objects.select_related("agency").get(pk=id)
            usable = user.has_usable_password()
            log_access(
                action=AccessLog.Action.PASSWORD_CHANGE if usable else AccessLog.Action.PASSWORD_RESET,
                actor=request.user, agency=user.agency, obj=user, detail={
                    "operation": "django_admin_password_set" if usable
                    else "django_admin_password_disabled",
                    "reason": "", "before": None, "after": None,
                })
        return response

    def save_model(self, request, obj, form, change):
        before = None
        if change:
            before = User.objects.filter(pk=obj.pk).values(*USER_GRANTS).first()
        super().save_model(request, obj, form, change)
        after = {name: getattr(obj, name) for name in USER_GRANTS}
        if before == after:
            return
        if before is not None:
            before["expires_at"] = _iso(before["expires_at"])
        after["expires_at"] = _iso(after["expires_at"])
        log_access(action="admin", actor=request.user, agency=obj.agency, obj=obj, detail={
            "operation": "django_admin_user_change" if change else "django_admin_user_add",
            "reason": "", "before": before, "after": after,
        })


@admin.register(CenterAdmin)
class CenterAdminAdmin(admin.ModelAdmin):
    list_display = ["user", "center", "since"]
    autocomplete_fields = ["user", "center"]
    # The access log's names of a grant and a revocation.
    granted, revoked = "center_admin_grant", "center_admin_revoke"

    def _log(self, request, grant, operation, before, after):
        log_access(action="admin", actor=request.user, agency=grant.user.agency, obj=grant.user,
                   detail={"operation": operation, "reason": "", "center_id": grant.center_id,
                           "center": grant.center.label, "before": before, "after": after})

    def save_model(self, request, obj, form, change):
        before = None
        if change:
            before = type(obj).objects.filter(pk=obj.pk).values("user_id", "center_id").first()
        super().save_model(request, obj, form, change)
        self._log(request, obj, self.granted, before,
                  {"user_id": obj.user_id, "center_id": obj.center_id})

    def delete_model(self, request, obj):
        before = {"user_id": obj.user_id, "center_id": obj.center_id}
        super().delete_model(request, obj)
        self._log(request, obj, self.revoked, before, None)

    def delete_queryset(self, request, queryset):
        for grant in queryset.select_related("user__agency", "center"):
            self.delete_model(request, grant)


@admin.register(CenterAuditor)
class CenterAuditorAdmin(CenterAdminAdmin):
    """The auditor role (28 CFR Part 23, read-only), logged as the center admin pages log it."""

    granted, revoked = "center_auditor_grant", "center_auditor_revoke"


class IdentityProviderForm(forms.ModelForm):
    class Meta:
        model = IdentityProvider
        fields = ["name", "enabled", "metadata_xml", "entity_id", "trusted_agencies",
                  "mfa_contexts"]
        widgets = {"metadata_xml": forms.Textarea(attrs={"rows": 12, "cols": 100}),
                   "mfa_contexts": forms.Textarea(attrs={"rows": 3, "cols": 80})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entity_id"].required = False

    def clean(self):
        cleaned = super().clean()
        xml = cleaned.get("metadata_xml")
        if xml:
            try:
                metadata = saml.read_idp_metadata(xml)
            except ValueError as error:
                self.add_error("metadata_xml", str(error))
            else:
                entity_id = (cleaned.get("entity_id") or "").strip()
                if entity_id and entity_id != metadata.entity_id:
                    self.add_error("entity_id", f"The metadata is that of {metadata.entity_id}.")
                else:
                    cleaned["entity_id"] = metadata.entity_id
                    # Django validated uniqueness on the empty value; check the one we set.
                    taken = IdentityProvider.objects.filter(entity_id=metadata.entity_id)
                    if self.instance.pk:
                        taken = taken.exclude(pk=self.instance.pk)
                    if taken.exists():
                        self.add_error("metadata_xml", "Another identity provider has this "
                                                       f"entity ID ({metadata.entity_id}).")
        for line in (cleaned.get("mfa_contexts") or "").splitlines():
            if line.strip() and (" " in line.strip() or ":" not in line):
                self.add_error("mfa_contexts", f"“{line.strip()}” is not a URI: give one "
                                               "AuthnContextClassRef a line.")
        return cleaned


def _identity_provider_state(provider):
    return {
        "name": provider.name, "entity_id": provider.entity_id, "enabled": provider.enabled,
        "trusted_oris": sorted(provider.trusted_agencies.values_list("ori", flat=True)),
        "mfa_context_refs": provider.mfa_context_refs,
        "metadata_sha256": hashlib.sha256(provider.metadata_xml.encode()).hexdigest(),
    }


@admin.register(IdentityProvider)
class IdentityProviderAdmin(admin.ModelAdmin):
    """A superuser connects an agency's identity provider (README, Sign-in for admins). Every
    change reaches the access log with the values before and after; each agency that gains or
    loses the provider's trust has a row of its own, which its centers' admins see."""

    form = IdentityProviderForm
    list_display = ["name", "entity_id", "enabled", "changed_at"]
    list_filter = ["enabled"]
    search_fields = ["name", "entity_id"]
    autocomplete_fields = ["trusted_agencies"]
    readonly_fields = ["single_sign_on", "signing_certificates", "created_at", "created_by",
                       "changed_at", "changed_by"]
    fieldsets = [
        (None, {"fields": ["name", "enabled", "metadata_xml", "entity_id"]}),
        ("Read from the metadata", {"fields": ["single_sign_on", "signing_certificates"]}),
        ("Trust", {"fields": ["trusted_agencies", "mfa_contexts"]}),
        ("Record", {"fields": ["created_at", "created_by", "changed_at", "changed_by"]}),
    ]

    def _metadata(self, obj):
        try:
            return saml.read_idp_metadata(obj.metadata_xml) if obj and obj.metadata_xml else None
        except ValueError:
            return None

    @admin.display(description="single sign-on (HTTP-Redirect)")
    def single_sign_on(self, obj):
        metadata = self._metadata(obj)
        return metadata.sso_url if metadata else "—"

    @admin.display(description="signing certificates (SHA-256)")
    def signing_certificates(self, obj):
        metadata = self._metadata(obj)
        return metadata.fingerprints if metadata else "—"

    def has_delete_permission(self, request, obj=None):
        # Accounts stay linked to the provider that created them: disable it instead.
        return False

    def save_model(self, request, obj, form, change):
        # Kept on the request (the ModelAdmin serves every request at once) until save_related
        # has saved the trusted agencies.
        request.identity_provider_before = None
        if change:
            request.identity_provider_before = _identity_provider_state(
                IdentityProvider.objects.get(pk=obj.pk))
        else:
            obj.created_by = request.user
        obj.changed_by, obj.changed_at = request.user, timezone.now()
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        provider = form.instance
        before, after = request.identity_provider_before, _identity_provider_state(provider)
        if before == after:
            return
        operation = "identity_provider_change" if change else "identity_provider_add"
        log_access(action="admin", actor=request.user, agency=None, obj=provider, detail={
            "operation": operation, "reason": "", "before": before, "after": after,
        })
        had = set(before["trusted_oris"]) if before else set()
        has = set(after["trusted_oris"])
        for agency in Agency.objects.filter(ori__in=had ^ has):
            granted = agency.ori in has
            log_access(action="admin", actor=request.user, agency=agency, obj=provider, detail={
                "operation": "identity_provider_trust_grant" if granted
                else "identity_provider_trust_revoke",
                "reason": "", "identity_provider": provider.name,
                "before": None if granted else agency.ori, "after": agency.ori if granted else None,
            })


# django-otp registers its own admin of authenticator apps (imported above, so it is registered
# before it is replaced here); a superuser's deletion of one is a removed second factor.
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class AuditedTOTPDeviceAdmin(TOTPDeviceAdmin):
    """django-otp's admin of authenticator apps, whose deletions reach the access log as
    `mfa_remove` rows by the superuser, under the person's agency (so that its centers' admins
    see them), as the person's own removal of a factor does (agencies.mfa)."""

    def delete_model(self, request, obj):
        user = obj.user
        detail = {"outcome": "success", "factor": "totp", "name": obj.name,
                  "confirmed": obj.confirmed, "by": "django admin"}
        super().delete_model(request, obj)
        # As an admin's reset does: every session the removed app may have verified ends.
        User.objects.filter(pk=user.pk).update(mfa_reset_at=timezone.now())
        log_access(action=AccessLog.Action.MFA_REMOVE, actor=request.user, agency=user.agency,
                   obj=user, detail=detail)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for device in queryset.select_related("user__agency"):
            self.delete_model(request, device)
