"""Pages of the partner finder: a representative's consent, search and requests; the DLA
officer's suggestions and introductions; the funders' counts."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coopess.accounts.models import Role
from coopess.applications.choices import SharingDomain
from coopess.applications.models import ApplicationStatus
from coopess.calls.models import Call
from coopess.finder import permissions, scoring, services
from coopess.finder.forms import (
    ConsentForm,
    IntroductionForm,
    JointApplicationForm,
    MessageForm,
    SearchForm,
)
from coopess.finder.models import Audience, ContactRequest, ContactStatus, FinderProfile
from coopess.structures.geography import departement_name
from coopess.structures.nomenclatures import staff_band_label

DOMAIN_LABELS = dict(SharingDomain.choices)


def shown_rows(profile: FinderProfile) -> list[tuple[str, str]]:
    """What a profile shows, as (label, value) rows: only what it chose to show."""
    rows = []
    if profile.needs:
        rows.append(("Besoins", ", ".join(DOMAIN_LABELS.get(d, d) for d in profile.needs)))
    if profile.resources:
        rows.append(
            ("Ressources à partager", ", ".join(DOMAIN_LABELS.get(d, d) for d in profile.resources))
        )
    if profile.naf_code:
        rows.append(("Code NAF", profile.naf_code))
    if profile.departement:
        name = departement_name(profile.departement) or ""
        rows.append(("Département", f"{profile.departement} — {name}".strip(" —")))
    if profile.staff_band:
        rows.append(("Effectif salarié", staff_band_label(profile.staff_band) or ""))
    if profile.stage_label:
        rows.append(("Stade du projet", profile.stage_label))
    if profile.forms:
        rows.append(
            ("Formes envisagées", ", ".join(scoring.FORM_LABELS.get(f, f) for f in profile.forms))
        )
    if profile.pitch:
        rows.append(("Présentation", profile.pitch))
    return rows


@require_GET
def home(request):
    structures = list(permissions.represented_structures(request.user))
    profiles = {p.structure_id: p for p in FinderProfile.objects.filter(structure__in=structures)}
    rows = [{"structure": s, "profile": profiles.get(s.pk)} for s in structures]
    requests = list(
        permissions.visible_requests(request.user).filter(
            pk__in=ContactRequest.objects.involving(request.user).values("pk")
        )[:100]
    )
    return render(
        request,
        "finder/home.html",
        {
            "rows": rows,
            "requests": requests,
            "is_officer": permissions.is_officer(request.user),
            "is_funder": permissions.is_funder(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def consent(request, structure_id: int):
    structure = permissions.represented_structure(request.user, structure_id)
    profile = permissions.own_profile(structure)
    if request.method == "POST":
        form = ConsentForm(request.POST)
        if form.is_valid():
            try:
                services.consent_save(
                    structure=structure,
                    by=request.user,
                    audience=form.cleaned_data["audience"],
                    shown=form.cleaned_data["shown"],
                    duration_months=form.cleaned_data["duration_months"],
                    needs=form.cleaned_data["needs"],
                    resources=form.cleaned_data["resources"],
                    pitch=form.cleaned_data["pitch"],
                )
            except services.FinderError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    "Votre accord est enregistré : votre structure peut être trouvée, avec ce "
                    "que vous avez choisi de montrer.",
                )
                return redirect("finder:home")
    else:
        form = ConsentForm(initial=services.consent_initial(structure))
    return render(
        request,
        "finder/consent.html",
        {
            "structure": structure,
            "profile": profile,
            "is_active": profile is not None and profile.is_active(),
            "form": form,
            "events": list(profile.events.all()) if profile else [],
        },
    )


@require_POST
def withdraw(request, structure_id: int):
    structure = permissions.represented_structure(request.user, structure_id)
    profile = permissions.own_profile(structure)
    if profile is None:
        raise Http404
    try:
        services.consent_withdraw(profile=profile, by=request.user)
    except services.FinderError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, "Votre accord est retiré : votre structure n'apparaît plus dans la recherche."
        )
    return redirect("finder:home")


def filter_selects(form: SearchForm) -> list[dict]:
    """The filters' <select> options, built once in Python (a template loop over the 101
    départements was most of the page's rendering time)."""
    selects = []
    for field in form:
        current = str(field.value() or "")
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (value, mark_safe(" selected") if str(value) == current else "", label)
                for value, label in field.field.choices
            ),
        )
        selects.append(
            {
                "id": field.id_for_label,
                "name": field.html_name,
                "label": field.label,
                "options": options,
            }
        )
    return selects


@require_GET
def search(request, structure_id: int):
    structure = permissions.represented_structure(request.user, structure_id)
    profile = permissions.own_profile(structure)
    form = SearchForm(request.GET or None)
    results, problem = [], ""
    if profile is None or not profile.is_active() or profile.audience != Audience.EVERYONE:
        problem = (
            "Pour chercher des partenaires, votre structure doit elle aussi accepter d'être "
            "trouvée par les autres structures."
        )
    else:
        filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
        results = services.search(
            seeker=profile,
            departement=filters.get("departement", ""),
            domain=filters.get("domaine", ""),
        )
    return render(
        request,
        "finder/search.html",
        {
            "structure": structure,
            "profile": profile,
            "form": form,
            "selects": filter_selects(form),
            "problem": problem,
            "results": [{"result": r, "rows": shown_rows(r.profile)} for r in results],
        },
    )


@require_http_methods(["GET", "POST"])
def contact(request, structure_id: int, profile_id: int):
    structure = permissions.represented_structure(request.user, structure_id)
    seeker = permissions.own_profile(structure)
    target = permissions.findable_profile(profile_id)
    if target.structure_id == structure.pk:
        raise Http404
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if seeker is None:
            form.add_error(None, "Votre structure doit d'abord accepter d'être trouvée.")
        else:
            try:
                contact_request = services.contact_request(
                    seeker=seeker,
                    target=target,
                    by=request.user,
                    message=form.cleaned_data["message"],
                )
            except services.FinderError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    f"Votre demande est envoyée à {target.name}. Vous serez prévenu·e de sa réponse.",
                )
                return redirect("finder:request", request_id=contact_request.pk)
    match = None
    if seeker is not None and seeker.is_active():
        seen = services.to_scoring(seeker)
        match = scoring.reasons(seen, services.to_scoring(target))
    return render(
        request,
        "finder/contact.html",
        {
            "structure": structure,
            "target": target,
            "rows": shown_rows(target),
            "reasons": match or (),
            "form": form,
        },
    )


def _contacts(contact_request: ContactRequest, structure_id: int) -> list:
    structure = (
        contact_request.from_structure
        if contact_request.from_structure_id == structure_id
        else contact_request.to_structure
    )
    return [r for r in structure.representatives.all() if r.email]


@require_GET
def request_detail(request, request_id: int):
    contact_request = permissions.visible_request(request.user, request_id)
    side = services.side_of(contact_request, request.user)
    other_id = None
    if side == "from":
        other_id = contact_request.to_structure_id
    elif side == "to":
        other_id = contact_request.from_structure_id
    disclosed = []
    if contact_request.status == ContactStatus.ACCEPTED and other_id is not None:
        disclosed = _contacts(contact_request, other_id)
    can_start = (
        contact_request.status == ContactStatus.ACCEPTED
        and side is not None
        and contact_request.joint_application_id is None
    )
    return render(
        request,
        "finder/request.html",
        {
            "contact": contact_request,
            "side": side,
            "can_answer": permissions.can_answer(request.user, contact_request),
            "disclosed": disclosed,
            "can_start": can_start,
            "is_participant": side is not None,
        },
    )


@require_POST
def request_answer(request, request_id: int):
    contact_request = permissions.visible_request(request.user, request_id)
    accept = request.POST.get("decision") == "accept"
    try:
        services.contact_answer(request=contact_request, by=request.user, accept=accept)
    except services.FinderError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, "Vous avez accepté la mise en relation." if accept else "Vous avez décliné."
        )
    return redirect("finder:request", request_id=contact_request.pk)


@require_http_methods(["GET", "POST"])
def joint_application(request, request_id: int):
    contact_request = permissions.visible_request(request.user, request_id)
    if services.side_of(contact_request, request.user) is None:
        raise Http404
    calls = services.open_calls()
    form = JointApplicationForm(request.POST or None, calls=calls)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.joint_application_start(
                request=contact_request, by=request.user, call=form.cleaned_data["call"]
            )
        except services.FinderError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                "La candidature commune est commencée : les deux structures sont pré-remplies, "
                "l'autre structure est invitée à la confirmer.",
            )
            return redirect("applications:detail", public_id=application.public_id)
    return render(
        request,
        "finder/joint_application.html",
        {"contact": contact_request, "form": form, "has_calls": calls.exists()},
    )


# --- Officer ---------------------------------------------------------------------------------

SUGGESTION_POOL = 150  # pairwise suggestions (in Python) over at most this many profiles


@require_GET
def officer(request):
    if not permissions.is_officer(request.user):
        raise Http404
    visible = FinderProfile.objects.findable_by_officer(request.user)
    profiles = list(
        visible.select_related("structure__application").order_by("name", "pk")[:SUGGESTION_POOL]
    )
    retained = {
        p.pk: p.structure.application.status == ApplicationStatus.SELECTED for p in profiles
    }
    selected = None
    results = []
    chosen = request.GET.get("profil", "")
    if chosen.isdigit():
        selected = get_object_or_404(visible, pk=int(chosen))
        results = services.ranked(selected, visible, limit=20)
    pairs = []
    if selected is None:
        by_pk = {p.pk: p for p in profiles}
        for match, first in scoring.best_pairs([services.to_scoring(p) for p in profiles]):
            pairs.append(
                {"first": by_pk[first.key], "second": by_pk[match.candidate.key], "match": match}
            )
    introductions = list(
        ContactRequest.objects.filter(
            introduced_by__isnull=False,
            operator_id__in=[o.pk for o in request.user.organisations_for(Role.OFFICER)],
        ).select_related("from_structure", "to_structure")[:50]
    )
    return render(
        request,
        "finder/officer.html",
        {
            "profiles": [{"profile": p, "retained": retained[p.pk]} for p in profiles],
            "selected": selected,
            "results": results,
            "pairs": pairs,
            "introductions": introductions,
            "form": IntroductionForm(),
        },
    )


@require_POST
def introduce(request):
    if not permissions.is_officer(request.user):
        raise Http404
    form = IntroductionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choisissez deux structures dans les suggestions.")
        return redirect("finder:officer")
    visible = FinderProfile.objects.findable_by_officer(request.user)
    first = get_object_or_404(visible, pk=form.cleaned_data["first"])
    second = get_object_or_404(visible, pk=form.cleaned_data["second"])
    try:
        services.introduction_propose(
            officer=request.user, first=first, second=second, message=form.cleaned_data["message"]
        )
    except services.FinderError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, f"La mise en relation de {first.name} et {second.name} leur est proposée."
        )
    return redirect("finder:officer")


# --- Counts ----------------------------------------------------------------------------------


@require_GET
def counts(request):
    """Counts only, never a name: introductions made and what followed."""
    if permissions.is_officer(request.user):
        operators = [o.pk for o in request.user.organisations_for(Role.OFFICER)]
    elif permissions.is_funder(request.user):
        operators = list(
            Call.objects.funded_by(request.user).values_list("operator_id", flat=True).distinct()
        )
    else:
        raise Http404
    totals = ContactRequest.objects.filter(operator_id__in=operators).aggregate(
        requests=Count("pk", filter=Q(introduced_by__isnull=True)),
        introductions=Count("pk", filter=Q(introduced_by__isnull=False)),
        accepted=Count("pk", filter=Q(status=ContactStatus.ACCEPTED)),
        joint=Count("pk", filter=Q(joint_application__isnull=False)),
        joint_submitted=Count("pk", filter=Q(joint_application__submitted_at__isnull=False)),
        joint_after_introduction=Count(
            "pk", filter=Q(joint_application__isnull=False, introduced_by__isnull=False)
        ),
    )
    totals["consenting"] = FinderProfile.objects.active().filter(operator_id__in=operators).count()
    return render(request, "finder/counts.html", {"totals": totals})
