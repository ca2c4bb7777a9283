from django.contrib import admin

from .models import CaseGroupObjectPermission, ItemGroupObjectPermission, Share


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
