"""« Gestion des appels »: an officer configures the calls of their own DLA, and only those."""

import pytest
from django.urls import reverse

from coopess.accounts.models import Role
from tests.conftest import sign_in
from tests.factories import OrganisationFactory, add_totp, make_seed_call, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_and_calls(client):
    operator, other = OrganisationFactory(), OrganisationFactory()
    officer = make_user(Role.OFFICER, organisation=operator)
    add_totp(officer)
    own = make_seed_call(operator=operator, slug="appel-du-dla")
    foreign = make_seed_call(operator=other, slug="appel-d-un-autre-dla")
    sign_in(client, officer)
    return officer, own, foreign


def test_officer_sees_only_own_calls(client, officer_and_calls):
    _, own, foreign = officer_and_calls
    response = client.get(reverse("gestion:calls_call_changelist"))
    assert response.status_code == 200
    content = response.content.decode()
    assert reverse("gestion:calls_call_change", args=[own.pk]) in content
    assert reverse("gestion:calls_call_change", args=[foreign.pk]) not in content


def test_officer_edits_the_questions_of_own_call(client, officer_and_calls):
    _, own, foreign = officer_and_calls
    response = client.get(reverse("gestion:calls_call_change", args=[own.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Questions de l&#x27;appel" in content
    assert "Une ou plusieurs de vos structures ont-elles déjà été accompagnées" in content
    # another DLA's call is not found (the admin sends back to the index)
    response = client.get(reverse("gestion:calls_call_change", args=[foreign.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("gestion:index")


def test_a_representative_is_kept_out(client):
    sign_in(client, make_user(Role.APPLICANT))
    response = client.get(reverse("gestion:index"), follow=True)
    assert response.status_code == 403


def test_a_letter_template_with_an_unknown_variable_is_refused(client, officer_and_calls):
    """Saved through « Gestion des appels »: the form says which variable is unknown."""
    from coopess.selection.models import LetterTemplate
    from coopess.selection.services import SelectionError, check_letter_template

    with pytest.raises(SelectionError) as error:
        check_letter_template("Bonjour {{ structure }}, {{ inconnue }}")
    assert "{{ inconnue }}" in error.value.message
    _, own, _ = officer_and_calls
    response = client.get(reverse("gestion:calls_call_change", args=[own.pk]))
    assert "modèles de lettres de décision" in response.content.decode().lower()
    # the form behind that inline refuses it, with the variable named, and saves nothing
    from coopess.selection.officer_site import LetterTemplateForm

    form = LetterTemplateForm(
        data={"outcome": "selected", "subject": "Retenue", "body": "Bonjour {{ inconnue }}"},
        instance=LetterTemplate(call=own),
    )
    assert not form.is_valid()
    assert "{{ inconnue }}" in str(form.non_field_errors())
    assert not LetterTemplate.objects.exists()
    good = LetterTemplateForm(
        data={"outcome": "selected", "subject": "Retenue", "body": "Bonjour {{ structure }}"},
        instance=LetterTemplate(call=own),
    )
    assert good.is_valid(), good.errors
    good.save()
    assert LetterTemplate.objects.get().body == "Bonjour {{ structure }}"


def test_administrators_configure_every_operators_calls_in_the_admin(client, officer_and_calls):
    from coopess.accounts.models import Role as R

    _, own, foreign = officer_and_calls
    administrator = make_user(R.ADMIN)
    add_totp(administrator)
    client.logout()
    sign_in(client, administrator)
    content = client.get(reverse("admin:calls_call_changelist")).content.decode()
    assert reverse("admin:calls_call_change", args=[own.pk]) in content
    assert reverse("admin:calls_call_change", args=[foreign.pk]) in content
    page = client.get(reverse("admin:calls_call_change", args=[foreign.pk])).content.decode()
    assert "modèles de lettres de décision" in page.lower()
