"""The demo's reporting: the demo funder reads the 2023 call's indicators, key figures and the
DLA's commentary for 2023."""

import pytest
from django.urls import reverse

from coopess.accounts.models import User
from coopess.common.demo import demo_load
from tests.conftest import sign_in
from tests.factories import add_totp

pytestmark = pytest.mark.django_db


def test_the_demo_funder_reads_2023(client):
    demo_load()
    demo_load()  # idempotent: one commentary, the funder named once per call
    funder = User.objects.get(email="olivier.gautier@example.org")
    add_totp(funder)
    sign_in(client, funder)
    html = client.get(reverse("reporting:indicators"), {"annee": "2023"}).content.decode()
    assert "Aucun appel ne vous est encore rattaché" not in html
    assert "Chiffres clés" in html
    assert "<strong>cinq structures</strong>" in html
    assert "Comité des financeurs du DLA Pays de la Loire (démo)" in html
    figures = html[html.index('id="chiffres-cles-titre"') :]
    # the 2023 cohort: five structures accompanied (shown as is, 5 is not a small count)
    assert (
        '<span class="key-figure-value">5</span> <span class="key-figure-label">structures accompagnées'
        in figures
    )
