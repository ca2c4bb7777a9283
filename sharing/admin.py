from django.contrib import admin

from .models import AccessLog, CaseGroupObjectPermission, ItemGroupObjectPermission, Share


@admin.register(Share)
class ShareAdmin(admin.ModelAdmin):
    list_display = [
        "id", "case", "item", "target", "target_agency", "target_center", "level", "granted_by_agency",
    ]
    list_filter = ["target", "level"]
    raw_id_fields = [
        "case", "item", "target_agency", "target_center", "group", "granted_by", "granted_by_agency",
    ]


@admin.register(CaseGroupObjectPermission)
class CaseGroupObjectPermissionAdmin(admin.ModelAdmin):
    list_display = ["content_object", "group", "permission"]
    raw_id_fields = ["content_object", "group", "permission"]


@admin.register(ItemGroupObjectPermission)
class ItemGroupObjectPermissionAdmin(admin.ModelAdmin):
    list_display = ["content_object", "group", "permission"]
    raw_id_fields = ["content_object", "group", "permission"]


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """Read-only: the access log is append-only, even for superusers."""

    list_display = ["at", "action", "actor", "agency", "object_type", "object_id", "ip_address"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor__username", "agency__ori"]
    list_select_related = ["actor", "agency"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
