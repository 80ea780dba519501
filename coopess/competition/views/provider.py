"""What a consulted provider reaches through its secret link: the terms of reference, the
published answers to questions (anonymised), its question form and its own proposal (draft kept,
submission before the deadline, French messages next to the field)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from coopess.competition import forms, permissions
from coopess.competition.services import CompetitionError
from coopess.competition.services import proposals as services


@login_not_required
def home(request: HttpRequest, token: str) -> HttpResponse:
    consulted = permissions.consulted_by_token(token)
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
                return redirect("competition:provider_home", token)
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
                return redirect("competition:provider_home", token)
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
    }


@login_not_required
def terms_pdf(request: HttpRequest, token: str) -> HttpResponse:
    """The terms of reference as sent, in PDF, for the holder of the secret link."""
    from django.http import HttpResponse as Response

    from coopess.competition.documents import terms_pdf as render

    consulted = permissions.consulted_by_token(token)
    response = Response(render(consulted.consultation), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="cahier-des-charges.pdf"'
    return response


@login_not_required
def attachment(request: HttpRequest, token: str) -> HttpResponse:
    """The attachment of the holder's own proposal, draft or submitted."""
    from coopess.common.uploads import protected_file_response

    consulted = permissions.consulted_by_token(token)
    proposal = services.proposal_for(consulted)
    if not proposal.attachment:
        raise Http404
    return protected_file_response(
        proposal.attachment, download_name=proposal.attachment_name or "piece-jointe"
    )
