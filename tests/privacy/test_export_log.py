"""Every export of personal data by staff is logged; administrators read the log."""

import json

import pytest
from django.urls import reverse

from coopess.accounts.models import Role
from coopess.privacy import services
from coopess.privacy.models import PersonalDataExportLog
from tests.applications.helpers import open_call
from tests.conftest import sign_in
from tests.privacy.helpers import draft, submitted
from tests.selection.helpers import officer_of, quick_application

pytestmark = pytest.mark.django_db


@pytest.fixture
def call(db):
    return open_call()


@pytest.fixture
def officer(call):
    return officer_of(call)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_officer_export_is_logged(client, call, officer, fmt):
    for seed in range(1, 4):
        quick_application(call, seed, departements=("44",) if seed < 3 else ("85",))
    sign_in(client, officer)
    response = client.get(reverse("selection:export", args=[call.slug, fmt]), {"departement": "44"})
    assert response.status_code == 200
    b"".join(response.streaming_content)
    if getattr(response, "file_to_stream", None):  # the xlsx's temporary file
        response.file_to_stream.close()
    log = PersonalDataExportLog.objects.get()
    assert (log.by, log.by_email, log.fmt, log.rows, log.call) == (
        officer,
        officer.email,
        fmt,
        2,
        call,
    )
    assert log.filters == "departement=44"
    assert call.title in log.what


def test_an_unknown_format_logs_nothing(client, call, officer):
    sign_in(client, officer)
    response = client.get(reverse("selection:export", args=[call.slug, "pdf"]))
    assert response.status_code == 404
    assert not PersonalDataExportLog.objects.exists()


def test_a_refused_export_logs_nothing(client, call):
    other_officer = officer_of(open_call(slug="autre", receipt_prefix="AUT"))
    sign_in(client, other_officer)
    response = client.get(reverse("selection:export", args=[call.slug, "csv"]))
    assert response.status_code == 404
    assert not PersonalDataExportLog.objects.exists()


def test_the_handler_s_download_of_a_requester_s_data_is_logged(client, call, officer):
    application = submitted(call, 951, officer=officer)
    person = application.created_by
    request = services.erasure_request_create(user=person, reason="Motif")
    sign_in(client, officer)
    response = client.get(reverse("privacy:request_export", args=[request.public_id]))
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["compte"]["adresse_electronique"] == person.email
    log = PersonalDataExportLog.objects.get()
    assert (log.by, log.subject, log.fmt) == (officer, person, "json")
    assert log.rows == services.row_count(data) == 1 + 1 + 1  # account, application, request


def test_the_person_s_own_download_is_not_a_staff_export(client, call):
    sign_in(client, draft(call, 952).created_by)
    assert client.get(reverse("privacy:download_json")).status_code == 200
    assert not PersonalDataExportLog.objects.exists()


def test_the_administrator_reads_the_log(client, role_user, call, officer):
    services.personal_data_export_log(
        by=officer, what="Candidatures de l'appel « test »", fmt="csv", rows=12, call=call
    )
    admin = role_user(Role.ADMIN)
    sign_in(client, admin)
    response = client.get(reverse("admin:privacy_personaldataexportlog_changelist"))
    assert response.status_code == 200
    content = response.content.decode()
    assert officer.email in content and "Candidatures de l" in content
    log = PersonalDataExportLog.objects.get()
    response = client.get(reverse("admin:privacy_personaldataexportlog_change", args=[log.pk]))
    assert response.status_code == 200  # read only
    assert client.get(reverse("admin:privacy_personaldataexportlog_add")).status_code == 403
    response = client.post(reverse("admin:privacy_personaldataexportlog_delete", args=[log.pk]))
    assert response.status_code == 403
    assert PersonalDataExportLog.objects.count() == 1
    # an officer does not reach it
    sign_in(client, officer)
    response = client.get(reverse("admin:privacy_personaldataexportlog_changelist"))
    assert response.status_code == 302
