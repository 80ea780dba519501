"""Pages that belong to no domain: health check, site pages, demo mailbox, error pages (the
home page lists the open calls: it is the calls app's, ``coopess/calls/views.py``)."""

import logging
import sys

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.template import loader
from django.views.decorators.http import require_GET

from coopess.common.models import DemoEmail, SitePage

logger = logging.getLogger("coopess")


@login_not_required
@require_GET
def health(request):
    """A bare view: the floor the benchmarks compare every page against."""
    return HttpResponse("ok", content_type="text/plain")


@login_not_required
@require_GET
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says."""
    from django.templatetags.static import static

    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


@login_not_required
@require_GET
def privacy(request):
    return _site_page(request, "privacy")


@login_not_required
@require_GET
def accessibility(request):
    return _site_page(request, "accessibility")


@login_not_required
@require_GET
def legal(request):
    return _site_page(request, "legal")


def _site_page(request, slug: str):
    """The operator's own text when written (administration → pages éditables), else ours."""
    page = SitePage.objects.filter(slug=slug).first()
    if page is None:
        return render(request, f"common/{slug}.html")
    return render(request, "common/site_page.html", {"page": page})


def _demo_only() -> None:
    if not settings.COOPESS_DEMO:
        raise Http404


@login_not_required
@require_GET
def demo_mailbox(request):
    """Demo only: every email sent, readable without a mail client."""
    _demo_only()
    emails = DemoEmail.objects.all()[:100]
    return render(request, "common/demo_mailbox.html", {"emails": emails})


@login_not_required
@require_GET
def demo_email(request, pk: int):
    _demo_only()
    email = get_object_or_404(DemoEmail, pk=pk)
    return render(request, "common/demo_email.html", {"email": email})


# Error pages ---------------------------------------------------------------------------------


def error_400(request, exception=None):
    return render(request, "400.html", status=400)


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def csrf_failure(request, reason=""):
    """A refused form (missing or stale CSRF token): explained in French, never Django's page."""
    if request.headers.get("HX-Request"):
        return HttpResponse("Formulaire expiré : rechargez la page.", status=403)
    return render(request, "403_csrf.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    """A French page, never a stack trace; 503 when the database cannot be reached."""
    error = sys.exc_info()[1]
    if isinstance(error, DatabaseError) and _database_unreachable(error):
        logger.error("Database unreachable, answering 503: %s", error)
        template, status = "503.html", 503
    else:
        template, status = "500.html", 500
    # Rendered without context processors: they may need the database that just failed.
    html = loader.get_template(template).render({"SITE_NAME": settings.COOPESS_SITE_NAME})
    response = HttpResponse(html, status=status)
    if status == 503:
        response["Retry-After"] = "30"
    return response


def _database_unreachable(error: DatabaseError) -> bool:
    from django.db import InterfaceError, OperationalError

    return isinstance(error, OperationalError | InterfaceError)
