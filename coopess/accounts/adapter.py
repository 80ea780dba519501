"""How allauth talks to CoopESS: emails leave through the task queue, new accounts are
representatives of structures."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site
from django.db import transaction

from coopess.accounts.models import Role, RoleAssignment
from coopess.common.mail import queue_email_message


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render the message now, send it from the worker once the transaction commits."""
        request = allauth_context.request
        full_context = {
            "request": request,
            "email": email,
            "current_site": get_current_site(request),
            **context,
        }
        queue_email_message(self.render_mail(template_prefix, email, full_context))

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            with transaction.atomic():
                RoleAssignment.objects.get_or_create(user=user, role=Role.APPLICANT)
        return user
