from django.contrib import admin

from coopess.finder.models import ConsentEvent, ContactRequest, FinderProfile


class ConsentEventInline(admin.TabularInline):
    model = ConsentEvent
    extra = 0
    can_delete = False
    readonly_fields = ["action", "by", "at", "details"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(FinderProfile)
class FinderProfileAdmin(admin.ModelAdmin):
    list_display = ["name", "operator", "audience", "granted_at", "expires_at", "withdrawn_at"]
    list_filter = ["audience", "operator"]
    search_fields = ["name"]
    inlines = [ConsentEventInline]

    def has_add_permission(self, request) -> bool:  # consent is given by a representative only
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ContactRequest)
class ContactRequestAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "introduced_by", "created_at"]
    list_filter = ["status"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
