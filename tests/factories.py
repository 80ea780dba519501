"""Factories with readable defaults; every person is fictitious and at example.org."""

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from coopess.accounts.models import Organisation, OrganisationKind, Role, RoleAssignment, User
from coopess.calls.services import call_create_from_data, load_call_data


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"DLA de test n° {n}")
    kind = OrganisationKind.DLA_OPERATOR
    region_code = "52"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"personne{n}@example.org")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Testeur{n}")
    password = factory.PostGenerationMethodCall("set_password", "mot-de-passe-de-test")

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


STAFF_PASSWORD = "mot-de-passe-de-test"


def make_user(role: str | None, *, organisation: Organisation | None = None, **fields) -> User:
    """A user holding ``role`` (None: no role at all)."""
    user = UserFactory(**fields)
    if role == Role.OFFICER and organisation is None:
        organisation = OrganisationFactory()
    if role is not None:
        RoleAssignment.objects.create(user=user, role=role, organisation=organisation)
    return user


def add_totp(user: User) -> str:
    """Enrol ``user`` in TOTP; returns the secret (to compute codes in tests)."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def make_seed_call(*, operator: Organisation | None = None, **overrides):
    data = load_call_data()
    data.update(overrides)
    return call_create_from_data(operator=operator or OrganisationFactory(), data=data)
