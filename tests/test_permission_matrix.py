"""Every URL × every role, with the expected answer. A URL missing here fails the suite.

Declare each new view in ``MATRIX`` (or, for a namespace governed as a whole such as the
Django admin, in ``NAMESPACE_RULES``). Expected values: an HTTP status, or ``LOGIN`` for a
redirect to the sign-in page, or ``REDIRECT`` for any other redirect.
"""

import os

import pytest
from django.urls import reverse

from coopess.accounts.models import Role
from coopess.common.models import DemoEmail
from tests.conftest import INVALID_MARKER, sign_in
from tests.factories import make_seed_call
from tests.urls import all_routes

ROLES = ["anonymous", *[role.value for role in Role]]
STAFF = [Role.OFFICER, Role.REVIEWER, Role.CONSULTANT, Role.FUNDER, Role.ADMIN]
LOGIN = "login"
REDIRECT = "redirect"


def every(status, **overrides) -> dict:
    return {role: overrides.get(role, status) for role in ROLES}


PUBLIC = every(200)
SIGNED_IN = every(200, anonymous=LOGIN)
NOT_FOUND = every(404)
# someone else's object: not found, whoever asks
STRANGER = every(404, anonymous=LOGIN)
POST_ONLY = every(405, anonymous=LOGIN)
# allauth's sign-in pages send a signed-in person back to their space
SIGNED_OUT_ONLY = every(REDIRECT, anonymous=200)

MATRIX: dict[str, dict] = {
    "home:index": PUBLIC,
    "common:health": PUBLIC,
    "common:favicon": every(301),
    "common:privacy": PUBLIC,
    "common:accessibility": PUBLIC,
    "common:legal": PUBLIC,
    # demo pages exist only when COOPESS_DEMO is on (see test_demo_pages_*)
    "common:demo_mailbox": NOT_FOUND,
    "common:demo_email": NOT_FOUND,
    "calls:list": PUBLIC,
    "calls:detail": PUBLIC,
    "apply:start": SIGNED_IN,
    "accounts:dashboard": SIGNED_IN,
    "apply:blank_form": PUBLIC,
    # applications: the matrix users are strangers to the application (owner tests elsewhere)
    "applications:mine": SIGNED_IN,
    "applications:invitation": SIGNED_IN,  # the secret token is the key
    "applications:detail": STRANGER,
    "applications:submit": STRANGER,
    "applications:withdraw": STRANGER,
    "applications:structure": STRANGER,
    "applications:section": STRANGER,
    "applications:attachment_download": STRANGER,
    "applications:structure_confirm": POST_ONLY,
    "applications:partner_invite": POST_ONLY,
    "applications:partner_remove": POST_ONLY,
    "applications:attachment_upload": POST_ONLY,
    "applications:attachment_delete": POST_ONLY,
    "applications:decision_letter": STRANGER,
    # instruction: the matrix officer works for another DLA, the reviewer is not assigned
    "selection:calls": every(404, anonymous=LOGIN, officer=200),
    "selection:reviewer_home": every(404, anonymous=LOGIN, reviewer=200),
    "selection:table": STRANGER,
    "selection:export": STRANGER,
    "selection:ranking": STRANGER,
    "selection:application": STRANGER,
    "selection:attachment": STRANGER,
    "selection:review": STRANGER,
    "selection:reviewer_attachment": STRANGER,
    "selection:send_letters": POST_ONLY,
    "selection:applicant_message": POST_ONLY,
    "selection:start_review": POST_ONLY,
    "selection:rescreen": POST_ONLY,
    "selection:override": POST_ONLY,
    "selection:assign": POST_ONLY,
    "selection:message": POST_ONLY,
    "selection:complements": POST_ONLY,
    "selection:decide": POST_ONLY,
    "selection:reopen": POST_ONLY,
    # diagnostic: the matrix officer works for another DLA, the applicant represents no structure
    "diagnostic:mine": SIGNED_IN,
    "diagnostic:cohorts": every(404, anonymous=LOGIN, officer=200),
    "diagnostic:cohort": STRANGER,
    "diagnostic:start": POST_ONLY,
    "diagnostic:structure": STRANGER,
    # collective support: the matrix officer works for another DLA, the consultant is not engaged
    "support:home": SIGNED_IN,
    "support:cohort": STRANGER,
    "support:settings": POST_ONLY,
    "support:engagement": POST_ONLY,
    "support:consultant_add": POST_ONLY,
    "support:consultant_remove": POST_ONLY,
    "support:session_new": STRANGER,
    "support:session": STRANGER,
    "support:session_edit": STRANGER,
    "support:session_ics": STRANGER,
    "support:structure_session_ics": STRANGER,
    "support:session_cancel": POST_ONLY,
    "support:session_record": POST_ONLY,
    "support:deliverable_add": POST_ONLY,
    "support:deliverable": STRANGER,
    "support:deliverable_delete": POST_ONLY,
    "support:referral_add": POST_ONLY,
    "support:referral_move": POST_ONLY,
    "support:officer_structure": STRANGER,
    "support:officer_dla_referral": POST_ONLY,
    "support:actors": every(404, anonymous=LOGIN, officer=200),
    # competition: the matrix officer works for another DLA; the token is not a provider's
    "competition:providers": every(404, anonymous=LOGIN, officer=200),
    "competition:provider_edit": STRANGER,
    "competition:engagement_review": POST_ONLY,
    "competition:consultation": STRANGER,
    "competition:consult": POST_ONLY,
    "competition:send": POST_ONLY,
    "competition:unconsult": POST_ONLY,
    "competition:reinvite": POST_ONLY,
    "competition:detach": POST_ONLY,
    "competition:answer": POST_ONLY,
    "competition:close": POST_ONLY,
    "competition:score": POST_ONLY,
    "competition:choose": POST_ONLY,
    "competition:letters": POST_ONLY,
    "competition:proposal_attachment": STRANGER,
    # the provider: the emailed token is an invitation (sign in first, keeping the link);
    # its consultations are reached signed in by the account that accepted, by no one else
    "competition:invitation": STRANGER,
    "competition:provider_consultations": SIGNED_IN,
    "competition:provider_home": STRANGER,
    "competition:provider_terms_pdf": STRANGER,
    "competition:provider_attachment": STRANGER,
    "competition:terms_version_file": STRANGER,
    "competition:abandon": POST_ONLY,
    "competition:terms_file": STRANGER,
    # the comité d'appui: the matrix reviewer is assigned to no consultation
    "competition:committee_settings": POST_ONLY,
    "competition:committee_assign": POST_ONLY,
    "competition:committee_remove": POST_ONLY,
    "competition:committee_home": every(404, anonymous=LOGIN, reviewer=200),
    "competition:committee_consultation": STRANGER,
    "competition:committee_declare": POST_ONLY,
    "competition:committee_score": POST_ONLY,
    "competition:committee_attachment": STRANGER,
    "support:actor": STRANGER,
    "support:structure": STRANGER,
    "support:structure_deliverable": STRANGER,
    "support:structure_dla_request": POST_ONLY,
    # follow-ups: the cohort's officers; the structure through its emailed link (signed in,
    # acting for it); consultants, reviewers and funders see nothing of them
    "followups:cohort": STRANGER,
    "followups:close": POST_ONLY,
    "followups:cohort_close": POST_ONLY,
    "followups:followup": STRANGER,
    "followups:referral": POST_ONLY,
    "followups:answer": STRANGER,
    "followups:structure": STRANGER,
    # interviews
    "diagnostic:interviews": STRANGER,
    "diagnostic:interview_record": STRANGER,
    "diagnostic:interview_ics": STRANGER,
    "diagnostic:interview_slots_publish": POST_ONLY,
    "diagnostic:interview_deadline": POST_ONLY,
    "diagnostic:interview_officer_book": POST_ONLY,
    "diagnostic:interview_officer_move": POST_ONLY,
    "diagnostic:interview_officer_cancel": POST_ONLY,
    "diagnostic:interview_book": POST_ONLY,
    "diagnostic:interview_move": POST_ONLY,
    "diagnostic:interview_cancel": POST_ONLY,
    # self-diagnostic, synergy map, decision aid (shared by the cohort, never beyond)
    "diagnostic:selfdiag_fill": STRANGER,
    "diagnostic:selfdiag_answers": STRANGER,
    "diagnostic:synergy": STRANGER,
    "diagnostic:synergy_svg": STRANGER,
    "diagnostic:decision_aid": STRANGER,
    "diagnostic:structure_synergy": STRANGER,
    "diagnostic:structure_synergy_svg": STRANGER,
    "diagnostic:structure_decision_aid": STRANGER,
    # workshop and action plan
    "diagnostic:workshop": STRANGER,
    "diagnostic:workshop_update": POST_ONLY,
    "diagnostic:workshop_cancel": POST_ONLY,
    "diagnostic:workshop_outcomes": POST_ONLY,
    "diagnostic:action_add": STRANGER,
    "diagnostic:action_edit": STRANGER,
    "diagnostic:action_delete": POST_ONLY,
    "diagnostic:structure_workshop": STRANGER,
    "diagnostic:structure_workshop_ics": STRANGER,
    # synthesis: composed by the cohort's officers, read and answered by its structures
    "diagnostic:synthesis": STRANGER,
    "diagnostic:synthesis_create": POST_ONLY,
    "diagnostic:synthesis_new_version": POST_ONLY,
    "diagnostic:synthesis_version": STRANGER,
    "diagnostic:synthesis_circulate": POST_ONLY,
    "diagnostic:synthesis_pdf": STRANGER,
    "diagnostic:synthesis_docx": STRANGER,
    "diagnostic:synthesis_section": STRANGER,
    "diagnostic:synthesis_section_prepare": POST_ONLY,
    "diagnostic:synthesis_review": STRANGER,
    "diagnostic:structure_synthesis_pdf": STRANGER,
    "diagnostic:structure_synthesis_docx": STRANGER,
    # personal data: one's own data for everyone signed in; requests for officers and admins
    "privacy:mine": SIGNED_IN,
    "privacy:download_json": SIGNED_IN,
    "privacy:download_pdf": SIGNED_IN,
    "privacy:erasure": SIGNED_IN,
    "privacy:requests": every(404, anonymous=LOGIN, officer=200, admin=200),
    "privacy:request": STRANGER,
    "privacy:request_export": STRANGER,
    "privacy:request_accept": POST_ONLY,
    "privacy:request_refuse": POST_ONLY,
    # reporting: officers (their DLA's calls) and funders (aggregates) only
    "reporting:indicators": every(404, anonymous=LOGIN, officer=200, funder=200),
    "reporting:export": every(404, anonymous=LOGIN, officer=200, funder=200),
    "reporting:annual_report": every(404, anonymous=LOGIN, officer=200, funder=200),
    "reporting:note": every(404, anonymous=LOGIN, officer=200),
    # timelines (the matrix officer works for another DLA), notifications, personal calendar;
    # the feed is public but opened only by its secret: a wrong one is not found, for everyone
    "notifications:call_timeline": STRANGER,
    "notifications:cohort_timeline": STRANGER,
    "notifications:structure_timeline": STRANGER,
    "notifications:feed": NOT_FOUND,
    "notifications:list": SIGNED_IN,
    "notifications:read": POST_ONLY,
    "notifications:read_all": POST_ONLY,
    "notifications:settings": SIGNED_IN,
    "notifications:feed_regenerate": POST_ONLY,
    "notifications:feed_revoke": POST_ONLY,
    "notifications:email_mode": POST_ONLY,
    # partner finder: the matrix users represent none of the structures; the officer works for
    # another DLA; counts for officers and funders only
    "finder:home": SIGNED_IN,
    "finder:consent": STRANGER,
    "finder:withdraw": POST_ONLY,
    "finder:search": STRANGER,
    "finder:contact": STRANGER,
    "finder:request": STRANGER,
    "finder:request_answer": POST_ONLY,
    "finder:joint_application": STRANGER,
    "finder:officer": every(404, anonymous=LOGIN, officer=200),
    "finder:introduce": POST_ONLY,
    "finder:counts": every(404, anonymous=LOGIN, officer=200, funder=200),
    # API (coopess/api): a bearer token, never the session; without one, 401 (problem+json)
    # except the published calls and the schema; another DLA's object or none: 404
    "api:api-root": every(404),
    "api:openapi-json": PUBLIC,
    "api:list_calls": PUBLIC,
    "api:get_call": NOT_FOUND,
    "api:list_applications": every(401),
    "api:get_application": every(401),
    "api:list_cohorts": every(401),
    "api:get_cohort": every(401),
    "api:list_followups": every(401),
    "api:get_indicators": every(401),
    "api_documentation": PUBLIC,
    "api_demo_receiver": NOT_FOUND,  # demo only
    # the officers' page « API et webhooks » (the matrix officer works for another DLA)
    "api_admin:home": every(404, anonymous=LOGIN, officer=200),
    "api_admin:token_new": every(404, anonymous=LOGIN, officer=200),
    "api_admin:token_revoke": POST_ONLY,
    "api_admin:endpoint_new": every(404, anonymous=LOGIN, officer=200),
    "api_admin:endpoint_detail": STRANGER,
    "api_admin:endpoint_rotate": POST_ONLY,
    "api_admin:endpoint_delete": POST_ONLY,
    # allauth
    "account_login": SIGNED_OUT_ONLY,
    "account_signup": SIGNED_OUT_ONLY,
    "account_request_login_code": SIGNED_OUT_ONLY,
    "account_confirm_login_code": every(REDIRECT),
    "account_logout": every(200, anonymous=REDIRECT),
    "account_inactive": PUBLIC,
    # representatives have no password: password re-authentication is refused to them
    "account_reauthenticate": every(200, anonymous=LOGIN, applicant=403),
    "account_email": SIGNED_IN,
    "account_email_verification_sent": every(REDIRECT),
    "account_change_password": every(200, anonymous=LOGIN, applicant=REDIRECT),
    "account_set_password": every(REDIRECT, anonymous=LOGIN, applicant=200),
    "account_reset_password": PUBLIC,
    "account_reset_password_done": PUBLIC,
    "account_reset_password_from_key": PUBLIC,
    "account_reset_password_from_key_done": PUBLIC,
    "mfa_index": SIGNED_IN,
    "mfa_authenticate": every(REDIRECT),
    "mfa_reauthenticate": every(200, anonymous=LOGIN, applicant=403),
    # staff already enrolled are asked to re-authenticate before changing their factor
    "mfa_activate_totp": every(REDIRECT, anonymous=LOGIN, applicant=200),
    "mfa_deactivate_totp": every(REDIRECT, anonymous=LOGIN, applicant=404),
    "mfa_generate_recovery_codes": every(REDIRECT, anonymous=LOGIN, applicant=200),
    "mfa_view_recovery_codes": every(404, anonymous=LOGIN),
    "mfa_download_recovery_codes": every(404, anonymous=LOGIN),
    # the admin's own sign-in is replaced by allauth's; GET never signs out
    "admin:login": every(403, anonymous=REDIRECT),
    "admin:logout": every(REDIRECT, admin=405),
    # task results are written by the worker only
    "admin:django_tasks_database_dbtaskresult_add": every(REDIRECT, admin=403),
    # synthesis versions are written by their services only (transitions, frozen PDF)
    "admin:diagnostic_synthesisversion_add": every(REDIRECT, admin=403),
    "admin:autocomplete": every(REDIRECT, admin=403),  # 403: no field named in the query
    # records of personal data: read only, added by the application itself
    "admin:privacy_personaldataexportlog_add": every(REDIRECT, admin=403),
    "admin:privacy_erasurerequest_add": every(REDIRECT, admin=403),
    "admin:privacy_anonymisationrecord_add": every(REDIRECT, admin=403),
    # consents and contact requests are written by the partner finder's services only
    "admin:finder_finderprofile_add": every(REDIRECT, admin=403),
    "admin:finder_contactrequest_add": every(REDIRECT, admin=403),
    # webhook deliveries are written by the outbox only
    "admin:api_webhookdelivery_add": every(REDIRECT, admin=403),
    "gestion:login": every(403, anonymous=REDIRECT),
    "gestion:logout": every(REDIRECT, officer=405),
    "gestion:autocomplete": every(REDIRECT, officer=403),
}

# Namespaces whose every URL follows one rule (their URLs come from a framework).
NAMESPACE_RULES = {
    # The Django admin: administrators only; the others are sent to sign in / refused.
    "admin": every(REDIRECT, admin=200),
    # « Gestion des appels »: officers only, each on their own DLA's calls.
    "gestion": every(REDIRECT, officer=200),
}
ADMIN_SITES = ("admin:", "gestion:")


def url_kwargs(route, context) -> dict:
    application = context["application"]
    values = {
        "slug": "projet"
        if route.name == "applications:section"
        else application.call.slug
        if route.name.startswith("selection:")
        else context["call"].slug,
        "fmt": "csv",
        "year": 2025,
        "result_id": 1,
        "pk": application.structures.get(is_lead=True).pk
        if route.name.startswith("applications:")
        else context["email"].pk,
        "public_id": application.public_id,
        "attachment_id": application.attachments.first().public_id,
        "token": context["token"],
        "uidb36": "abc",
        "key": "not-a-key",
        "object_id": "1",
        "app_label": "accounts",
        "content_type_id": "1",
        **context["diagnostic_ids"],
    }
    return {name: values[name] for name in route.converters}


def expected_for(route, role):
    if route.name in MATRIX:
        return MATRIX[route.name][role]
    namespace = route.name.split(":")[0] if ":" in route.name else None
    if namespace in NAMESPACE_RULES:
        return NAMESPACE_RULES[namespace][role]
    return None


def test_every_url_is_declared():
    undeclared = [route.name for route in all_routes() if expected_for(route, "anonymous") is None]
    assert undeclared == [], f"Declare these URLs in the permission matrix: {undeclared}"


def test_matrix_names_only_existing_urls():
    names = {route.name for route in all_routes()}
    assert set(MATRIX) - names == set()


@pytest.fixture
def context(db):
    from coopess.applications import services
    from tests.applications.helpers import complete_application
    from tests.competition.helpers import matrix_ids as competition_matrix_ids
    from tests.diagnostic.helpers import make_cohort
    from tests.finder.helpers import matrix_ids as finder_matrix_ids
    from tests.followups.helpers import matrix_ids as followup_matrix_ids
    from tests.support.helpers import matrix_ids as support_matrix_ids

    application = complete_application()
    partner = services.partner_invite(
        application=application, by=application.created_by, name="Partenaire", email="p@example.org"
    )
    cohort = make_cohort(application.call, seed=7)
    return {
        # objects of a cohort's diagnostic, by URL parameter name
        "diagnostic_ids": {
            "cohort_id": cohort.cohort.pk,
            "structure_id": cohort.structures[0].pk,
            "interview_id": _interview(cohort).pk,
            **_workshop_ids(cohort),
            **_synthesis_ids(cohort),
            **support_matrix_ids(cohort),
            **competition_matrix_ids(cohort),
            "call_id": cohort.call.pk,
            "feed_token": "inconnu" * 8,
            "notification_id": 1,
            **followup_matrix_ids(cohort),
            **finder_matrix_ids(application.call),
        },
        "application": application,
        "token": partner.invitation_token,
        "call": make_seed_call(),
        "email": DemoEmail.objects.create(
            from_email="a@example.org", to="b@example.org", subject="s", body="b"
        ),
    }


def _interview(setup):
    """A booked interview of the matrix cohort (nobody in the matrix may see it)."""
    import datetime as dt

    from django.utils import timezone

    from coopess.diagnostic.models import Interview, Mode

    starts_at = timezone.now() + dt.timedelta(days=10)
    return Interview.objects.create(
        cohort=setup.cohort,
        officer=setup.officer,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=90),
        mode=Mode.REMOTE,
        link="https://visio.example.org/entretien",
        structure=setup.structures[0],
        booked_at=timezone.now(),
    )


def _workshop_ids(setup) -> dict:
    """A workshop and an action of the matrix cohort (nobody in the matrix may see them)."""
    import datetime as dt

    from django.utils import timezone

    from coopess.diagnostic.models import ActionItem, Mode, Workshop

    starts_at = timezone.now() + dt.timedelta(days=20)
    workshop = Workshop.objects.create(
        cohort=setup.cohort,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=3),
        mode=Mode.IN_PERSON,
        address="Nantes",
        organiser=setup.officer,
    )
    action = ActionItem.objects.create(cohort=setup.cohort, workshop=workshop, action="Action")
    return {"workshop_id": workshop.pk, "action_id": action.pk}


def _synthesis_ids(setup) -> dict:
    """A circulating synthesis version of the matrix cohort and one of its sections."""
    from coopess.diagnostic.models import SynthesisSection, SynthesisVersion

    version = SynthesisVersion.objects.create(
        cohort=setup.cohort, number=1, status="circulating", created_by=setup.officer
    )
    section = SynthesisSection.objects.create(
        version=version, position=1, key="context", title="Contexte", body="Texte."
    )
    return {"version_id": version.pk, "section_id": section.pk}


ROUTES = all_routes()


def _requested(route) -> bool:
    """Admin URLs with parameters (object pages, catch-all) follow the admin's own checks,
    exercised here through its index, list and add pages."""
    return not (route.name.startswith(ADMIN_SITES) and route.converters)


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, context, role_user, role):
    user = role_user(role)
    if user is not None:
        sign_in(client, user)
    failures = []
    for route in ROUTES:
        if not _requested(route):
            continue
        expected = expected_for(route, role)
        url = reverse(route.name, kwargs=url_kwargs(route, context))
        response = client.get(url)
        if os.environ.get("MATRIX_PRINT"):
            print(role, route.name, response.status_code, response.get("Location", ""))
        status = response.status_code
        if expected == LOGIN:
            ok = status == 302 and response["Location"].startswith(
                reverse("account_request_login_code")
            )
        elif expected == REDIRECT:
            ok = status in (301, 302)
        else:
            ok = status == expected
        is_html = response.get("Content-Type", "").startswith("text/html")
        if is_html:  # a strict CSP on every HTML answer, whatever its status
            policy = response.get("Content-Security-Policy", "")
            if "script-src 'self'" not in policy or "unsafe-inline" in policy:
                failures.append(f"{route.name} {url}: weak or missing CSP {policy!r}")
        if ok and status == 200 and is_html and not route.name.startswith(ADMIN_SITES):
            content = response.content.decode()
            ok = INVALID_MARKER not in content
            if not ok and os.environ.get("MATRIX_PRINT"):
                print(content[content.find(INVALID_MARKER) - 300 :][:500])
        if not ok:
            failures.append(
                f"{route.name} {url}: expected {expected}, got {status} {response.get('Location', '')}"
            )
        if role != "anonymous" and not client.session.get("_auth_user_id"):
            sign_in(client, user)  # a logout URL signed us out
    assert failures == [], "\n".join(failures)


POST_ROUTES = [name for name, spec in MATRIX.items() if spec is POST_ONLY]


@pytest.mark.parametrize("name", POST_ROUTES)
def test_state_changing_requests_need_the_csrf_token(context, role_user, name):
    """Every POST-only view refuses a request without the CSRF token (403), even from the
    application's own lead."""
    from django.test import Client

    application = context["application"]
    client = Client(enforce_csrf_checks=True)
    sign_in(client, application.created_by)
    route = next(r for r in ROUTES if r.name == name)
    response = client.post(reverse(name, kwargs=url_kwargs(route, context)), {"body": "x"})
    assert response.status_code == 403
    assert "Ce formulaire a expiré" in response.content.decode()
    assert '<html lang="fr">' in response.content.decode()


PROVIDER_ROUTES = [
    "competition:provider_home",
    "competition:provider_terms_pdf",
    "competition:provider_attachment",
]


def test_a_provider_reaches_its_own_consultation_and_nobody_elses(client, db):
    """Two consulted providers, each signed in with the account that accepted its invitation:
    each reaches its own page, terms and attachment (200), the other's answer 404, and
    without signing in the sign-in page keeps the way back."""
    from coopess.competition.services import proposals as proposal_services
    from tests.common.upload_samples import pdf, upload
    from tests.competition.helpers import make_consultation, provider_user, send
    from tests.diagnostic.helpers import make_cohort

    setup = make_cohort(seed=9)
    consultation = send(setup, make_consultation(setup))
    mine, theirs = list(consultation.consulted.all())[:2]
    for consulted in (mine, theirs):
        proposal_services.proposal_save(
            consulted=consulted, method="Méthode", attachment=upload("offre.pdf", pdf())
        )

    def urls(consulted):
        return [
            reverse(name, kwargs={"consulted_id": consulted.pk, "number": consultation.version})
            if name == "competition:provider_terms_pdf"
            else reverse(name, kwargs={"consulted_id": consulted.pk})
            for name in PROVIDER_ROUTES
        ]

    for url in urls(mine):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_request_login_code"))
    sign_in(client, provider_user(mine))
    for url in urls(mine):
        response = client.get(url)
        assert response.status_code == 200, url
        if response.streaming:  # the attachment: read it to the end
            assert b"".join(response.streaming_content)
    for url in urls(theirs):
        assert client.get(url).status_code == 404, url
    invitation = reverse("competition:invitation", args=[theirs.token])
    assert client.get(invitation).status_code == 403  # another address: refused, in French
