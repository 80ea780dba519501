"""The privacy and accessibility pages: ours by default, the operator's text once written."""

import pytest
from django.urls import reverse

from coopess.common.models import SitePage
from tests.text import page_text

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("privacy", "Données personnelles"),
        ("accessibility", "Déclaration d'accessibilité"),
        ("legal", "Mentions légales"),
    ],
)
def test_default_pages(client, name, title):
    response = client.get(reverse(f"common:{name}"))
    assert response.status_code == 200
    assert title in page_text(response.content)


def test_the_operator_writes_the_accessibility_statement(client):
    SitePage.objects.create(
        slug="accessibility",
        title="Déclaration d'accessibilité du DLA",
        body="## État de conformité\n\nAudit réalisé le 3 mars 2027 : **78 %** des critères.\n\n<script>alert(1)</script>",
    )
    response = client.get(reverse("common:accessibility"))
    content = response.content.decode()
    assert "Déclaration d'accessibilité du DLA" in page_text(content)
    assert "<h2>État de conformité</h2>" in content
    assert "<strong>78 %</strong>" in content
    assert "<script>alert(1)</script>" not in content
