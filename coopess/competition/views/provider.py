"""What a consulted provider reaches. The emailed secret link is an invitation (like a partner
structure's): signed in by emailed code with the invited address, the provider accepts it; from
then on « Mes consultations » lists its consultations and each page — the terms of reference
(the version sent and the latest), the published answers to questions (anonymised), its
question form and its own proposal (draft kept, submission before the deadline, French messages
next to the field) — is reached signed in. Anyone else's consultation answers 404."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from coopess.competition import forms, permissions
from coopess.competition.services import CompetitionError, invitations
from coopess.competition.services import proposals as services


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: signed in (the sign-in page brings the person back here), the
    invited provider accepts; another account is refused with the reason."""
    consulted = permissions.consulted_by_token(token)
    refusal = invitations.invitation_refusal(consulted, request.user)
    if refusal:
        return render(
            request,
            "competition/invitation.html",
            {"consulted": consulted, "refusal": refusal},
            status=403,
        )
    if consulted.user_id == request.user.pk:
        return redirect("competition:provider_home", consulted.pk)
    if request.method == "POST":
        try:
            invitations.provider_accept(consulted=consulted, user=request.user)
        except CompetitionError as error:  # accepted by another account meanwhile
            return render(
                request,
                "competition/invitation.html",
                {"consulted": consulted, "refusal": error.message},
                status=403,
            )
        messages.success(
            request, "Invitation acceptée : la consultation est dans « Mes consultations »."
        )
        return redirect("competition:provider_home", consulted.pk)
    return render(request, "competition/invitation.html", {"consulted": consulted})


def consultations(request: HttpRequest) -> HttpResponse:
    """The consultations whose invitation this account accepted."""
    rows = (
        permissions.provider_consultations(request.user)
        .annotate(proposal_submitted_at=F("proposal__submitted_at"))
        .order_by("-invited_at", "-pk")
    )
    return render(request, "competition/provider_list.html", {"rows": rows})


def home(request: HttpRequest, consulted_id: int) -> HttpResponse:
    consulted = permissions.provider_consulted(request.user, consulted_id)
    consultation = consulted.consultation
    proposal = services.proposal_for(consulted)
    form = forms.ProposalForm(instance=proposal)
    question_form = forms.QuestionForm()
    if request.method == "POST" and request.POST.get("action") == "question":
        question_form = forms.QuestionForm(request.POST)
        if question_form.is_valid():
            try:
                services.question_ask(consulted=consulted, text=question_form.cleaned_data["text"])
            except CompetitionError as error:
                question_form.add_error("text", error.message)
            else:
                messages.success(request, "Votre question est transmise au DLA.")
                return redirect("competition:provider_home", consulted.pk)
    elif request.method == "POST" and proposal.submitted_at is None:
        form = forms.ProposalForm(request.POST, request.FILES, instance=proposal)
        if form.is_valid():
            data = {k: form.cleaned_data[k] for k in services.FIELDS}
            try:
                services.proposal_save(
                    consulted=consulted, attachment=request.FILES.get("attachment"), **data
                )
                action = request.POST.get("action")
                over = services.proposal_for(consulted).over_ceiling
                if (action == "submit" and not over) or action == "submit_over":
                    services.proposal_submit(consulted=consulted)
            except CompetitionError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                saved = services.proposal_for(consulted)
                if saved.over_ceiling and saved.submitted_at is None:
                    messages.success(request, "Brouillon enregistré.")
                    form.add_error("total", over_ceiling_message(consultation))
                    return render(
                        request, "competition/provider.html", _context(consulted, form), status=400
                    )
                if saved.submitted_at is not None:
                    messages.success(
                        request,
                        "Votre proposition est déposée : un accusé de réception vous est envoyé.",
                    )
                else:
                    messages.success(request, "Brouillon enregistré.")
                return redirect("competition:provider_home", consulted.pk)
    # a refused form answers 400, as everywhere else (the selection's, the officer's)
    status = 400 if form.errors or question_form.errors else 200
    return render(
        request,
        "competition/provider.html",
        _context(consulted, form, question_form),
        status=status,
    )


def over_ceiling_message(consultation) -> str:
    return (
        f"Ce total dépasse le plafond de {consultation.budget_ceiling} € TTC du cahier des "
        "charges : votre brouillon est enregistré mais pas déposé. Revoyez votre prix, ou "
        "déposez-le tel quel avec « Déposer malgré le dépassement » : le DLA ne pourra le "
        "retenir qu'avec une dérogation écrite."
    )


def _versions(consulted) -> list:
    """The version of the terms this provider was sent, and the latest when it differs."""
    latest = consulted.consultation.terms_versions.first()
    versions = [v for v in (consulted.sent_version, latest) if v is not None]
    return list({v.number: v for v in versions}.values())


def _context(consulted, form, question_form=None) -> dict:
    consultation = consulted.consultation
    proposal = services.proposal_for(consulted)
    return {
        "consulted": consulted,
        "consultation": consultation,
        "proposal": proposal,
        "form": form,
        "question_form": question_form or forms.QuestionForm(),
        "answers": consultation.questions.exclude(answer=""),
        "is_open": consultation.is_open(),
        "over_ceiling": proposal.over_ceiling,
        "versions": _versions(consulted),
    }


def terms_pdf(request: HttpRequest, consulted_id: int, number: int) -> HttpResponse:
    """A version of the terms of reference as PDF: the one sent to this provider or the
    latest (the officer's drafts in between stay the DLA's)."""
    from coopess.competition.documents import terms_pdf as render_terms

    consulted = permissions.provider_consulted(request.user, consulted_id)
    version = next((v for v in _versions(consulted) if v.number == number), None)
    if version is None:
        raise Http404
    response = HttpResponse(render_terms(version.as_consultation()), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="cahier-des-charges-v{number}.pdf"'
    return response


def attachment(request: HttpRequest, consulted_id: int) -> HttpResponse:
    """The attachment of the account's own proposal, draft or submitted."""
    from coopess.common.uploads import protected_file_response

    consulted = permissions.provider_consulted(request.user, consulted_id)
    proposal = services.proposal_for(consulted)
    if not proposal.attachment:
        raise Http404
    return protected_file_response(
        proposal.attachment, download_name=proposal.attachment_name or "piece-jointe"
    )
