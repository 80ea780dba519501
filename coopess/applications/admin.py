from django.contrib import admin

from coopess.applications.models import (
    Application,
    ApplicationStructure,
    ApplicationTransition,
    Attachment,
)


class StructureInline(admin.StackedInline):
    model = ApplicationStructure
    extra = 0
    fields = [
        "name",
        "siret",
        "is_lead",
        "departement",
        "legal_form",
        "employees",
        "fte",
        "confirmed_at",
    ]
    readonly_fields = fields


class TransitionInline(admin.TabularInline):
    model = ApplicationTransition
    extra = 0
    readonly_fields = ["from_status", "to_status", "by", "at", "comment"]
    can_delete = False


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["__str__", "call", "status", "submitted_at"]
    list_filter = ["status", "call"]
    search_fields = ["receipt_number", "project_title", "structures__name", "structures__siret"]
    readonly_fields = [
        "public_id",
        "receipt_number",
        "status",
        "submitted_at",
        "version",
        "created_by",
    ]
    inlines = [StructureInline, TransitionInline]


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["original_name", "application", "kind", "size", "uploaded_at"]
    readonly_fields = ["public_id", "sha256", "size", "kind"]
