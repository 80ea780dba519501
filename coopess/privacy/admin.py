"""Administrators read the export log, the erasure requests and what retention anonymised.
All three are records: nothing is added, changed or deleted here."""

from django.contrib import admin

from coopess.privacy.models import AnonymisationRecord, ErasureRequest, PersonalDataExportLog


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PersonalDataExportLog)
class PersonalDataExportLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "by_email", "what", "fmt", "rows"]
    list_filter = ["fmt", "call"]
    search_fields = ["by_email", "what"]
    date_hierarchy = "at"


@admin.register(ErasureRequest)
class ErasureRequestAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "user", "status", "decided_at", "decided_by"]
    list_filter = ["status"]
    exclude = ["operators"]


@admin.register(AnonymisationRecord)
class AnonymisationRecordAdmin(ReadOnlyAdmin):
    list_display = ["application", "rule", "reference_date", "at", "files_deleted"]
    list_filter = ["rule"]
