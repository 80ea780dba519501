from django.contrib import admin

from coopess.common.models import DemoEmail, OutgoingEmail, SitePage


@admin.register(DemoEmail)
class DemoEmailAdmin(admin.ModelAdmin):
    list_display = ["subject", "to", "sent_at"]
    readonly_fields = ["from_email", "to", "subject", "body", "html_body", "sent_at"]


@admin.register(SitePage)
class SitePageAdmin(admin.ModelAdmin):
    list_display = ["slug", "title", "updated_at"]


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    """Read only: the outbox is written by the application and the worker alone."""

    list_display = ["subject", "to", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["to", "subject"]
    fields = [
        "subject",
        "to",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "last_attempt_at",
        "sent_at",
        "key",
    ]
    readonly_fields = fields

    def get_urls(self):
        # No "add" page at all (rather than one that answers 403).
        return [url for url in super().get_urls() if not (url.name or "").endswith("_add")]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
