"""Calls in the Django admin (administrators): the same page as « Gestion des appels », over
every DLA operator's calls."""

from django.contrib import admin

from coopess.calls.models import Call
from coopess.calls.officer_site import OfficerCallAdmin


@admin.register(Call)
class CallAdmin(OfficerCallAdmin):
    list_display = ["title", "edition", "operator", "opens_at", "closes_at", "is_published"]
    list_filter = ["is_published", "operator"]

    def get_queryset(self, request):
        return Call.objects.all()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return admin.ModelAdmin.formfield_for_foreignkey(self, db_field, request, **kwargs)
