from django.contrib import admin

from .models import (
    Annotation,
    AnnotationRevision,
    Attachment,
    Case,
    CaseEntity,
    CaseTask,
    Entity,
    IntelligenceItem,
    ItemEntity,
    Jurisdiction,
    SARBehaviour,
    TimelineEvent,
)


class JurisdictionInline(admin.TabularInline):
    model = Jurisdiction
    extra = 0


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "owner", "lead_center", "status", "tlp", "les", "updated_at"]
    list_filter = ["status", "tlp", "les"]
    search_fields = ["number", "title", "owner__name", "owner__ori"]
    list_select_related = ["owner", "lead_center"]
    autocomplete_fields = ["owner", "lead_center", "created_by"]
    inlines = [JurisdictionInline]


class SARBehaviourInline(admin.TabularInline):
    # Read only: a SAR's behaviours are set by cases.services (at least one, on a SAR only).
    model = SARBehaviour
    extra = 0
    readonly_fields = ["behaviour"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(IntelligenceItem)
class IntelligenceItemAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "owner", "tlp", "les", "case", "updated_at"]
    list_filter = ["kind", "tlp", "les"]
    search_fields = ["title", "owner__name"]
    list_select_related = ["owner", "case"]
    raw_id_fields = ["case", "in_response_to", "created_by", "owner"]
    inlines = [SARBehaviourInline]


@admin.register(Entity)
class EntityAdmin(admin.ModelAdmin):
    list_display = ["kind", "label", "key"]
    list_filter = ["kind"]
    search_fields = ["key", "label"]


@admin.register(CaseEntity)
class CaseEntityAdmin(admin.ModelAdmin):
    list_display = ["case", "entity", "role"]
    raw_id_fields = ["case", "entity", "linked_by"]


@admin.register(ItemEntity)
class ItemEntityAdmin(admin.ModelAdmin):
    list_display = ["item", "entity", "role"]
    raw_id_fields = ["item", "entity", "linked_by"]


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ["case", "state", "county", "city"]
    list_filter = ["state"]
    raw_id_fields = ["case"]


@admin.register(CaseTask)
class CaseTaskAdmin(admin.ModelAdmin):
    list_display = ["title", "case", "assignee", "status", "due_date", "updated_at"]
    list_filter = ["status"]
    raw_id_fields = ["case", "assignee", "created_by", "agency", "done_by"]


@admin.register(TimelineEvent)
class TimelineEventAdmin(admin.ModelAdmin):
    list_display = ["case", "kind", "occurred_at", "summary"]
    list_filter = ["kind"]
    raw_id_fields = ["case", "actor", "agency"]


class RevisionInline(admin.TabularInline):
    model = AnnotationRevision
    extra = 0
    readonly_fields = ["version", "body", "written_by", "written_at"]
    can_delete = False


@admin.register(Annotation)
class AnnotationAdmin(admin.ModelAdmin):
    list_display = ["id", "case", "item", "author", "agency", "version", "updated_at"]
    raw_id_fields = ["case", "item", "author", "agency"]
    inlines = [RevisionInline]


@admin.register(AnnotationRevision)
class AnnotationRevisionAdmin(admin.ModelAdmin):
    list_display = ["annotation", "version", "written_by", "written_at"]
    raw_id_fields = ["annotation", "written_by"]


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["filename", "case", "item", "content_type", "size", "sha256", "uploaded_at"]
    raw_id_fields = ["case", "item", "uploaded_by", "agency"]
    readonly_fields = ["sha256", "size"]
