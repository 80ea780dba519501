"""Pages of an application, for the representatives of its structures."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coopess.applications import services
from coopess.applications.forms import (
    ConfirmForm,
    InvitePartnerForm,
    ProjectForm,
    QuestionsForm,
    StartForm,
    StructureForm,
    TypeForm,
    UploadForm,
    question_field_name,
)
from coopess.applications.models import (
    AccessRole,
    Application,
    ApplicationAccess,
    ApplicationStructure,
)
from coopess.applications.permissions import (
    can_attach,
    can_edit_application,
    can_edit_structure,
    can_withdraw,
)
from coopess.applications.receipts import application_context, blank_form_pdf
from coopess.applications.sections import BY_SLUG, section_url, sections_for, structure_url
from coopess.calls.models import Call, CallDocument, CallQuestion, DocumentScope
from coopess.common.uploads import UploadRejected, protected_file_response
from coopess.selection.forms import MessageForm

logger = logging.getLogger("coopess")


# --- Loading what the user may see -----------------------------------------------------------


def _load(request, public_id) -> tuple[Application, ApplicationAccess]:
    """The application and this person's access to it, or 404."""
    access = (
        ApplicationAccess.objects.select_related("application", "application__call", "structure")
        .filter(user=request.user, application__public_id=public_id)
        .first()
    )
    if access is None:
        raise Http404
    return access.application, access


def _require_lead(access: ApplicationAccess) -> None:
    if not can_edit_application(access):
        raise PermissionDenied


def _nav_context(application: Application, access: ApplicationAccess, current: str) -> dict:
    call = application.call
    has_questions = call.questions.exclude(kind="file").exists()
    return {
        "application": application,
        "access": access,
        "is_lead": access.role == AccessRole.LEAD,
        "sections": sections_for(application, has_questions=has_questions),
        "current": current,
        "call": call,
    }


def _bound_for_display(form_class, initial: dict, pending: dict, **kwargs):
    """A form showing the model's values, overlaid with what was typed but is not valid yet
    (bound, so that those fields show their error next to them)."""
    if not pending:
        return form_class(initial=initial, **kwargs)
    data = MultiValueDict()
    probe = form_class(**kwargs)
    for name, field in probe.fields.items():
        value = pending.get(name, initial.get(name))
        if value is None:
            continue
        if isinstance(value, list):
            data.setlist(name, [str(v) for v in value])
        else:
            data[name] = field.widget.format_value(value) if not isinstance(value, str) else value
    form = form_class(data=data, **kwargs)
    form.is_valid()
    return form


def _autosave_response(request, form, application: Application) -> HttpResponse:
    return render(
        request,
        "applications/_partials/autosave_status.html",
        {"form": form, "saved_at": timezone.localtime(timezone.now()), "application": application},
    )


def _after_save(request, form, application, *, next_url: str, invalid: dict):
    if request.htmx:
        return _autosave_response(request, form, application)
    if invalid:
        messages.warning(
            request,
            "Enregistré. Certaines saisies sont à corriger : elles sont conservées telles que vous les avez tapées.",
        )
        return None  # re-render the page with the errors
    messages.success(request, "Enregistré.")
    return redirect(next_url)


# --- Starting ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def start(request, slug: str):
    """From a call's page: the privacy notice, then a new draft."""
    call = get_object_or_404(Call.objects.published(), slug=slug)
    existing = list(
        Application.objects.filter(call=call, accesses__user=request.user).order_by("-created_at")
    )
    form = StartForm(request.POST or None)
    if request.method == "POST" and call.is_open() and form.is_valid():
        try:
            application = services.application_create(call=call, by=request.user)
        except services.ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, "Votre candidature est créée : elle s'enregistre au fur et à mesure."
            )
            return redirect(section_url(application, "type"))
    return render(
        request,
        "applications/start.html",
        {"call": call, "form": form, "existing": existing, "is_open": call.is_open()},
    )


@require_GET
def my_applications(request):
    accesses = (
        ApplicationAccess.objects.filter(user=request.user)
        .select_related("application", "application__call", "structure")
        .order_by("-application__created_at")
    )
    return render(request, "applications/my_applications.html", {"accesses": accesses})


# --- Reading -----------------------------------------------------------------------------------


@require_GET
def detail(request, public_id):
    application, access = _load(request, public_id)
    context = _nav_context(application, access, "detail")
    context.update(application_context(application))
    context["missing"] = services.missing_items(application) if application.is_editable else []
    context["transitions"] = application.transitions.select_related("by")
    context["receipt"] = application.attachments.filter(is_receipt=True).first()
    context["thread"] = list(application.messages.select_related("author"))
    context["decision"] = application.decisions.filter(
        is_current=True, letter_sent_at__isnull=False
    ).first()
    context["message_form"] = MessageForm()
    return render(request, "applications/detail.html", context)


@require_POST
def post_message(request, public_id):
    """A representative writes to the DLA (the officers get an email with a link)."""
    from coopess.selection.services import message_post

    application, _access = _load(request, public_id)
    form = MessageForm(request.POST)
    if form.is_valid():
        message_post(
            application=application,
            author=request.user,
            body=form.cleaned_data["body"],
            from_dla=False,
        )
        messages.success(request, "Message envoyé au DLA.")
    else:
        messages.error(request, "Le message est vide : écrivez votre message avant de l'envoyer.")
    return redirect(reverse("applications:detail", args=[application.public_id]) + "#messages")


@require_GET
def decision_letter(request, public_id):
    application, _access = _load(request, public_id)
    decision = application.decisions.filter(is_current=True, letter_sent_at__isnull=False).first()
    if decision is None or not decision.letter_pdf:
        raise Http404
    return protected_file_response(
        decision.letter_pdf, download_name=f"decision-{application.receipt_number}.pdf"
    )


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


def _next_section_url(request, application: Application, key: str) -> str:
    if request.POST.get("then") == "stay":
        return request.path
    has_questions = application.call.questions.exclude(kind="file").exists()
    keys = [s.key for s in sections_for(application, has_questions=has_questions)]
    index = keys.index(key)
    if index + 1 < len(keys):
        return section_url(application, keys[index + 1])
    return _submit_url(application)


def _submit_url(application: Application) -> str:
    from django.urls import reverse

    return reverse("applications:submit", args=[application.public_id])


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


# --- Partners ----------------------------------------------------------------------------------


def _partners(request, application, access, form=None):
    context = _nav_context(application, access, "partners")
    structures = list(application.structures.all())
    context.update(
        {
            "structures": structures,
            "form": form or InvitePartnerForm(),
            "editable": application.section_is_editable("partners")
            and can_edit_application(access),
            "count": len(structures),
            "cap": application.call.max_structures,
            "remaining": max(application.call.max_structures - len(structures), 0),
        }
    )
    return render(request, "applications/section_partners.html", context)


@require_POST
def partner_invite(request, public_id):
    application, access = _load(request, public_id)
    _require_lead(access)
    form = InvitePartnerForm(request.POST)
    if form.is_valid():
        try:
            services.partner_invite(
                application=application,
                by=request.user,
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
            )
        except services.ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Invitation envoyée à {form.cleaned_data['email']}.")
            return redirect(section_url(application, "partners"))
    return _partners(request, application, access, form=form)


@require_POST
def partner_remove(request, public_id, pk: int):
    application, access = _load(request, public_id)
    _require_lead(access)
    structure = get_object_or_404(application.structures, pk=pk)
    try:
        services.partner_remove(structure=structure, by=request.user)
    except services.ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"La structure « {structure} » a été retirée de la candidature.")
    return redirect(section_url(application, "partners"))


@require_http_methods(["GET", "POST"])
def invitation(request, token: str):
    structure = (
        ApplicationStructure.objects.select_related("application", "application__call")
        .filter(invitation_token=token)
        .first()
    )
    if structure is None:
        raise Http404
    application = structure.application
    if request.method == "POST":
        services.partner_accept(structure=structure, user=request.user)
        messages.success(
            request, "Vous avez rejoint la candidature : complétez la partie de votre structure."
        )
        return redirect(structure_url(application, structure.pk))
    return render(
        request,
        "applications/invitation.html",
        {"structure": structure, "application": application},
    )


# --- Documents ---------------------------------------------------------------------------------


def _documents(request, application, access, upload_errors: dict | None = None):
    call = application.call
    structures = list(application.structures.all())
    attachments = list(
        application.attachments.filter(is_receipt=False).select_related("document", "question")
    )
    rows = []
    for document in call.documents.all():
        targets = structures if document.scope == DocumentScope.STRUCTURE else [None]
        for target in targets:
            if (
                target is not None
                and not can_edit_structure(access, target)
                and not can_edit_application(access)
            ):
                continue
            rows.append(
                {
                    "document": document,
                    "structure": target,
                    "anchor": f"document-{document.pk}" + (f"-{target.pk}" if target else ""),
                    "files": [
                        a
                        for a in attachments
                        if a.document_id == document.pk
                        and (target is None or a.structure_id == target.pk)
                    ],
                    "can_upload": can_attach(access, target),
                }
            )
    answers = {a.question_id: a.value for a in application.answers.all()}
    file_questions = [
        {
            "question": question,
            "anchor": f"question-{question.pk}",
            "files": [a for a in attachments if a.question_id == question.pk],
        }
        for question in services.visible_questions(list(call.questions.all()), answers)
        if question.kind == "file"
    ]
    context = _nav_context(application, access, "documents")
    context.update(
        {
            "rows": rows,
            "file_questions": file_questions,
            "editable": application.section_is_editable("documents"),
            "upload_errors": upload_errors or {},
            "max_file_mb": call.max_file_mb,
            "max_total_mb": call.max_total_mb,
            "upload_form": UploadForm(),
        }
    )
    return render(
        request,
        "applications/section_documents.html",
        context,
        status=400 if upload_errors else 200,
    )


@require_POST
def attachment_upload(request, public_id):
    application, access = _load(request, public_id)
    document = structure = question = None
    if request.POST.get("document"):
        document = get_object_or_404(
            CallDocument, pk=_int(request.POST["document"]), call=application.call
        )
        if document.scope == DocumentScope.STRUCTURE:
            structure = get_object_or_404(
                application.structures, pk=_int(request.POST.get("structure"))
            )
    elif request.POST.get("question"):
        question = get_object_or_404(
            CallQuestion, pk=_int(request.POST["question"]), call=application.call, kind="file"
        )
    else:
        raise Http404
    allowed = can_attach(access, structure)
    if not allowed:
        raise PermissionDenied
    anchor = (
        f"document-{document.pk}" + (f"-{structure.pk}" if structure else "")
        if document
        else f"question-{question.pk}"
    )
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _documents(
            request, application, access, {anchor: "Choisissez un fichier à joindre."}
        )
    try:
        attachment = services.attachment_add(
            application=application,
            upload=form.cleaned_data["file"],
            by=request.user,
            structure=structure,
            document=document,
            question=question,
        )
    except UploadRejected as error:
        return _documents(request, application, access, {anchor: error.messages[0]})
    except services.ApplicationError as error:
        messages.error(request, error.message)
        return redirect(section_url(application, "documents"))
    except OSError:
        logger.exception("Upload could not be stored for application %s", application.public_id)
        return _documents(
            request,
            application,
            access,
            {
                anchor: "Le fichier n'a pas pu être enregistré pour une raison technique. Votre candidature est intacte : réessayez dans quelques minutes."
            },
        )
    messages.success(request, f"« {attachment.original_name} » est joint à la candidature.")
    return redirect(section_url(application, "documents") + f"#{anchor}")


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


@require_GET
def attachment_download(request, public_id, attachment_id):
    application, _access = _load(request, public_id)
    attachment = get_object_or_404(application.attachments, public_id=attachment_id)
    return protected_file_response(attachment.file, download_name=attachment.original_name)


@require_POST
def attachment_delete(request, public_id, attachment_id):
    application, access = _load(request, public_id)
    attachment = get_object_or_404(application.attachments, public_id=attachment_id)
    structure = attachment.structure
    allowed = can_attach(access, structure)
    if not allowed:
        raise PermissionDenied
    try:
        services.attachment_delete(attachment=attachment, by=request.user)
    except services.ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"« {attachment.original_name} » a été retiré.")
    return redirect(section_url(application, "documents"))


# --- Submitting, withdrawing ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def submit(request, public_id):
    application, access = _load(request, public_id)
    _require_lead(access)
    if request.method == "POST":
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            version = None
        try:
            services.application_submit(application=application, by=request.user, version=version)
        except services.AlreadySubmitted as error:
            messages.info(request, error.message)
            return redirect("applications:detail", application.public_id)
        except services.Incomplete as error:
            messages.error(request, error.message)
        except services.ApplicationError as error:
            messages.error(request, error.message)
        else:
            application.refresh_from_db()
            messages.success(
                request,
                f"Votre candidature est déposée. Récépissé n° {application.receipt_number} : il vous est envoyé par courriel.",
            )
            return redirect("applications:detail", application.public_id)
        application.refresh_from_db()
    context = _nav_context(application, access, "submit")
    context.update(
        {
            "missing": services.missing_items(application) if application.is_editable else [],
            "is_open": application.call.is_open(),
        }
    )
    return render(request, "applications/submit.html", context)


@require_http_methods(["GET", "POST"])
def withdraw(request, public_id):
    application, access = _load(request, public_id)
    if not can_withdraw(access):
        raise PermissionDenied
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_withdraw(
                application=application, by=request.user, reason=form.cleaned_data["reason"]
            )
        except services.ApplicationError as error:  # e.g. a transition not allowed
            messages.error(request, error.message)
        else:
            messages.success(request, "Votre candidature est retirée.")
        return redirect("applications:detail", application.public_id)
    context = _nav_context(application, access, "withdraw")
    context["form"] = form
    return render(request, "applications/withdraw.html", context)


# --- Public: the blank form -------------------------------------------------------------------


@login_not_required
@require_GET
def blank_form(request, slug: str):
    """The call's blank form as PDF: built once per version of the call, not per visitor."""
    from coopess.calls.public_cache import cached_bytes

    def build() -> bytes:
        call = get_object_or_404(
            Call.objects.published().prefetch_related(
                "targets",
                "maturity_stages",
                "documents",
                Prefetch("questions", queryset=CallQuestion.objects.order_by("position", "pk")),
            ),
            slug=slug,
        )
        return blank_form_pdf(call)

    response = HttpResponse(
        cached_bytes(f"calls:blank-form:{slug}", build), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="formulaire-{slug}.pdf"'
    return response
