from django.contrib import admin

from coopess.followups.models import FollowUpQuestion


@admin.register(FollowUpQuestion)
class FollowUpQuestionAdmin(admin.ModelAdmin):
    list_display = ["label", "call", "code", "kind", "required", "position"]
    list_filter = ["call"]
    ordering = ["call", "position", "pk"]
