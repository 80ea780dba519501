"""Administration of the collective support's configuration. Engagements, sessions and
referrals are written through the application's pages (their services keep the logs)."""

from django.contrib import admin
from django.db import models

from coopess.support.models import SupportActor, SupportSettings


@admin.register(SupportSettings)
class SupportSettingsAdmin(admin.ModelAdmin):
    list_display = ["call", "min_half_days", "max_half_days", "period_starts_on", "period_ends_on"]


@admin.register(SupportActor)
class SupportActorAdmin(admin.ModelAdmin):
    list_display = ["name", "operator", "is_departmental_dla", "active"]
    list_filter = ["is_departmental_dla", "active"]
    search_fields = ["name", "contact_name", "email"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
