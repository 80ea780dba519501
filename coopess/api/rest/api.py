"""The NinjaAPI of CoopESS (``/api/v1/``): problem documents for every error, an ETag on every
answer (``If-None-Match`` → 304), the token scheme in the OpenAPI schema."""

from __future__ import annotations

import hashlib

from django.http import Http404, HttpResponse, HttpResponseNotModified
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from coopess.api.rest.problems import ApiProblem, problem_response

DESCRIPTION = """API en lecture de CoopESS, pour les autres systèmes du DLA : son CRM, son site
web, les outils de compte rendu de ses financeurs.

- Authentification : `Authorization: Bearer coop_…`, un jeton créé par une ou un chargé
  d'accompagnement du DLA (page « API et webhooks »). Les appels publiés se lisent sans jeton.
- Identifiants : des UUID, jamais des numéros de ligne.
- Pagination par curseur : chaque page donne `next_cursor`, à repasser en paramètre `cursor`.
- Cache : chaque réponse porte un `ETag` ; renvoyé en `If-None-Match`, il vaut `304` tant que
  rien n'a changé.
- Limite : un nombre de requêtes par minute et par jeton ; au-delà, `429` et `Retry-After`.
- Erreurs : au format RFC 9457 (`application/problem+json`), `detail` en français.
- Une ressource hors des droits du jeton, ou d'un autre DLA, répond `404`.
"""


class CoopessApi(NinjaAPI):
    def get_openapi_operation_id(self, operation) -> str:
        return operation.view_func.__name__

    def create_response(self, request, data, *, status=None, temporal_response=None):
        response = super().create_response(
            request, data, status=status, temporal_response=temporal_response
        )
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            etag = '"' + hashlib.sha256(response.content).hexdigest()[:40] + '"'
            response["ETag"] = etag
            response["Cache-Control"] = "private, no-cache"
            asked = [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]
            if etag in asked or "*" in asked:
                not_modified = HttpResponseNotModified()
                not_modified["ETag"] = etag
                return not_modified
        return response


api = CoopessApi(
    title="API CoopESS",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    docs_url=None,
    openapi_extra={"info": {"contact": {"name": "CoopESS"}}},
)


@api.exception_handler(ApiProblem)
def _problem(request, exc: ApiProblem) -> HttpResponse:
    return problem_response(request, exc)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc) -> HttpResponse:
    response = problem_response(
        request,
        ApiProblem(
            401,
            "Jeton absent, inconnu, expiré ou révoqué : envoyez « Authorization: Bearer "
            "coop_… » avec un jeton actif.",
        ),
    )
    response["WWW-Authenticate"] = 'Bearer realm="coopess"'
    return response


@api.exception_handler(ValidationError)
def _invalid(request, exc: ValidationError) -> HttpResponse:
    fields = []
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ()) if part not in ("query", "path")]
        fields.append({"parameter": ".".join(location), "problem": _french(error)})
    names = ", ".join(f"« {f['parameter']} »" for f in fields if f["parameter"]) or "la requête"
    return problem_response(
        request,
        ApiProblem(400, f"Paramètre invalide : {names}.", extra={"errors": fields}),
    )


def _french(error: dict) -> str:
    kind = error.get("type", "")
    if kind == "uuid_parsing" or kind == "uuid_type":
        return "Un UUID est attendu, par exemple 3f2b8c1e-5d4a-4b8e-9c7f-1a2b3c4d5e6f."
    if kind.startswith("datetime") or kind.startswith("date"):
        return "Une date ISO 8601 est attendue, par exemple 2025-06-01T00:00:00+02:00."
    if kind.startswith("int") or kind.startswith("greater") or kind.startswith("less"):
        return "Un nombre entier valide est attendu."
    if kind == "enum" or kind == "literal_error":
        return "Valeur non reconnue : voir les valeurs possibles dans la documentation."
    if kind.startswith("bool"):
        return "« true » ou « false » est attendu."
    return "Valeur non valide."


@api.exception_handler(Http404)
def _not_found(request, exc) -> HttpResponse:
    return problem_response(
        request, ApiProblem(404, "Aucune ressource ne correspond à cette adresse pour ce jeton.")
    )


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError) -> HttpResponse:
    return problem_response(request, ApiProblem(exc.status_code, "Requête refusée."))


from coopess.api.rest import endpoints  # noqa: E402, F401  (registers the routes)
