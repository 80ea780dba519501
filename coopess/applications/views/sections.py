"""Filling the application section by section (type, project, questions) and each structure's
form, with values kept as typed when invalid and the next section to go to.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from coopess.applications import services
from coopess.applications.forms import (
    ProjectForm,
    QuestionsForm,
    StructureForm,
    TypeForm,
    question_field_name,
)
from coopess.applications.models import (
    AccessRole,
)
from coopess.applications.permissions import (
    can_edit_application,
    can_edit_structure,
)
from coopess.applications.sections import BY_SLUG, structure_url
from coopess.applications.views.base import (
    _after_save,
    _autosave_response,
    _bound_for_display,
    _load,
    _nav_context,
    _next_section_url,
)
from coopess.applications.views.documents import _documents
from coopess.applications.views.partners import _partners

logger = logging.getLogger("coopess")


# --- Sections ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def section(request, public_id, slug: str):
    application, access = _load(request, public_id)
    spec = BY_SLUG.get(slug)
    if spec is None:
        raise Http404
    if spec.key == "structure":
        return redirect(structure_url(application, access.structure_id))
    if spec.key == "partners":
        return _partners(request, application, access)
    if spec.key == "documents":
        return _documents(request, application, access)
    call = application.call
    if spec.key == "type":
        form_class, kwargs, save = TypeForm, {"call": call}, services.type_save
        initial = {"kind": application.kind, "project_title": application.project_title}
    elif spec.key == "project":
        form_class, kwargs, save = ProjectForm, {"call": call}, services.project_save
        initial = {
            name: getattr(application, name)
            for name in ProjectForm.base_fields
            if name != "maturity_stage"
        }
        initial["maturity_stage"] = str(application.maturity_stage_id or "")
    else:  # questions
        questions = list(call.questions.select_related("show_if_question"))
        form_class, kwargs, save = QuestionsForm, {"questions": questions}, services.questions_save
        initial = {
            question_field_name(a.question): a.value
            for a in application.answers.select_related("question")
        }
    editable = application.section_is_editable(spec.key) and can_edit_application(access)
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        form = form_class(data=request.POST, **kwargs)
        try:
            invalid = save(application=application, form=form)
        except services.ApplicationError as error:
            messages.error(request, error.message)
            return redirect(request.path)
        if request.htmx:  # autosave: just the status and the fields' messages
            return _autosave_response(request, form, application)
        application.refresh_from_db()
        response = _after_save(
            request,
            form,
            application,
            next_url=_next_section_url(request, application, spec.key),
            invalid=invalid,
        )
        if response is not None:
            return response
    else:
        form = _bound_for_display(
            form_class, initial, services.pending_for(application, f"{spec.key}:"), **kwargs
        )
    context = _nav_context(application, access, spec.key)
    context.update({"form": form, "section": spec, "editable": editable})
    template = "section_questions" if spec.key == "questions" else "section_form"
    return render(request, f"applications/{template}.html", context)


@require_http_methods(["GET", "POST"])
def structure(request, public_id, pk: int):
    application, access = _load(request, public_id)
    structure = get_object_or_404(application.structures.prefetch_related("representatives"), pk=pk)
    editable = application.section_is_editable("structure") and can_edit_structure(
        access, structure
    )
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        form = StructureForm(data=request.POST)
        try:
            invalid = services.structure_save(structure=structure, form=form)
        except services.ApplicationError as error:
            messages.error(request, error.message)
            return redirect(request.path)
        if request.htmx and request.POST.get("action") != "lookup":
            return _autosave_response(request, form, application)
        application.refresh_from_db()
        if request.POST.get("action") == "lookup" and "siret" not in invalid and structure.siret:
            structure.refresh_from_db()
            result = services.structure_lookup(structure=structure)
            messages.info(request, result.message)
            return redirect(request.path + "#id_siret")
        if request.POST.get("action") == "lookup":
            messages.warning(request, "Saisissez d'abord un numéro SIRET valide (14 chiffres).")
            return redirect(request.path + "#id_siret")
        next_url = (
            request.path
            if access.role != AccessRole.LEAD or not structure.is_lead
            else _next_section_url(request, application, "structure")
        )
        response = _after_save(request, form, application, next_url=next_url, invalid=invalid)
        if response is not None:
            return response
    else:
        form = _bound_for_display(
            StructureForm,
            services.structure_initial(structure),
            services.pending_for(application, f"structure:{structure.pk}:"),
        )
    context = _nav_context(application, access, "structure" if structure.is_lead else "partners")
    context.update(
        {
            "form": form,
            "structure": structure,
            "editable": editable,
            "eligible": application.call.eligible_departements,
            "outside_region": structure.departement
            and application.call.eligible_departements
            and structure.departement not in application.call.eligible_departements,
        }
    )
    return render(request, "applications/structure.html", context)


@require_POST
def structure_confirm(request, public_id, pk: int):
    application, access = _load(request, public_id)
    structure = get_object_or_404(application.structures, pk=pk)
    if not can_edit_structure(access, structure) or structure.is_lead:
        raise PermissionDenied
    try:
        services.partner_confirm(structure=structure, by=request.user)
    except services.Incomplete as error:
        messages.error(
            request, error.message + " " + " ; ".join(item.label for item in error.missing[:5])
        )
        return redirect(structure_url(application, structure.pk))
    except services.ApplicationError as error:
        messages.error(request, error.message)
        return redirect(structure_url(application, structure.pk))
    messages.success(request, "Merci : la participation de votre structure est confirmée.")
    return redirect("applications:detail", application.public_id)
