"""The comité d'appui's part of the comparison.

For the officer: say whether the comité marks the proposals and assign its members (reviewers
of the DLA). For a member: the consultations assigned to them and, once the answers are closed,
the proposals side by side with, for each, the conflict-of-interest declaration first, then the
marking form (once). A member sees another person's marks of a proposal only after marking it,
and never the choice. Another DLA's member or an unassigned one gets 404."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from coopess.accounts.models import Role
from coopess.competition import forms, permissions
from coopess.competition.models import ConsultationStatus, Proposal, Score
from coopess.competition.services import CompetitionError
from coopess.competition.services import committee as services
from coopess.competition.services import proposals as proposal_services

# --- The officer: the setting and the members -------------------------------------------------


def _officer_item(request, cohort_id: int):
    item = permissions.officer_consultation(request.user, cohort_id)
    if item is None:
        raise Http404
    return item


@require_POST
def officer_settings(request: HttpRequest, cohort_id: int) -> HttpResponse:
    item = _officer_item(request, cohort_id)
    form = forms.CommitteeSettingsForm(request.POST)
    form.is_valid()  # a checkbox: always valid
    try:
        services.committee_configure(
            consultation=item,
            by=request.user,
            committee_scores=form.cleaned_data.get("committee_scores", False),
        )
    except CompetitionError as error:
        messages.error(request, error.message)
    else:
        if item.committee_scores:
            messages.success(request, "Le comité d'appui notera les propositions.")
        else:
            messages.success(
                request, "Seul·es les chargé·es d'accompagnement notent les propositions."
            )
    return redirect("competition:consultation", cohort_id)


@require_POST
def officer_assign(request: HttpRequest, cohort_id: int) -> HttpResponse:
    item = _officer_item(request, cohort_id)
    assigned_ids = item.committee.values("member_id")
    form = forms.CommitteeAssignForm(
        request.POST, members=services.eligible_members(item).exclude(pk__in=assigned_ids)
    )
    if form.is_valid():
        member = form.cleaned_data["member"]
        try:
            services.committee_member_assign(consultation=item, member=member, by=request.user)
        except CompetitionError as error:
            _refused(form, error)
        else:
            messages.success(
                request, f"{member.get_full_name() or member.email} notera les propositions."
            )
            return redirect("competition:consultation", cohort_id)
    # refused next to the field, with what was selected kept (400)
    from coopess.competition.views.officer import _page

    return _page(request, item, cohort_id, assign_form=form, status=400)


@require_POST
def officer_remove(request: HttpRequest, cohort_id: int, assigned_id: int) -> HttpResponse:
    """Take back a member who has declared and marked nothing yet."""
    item = _officer_item(request, cohort_id)
    assigned = get_object_or_404(item.committee.select_related("member"), pk=assigned_id)
    try:
        services.committee_member_remove(assigned=assigned, by=request.user)
    except CompetitionError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            f"{assigned.member.get_full_name() or assigned.member.email} ne note plus les "
            "propositions.",
        )
    return redirect("competition:consultation", cohort_id)


def officer_context(item, proposals: list[Proposal]) -> dict:
    """What the officer's consultation page shows of the comité d'appui: the setting, the
    members, and for the comparison each person's weighted mark of each proposal (or the
    conflict they declared); ``proposals`` carry their ``scores`` prefetched with ``by``."""
    eligible = services.eligible_members(item)
    members = list(item.committee.select_related("member"))
    assigned_ids = {m.member_id for m in members}
    open_ = item.status in services.OPEN_STATES
    markers = [m.member for m in members]
    began = {s.by_id for proposal in proposals for s in proposal.scores.all()}
    for m in members:  # a member who declared or marked nothing can still be taken back
        m.removable = open_ and m.member_id not in began
    for proposal in proposals:
        for score in proposal.scores.all():
            if score.by_id not in {person.pk for person in markers}:
                markers.append(score.by)
    for proposal in proposals:
        by_person = {s.by_id: s for s in proposal.scores.all()}
        proposal.marks_detail = [
            {
                "person": s.by,
                "conflict": s.has_conflict,
                "note": s.conflict_note,
                "comment": s.comment,
                "rows": [(c["label"], s.marks.get(c["key"])) for c in item.criteria],
            }
            for s in proposal.scores.all()
            if s.is_marked or s.has_conflict
        ]
        proposal.marks_by_person = [
            {
                "conflict": bool(by_person.get(p.pk) and by_person[p.pk].has_conflict),
                "mark": (
                    by_person[p.pk].weighted(item.criteria)
                    if by_person.get(p.pk) and by_person[p.pk].is_marked
                    else None
                ),
            }
            for p in markers
        ]
    return {
        "markers": markers,
        "committee_members": members,
        "committee_settings_form": (
            forms.CommitteeSettingsForm(initial={"committee_scores": item.committee_scores})
            if open_
            else None
        ),
        "committee_assign_form": (
            forms.CommitteeAssignForm(members=eligible.exclude(pk__in=assigned_ids))
            if open_ and item.committee_scores
            else None
        ),
    }


# --- The member's pages -----------------------------------------------------------------------


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if not request.user.has_role(Role.REVIEWER):
        raise Http404
    assignments = permissions.committee_assignments(request.user).order_by("-assigned_at", "-pk")
    return render(request, "competition/committee_home.html", {"assignments": assignments})


def _proposal(assigned, proposal_id: int) -> Proposal:
    if assigned.consultation.status == ConsultationStatus.DRAFT or (
        assigned.consultation.status == ConsultationStatus.CONSULTING
    ):
        raise Http404
    return get_object_or_404(
        Proposal.objects.select_related("consulted__provider"),
        consultation=assigned.consultation,
        pk=proposal_id,
        submitted_at__isnull=False,
    )


def _page(request, assigned, *, bound=None, status: int = 200) -> HttpResponse:
    """The member's consultation; ``bound`` = (proposal id, conflict form, score form) shows a
    refused declaration or refused marks next to the fields, with what was typed."""
    consultation = assigned.consultation
    visible = consultation.status not in (ConsultationStatus.DRAFT, ConsultationStatus.CONSULTING)
    proposals = []
    if visible:
        proposals = proposal_services.submitted_with_scores(consultation)
    can_mark = consultation.status == ConsultationStatus.CLOSED
    for proposal in proposals:
        scores = list(proposal.scores.all())
        own = next((s for s in scores if s.by_id == request.user.pk), None)
        proposal.own = own
        proposal.declared = own is not None and own.no_conflict_declared_at is not None
        proposal.conflict = own is not None and own.has_conflict
        proposal.marked = own is not None and own.is_marked
        proposal.own_mark = own.weighted(consultation.criteria) if proposal.marked else None
        proposal.own_rows = (
            [(c["label"], own.marks.get(c["key"])) for c in consultation.criteria]
            if proposal.marked
            else []
        )
        # another person's marks only once one's own are given (as in the selection)
        proposal.others = (
            [
                (s, s.weighted(consultation.criteria))
                for s in scores
                if s.is_marked and s.by_id != request.user.pk
            ]
            if proposal.marked
            else []
        )
        is_bound = bool(bound and bound[0] == proposal.pk)
        proposal.bound = is_bound
        # a refusal with no form left to show (a conflict declared, marks already given)
        proposal.refused = (bound[1] or bound[2]) if is_bound else None
        proposal.conflict_form = None
        proposal.score_form = None
        if can_mark and not (proposal.declared or proposal.conflict):
            proposal.conflict_form = (bound[1] if is_bound and bound[1] else None) or (
                forms.CommitteeConflictForm(auto_id=f"declare-{proposal.pk}-%s")
            )
        elif can_mark and proposal.declared and not proposal.marked:
            proposal.score_form = (bound[2] if is_bound and bound[2] else None) or (
                forms.CommitteeScoreForm(
                    criteria=consultation.criteria, auto_id=f"member-{proposal.pk}-%s"
                )
            )
    context = {
        "assigned": assigned,
        "consultation": consultation,
        "visible": visible,
        "can_mark": can_mark,
        "proposals": proposals,
        "criteria": consultation.criteria,
    }
    return render(request, "competition/committee_consultation.html", context, status=status)


@require_GET
def consultation(request: HttpRequest, consultation_id: int) -> HttpResponse:
    assigned = permissions.committee_assignment(request.user, consultation_id)
    return _page(request, assigned)


def _refused(form, error: CompetitionError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@require_POST
def declare(request: HttpRequest, consultation_id: int, proposal_id: int) -> HttpResponse:
    assigned = permissions.committee_assignment(request.user, consultation_id)
    proposal = _proposal(assigned, proposal_id)
    form = forms.CommitteeConflictForm(request.POST, auto_id=f"declare-{proposal.pk}-%s")
    if form.is_valid():
        if assigned.consultation.status != ConsultationStatus.CLOSED:
            form.add_error(None, "La comparaison est terminée.")
        else:
            try:
                has_conflict = form.cleaned_data["declaration"] == "conflict"
                services.member_declare(
                    assigned=assigned,
                    proposal=proposal,
                    has_conflict=has_conflict,
                    note=form.cleaned_data["note"],
                )
            except CompetitionError as error:
                _refused(form, error)
            else:
                if has_conflict:
                    messages.info(
                        request,
                        "Conflit d'intérêts enregistré : vous ne notez pas la proposition de "
                        f"« {proposal.consulted.provider} ».",
                    )
                else:
                    messages.success(
                        request,
                        f"Déclaration enregistrée : notez « {proposal.consulted.provider} ».",
                    )
                return redirect("competition:committee_consultation", consultation_id)
    return _page(request, assigned, bound=(proposal.pk, form, None), status=400)


@require_POST
def score(request: HttpRequest, consultation_id: int, proposal_id: int) -> HttpResponse:
    assigned = permissions.committee_assignment(request.user, consultation_id)
    proposal = _proposal(assigned, proposal_id)
    criteria = assigned.consultation.criteria
    form = forms.CommitteeScoreForm(
        request.POST, criteria=criteria, auto_id=f"member-{proposal.pk}-%s"
    )
    if form.is_valid():
        try:
            services.member_score(
                assigned=assigned,
                proposal=proposal,
                marks=form.marks(criteria),
                comment=form.cleaned_data["comment"],
            )
        except CompetitionError as error:
            _refused(form, error)
        else:
            messages.success(
                request,
                f"Notes de « {proposal.consulted.provider} » enregistrées : vous voyez "
                "maintenant celles des autres.",
            )
            return redirect("competition:committee_consultation", consultation_id)
    return _page(request, assigned, bound=(proposal.pk, None, form), status=400)


@require_GET
def attachment(request: HttpRequest, consultation_id: int, proposal_id: int) -> HttpResponse:
    """A proposal's attachment, for a member who declared no conflict with its provider."""
    from coopess.common.uploads import protected_file_response

    assigned = permissions.committee_assignment(request.user, consultation_id)
    proposal = _proposal(assigned, proposal_id)
    declared = Score.objects.filter(
        proposal=proposal,
        by=request.user,
        no_conflict_declared_at__isnull=False,
        conflict_declared_at__isnull=True,
    ).exists()
    if not declared or not proposal.attachment:
        raise Http404
    return protected_file_response(
        proposal.attachment, download_name=proposal.attachment_name or "piece-jointe"
    )
