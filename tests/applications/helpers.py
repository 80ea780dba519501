"""Building applications in tests: an open call, a lead, complete sections."""

from __future__ import annotations

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from coopess.accounts.models import Role
from coopess.applications import services
from coopess.applications.forms import ProjectForm, QuestionsForm, StructureForm, TypeForm
from coopess.calls.demo import shifted_call_data
from coopess.calls.models import Call
from coopess.calls.services import call_create_from_data, load_call_data
from coopess.structures.identifiers import fictitious_siret as valid_siret
from tests.factories import OrganisationFactory, make_user


def open_call(**overrides) -> Call:
    data = shifted_call_data(load_call_data(), today=timezone.localdate())
    data.update(overrides)
    return call_create_from_data(operator=OrganisationFactory(), data=data)


def structure_data(seed: int = 1, **overrides) -> dict:
    data = {
        "siret": valid_siret(seed),
        "name": f"Association fictive n° {seed}",
        "rna": f"W44{seed:07d}",
        "address": "3 rue des Coopératives",
        "postal_code": "44000",
        "commune": "Nantes",
        "departement": "44",
        "legal_form": "association",
        "network_affiliation": "aucune",
        "employees": "4",
        "fte": "3,5",
        "volunteers": "20",
    }
    for prefix, first in (("rep1_", "Léa"), ("rep2_", "Marc")):
        data.update(
            {
                f"{prefix}first_name": first,
                f"{prefix}last_name": f"Fictif{seed}",
                f"{prefix}role": "Présidente" if prefix == "rep1_" else "Directeur",
                f"{prefix}email": f"{'lea' if prefix == 'rep1_' else 'marc'}.{seed}@example.org",
                f"{prefix}phone": "02 40 00 00 00",
            }
        )
    data.update(overrides)
    return data


def pdf_upload(name: str = "statuts.pdf") -> SimpleUploadedFile:
    content = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def docx_upload(name: str = "rapport.docx") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return SimpleUploadedFile(name, buffer.getvalue())


def complete_application(call: Call | None = None, *, lead=None, partners: int = 0):
    """A draft with every section filled and the required documents attached."""
    call = call or open_call()
    lead = lead or make_user(Role.APPLICANT)
    application = services.application_create(call=call, by=lead)
    services.type_save(
        application=application,
        form=TypeForm(
            data={"kind": "unaffiliated", "project_title": "Mutualiser un poste"}, call=call
        ),
    )
    lead_structure = application.structures.get(is_lead=True)
    services.structure_save(structure=lead_structure, form=StructureForm(data=structure_data(1)))
    stage = call.maturity_stages.first()
    services.project_save(
        application=application,
        form=ProjectForm(
            data={
                "shared_domains": ["hr", "admin"],
                "goals": ["costs"],
                "maturity_stage": str(stage.pk),
                "envisaged_forms": ["employers_group"],
                "regional_scope": "Nos structures couvrent trois départements.",
                "expectations": "Être accompagnés.",
                "availability": "Toute l'année sauf août.",
            },
            call=call,
        ),
    )
    first_question = call.questions.order_by("position").first()
    services.questions_save(
        application=application,
        form=QuestionsForm(
            data={f"q{first_question.pk}": "non"}, questions=list(call.questions.all())
        ),
    )
    structures = [lead_structure]
    for index in range(partners):
        partner_user = make_user(Role.APPLICANT)
        structure = services.partner_invite(
            application=application, by=lead, name=f"Partenaire {index}", email=partner_user.email
        )
        services.partner_accept(structure=structure, user=partner_user)
        services.structure_save(
            structure=structure, form=StructureForm(data=structure_data(10 + index))
        )
        structures.append(structure)
    for structure in structures:
        for document in call.documents.filter(required=True):
            services.attachment_add(
                application=application,
                upload=pdf_upload(),
                by=lead,
                structure=structure,
                document=document,
            )
    for structure in structures[1:]:
        services.partner_confirm(structure=structure, by=lead)
    application.refresh_from_db()
    return application
