"""Demo data for personal data: a pending erasure request and an officer's export in the log.

Called by ``coopess.common.demo.demo_load`` after the 2023 selection; does nothing the second
time, nor when the demo people it needs are missing.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from coopess.accounts.models import User
from coopess.calls.calendar import PARIS
from coopess.calls.models import Call
from coopess.common.demo import DemoContext
from coopess.privacy.models import ErasureRequest, PersonalDataExportLog
from coopess.privacy.services import erasure_request_create, personal_data_export_log

#: a partner's representative of a rejected 2023 application, who has left the association
REQUESTER = "karim.benoit@example.org"
OFFICER = "claire.morvan@example.org"
SEED_SLUG = "cooperation-strategique-2023"


@transaction.atomic
def demo_privacy() -> None:
    officer = User.objects.filter(email=OFFICER).first()
    call = Call.objects.filter(slug=SEED_SLUG).first()
    if officer and call and not PersonalDataExportLog.objects.exists():
        log = personal_data_export_log(
            by=officer,
            what=f"Candidatures de l'appel « {call} »",
            fmt="xlsx",
            rows=call.applications.exclude(status="draft").count(),
            call=call,
        )
        PersonalDataExportLog.objects.filter(pk=log.pk).update(
            at=dt.datetime(2023, 7, 4, 9, 30, tzinfo=PARIS)
        )
    requester = User.objects.filter(email=REQUESTER).first()
    if requester and not ErasureRequest.objects.filter(user=requester).exists():
        request = erasure_request_create(
            user=requester,
            reason=(
                "J'ai quitté l'association en 2024 : merci d'effacer mon nom et mes "
                "coordonnées de votre outil."
            ),
        )
        ErasureRequest.objects.filter(pk=request.pk).update(
            created_at=timezone.now() - dt.timedelta(days=3)
        )


def load(demo: DemoContext) -> None:
    """This app's step of ``coopess.common.demo.demo_load``."""
    demo_privacy()
