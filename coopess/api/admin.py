"""Administrators manage tokens and endpoints too; a token made here is shown once."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import models

from coopess.api import services
from coopess.api.models import ApiToken, WebhookDelivery, WebhookEndpoint


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "operator", "funder", "prefix", "expires_at", "revoked_at"]
    list_filter = ["operator"]
    fields = ["operator", "funder", "name", "scopes", "expires_at", "prefix", "revoked_at"]
    readonly_fields = ["prefix", "revoked_at"]
    actions = ["revoke"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        token, clear = services.token_create(
            operator=obj.operator,
            name=obj.name,
            scopes=list(obj.scopes or []),
            funder=obj.funder,
            expires_at=obj.expires_at,
            by=request.user,
        )
        obj.pk = token.pk
        obj.refresh_from_db()
        messages.warning(
            request, f"Jeton créé, copiez-le maintenant (il ne sera plus affiché) : {clear}"
        )

    @admin.action(description="Révoquer les jetons choisis")
    def revoke(self, request, queryset):
        for token in queryset:
            services.token_revoke(token=token, by=request.user)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["name", "operator", "url", "is_active"]
    list_filter = ["operator", "is_active"]
    exclude = ["secret", "previous_secret", "previous_secret_expires_at"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request, obj, form, change):
        if not obj.secret:
            obj.secret = services.new_webhook_secret()
        super().save_model(request, obj, form, change)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["event", "endpoint", "status", "attempts", "created_at", "last_status_code"]
    list_filter = ["status", "event"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
