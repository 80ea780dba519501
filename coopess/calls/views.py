"""Public pages of the calls, and the entry point to apply."""

from django.contrib.auth.decorators import login_not_required
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from coopess.calls.calendar import call_timeline
from coopess.calls.models import Call, CallSection


@login_not_required
@require_GET
def call_list(request):
    calls = Call.objects.published().select_related("operator").prefetch_related("milestones")
    now = timezone.now()
    entries = [(call, call_timeline(call, now=now)) for call in calls]
    return render(request, "calls/call_list.html", {"entries": entries})


@login_not_required
@require_GET
def call_detail(request, slug: str):
    call = get_object_or_404(
        Call.objects.published()
        .select_related("operator")
        .prefetch_related(
            Prefetch("sections", queryset=CallSection.objects.order_by("position", "pk")),
            "maturity_stages",
            "targets",
            "steps",
            "milestones",
        ),
        slug=slug,
    )
    now = timezone.now()
    return render(
        request,
        "calls/call_detail.html",
        {"call": call, "timeline": call_timeline(call, now=now), "is_open": call.is_open(at=now)},
    )
