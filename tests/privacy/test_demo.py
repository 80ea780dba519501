import pytest
from django.urls import reverse

from coopess.accounts.models import User
from coopess.common.demo import demo_load
from coopess.privacy.demo import OFFICER, REQUESTER, demo_privacy
from coopess.privacy.models import ErasureRequest, PersonalDataExportLog
from coopess.privacy.services import erasure_plan, retention_apply
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_request_to_handle_and_an_export_in_the_log(client):
    demo_load()
    demo_privacy()
    demo_privacy()  # idempotent
    request = ErasureRequest.objects.get()
    assert request.user.email == REQUESTER and request.is_pending
    assert PersonalDataExportLog.objects.count() == 1
    # the requester's application (rejected in July 2023) is erased, nothing kept
    plan = erasure_plan(request.user)
    assert [item.action for item in plan.items] == ["erase"]
    sign_in(client, User.objects.get(email=OFFICER), second_factor=True)
    response = client.get(reverse("privacy:requests"))
    assert reverse("privacy:request", args=[request.public_id]) in response.content.decode()
    # in November 2026 the applications not retained in July 2023 are past their 2 years
    expired = {a.receipt_number for a, _ in retention_apply(dry_run=True).expired}
    assert {"COOP-2023-0003", "COOP-2023-0006", "COOP-2023-0007"} <= expired
    assert "COOP-2023-0002" not in expired  # accompanied, its cohort still running
