"""Public pages of the calls (cached, see ``public_cache``): the home page (the calls open
now, route in ``home_urls.py``), the list and each call's page."""

from django.contrib.auth.decorators import login_not_required
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from coopess.calls.calendar import call_timeline
from coopess.calls.models import Call, CallSection
from coopess.calls.public_cache import Rendered, cached_render


def published_calls_with_timelines(now):
    calls = list(Call.objects.published().select_related("operator").prefetch_related("milestones"))
    entries = [(call, call_timeline(call, now=now)) for call in calls]
    instants = [moment for call in calls for moment in (call.opens_at, call.closes_at)]
    return entries, instants


@login_not_required
@require_GET
def home(request):
    """The home page: the calls open now (cached, as the call list)."""

    def build(now):
        entries, instants = published_calls_with_timelines(now)
        open_entries = [entry for entry in entries if entry[0].is_open(at=now)]
        body = render_to_string("calls/_partials/open_calls.html", {"open_entries": open_entries})
        return Rendered(title="Accueil", body=body), instants

    rendered = cached_render("calls:page:home", build)
    return render(request, "calls/home.html", {"open_calls": rendered.body})


@login_not_required
@require_GET
def call_list(request):
    def build(now):
        entries, instants = published_calls_with_timelines(now)
        body = render_to_string("calls/_partials/call_list_body.html", {"entries": entries})
        return Rendered(title="Appels à manifestations d'intérêt", body=body), instants

    rendered = cached_render("calls:page:list", build)
    return render(request, "calls/call_list.html", {"body": rendered.body})


@login_not_required
@require_GET
def call_detail(request, slug: str):
    def build(now):
        call = (
            Call.objects.published()
            .select_related("operator")
            .prefetch_related(
                Prefetch("sections", queryset=CallSection.objects.order_by("position", "pk")),
                "maturity_stages",
                "targets",
                "steps",
                "milestones",
            )
            .filter(slug=slug)
            .first()
        )
        if call is None:
            raise Http404
        context = {
            "call": call,
            "timeline": call_timeline(call, now=now),
            "is_open": call.is_open(at=now),
        }
        body = render_to_string("calls/_partials/call_body.html", context)
        return Rendered(title=call.title, body=body), [call.opens_at, call.closes_at]

    rendered = cached_render(f"calls:page:detail:{slug}", build)
    return render(
        request, "calls/call_detail.html", {"title": rendered.title, "body": rendered.body}
    )
