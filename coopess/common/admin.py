from django.contrib import admin

from coopess.common.models import DemoEmail


@admin.register(DemoEmail)
class DemoEmailAdmin(admin.ModelAdmin):
    list_display = ["subject", "to", "sent_at"]
    readonly_fields = ["from_email", "to", "subject", "body", "html_body", "sent_at"]
