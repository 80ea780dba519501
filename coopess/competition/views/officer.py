"""The officer's pages of the competition: the providers directory of the DLA, the consultation
of a cohort (terms of reference, providers consulted, sending, questions, closing, side-by-side
comparison and marks, choice, letters, abandon). Every write goes through ``services``."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from coopess.competition import forms, permissions
from coopess.competition.directory import past_engagements
from coopess.competition.models import ConsultationStatus, LookupStatus, Proposal, Question
from coopess.competition.services import CompetitionError
from coopess.competition.services import consultation as services
from coopess.competition.services import directory as directory_services
from coopess.competition.services import proposals as proposal_services
from coopess.competition.views import committee


def providers(request: HttpRequest) -> HttpResponse:
    """The DLA's directory: its providers with their past engagements (attendance, the DLA's
    satisfaction), and the form to add one (SIRET looked up in the company directory)."""
    permissions.require_officer(request.user)
    form = forms.ProviderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            provider, note = directory_services.provider_save(
                operator_id=permissions.officer_operators(request.user)[0],
                **form.cleaned_data,
            )
        except CompetitionError as error:
            _refused(form, error)
        else:
            messages.success(request, f"« {provider.name} » est ajouté à l'annuaire.")
            _lookup_message(request, provider, note)
            return redirect("competition:providers")
    return _directory(request, form, status=400 if form.errors else 200)


def _directory(request: HttpRequest, form, *, bound=None, status: int = 200) -> HttpResponse:
    """The directory page; ``bound`` = (engagement id, review form) re-shows a refused
    satisfaction next to its field with what was typed (refused forms answer 400)."""
    rows = list(
        permissions.officer_providers(request.user).prefetch_related(
            "consultations__consultation__cohort"
        )
    )
    records = past_engagements(rows)
    for row in rows:
        row.record = records[row.pk]
        for past in row.record.engagements:
            review = getattr(past.engagement, "review", None)
            auto_id = f"review-{row.pk}-{past.engagement.pk}-%s"
            if bound and bound[0] == past.engagement.pk:
                past.form = forms.ReviewForm(bound[1].data, auto_id=auto_id)
                past.form.is_valid()
            else:
                past.form = forms.ReviewForm(
                    initial={
                        "satisfaction": past.satisfaction,
                        "comment": review.comment if review else "",
                    },
                    auto_id=auto_id,
                )
    return render(
        request, "competition/providers.html", {"providers": rows, "form": form}, status=status
    )


def _lookup_message(request: HttpRequest, provider, note: str) -> None:
    from coopess.competition.models import LookupStatus

    if provider.lookup_status == LookupStatus.FOUND:
        messages.info(request, note)
    else:
        messages.warning(request, note)


def provider_edit(request: HttpRequest, provider_id: int) -> HttpResponse:
    """Edit a provider of the DLA's directory; the SIRET is looked up again."""
    permissions.require_officer(request.user)
    provider = get_object_or_404(permissions.officer_providers(request.user), pk=provider_id)
    title = provider.name  # the form writes what is typed onto its instance
    form = forms.ProviderForm(request.POST or None, instance=provider)
    if request.method == "POST" and form.is_valid():
        try:
            provider, note = directory_services.provider_save(
                operator_id=provider.operator_id,
                provider=permissions.officer_providers(request.user).get(pk=provider_id),
                **form.cleaned_data,
            )
        except CompetitionError as error:
            _refused(form, error)
        else:
            messages.success(request, f"« {provider.name} » est modifié.")
            _lookup_message(request, provider, note)
            return redirect("competition:providers")
    return render(
        request,
        "competition/provider_edit.html",
        {"provider": provider, "title": title, "form": form},
        status=400 if form.errors else 200,
    )


@require_POST
def engagement_review(request: HttpRequest, engagement_id: int) -> HttpResponse:
    """Record the DLA's satisfaction with a past engagement of one of its cohorts."""
    from coopess.support.models import Engagement

    permissions.require_officer(request.user)
    engagement = get_object_or_404(
        Engagement.objects.filter(
            cohort__call__operator_id__in=permissions.officer_operators(request.user)
        ),
        pk=engagement_id,
    )
    form = forms.ReviewForm(request.POST)
    if form.is_valid():
        try:
            directory_services.engagement_review_save(engagement=engagement, **form.cleaned_data)
        except CompetitionError as error:
            _refused(form, error)
        else:
            messages.success(request, f"Satisfaction enregistrée pour « {engagement.cohort} ».")
            return redirect("competition:providers")
    return _directory(request, forms.ProviderForm(), bound=(engagement.pk, form), status=400)


def _redirect(cohort_id: int):
    return redirect("competition:consultation", cohort_id)


def consultation(request: HttpRequest, cohort_id: int) -> HttpResponse:
    item = permissions.officer_consultation(request.user, cohort_id)
    if item is None:
        form = forms.ConsultationCreateForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            from coopess.diagnostic.permissions import officer_cohort

            services.consultation_create(
                cohort=officer_cohort(request.user, cohort_id), by=request.user, **form.cleaned_data
            )
            messages.success(request, "Le cahier des charges est pré-rempli : relisez-le.")
            return _redirect(cohort_id)
        return render(
            request,
            "competition/start.html",
            {"form": form, "cohort_id": cohort_id},
            status=400 if form.errors else 200,
        )
    terms = forms.TermsForm(instance=item)
    if request.method == "POST" and item.status == ConsultationStatus.DRAFT:
        terms = forms.TermsForm(request.POST, instance=item)
        if terms.is_valid():
            services.consultation_update(consultation=item, by=request.user, **terms.cleaned_data)
            messages.success(request, f"Version {item.version} du cahier des charges enregistrée.")
            return _redirect(cohort_id)
    return _page(request, item, cohort_id, terms=terms, status=400 if terms.errors else 200)


def _page(
    request,
    item,
    cohort_id: int,
    *,
    terms=None,
    bound=None,
    consult_form=None,
    detach=None,
    assign_form=None,
    status: int = 200,
):
    """The consultation page; ``bound`` = (proposal id, score form, choice form) re-shows a
    proposal's refused marks or choice with the messages next to the fields and what was
    typed (status 400, as the selection's refused forms); ``consult_form``, ``detach`` =
    (consulted id, form) and ``assign_form`` do the same for the provider to consult, the
    account to detach and the comité d'appui member to assign."""
    terms = terms or forms.TermsForm(instance=item)
    proposals = proposal_services.submitted_with_scores(item)
    for proposal in proposals:
        proposal.mark = proposal_services.average_marks(proposal, item.criteria)
        proposal.bound = bool(bound and bound[0] == proposal.pk)
        proposal.score_form = (bound[1] if proposal.bound and bound[1] else None) or (
            forms.ScoreForm(criteria=item.criteria, auto_id=f"mark-{proposal.pk}-%s")
        )
        proposal.choice_form = (bound[2] if proposal.bound and bound[2] else None) or (
            forms.ChoiceForm(auto_id=f"choice-{proposal.pk}-%s")
        )
    consulted = list(item.consulted.select_related("provider", "user"))
    for row in consulted:
        row.closed = row.provider.lookup_status == LookupStatus.CLOSED
        row.can_reinvite = (
            item.is_open() and row.invited_at is not None and row.user_id is None and not row.closed
        )
        row.detach_form = None
        if row.user_id is not None:
            row.detach_form = (detach[1] if detach and detach[0] == row.pk else None) or (
                forms.DetachForm(auto_id=f"detach-{row.pk}-%s")
            )
    consulted_ids = {row.provider_id for row in consulted}
    context = {
        "consultation": item,
        "cohort_id": cohort_id,
        "terms": terms,
        "consulted": consulted,
        "consult_form": consult_form or _consult_form(request, consulted_ids),
        "questions": item.questions.all(),
        "proposals": proposals,
        "transitions": item.transitions.select_related("by"),
        "versions": item.terms_versions.select_related("created_by"),
        "send_form": forms.SendForm(),
        "abandon_form": forms.AbandonForm(),
        "answer_form": forms.AnswerForm(),
        "is_draft": item.status == ConsultationStatus.DRAFT,
        "is_consulting": item.status == ConsultationStatus.CONSULTING,
        "is_closed": item.status == ConsultationStatus.CLOSED,
        "is_chosen": item.status == ConsultationStatus.CHOSEN,
        **committee.officer_context(item, proposals),
    }
    if assign_form is not None:
        context["committee_assign_form"] = assign_form
    return render(request, "competition/consultation.html", context, status=status)


def _act(request: HttpRequest, cohort_id: int, action) -> HttpResponse:
    item = permissions.officer_consultation(request.user, cohort_id)
    if item is None:
        raise Http404
    try:
        text = action(item)
    except CompetitionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, text)
    return _redirect(cohort_id)


def _consult_form(request, consulted_ids, data=None):
    """The providers of the DLA's directory not consulted yet (closed ones shown disabled)."""
    return forms.ConsultForm(
        data,
        providers=permissions.officer_providers(request.user).exclude(pk__in=consulted_ids),
    )


@require_POST
def consult(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """Add a provider of the directory; a refused one answers next to the field (400)."""
    item = permissions.officer_consultation(request.user, cohort_id)
    if item is None:
        raise Http404
    consulted_ids = set(item.consulted.values_list("provider_id", flat=True))
    form = _consult_form(request, consulted_ids, request.POST)
    if form.is_valid():
        provider = form.cleaned_data["provider"]
        try:
            services.provider_consult(consultation=item, provider=provider, by=request.user)
        except CompetitionError as error:
            _refused(form, error)
        else:
            messages.success(request, f"« {provider.name} » sera consulté.")
            return _redirect(cohort_id)
    return _page(request, item, cohort_id, consult_form=form, status=400)


def _consulted(request, cohort_id: int, consulted_id: int):
    item = permissions.officer_consultation(request.user, cohort_id)
    if item is None:
        raise Http404
    return item, get_object_or_404(
        item.consulted.select_related("provider", "user"), pk=consulted_id
    )


@require_POST
def unconsult(request: HttpRequest, cohort_id: int, consulted_id: int) -> HttpResponse:
    """Take a provider off the list while the consultation is a draft."""
    _item, consulted = _consulted(request, cohort_id, consulted_id)

    def action(_item):
        services.consulted_remove(consulted=consulted, by=request.user)
        return f"« {consulted.provider.name} » ne sera pas consulté."

    return _act(request, cohort_id, action)


@require_POST
def reinvite(request: HttpRequest, cohort_id: int, consulted_id: int) -> HttpResponse:
    """Send a provider's invitation again (not accepted yet), to the directory's address."""
    _item, consulted = _consulted(request, cohort_id, consulted_id)

    def action(_item):
        services.consulted_reinvite(
            consulted=consulted, by=request.user, seen=request.POST.get("sent", "")
        )
        return (
            f"L'invitation de « {consulted.provider.name} » est renvoyée à "
            f"{consulted.provider.email}."
        )

    return _act(request, cohort_id, action)


@require_POST
def detach(request: HttpRequest, cohort_id: int, consulted_id: int) -> HttpResponse:
    """Unlink the account that accepted a provider's invitation, after a confirmation."""
    item, consulted = _consulted(request, cohort_id, consulted_id)
    form = forms.DetachForm(request.POST, auto_id=f"detach-{consulted.pk}-%s")
    if form.is_valid():
        try:
            services.consulted_detach(consulted=consulted, by=request.user)
        except CompetitionError as error:
            _refused(form, error)
        else:
            messages.success(
                request,
                f"Le compte est détaché : un autre contact de « {consulted.provider.name} » "
                "peut accepter l'invitation (renvoyez-la si besoin).",
            )
            return _redirect(cohort_id)
    return _page(request, item, cohort_id, detach=(consulted.pk, form), status=400)


@require_POST
def send(request: HttpRequest, cohort_id: int) -> HttpResponse:
    def action(item):
        services.consultation_send(
            consultation=item,
            by=request.user,
            fewer_reason=request.POST.get("fewer_reason", ""),
        )
        return "Le cahier des charges est parti aux prestataires consultés."

    return _act(request, cohort_id, action)


@require_POST
def answer(request: HttpRequest, cohort_id: int, question_id: int) -> HttpResponse:
    def action(item):
        question = get_object_or_404(Question, consultation=item, pk=question_id)
        proposal_services.question_answer(
            question=question, by=request.user, answer=request.POST.get("answer", "")
        )
        return "La réponse est publiée à tous les prestataires consultés."

    return _act(request, cohort_id, action)


@require_POST
def close(request: HttpRequest, cohort_id: int) -> HttpResponse:
    def action(item):
        services.consultation_close(consultation=item, by=request.user)
        return "Les réponses sont closes : comparez les propositions."

    return _act(request, cohort_id, action)


def _submitted(request, cohort_id: int, proposal_id: int):
    item = permissions.officer_consultation(request.user, cohort_id)
    if item is None:
        raise Http404
    return item, get_object_or_404(
        Proposal.objects.select_related("consulted__provider"),
        consultation=item,
        pk=proposal_id,
        submitted_at__isnull=False,
    )


def _refused(form, error: CompetitionError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@require_POST
def score(request: HttpRequest, cohort_id: int, proposal_id: int) -> HttpResponse:
    item, proposal = _submitted(request, cohort_id, proposal_id)
    form = forms.ScoreForm(request.POST, criteria=item.criteria, auto_id=f"mark-{proposal.pk}-%s")
    if form.is_valid():
        try:
            proposal_services.score_save(
                proposal=proposal,
                by=request.user,
                marks=form.marks(item.criteria),
                no_conflict=form.cleaned_data["no_conflict"],
            )
        except CompetitionError as error:
            _refused(form, error)
        else:
            messages.success(request, f"Notes de « {proposal.consulted.provider} » enregistrées.")
            return _redirect(cohort_id)
    return _page(request, item, cohort_id, bound=(proposal.pk, form, None), status=400)


@require_POST
def choose(request: HttpRequest, cohort_id: int, proposal_id: int) -> HttpResponse:
    item, proposal = _submitted(request, cohort_id, proposal_id)
    form = forms.ChoiceForm(request.POST, auto_id=f"choice-{proposal.pk}-%s")
    if form.is_valid():
        try:
            engagement = services.proposal_choose(
                proposal=proposal, by=request.user, **form.cleaned_data
            )
        except CompetitionError as error:
            _refused(form, error)
        else:
            messages.success(
                request, "Le prestataire est choisi : la prestation de conseil est créée."
            )
            left_out = services.consultants_left_out(proposal, engagement)
            if left_out:
                messages.warning(
                    request,
                    "Sans adresse électronique utilisable dans la proposition, ces "
                    "consultant·es n'ont pas encore accès à l'accompagnement : "
                    + ", ".join(left_out)
                    + ". Ajoutez-les depuis la page de l'accompagnement collectif "
                    "(« Ajouter un·e consultant·e »).",
                )
            return _redirect(cohort_id)
    return _page(request, item, cohort_id, bound=(proposal.pk, None, form), status=400)


@require_POST
def letters(request: HttpRequest, cohort_id: int) -> HttpResponse:
    def action(item):
        sent = services.letters_send(consultation=item, by=request.user)
        return f"{sent} lettre(s) envoyée(s)."

    return _act(request, cohort_id, action)


@require_POST
def abandon(request: HttpRequest, cohort_id: int) -> HttpResponse:
    def action(item):
        services.consultation_abandon(
            consultation=item, by=request.user, reason=request.POST.get("reason", "")
        )
        return "La mise en concurrence est abandonnée."

    return _act(request, cohort_id, action)


def terms_file(request: HttpRequest, cohort_id: int, fmt: str) -> HttpResponse:
    """The terms of reference as PDF or editable DOCX."""
    from coopess.competition import documents

    item = permissions.officer_consultation(request.user, cohort_id)
    if item is None or fmt not in ("pdf", "docx"):
        raise Http404
    if fmt == "pdf":
        content, kind = documents.terms_pdf(item), "application/pdf"
    else:
        content = documents.terms_docx(item)
        kind = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    response = HttpResponse(content, content_type=kind)
    name = f"cahier-des-charges-v{item.version}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def proposal_attachment(request: HttpRequest, cohort_id: int, proposal_id: int) -> HttpResponse:
    """The attachment of a submitted proposal (a draft stays the provider's own)."""
    from coopess.common.uploads import protected_file_response

    item = permissions.officer_consultation(request.user, cohort_id)
    if item is None:
        raise Http404
    proposal = get_object_or_404(
        Proposal, pk=proposal_id, consultation=item, submitted_at__isnull=False
    )
    if not proposal.attachment:
        raise Http404
    return protected_file_response(
        proposal.attachment, download_name=proposal.attachment_name or "piece-jointe"
    )
