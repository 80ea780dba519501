"""Representatives sign in by an emailed code; staff by password and TOTP."""

import re

import pytest
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from coopess.accounts.models import Role, User
from tests.conftest import sign_in
from tests.factories import STAFF_PASSWORD, add_totp, make_user

CODE = re.compile(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", re.MULTILINE)


def last_code() -> str:
    assert mail.outbox, "no email was sent"
    match = CODE.search(mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


def totp_now(secret: str) -> str:
    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret, counter))


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """POST and run what was queued for after the commit (emails go through the task queue)."""

    def do(url, data, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data, **extra)

    return do


@pytest.mark.django_db
def test_representative_signs_in_with_an_emailed_code(client, post):
    user = make_user(Role.APPLICANT, email="lea@example.org")
    response = post(reverse("account_request_login_code"), {"email": "lea@example.org"})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_confirm_login_code")
    assert mail.outbox[-1].to == ["lea@example.org"]
    assert "[CoopESS]" in mail.outbox[-1].subject
    response = post(reverse("account_confirm_login_code"), {"code": last_code()})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:dashboard")
    response = client.get(reverse("accounts:dashboard"))
    assert response.status_code == 200
    assert response.wsgi_request.user == user


@pytest.mark.django_db
def test_a_wrong_code_is_refused_in_french(client, post):
    make_user(Role.APPLICANT, email="lea@example.org")
    post(reverse("account_request_login_code"), {"email": "lea@example.org"})
    response = post(reverse("account_confirm_login_code"), {"code": "AAAAAA"})
    assert response.status_code == 200
    assert "Code incorrect" in response.content.decode() or "incorrect" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated


@pytest.mark.django_db
def test_code_is_single_use(client, post):
    make_user(Role.APPLICANT, email="lea@example.org")
    post(reverse("account_request_login_code"), {"email": "lea@example.org"})
    code = last_code()
    post(reverse("account_confirm_login_code"), {"code": code})
    client.post(reverse("account_logout"))
    response = post(reverse("account_confirm_login_code"), {"code": code})
    assert not response.wsgi_request.user.is_authenticated


@pytest.mark.django_db
def test_new_representative_creates_an_account_with_only_an_email(client, post):
    response = post(reverse("account_signup"), {"email": "nouvelle@example.org"})
    assert response.status_code == 302
    user = User.objects.get(email="nouvelle@example.org")
    assert not user.has_usable_password()
    response = post(reverse("account_email_verification_sent"), {"code": last_code()})
    assert response.status_code == 302
    assert client.get(reverse("accounts:dashboard")).status_code == 200
    assert User.objects.get(pk=user.pk).roles == {Role.APPLICANT}


@pytest.mark.django_db
def test_staff_signs_in_with_password_then_totp(client, post):
    officer = make_user(Role.OFFICER, email="officer@example.org")
    secret = add_totp(officer)
    response = post(
        reverse("account_login"), {"login": "officer@example.org", "password": STAFF_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    # not signed in yet: every page still asks to sign in
    assert client.get(reverse("accounts:dashboard")).status_code == 302
    response = post(reverse("mfa_authenticate"), {"code": totp_now(secret)})
    assert response.status_code == 302
    response = client.get(reverse("accounts:dashboard"))
    assert response.status_code == 200
    assert response.wsgi_request.user == officer


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role", [Role.OFFICER, Role.REVIEWER, Role.CONSULTANT, Role.FUNDER, Role.ADMIN]
)
def test_staff_without_totp_must_enrol_before_any_page(client, post, role):
    user = make_user(role)
    response = post(reverse("account_login"), {"login": user.email, "password": STAFF_PASSWORD})
    assert response.status_code == 302
    for url in (reverse("accounts:dashboard"), reverse("calls:list"), reverse("admin:index")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("mfa_activate_totp"), url


@pytest.mark.django_db
def test_staff_signed_in_by_code_must_still_pass_totp(client, post):
    officer = make_user(Role.OFFICER, email="officer@example.org")
    add_totp(officer)
    post(reverse("account_request_login_code"), {"email": "officer@example.org"})
    response = post(reverse("account_confirm_login_code"), {"code": last_code()})
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("accounts:dashboard")).status_code == 302


@pytest.mark.django_db
def test_a_staff_session_without_second_factor_is_sent_to_totp(client):
    """Whatever the way in, a staff session that never passed TOTP reaches no page."""
    officer = make_user(Role.OFFICER)
    add_totp(officer)
    sign_in(client, officer, second_factor=False)
    for url in (reverse("accounts:dashboard"), reverse("calls:list"), reverse("admin:index")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("mfa_reauthenticate")), url


@pytest.mark.django_db
@override_settings(COOPESS_REQUIRE_STAFF_MFA=False)
def test_demo_lets_staff_in_without_totp(client, post):
    officer = make_user(Role.OFFICER)
    post(reverse("account_login"), {"login": officer.email, "password": STAFF_PASSWORD})
    assert client.get(reverse("accounts:dashboard")).status_code == 200


@pytest.mark.django_db
def test_representatives_are_not_asked_for_totp(client):
    sign_in(client, make_user(Role.APPLICANT))
    assert client.get(reverse("accounts:dashboard")).status_code == 200


@pytest.mark.django_db
def test_session_key_rotates_on_sign_in(client, post):
    make_user(Role.APPLICANT, email="lea@example.org")
    client.get(reverse("account_request_login_code"))
    post(reverse("account_request_login_code"), {"email": "lea@example.org"})
    before = client.session.session_key
    post(reverse("account_confirm_login_code"), {"code": last_code()})
    assert client.session.session_key != before


@pytest.mark.django_db
def test_only_administrators_reach_the_admin(client):
    officer = make_user(Role.OFFICER)
    add_totp(officer)
    sign_in(client, officer)
    assert client.get(reverse("admin:index"), follow=True).status_code == 403
    client.logout()
    admin = make_user(Role.ADMIN)
    add_totp(admin)
    sign_in(client, admin)
    assert client.get(reverse("admin:index")).status_code == 200
    client.logout()
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    # the admin's own login form is never offered: allauth's (with its second factor) is
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
def test_code_requests_are_rate_limited_per_address(client, post):
    """Three codes a minute for one address; the fourth request is refused and sends nothing."""
    make_user(Role.APPLICANT, email="lea@example.org")
    for _ in range(3):
        client.cookies.clear()
        assert (
            post(reverse("account_request_login_code"), {"email": "lea@example.org"}).status_code
            == 302
        )
    sent = len(mail.outbox)
    client.cookies.clear()
    response = post(reverse("account_request_login_code"), {"email": "lea@example.org"})
    assert response.status_code == 200
    assert "Trop de tentatives" in response.content.decode()
    assert len(mail.outbox) == sent


@pytest.mark.django_db
def test_password_attempts_are_rate_limited_per_account(client):
    officer = make_user(Role.OFFICER, email="officer@example.org")
    add_totp(officer)
    pages = [
        client.post(reverse("account_login"), {"login": "officer@example.org", "password": "faux"})
        for _ in range(6)
    ]
    assert all(page.status_code == 200 for page in pages)  # refused, explained on the page
    assert "Trop de tentatives" not in pages[0].content.decode()
    assert "Trop de tentatives" in pages[5].content.decode()
    # even the right password is refused while the limit holds
    response = client.post(
        reverse("account_login"), {"login": "officer@example.org", "password": STAFF_PASSWORD}
    )
    assert "Trop de tentatives" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated
