"""Random input on every form of the application flow: the server never answers 5xx, and an
autosave always answers its status fragment.

Each test builds one draft and posts all its examples on it (nothing is reset between examples:
random input piling up on the same draft is part of the test). After each post, the page is
read again, since what was typed but is invalid is shown back from ``pending_input``.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from coopess.accounts.models import Role
from coopess.applications.choices import CooperationForm, LegalForm, ProjectGoal, SharingDomain
from coopess.applications.forms import ProjectForm, StructureForm
from tests.applications.helpers import complete_application, docx_upload, open_call, pdf_upload
from tests.conftest import sign_in
from tests.factories import make_user

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    print_blob=True,
)

# --- Values --------------------------------------------------------------------------------------

# any Unicode scalar (controls, NUL, right-to-left marks, emoji...), UTF-8 encodable
characters = st.characters(codec="utf-8")
short_text = st.text(characters, max_size=40)
long_text = st.builds(
    lambda s, n: (s or "x") * n, st.text(characters, max_size=5), st.integers(50, 4000)
)
tricky = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "\r\n",
        "\u202e",
        "\ufeff",
        "💥" * 300,
        "0" * 5000,
        "9" * 40,
        "-1",
        "1e999",
        "NaN",
        "Infinity",
        "1_000",
        "٣",
        "３",
        "3,5",
        "3.5",
        "oui",
        "non",
        "true",
        "<script>alert(1)</script>",
        "{{ request }}",
        "%(count)s",
        "${x}",
        "' OR 1=1 --",
        "W" + "9" * 9,
        "44000",
        "2A",
        "2B",
        "971",
        "null",
        "[]",
        "{}",
    ]
)
text = st.one_of(short_text, tricky, long_text)
value = st.one_of(text, st.lists(text, max_size=4))
field_name = st.text(characters, min_size=1, max_size=20).filter(lambda n: n != "action")


def field_values(choices: dict[str, list[str]]):
    """One value per field: random, or one of its choices (or a list of them)."""

    def for_field(name):
        options = choices.get(name)
        if not options:
            return value
        return st.one_of(
            value, st.sampled_from(options), st.lists(st.sampled_from(options), max_size=4)
        )

    return for_field


def form_data(fields: list[str], choices: dict[str, list[str]] | None = None):
    """Some of the form's fields (random or plausible values), plus random extra fields."""
    pick = field_values(choices or {})
    known = st.fixed_dictionaries({}, optional={name: pick(name) for name in fields})
    extra = st.dictionaries(field_name, value, max_size=3)
    return st.builds(lambda a, b: {**b, **a}, known, extra)


def encode(data: dict) -> str:
    return urlencode(data, doseq=True)


# --- One draft per test ---------------------------------------------------------------------------


@pytest.fixture
def draft(db):
    call = open_call()
    lead = make_user(Role.APPLICANT)
    application = complete_application(call, lead=lead, partners=1)
    client = Client()
    sign_in(client, lead)
    return client, call, application


def post_form(client: Client, path: str, data: dict, *, htmx: bool):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(
        path, encode(data), content_type="application/x-www-form-urlencoded", headers=headers
    )


def check(response, *, htmx: bool = False) -> None:
    event(f"status {response.status_code}")  # see --hypothesis-show-statistics
    assert response.status_code < 500, response.status_code
    if htmx:
        assert response.status_code == 200, response.status_code
        assert "autosave-status" in response.content.decode()


def check_pages(client: Client, application, *paths: str) -> None:
    """Pages showing what was typed (and what is still to correct) still open."""
    for path in (*paths, reverse("applications:detail", args=[application.public_id])):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)


def section(application, slug: str) -> str:
    return reverse("applications:section", args=[application.public_id, slug])


# --- Section forms ---------------------------------------------------------------------------------


@FUZZ
@given(data=st.data(), htmx=st.booleans())
def test_fuzz_type(draft, data, htmx):
    client, call, application = draft
    kinds = [target.application_kind for target in call.targets.all()]
    payload = data.draw(form_data(["kind", "project_title", "then"], {"kind": kinds}))
    path = section(application, "type")
    check(post_form(client, path, payload, htmx=htmx), htmx=htmx)
    check_pages(client, application, path)


@FUZZ
@given(data=st.data(), htmx=st.booleans())
def test_fuzz_structure(draft, data, htmx):
    client, _call, application = draft
    structure = application.structures.get(is_lead=True)
    choices = {
        "legal_form": LegalForm.values,
        "esus_approved": ["", "oui", "non"],
        "departement": ["44", "35", "2A", "976", "99"],
    }
    payload = data.draw(form_data([*StructureForm.base_fields, "then"], choices))
    path = reverse("applications:structure", args=[application.public_id, structure.pk])
    check(post_form(client, path, payload, htmx=htmx), htmx=htmx)
    check_pages(
        client, application, path, reverse("applications:submit", args=[application.public_id])
    )


@FUZZ
@given(data=st.data(), htmx=st.booleans())
def test_fuzz_project(draft, data, htmx):
    client, call, application = draft
    choices = {
        "shared_domains": SharingDomain.values,
        "goals": ProjectGoal.values,
        "envisaged_forms": CooperationForm.values,
        "maturity_stage": [str(pk) for pk in call.maturity_stages.values_list("pk", flat=True)],
    }
    payload = data.draw(form_data([*ProjectForm.base_fields, "then"], choices))
    path = section(application, "projet")
    check(post_form(client, path, payload, htmx=htmx), htmx=htmx)
    check_pages(client, application, path)


@FUZZ
@given(data=st.data(), htmx=st.booleans())
def test_fuzz_questions(draft, data, htmx):
    client, call, application = draft
    questions = list(call.questions.all())
    choices = {
        f"q{q.pk}": (["oui", "non"] if q.kind == "yes_no" else list(q.choices)) for q in questions
    }
    payload = data.draw(form_data(list(choices), choices))
    path = section(application, "questions")
    check(post_form(client, path, payload, htmx=htmx), htmx=htmx)
    check_pages(client, application, path)


# --- Other forms ------------------------------------------------------------------------------------


@FUZZ
@given(data=st.data())
def test_fuzz_partner_invitation(draft, data):
    client, _call, application = draft
    plausible = st.integers(0, 10**6).map(lambda n: f"partenaire{n}@example.org")
    email = st.one_of(text, st.emails().map(str), plausible, plausible)
    payload = data.draw(
        st.builds(
            lambda known, extra: {**extra, **known},
            st.fixed_dictionaries({}, optional={"name": text, "email": email}),
            st.dictionaries(field_name, value, max_size=3),
        )
    )
    path = reverse("applications:partner_invite", args=[application.public_id])
    check(post_form(client, path, payload, htmx=False))
    check_pages(client, application, section(application, "partenaires"))


@FUZZ
@given(payload=form_data(["privacy_notice"], {"privacy_notice": ["on", "1", "true"]}))
def test_fuzz_start(draft, payload):
    client, call, _application = draft
    path = reverse("apply:start", args=[call.slug])
    check(post_form(client, path, payload, htmx=False))
    assert client.get(reverse("applications:mine")).status_code == 200


@FUZZ
@given(payload=form_data(["confirm", "reason"], {"confirm": ["on", "1", "true", "false"]}))
def test_fuzz_withdraw(draft, payload):
    client, _call, application = draft
    path = reverse("applications:withdraw", args=[application.public_id])
    check(post_form(client, path, payload, htmx=False))
    check_pages(client, application, path)


@FUZZ
@given(payload=form_data(["version"], {"version": ["1", "2", "0", "-1"]}))
def test_fuzz_submit(draft, payload):
    client, _call, application = draft
    path = reverse("applications:submit", args=[application.public_id])
    check(post_form(client, path, payload, htmx=False))
    check_pages(client, application, path)


# --- Uploads -----------------------------------------------------------------------------------------

SIGNATURES = [
    b"", b"%PDF-1.7\n", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"\xff\xd8\xff\xe0",
    b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"MZ", b"\x7fELF", b"<html>", b"<svg ",
]  # fmt: skip
BOUNDARY = "----CoopESSFuzzBoundary7MA4YWxkTrZu0gW"


def browser_escaped(name: str) -> str:
    """A name as a browser writes it in a multipart header (quotes and line breaks escaped)."""
    return name.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def multipart(fields: dict, file: tuple[str, bytes] | None) -> tuple[bytes, str]:
    """A form as a browser encodes it (the test client refuses some names a browser sends)."""
    parts = []
    for key, values in fields.items():
        for item in values if isinstance(values, list) else [values]:
            parts.append(
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{browser_escaped(key)}"'
                f"\r\n\r\n{item}\r\n".encode()
            )
    if file is not None:
        name, content = file
        parts.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{browser_escaped(name)}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={BOUNDARY}"


file_name = st.one_of(
    st.text(characters, max_size=300),
    st.builds(
        lambda stem, extension: stem + extension,
        st.text(characters, max_size=30),
        st.sampled_from([".pdf", ".docx", ".PDF", ".jpg", ".html", ".exe", ".pdf.exe", ""]),
    ),
)
file_content = st.one_of(
    st.builds(
        lambda head, tail: head + tail, st.sampled_from(SIGNATURES), st.binary(max_size=3000)
    ),
    st.sampled_from([pdf_upload().read(), docx_upload().read()]),  # files that are accepted
)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@FUZZ
@given(data=st.data(), content=file_content, name=file_name)
def test_fuzz_upload(draft, media, data, content, name):
    client, call, application = draft
    documents = [str(pk) for pk in call.documents.values_list("pk", flat=True)]
    structures = [str(pk) for pk in application.structures.values_list("pk", flat=True)]
    questions = [str(pk) for pk in call.questions.values_list("pk", flat=True)]

    def mostly(options):  # mostly a real one, so that the file itself gets inspected
        return st.integers(0, 3).flatmap(lambda i: value if i == 0 else st.sampled_from(options))

    payload = data.draw(
        st.builds(
            lambda known, extra: {**extra, **known},
            st.fixed_dictionaries(
                {"document": mostly(documents), "structure": mostly(structures)},
                optional={"question": mostly(questions)},
            ),
            st.dictionaries(field_name.filter(lambda n: n != "file"), value, max_size=3),
        )
    )
    file = (name, content) if data.draw(st.integers(0, 3)) else None  # mostly with a file
    body, content_type = multipart(payload, file)
    path = reverse("applications:attachment_upload", args=[application.public_id])
    check(client.post(path, body, content_type=content_type))
    check_pages(client, application, section(application, "pieces"))
