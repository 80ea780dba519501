"""The representative's side of the messages with the DLA: the « Messages avec le DLA » panel
of their application page (``applications:detail``, registered by ``selection/panels.py``)
and the action that posts their message (the officers get a notification or an email).
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from coopess.applications.models import Application, ApplicationStatus
from coopess.applications.views.base import _load
from coopess.selection import services
from coopess.selection.forms import MessageForm


def messages_panel(*, request, application: Application) -> dict | None:
    """The thread and the form, once the application is submitted."""
    if application.status == ApplicationStatus.DRAFT:
        return None
    thread = list(application.messages.select_related("author"))
    return {"thread": thread, "message_form": MessageForm()}


@require_POST
def applicant_message(request, public_id):
    """A representative writes to the DLA (the officers get an email with a link)."""
    application, _access = _load(request, public_id)
    form = MessageForm(request.POST)
    if form.is_valid():
        services.message_post(
            application=application,
            author=request.user,
            body=form.cleaned_data["body"],
            from_dla=False,
        )
        messages.success(request, "Message envoyé au DLA.")
    else:
        messages.error(request, "Le message est vide : écrivez votre message avant de l'envoyer.")
    return redirect(reverse("applications:detail", args=[application.public_id]) + "#messages")
