"""WSGI entry point (gunicorn config.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()


def _freeze_what_lives_as_long_as_the_process() -> None:
    """Load the URL configuration, then move every object created so far (Django, the apps,
    the URLs) out of the garbage collector's reach: they live as long as the process. Without
    this, a full collection walked some 150,000 objects every few requests of the indicators
    page at 100,000 applications (80 ms each time, the page's p95); after it, 8 ms."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 — imports every view module now
    gc.freeze()


_freeze_what_lives_as_long_as_the_process()
