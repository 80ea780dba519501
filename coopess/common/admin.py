from django.contrib import admin

from coopess.common.models import DemoEmail, SitePage


@admin.register(DemoEmail)
class DemoEmailAdmin(admin.ModelAdmin):
    list_display = ["subject", "to", "sent_at"]
    readonly_fields = ["from_email", "to", "subject", "body", "html_body", "sent_at"]


@admin.register(SitePage)
class SitePageAdmin(admin.ModelAdmin):
    list_display = ["slug", "title", "updated_at"]
