from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from audit.models import AccessLog
from audit.services import log_access

from .models import Agency, CenterAdmin, FusionCenter, Membership, User

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


@admin.register(User)
class PortalUserAdmin(UserAdmin):
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

    def _log(self, request, grant, operation, before, after):
        log_access(action="admin", actor=request.user, agency=grant.user.agency, obj=grant.user,
                   detail={"operation": operation, "reason": "", "center_id": grant.center_id,
                           "center": grant.center.label, "before": before, "after": after})

    def save_model(self, request, obj, form, change):
        before = None
        if change:
            before = CenterAdmin.objects.filter(pk=obj.pk).values("user_id", "center_id").first()
        super().save_model(request, obj, form, change)
        self._log(request, obj, "center_admin_grant", before,
                  {"user_id": obj.user_id, "center_id": obj.center_id})

    def delete_model(self, request, obj):
        before = {"user_id": obj.user_id, "center_id": obj.center_id}
        super().delete_model(request, obj)
        self._log(request, obj, "center_admin_revoke", before, None)

    def delete_queryset(self, request, queryset):
        for grant in queryset.select_related("user__agency", "center"):
            self.delete_model(request, grant)
