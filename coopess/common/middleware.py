"""Site-wide request handling."""

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.http import HttpResponse


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Every page private unless marked ``login_not_required``.

    A background request (HTMX autosave) from an expired session gets a 401 rather than the
    sign-in page: the page keeps what was typed and asks the person to sign in again.
    """

    def handle_no_permission(self, request, view_func):
        if request.headers.get("HX-Request"):
            return HttpResponse(
                "Votre session a expiré : reconnectez-vous pour enregistrer.", status=401
            )
        return super().handle_no_permission(request, view_func)
