from django.contrib import admin
from django.db import models

from coopess.accounts.models import Organisation, RoleAssignment, User


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["email", "first_name", "last_name", "is_active", "date_joined"]
    search_fields = ["email", "first_name", "last_name"]
    list_filter = ["is_active", "roles_held__role"]
    fields = ["email", "first_name", "last_name", "phone", "is_active", "date_joined", "last_login"]
    readonly_fields = ["date_joined", "last_login"]
    inlines = [RoleAssignmentInline]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region_code"]
    list_filter = ["kind"]
    search_fields = ["name", "short_name"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
