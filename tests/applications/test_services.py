import datetime as dt
import threading

import pytest
from django.core import mail
from django.db import connection

from coopess.accounts.models import Role
from coopess.applications import services
from coopess.applications.choices import ApplicationStatus
from coopess.applications.forms import StructureForm
from coopess.applications.models import Application
from tests.applications.helpers import complete_application, open_call, structure_data
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_a_complete_application_has_nothing_missing():
    application = complete_application(partners=1)
    assert services.missing_items(application) == []


def test_submission_gives_a_receipt_number_and_logs_the_transition(
    django_capture_on_commit_callbacks,
):
    application = complete_application()
    with django_capture_on_commit_callbacks(execute=True):
        services.application_submit(application=application, by=application.created_by)
    application.refresh_from_db()
    year = dt.date.today().year
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.receipt_number == f"COOP-{year}-0001"
    log = application.transitions.get()
    assert (log.from_status, log.to_status) == ("draft", "submitted")
    # the receipt PDF is built and mailed to every representative
    assert application.attachments.filter(is_receipt=True).count() == 1
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert "lea.1@example.org" in recipients and "marc.1@example.org" in recipients
    assert all(m.attachments[0][0].startswith("recepisse-COOP-") for m in mail.outbox)


def test_receipt_numbers_follow_each_other():
    call = open_call()
    first = complete_application(call)
    second = complete_application(call)
    services.application_submit(application=first, by=first.created_by)
    services.application_submit(application=second, by=second.created_by)
    numbers = sorted(Application.objects.values_list("receipt_number", flat=True))
    assert [n[-4:] for n in numbers] == ["0001", "0002"]


def test_two_calls_sharing_a_prefix_never_give_the_same_number():
    """The next edition of a call keeps its prefix: numbers continue instead of colliding."""
    first_call = open_call()
    second_call = open_call(slug="appel-suivant")
    assert first_call.receipt_prefix == second_call.receipt_prefix
    for call in (first_call, second_call, first_call):
        application = complete_application(call)
        services.application_submit(application=application, by=application.created_by)
    numbers = sorted(Application.objects.values_list("receipt_number", flat=True))
    assert [n[-4:] for n in numbers] == ["0001", "0002", "0003"]
    assert len(set(numbers)) == 3


def test_submitting_twice_changes_nothing():
    application = complete_application()
    services.application_submit(application=application, by=application.created_by, version=1)
    with pytest.raises(services.AlreadySubmitted):
        services.application_submit(application=application, by=application.created_by, version=1)
    assert application.transitions.count() == 1


def test_submission_one_second_after_closing_is_refused_and_the_draft_kept():
    application = complete_application()
    closes = application.call.closes_at
    with pytest.raises(services.CallClosed) as error:
        services.application_submit(
            application=application, by=application.created_by, now=closes + dt.timedelta(seconds=1)
        )
    assert "Votre brouillon est conservé" in error.value.message
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT
    assert application.project_title == "Mutualiser un poste"
    # one second before closing goes through
    services.application_submit(
        application=application, by=application.created_by, now=closes - dt.timedelta(seconds=1)
    )


def test_incomplete_application_lists_what_is_missing():
    call = open_call()
    application = services.application_create(call=call, by=make_user(Role.APPLICANT))
    with pytest.raises(services.Incomplete) as error:
        services.application_submit(application=application, by=application.created_by)
    labels = [item.label for item in error.value.missing]
    assert "Donner un titre au projet" in labels
    assert any("Numéro SIRET" in label for label in labels)
    assert any("Statuts à jour" in label for label in labels)
    assert all(
        item.url.startswith("/candidatures/") and "#" in item.url for item in error.value.missing
    )


def test_invalid_input_is_kept_as_typed_and_listed():
    application = complete_application()
    lead = application.structures.get(is_lead=True)
    invalid = services.structure_save(
        structure=lead, form=StructureForm(data=structure_data(1, siret="1234", rna="X12"))
    )
    assert set(invalid) == {"siret", "rna"}
    application.refresh_from_db()
    assert application.pending_input[f"structure:{lead.pk}:siret"] == "1234"
    lead.refresh_from_db()
    assert lead.siret != "1234"  # the model keeps the last valid value
    labels = [item.label for item in services.missing_items(application)]
    assert "Corriger la saisie « Numéro SIRET »" in labels
    # typing a valid value clears it
    services.structure_save(structure=lead, form=StructureForm(data=structure_data(1)))
    application.refresh_from_db()
    assert application.pending_input == {}


def test_cap_counts_structures():
    call = open_call(max_structures=2)
    application = complete_application(call, partners=1)
    with pytest.raises(services.CapReached):
        services.partner_invite(
            application=application,
            by=application.created_by,
            name="Trop",
            email="trop@example.org",
        )
    assert application.structures.count() == 2


def test_partner_must_confirm_before_submission():
    call = open_call()
    application = complete_application(call)
    partner_user = make_user(Role.APPLICANT)
    structure = services.partner_invite(
        application=application, by=application.created_by, name="P", email=partner_user.email
    )
    services.partner_accept(structure=structure, user=partner_user)
    labels = [item.label for item in services.missing_items(application)]
    assert "La structure « P » doit confirmer sa participation" in labels


def test_withdraw_then_nothing_can_be_edited():
    application = complete_application()
    services.application_withdraw(
        application=application, by=application.created_by, reason="Projet reporté"
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    with pytest.raises(services.NotEditable):
        services.partner_invite(
            application=application, by=application.created_by, name="P", email="p@example.org"
        )


def test_request_for_complements_reopens_only_named_sections():
    application = complete_application()
    services.application_submit(application=application, by=application.created_by)
    officer = make_user(Role.OFFICER)
    services.application_request_complements(
        application=application,
        by=officer,
        sections=["documents"],
        message="Merci de joindre les comptes signés.",
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.NEEDS_INFO
    assert application.section_is_editable("documents")
    assert not application.section_is_editable("project")
    lead = application.structures.get(is_lead=True)
    with pytest.raises(services.NotEditable):
        services.structure_save(structure=lead, form=StructureForm(data=structure_data(1)))
    services.application_submit(application=application, by=application.created_by)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.reopened_sections == []
    assert application.receipt_number.endswith("0001")


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_submissions_make_one(settings):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(
        "file:memorydb"
    ):
        pytest.skip("in-memory SQLite cannot be shared between threads")
    application = complete_application()
    results = []

    def submit():
        from django.db import connection as thread_connection

        try:
            services.application_submit(
                application=application, by=application.created_by, version=1
            )
            results.append("ok")
        except services.AlreadySubmitted:
            results.append("already")
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["already", "ok"]
    assert application.transitions.count() == 1
