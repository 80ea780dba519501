"""Errors as RFC 9457 « problem details » (``application/problem+json``), in French."""

from __future__ import annotations

import json

from django.http import HttpResponse

PROBLEM_TYPE = "https://coopess.example.org/api/problemes/"

TITLES = {
    400: "Requête invalide",
    401: "Authentification requise",
    404: "Ressource introuvable",
    405: "Méthode non permise",
    429: "Trop de requêtes",
    500: "Erreur interne",
}


class ApiProblem(Exception):
    """Raised by an endpoint: answered as a problem document with this status and detail."""

    def __init__(self, status: int, detail: str, *, slug: str = "", headers=None, extra=None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.slug = slug or {400: "requete-invalide", 401: "authentification", 404: "introuvable",
                             429: "trop-de-requetes"}.get(status, "erreur")  # fmt: skip
        self.headers = headers or {}
        self.extra = extra or {}


def not_found() -> ApiProblem:
    return ApiProblem(404, "Aucune ressource ne correspond à cette adresse pour ce jeton.")


def problem_response(request, problem: ApiProblem) -> HttpResponse:
    body = {
        "type": PROBLEM_TYPE + problem.slug,
        "title": TITLES.get(problem.status, "Erreur"),
        "status": problem.status,
        "detail": problem.detail,
        "instance": request.path,
        **problem.extra,
    }
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status=problem.status,
        content_type="application/problem+json; charset=utf-8",
    )
    for name, value in problem.headers.items():
        response[name] = value
    return response
