"""Demo data of the API: two tokens whose clear values are written in the guide (a demo only
knows them: anywhere else a token is random and shown once), and a webhook endpoint pointing
to the demo receiver page of this very site.

Called by ``coopess.common.demo.demo_load``; idempotent."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from coopess.accounts.models import Organisation, OrganisationKind, User
from coopess.api.models import ApiToken, Event, Scope, WebhookEndpoint
from coopess.api.services import TOKEN_PREFIX, hash_token, new_webhook_secret
from coopess.calls.calendar import PARIS
from coopess.common.demo import DemoContext

OFFICER = "claire.morvan@example.org"
DEMO_TOKENS = {
    # clear value -> (name, scopes, for the funder?)
    TOKEN_PREFIX + "demo-crm-du-dla": (
        "CRM du DLA (démonstration)", [s.value for s in Scope], False,
    ),
    TOKEN_PREFIX + "demo-financeur": ("Outil du financeur (démonstration)", [Scope.INDICATORS.value], True),
}  # fmt: skip


@transaction.atomic
def demo_api(seed_call) -> None:
    officer = User.objects.filter(email=OFFICER).first()
    if officer is None or seed_call is None:
        return
    operator = seed_call.operator
    funder = Organisation.objects.filter(
        kind=OrganisationKind.FUNDER, funded_calls=seed_call
    ).first()
    created = dt.datetime(2023, 6, 1, 9, tzinfo=PARIS)
    for clear, (name, scopes, for_funder) in DEMO_TOKENS.items():
        if for_funder and funder is None:
            continue
        ApiToken.objects.get_or_create(
            token_hash=hash_token(clear),
            defaults={
                "operator": operator,
                "funder": funder if for_funder else None,
                "name": name,
                "scopes": scopes,
                "prefix": clear[: len(TOKEN_PREFIX) + 6],
                "created_at": created,
                "expires_at": dt.datetime(2099, 12, 31, 23, 59, tzinfo=PARIS),
                "created_by": officer,
            },
        )
    if not WebhookEndpoint.objects.filter(operator=operator).exists():
        WebhookEndpoint.objects.create(
            operator=operator,
            name="Récepteur de démonstration",
            url=settings.COOPESS_BASE_URL + reverse("api_demo_receiver"),
            events=[e.value for e in Event],
            secret=new_webhook_secret(),
            created_by=officer,
            created_at=created,
        )


def load(demo: DemoContext) -> None:
    """This app's step of ``coopess.common.demo.demo_load``."""
    demo_api(demo.seed_call)
