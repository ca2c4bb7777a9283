from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import Agency, CenterAdmin, FusionCenter, Membership, User


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
    fieldsets = UserAdmin.fieldsets + (("Agency", {"fields": ["agency", "role"]}),)
    add_fieldsets = UserAdmin.add_fieldsets + (("Agency", {"fields": ["agency", "role"]}),)

    def has_delete_permission(self, request, obj=None):
        # A username is never reused (CJIS IA-4): accounts are deactivated, never deleted.
        return False


@admin.register(CenterAdmin)
class CenterAdminAdmin(admin.ModelAdmin):
    list_display = ["user", "center", "since"]
    autocomplete_fields = ["user", "center"]
