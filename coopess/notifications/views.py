"""Timelines (call, cohort, structure), notifications, personal settings and the calendar feed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST, require_safe

from coopess.accounts.models import Role
from coopess.calls.models import Call
from coopess.diagnostic import permissions as diagnostic_permissions
from coopess.notifications import services
from coopess.notifications.feed import feed_bytes
from coopess.notifications.forms import EmailModeForm
from coopess.notifications.models import Notification, PersonalSettings
from coopess.notifications.registry import Audience, cohort_events, cohorts_events
from coopess.notifications.sources import call_events
from coopess.notifications.timeline import build_timeline
from coopess.support import permissions as support_permissions


def _render_timeline(request, *, title: str, events, back: list[tuple[str, str]], ident: str):
    timeline = build_timeline(events, title=title, ident=ident)
    return render(
        request,
        "notifications/timeline.html",
        {"timeline": timeline, "svg": mark_safe(timeline.svg), "back": back},  # noqa: S308 — built by ElementTree, escaped
    )


@require_GET
def call_timeline(request, call_id: int):
    """The whole calendar of a call and of each of its cohorts (officers of its DLA)."""
    operators = [o.pk for o in request.user.organisations_for(Role.OFFICER)]
    call = get_object_or_404(Call.objects.filter(operator_id__in=operators), pk=call_id)
    audience = Audience(role="officer", user_id=request.user.pk)
    # every cohort of the call at once: a fixed number of queries however many cohorts
    events = call_events(call) + cohorts_events(
        [(cohort, audience) for cohort in call.cohorts.all()]
    )
    return _render_timeline(
        request,
        title=f"Calendrier de l'appel « {call} »",
        events=events,
        back=[(reverse("selection:table", kwargs={"slug": call.slug}), "Instruction de l'appel")],
        ident="frise-appel",
    )


@require_GET
def cohort_timeline(request, cohort_id: int):
    """A cohort's calendar, for its officers and its engaged consultants."""
    access = support_permissions.staff_cohort(request.user, cohort_id)
    cohort = access.cohort
    audience = Audience(
        role="officer" if access.is_officer else "consultant", user_id=request.user.pk
    )
    events = call_events(cohort.call) + cohort_events(cohort, audience)
    back = [(reverse("support:cohort", kwargs={"cohort_id": cohort.pk}), "Accompagnement")]
    if access.is_officer:
        back.insert(
            0, (reverse("diagnostic:cohort", kwargs={"cohort_id": cohort.pk}), "Diagnostic partagé")
        )
    return _render_timeline(
        request, title=f"Calendrier de la cohorte « {cohort} »", events=events, back=back,
        ident="frise-cohorte",
    )  # fmt: skip


@require_GET
def structure_timeline(request, structure_id: int):
    """A representative's view of their cohort's calendar: the collective events and their own
    structures' interviews and individual sessions."""
    structure = diagnostic_permissions.represented_structure(request.user, structure_id)
    cohort = diagnostic_permissions.structure_cohort(structure)
    own = frozenset(
        diagnostic_permissions.represented_structures(request.user)
        .filter(application__cohort_membership__cohort=cohort)
        .values_list("pk", flat=True)
    )
    audience = Audience(role="representative", user_id=request.user.pk, structure_ids=own)
    events = call_events(cohort.call) + cohort_events(cohort, audience)
    return _render_timeline(
        request,
        title=f"Calendrier de l'accompagnement — {structure.name}",
        events=events,
        back=[
            (reverse("diagnostic:structure", kwargs={"structure_id": structure.pk}), "Diagnostic partagé"),
            (reverse("support:structure", kwargs={"structure_id": structure.pk}), "Accompagnement"),
        ],
        ident="frise-structure",
    )  # fmt: skip


# --- notifications -----------------------------------------------------------------------------


@require_GET
def notification_list(request):
    page = Paginator(Notification.objects.filter(user=request.user), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notifications/list.html",
        {"page": page, "unread": services.unread_count(request.user)},
    )


@require_POST
def notification_read(request, notification_id: int):
    notification = get_object_or_404(Notification, pk=notification_id, user=request.user)
    services.mark_read(user=request.user, notification_id=notification.pk)
    if request.POST.get("open") and url_has_allowed_host_and_scheme(
        notification.link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(notification.link)
    return redirect("notifications:list")


@require_POST
def notification_read_all(request):
    count = services.mark_read(user=request.user)
    messages.success(request, f"{count} notification(s) marquée(s) comme lue(s).")
    return redirect("notifications:list")


# --- « Mon espace » : calendar and notification settings ---------------------------------------


def _settings_page(request, *, new_feed_url: str = "", form=None, status: int = 200):
    prefs = PersonalSettings.objects.filter(user=request.user).first()
    can_choose = services.can_choose_email_mode(request.user)
    if form is None and can_choose:
        form = EmailModeForm(initial={"email_mode": prefs.email_mode if prefs else "immediate"})
    response = render(
        request,
        "notifications/settings.html",
        {
            "prefs": prefs,
            "has_feed": bool(prefs and prefs.feed_token_hash),
            "new_feed_url": new_feed_url,
            "form": form if can_choose else None,
        },
        status=status,
    )
    return response


@require_GET
def personal_settings(request):
    return _settings_page(request)


@never_cache
@require_POST
def feed_regenerate(request):
    """A new secret address; the page shows it this once (it is stored hashed)."""
    token = services.feed_token_regenerate(user=request.user)
    url = request.build_absolute_uri(reverse("notifications:feed", kwargs={"feed_token": token}))
    messages.success(
        request,
        "Votre nouvelle adresse d'agenda est prête. L'ancienne, s'il y en avait une, ne "
        "fonctionne plus.",
    )
    return _settings_page(request, new_feed_url=url)


@require_POST
def feed_revoke(request):
    services.feed_revoke(user=request.user)
    messages.success(request, "L'adresse de votre agenda est supprimée : elle ne fonctionne plus.")
    return redirect("notifications:settings")


@require_POST
def email_mode(request):
    if not services.can_choose_email_mode(request.user):
        raise Http404
    form = EmailModeForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, form=form, status=400)
    services.email_mode_set(user=request.user, mode=form.cleaned_data["email_mode"])
    messages.success(request, "Votre choix de courriels est enregistré.")
    return redirect("notifications:settings")


@login_not_required
@never_cache
@require_safe
def feed(request, feed_token: str):
    """The private calendar feed: public (calendar apps have no session), opened only by its
    secret; an unknown or revoked secret answers 404."""
    user = services.feed_owner(feed_token)
    if user is None:
        raise Http404
    response = HttpResponse(feed_bytes(user), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="coopess.ics"'
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response
