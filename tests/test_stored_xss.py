"""Stored XSS: a payload corpus typed into every user-writable text field, through the real forms,
then every page, PDF and DOCX that shows it checked.

One test per family of fields (``FAMILIES``): it writes the corpus through the views (the forms a
person fills) and returns the pages that show it, by role. Each HTML page must carry a strict CSP
(``script-src 'self'``, no ``unsafe-inline``), show no live script, event handler or
``javascript:`` link, escape once (never twice) and, where the family says the text is shown,
display the payload as literal text. PDFs and DOCX files must render and hold the payload as
literal text.

Field lengths differ: text areas take the whole corpus (``LONG``), short inputs (names, titles)
a condensed one (``SHORT``) that still breaks out of attributes, tags, <textarea> and <style>.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from tests.conftest import INVALID_MARKER, sign_in

pytestmark = pytest.mark.django_db

# --- The corpus -----------------------------------------------------------------------------------

#: words with « guillemets », accents, an apostrophe and an ampersand: shown once-escaped, never
#: double-escaped (``&amp;amp;``, ``&amp;#x27;``)
FRENCH = "« L'Économie & Cie » ça coopère"
PAYLOADS = {
    "script": "<script>alert(1)</script>",
    "attribute-breakout": '"><img src=x onerror=alert(1)>',
    "markdown-javascript-link": "[x](javascript:alert(1))",
    "svg-onload": "<svg onload=alert(1)>",
    "template": "{{ 7*7 }}",
    "textarea-breakout": "</textarea><script>alert(2)</script>",
    "style-breakout": "</style><script>alert(3)</script>",
    "french": FRENCH,
}
#: for text areas: every payload on its own line (each one a Markdown paragraph where rendered)
LONG = "\n\n".join(PAYLOADS.values())
#: for inputs of 150 characters and more
SHORT = (
    "\"'><img src=x onerror=alert(1)><script>alert(1)</script><svg onload=alert(1)>"
    "</textarea></style>{{ 7*7 }} " + FRENCH
)
assert len(SHORT) <= 150, len(SHORT)
#: what must be read, as typed, wherever a field is shown (literal text, not interpreted)
SHOWN = [FRENCH, "{{ 7*7 }}", "<script>alert(1)</script>"]


#: an uploaded file's name (slashes would only cut it: the name keeps its last component)
FILE_NAME = "\"'><img src=x onerror=alert(1)><svg onload=alert(1)>« é & ç ».pdf"


def fits(max_length: int) -> str:
    return LONG if len(LONG) <= max_length else SHORT


# --- Checks ---------------------------------------------------------------------------------------

SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:text/html")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster"}


class _TagAudit(HTMLParser):
    """The markup a browser would build: live scripts, event handlers, script URLs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "script" and not values.get("src"):
            self.found.append(f"live <script> ({self.getpos()})")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"event handler <{tag} {name}={value!r}> ({self.getpos()})")
            if name in URL_ATTRIBUTES and value:
                cleaned = re.sub(r"[\s\x00-\x1f]", "", value).lower()
                if cleaned.startswith(SCRIPT_SCHEMES):
                    self.found.append(f"script URL <{tag} {name}={value!r}> ({self.getpos()})")
        if values.get("src") == "x":
            self.found.append(f"injected <{tag} src=x> ({self.getpos()})")

    handle_startendtag = handle_starttag


def live_markup(content: str) -> list[str]:
    audit = _TagAudit()
    audit.feed(content)
    audit.close()
    return audit.found


DOUBLE_ESCAPED = ("&amp;amp;", "&amp;lt;", "&amp;gt;", "&amp;quot;", "&amp;#x27;", "&amp;#39;")


def squash(text: str) -> str:
    """One space for any run of white space (no-break spaces included): PDFs wrap lines."""
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " ")).strip()


def nospace(text: str) -> str:
    return re.sub(r"\s+", "", text.replace("\u00a0", "").replace("\u202f", ""))


def html_problems(response, where: str, *, shows: bool) -> list[str]:
    problems = []
    if response.status_code != 200:
        return [f"{where}: status {response.status_code}"]
    content_type = response.get("Content-Type", "")
    content = response.content.decode()
    if content_type.startswith("text/html"):
        policy = response.get("Content-Security-Policy", "")
        if "script-src 'self'" not in policy or "unsafe-inline" in policy:
            problems.append(f"{where}: weak or missing CSP {policy!r}")
        if INVALID_MARKER in content:
            problems.append(f"{where}: undefined template variable")
    problems += [f"{where}: {found}" for found in live_markup(content)]
    for needle in ("</textarea><script", "</style><script", "<img src=x", "<svg onload"):
        if needle in content:
            problems.append(f"{where}: raw {needle!r}")
    for needle in DOUBLE_ESCAPED:
        if needle in content:
            at = content.find(needle)
            problems.append(f"{where}: double-escaped {needle!r}: …{content[at - 80 : at + 80]}…")
    if shows:
        text = squash(html.unescape(content))
        for needle in SHOWN:
            if squash(needle) not in text:
                problems.append(f"{where}: {needle!r} not shown as text")
    return problems


def pdf_problems(content: bytes, where: str, expected: list[str]) -> list[str]:
    from pypdf import PdfReader

    if not content.startswith(b"%PDF"):
        return [f"{where}: not a PDF"]
    reader = PdfReader(io.BytesIO(content))
    if not reader.pages:
        return [f"{where}: no page"]
    text = nospace("\n".join(page.extract_text() or "" for page in reader.pages))
    return [f"{where}: {e!r} not in the PDF text" for e in expected if nospace(e) not in text]


def docx_problems(content: bytes, where: str, expected: list[str]) -> list[str]:
    from docx import Document

    document = Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    text = nospace("\n".join(parts))
    problems = [f"{where}: {e!r} not in the DOCX text" for e in expected if nospace(e) not in text]
    xml = document.element.xml
    if "<script" in xml or "<img" in xml:
        problems.append(f"{where}: markup written into the DOCX XML")
    return problems


def json_problems(response, where: str, expected: list[str]) -> list[str]:
    """A JSON download: served as JSON (never sniffed as HTML), every value kept as typed."""
    import json

    problems = []
    if not response.get("Content-Type", "").startswith("application/json"):
        problems.append(f"{where}: served as {response.get('Content-Type')!r}")
    strings: list[str] = []

    def walk(value):
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str):
            strings.append(value)

    walk(json.loads(body(response)))
    problems += [f"{where}: {e!r} not kept as typed" for e in expected if e not in strings]
    return problems


def body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


@dataclass
class Page:
    """A page to fetch as ``user``; ``shows``: the corpus must be read there as text."""

    user: object
    url: str
    shows: bool = True
    kind: str = "html"  # html | pdf | docx
    expected: list[str] = field(default_factory=lambda: list(SHOWN))


def check_pages(client, pages: list[Page]) -> list[str]:
    problems = []
    current = None
    for page in pages:
        if page.user is not current:
            client.logout()
            sign_in(client, page.user)
            current = page.user
        response = client.get(page.url)
        where = f"{page.user.email} GET {page.url}"
        if page.kind == "html":
            problems += html_problems(response, where, shows=page.shows)
        elif response.status_code != 200:
            problems.append(f"{where}: status {response.status_code}")
        elif page.kind == "pdf":
            problems += pdf_problems(body(response), where, page.expected)
        elif page.kind == "json":
            problems += json_problems(response, where, page.expected)
        else:
            problems += docx_problems(body(response), where, page.expected)
    return problems


def posted(client, user, url: str, data: dict, *, expect=(302,), **kwargs):
    """POST through the real view as ``user``; the form must accept the corpus. The page the
    redirect lands on (with its flash message, which may quote what was typed) is checked too."""
    client.logout()
    sign_in(client, user)
    response = client.post(url, data, **kwargs)
    assert response.status_code in expect, (url, response.status_code, _errors(response))
    if response.status_code == 302:
        landing = client.get(response["Location"])
        if landing.get("Content-Type", "").startswith("text/html"):
            problems = html_problems(landing, f"{user.email} after POST {url}", shows=False)
            assert problems == [], "\n".join(problems)
    elif response.get("Content-Type", "").startswith("text/html"):
        problems = html_problems(response, f"{user.email} POST {url}", shows=False)
        assert problems == [], "\n".join(problems)
    return response


def _errors(response) -> str:
    content = response.content.decode(errors="replace")
    found = re.findall(r'class="error-message"[^>]*>(.*?)</', content, re.S)
    summary = re.findall(r'class="error-summary"[^>]*>(.*?)</div>', content, re.S)
    return html.unescape(" | ".join(found + summary))[:2000]


# --- Families -------------------------------------------------------------------------------------


PROJECT_TEXT_FIELDS = (
    "shared_description",
    "regional_scope",
    "expectations",
    "difficulties",
    "availability",
)


def family_applications(client, capture) -> list[Page]:
    """Everything a representative types in an application, then what officers, reviewers and
    the representative see of it, and the receipt PDF."""
    from coopess.applications.models import Answer
    from tests.applications.helpers import complete_application, open_call, structure_data
    from tests.selection.helpers import officer_of, reviewer

    call = open_call()
    officer = officer_of(call)
    application = complete_application(call)
    lead = application.created_by
    structure = application.structures.get(is_lead=True)
    first, follow_up = call.questions.order_by("position")[:2]

    def app_url(name, *args):
        return reverse(f"applications:{name}", args=[application.public_id, *args])

    structure_url = app_url("structure", structure.pk)
    text_fields = {
        "name": 250,
        "address": 300,
        "commune": 150,
        "network_affiliation": 250,
        "rep1_first_name": 150,
        "rep1_last_name": 150,
        "rep1_role": 150,
        "rep2_first_name": 150,
        "rep2_last_name": 150,
        "rep2_role": 150,
    }
    posted(
        client, lead, app_url("section", "type"), {"kind": "unaffiliated", "project_title": SHORT}
    )
    posted(
        client,
        lead,
        structure_url,
        structure_data(1, **{name: fits(n) for name, n in text_fields.items()}),
    )
    posted(
        client,
        lead,
        app_url("section", "projet"),
        {
            "shared_domains": ["hr", "other"],
            "shared_other": fits(300),
            "goals": ["costs"],
            "maturity_stage": str(call.maturity_stages.first().pk),
            "envisaged_forms": ["employers_group"],
            **dict.fromkeys(PROJECT_TEXT_FIELDS, LONG),
        },
    )
    posted(
        client,
        lead,
        app_url("section", "questions"),
        {f"q{first.pk}": "oui", f"q{follow_up.pk}": LONG},
    )
    posted(client, lead, app_url("partner_invite"), {"name": SHORT, "email": "p@example.org"})
    posted(
        client,
        lead,
        reverse("selection:applicant_message", args=[application.public_id]),
        {"body": LONG},
    )
    from tests.applications.helpers import pdf_upload

    upload = pdf_upload(FILE_NAME)
    posted(
        client,
        lead,
        app_url("attachment_upload"),
        {
            "document": call.documents.filter(required=False).first().pk,
            "structure": structure.pk,
            "file": upload,
        },
        expect=(200, 302),
    )
    stored = application.attachments.order_by("-pk").first()
    assert "onerror=alert(1)" in stored.original_name and "<" not in stored.original_name

    # stored exactly as typed
    application.refresh_from_db()
    structure.refresh_from_db()
    assert application.project_title == SHORT
    assert application.expectations == LONG
    assert structure.name == fits(250)
    assert Answer.objects.get(application=application, question=follow_up).value == LONG
    partner = application.structures.get(invited_email="p@example.org")
    assert partner.name == SHORT

    draft_pages = [
        Page(lead, app_url("detail")),
        Page(lead, structure_url, shows=False),  # inputs: checked in their value below
        *(Page(lead, app_url("section", s)) for s in ("type", "projet", "questions")),
        Page(lead, app_url("section", "partenaires")),
        Page(lead, app_url("section", "pieces"), shows=False),
        Page(lead, app_url("submit"), shows=False),
        Page(lead, reverse("applications:mine"), shows=False),
    ]
    problems = check_pages(client, draft_pages)
    assert problems == [], "\n".join(problems)
    # the structure form gives back the values as typed, escaped inside value="…"
    content = client.get(structure_url).content.decode()
    assert f'value="{SHORT}"' in html.unescape(content)
    assert f'value="{SHORT}"' not in content

    posted(client, lead, app_url("partner_remove", partner.pk), {})
    with capture(execute=True):
        posted(client, lead, app_url("submit"), {})
    application.refresh_from_db()
    receipt = application.attachments.get(is_receipt=True)
    from coopess.selection import services as selection_services

    selection_services.review_start(application=application, by=officer)
    member = reviewer()
    assignment = selection_services.reviewer_assign(
        application=application, reviewer=member, by=officer
    )
    selection_services.conflict_declare(assignment=assignment, has_conflict=False)
    return [
        draft_pages[0],
        Page(lead, reverse("applications:mine"), shows=False),
        Page(
            lead, app_url("attachment_download", receipt.public_id), kind="pdf", expected=[SHORT]
        ),  # the receipt names the project
        Page(officer, reverse("selection:application", args=[application.public_id])),
        Page(officer, reverse("selection:table", args=[call.slug]), shows=False),
        Page(
            officer,
            reverse("selection:table", args=[call.slug]) + "?" + urlencode({"q": SHORT[:100]}),
            shows=False,
        ),
        Page(officer, reverse("selection:ranking", args=[call.slug]), shows=False),
        Page(officer, reverse("selection:calls"), shows=False),
        Page(member, reverse("selection:review", args=[application.public_id])),
        Page(member, reverse("selection:reviewer_home"), shows=False),
    ]


def family_selection(client, capture) -> list[Page]:
    """Messages both ways, eligibility correction, conflict note, reviews, decision comments,
    reopening, complements, a letter template; the decision letter PDF."""
    from coopess.applications.choices import ApplicationStatus
    from coopess.selection.officer_site import LetterTemplateForm
    from tests.applications.helpers import open_call
    from tests.selection.helpers import officer_of, reviewer, submitted_application

    call = open_call()
    officer = officer_of(call)
    application = submitted_application(call)
    other = submitted_application(call)
    lead = application.created_by

    # a letter template holding the corpus (its template syntax is refused, the rest kept)
    refused = LetterTemplateForm(
        data={"outcome": ApplicationStatus.SELECTED, "subject": "Objet", "body": LONG}
    )
    assert not refused.is_valid()  # « {{ 7*7 }} » is no variable of the letter
    template_text = LONG.replace("{{ 7*7 }}", "{% templatetag openvariable %} 7*7 }}")
    form = LetterTemplateForm(
        data={
            "outcome": ApplicationStatus.SELECTED,
            "subject": "Décision " + PAYLOADS["script"] + " « {{ appel }} »",
            "body": template_text + "\n\nPrécisions : {{ precisions }}",
        }
    )
    assert form.is_valid(), form.errors
    form.instance.call = call
    form.save()

    def sel(name, app=application, *args):
        return reverse(f"selection:{name}", args=[app.public_id, *args])

    posted(client, officer, sel("start_review"), {})
    posted(client, officer, sel("message"), {"body": LONG})
    posted(
        client,
        lead,
        reverse("selection:applicant_message", args=[application.public_id]),
        {"body": LONG},
    )
    result = application.eligibility_results.first()
    posted(
        client,
        officer,
        sel("override", application, result.pk),
        {f"rule{result.pk}-outcome": "pass", f"rule{result.pk}-reason": fits(2000)},
    )
    from coopess.selection import services as selection_services

    conflicted, scoring = reviewer(), reviewer()
    for member in (conflicted, scoring):
        selection_services.reviewer_assign(application=application, reviewer=member, by=officer)
    posted(
        client,
        conflicted,
        sel("review"),
        {"declaration": "conflict", "note": fits(1000)},
        expect=(302,),
    )
    posted(client, scoring, sel("review"), {"declaration": "none"})
    grid = {"overall_comment": LONG}
    for criterion in call.criteria.all():
        grid[f"score_{criterion.pk}"] = str(criterion.scale_max)
        grid[f"comment_{criterion.pk}"] = LONG
    posted(client, scoring, sel("review"), grid)
    application.refresh_from_db()
    posted(
        client,
        officer,
        sel("decide"),
        {
            "outcome": ApplicationStatus.SELECTED,
            "comment": LONG,
            "against_ranking_reason": LONG,
            "version": application.version,
        },
    )
    with capture(execute=True):
        sent = posted(client, officer, reverse("selection:send_letters", args=[call.slug]), {})
    from django.contrib.messages import get_messages

    assert [str(m) for m in get_messages(sent.wsgi_request)] == [
        "1 lettre(s) de décision en cours d'envoi (courriel et PDF)."
    ]
    letter = Page(
        lead,
        reverse("applications:decision_letter", args=[application.public_id]),
        kind="pdf",
        expected=[*SHOWN, "{{ 7*7 }}", "Décision <script>alert(1)</script>"],
    )
    problems = check_pages(client, [letter])  # before reopening: the letter of the decision
    assert problems == [], "\n".join(problems)

    posted(client, officer, sel("reopen"), {"reason": fits(2000)})
    # complements: on another application, under review
    posted(client, officer, sel("start_review", other), {})
    posted(client, officer, sel("complements", other), {"sections": ["project"], "message": LONG})
    return [  # the letter of the reopened decision is withdrawn (404): checked above
        Page(officer, sel("application")),
        Page(officer, sel("application", other)),
        Page(officer, reverse("selection:ranking", args=[call.slug]), shows=False),
        Page(scoring, sel("review")),
        Page(conflicted, reverse("selection:reviewer_home"), shows=False),
        Page(lead, reverse("applications:detail", args=[application.public_id])),
        Page(other.created_by, reverse("applications:detail", args=[other.public_id])),
        Page(
            other.created_by,
            reverse("applications:section", args=[other.public_id, "projet"]),
            shows=False,
        ),
    ]


def family_selfdiag(client, capture) -> list[Page]:
    """The self-diagnostic's free texts, read by the officer and (through the synergy map and
    decision aid) by the cohort."""
    from coopess.diagnostic.services.selfdiag import questionnaire_setup
    from tests.diagnostic.helpers import make_cohort
    from tests.diagnostic.test_selfdiag import complete_post

    setup = make_cohort(applications=(2, 1), status="diagnostic")
    questionnaire_setup(call=setup.call)
    cohort_id = setup.cohort.pk
    for structure in setup.structures:
        posted(
            client,
            setup.person(structure),
            reverse("diagnostic:selfdiag_fill", kwargs={"structure_id": structure.pk}),
            complete_post(autonomie_perimetre=LONG, craintes=LONG),
        )
    structure = setup.structures[0]
    person = setup.person(structure)
    ids = {"structure_id": structure.pk}
    return [
        Page(person, reverse("diagnostic:selfdiag_fill", kwargs=ids), shows=False),
        Page(person, reverse("diagnostic:structure", kwargs=ids), shows=False),
        Page(person, reverse("diagnostic:structure_synergy", kwargs=ids), shows=False),
        Page(person, reverse("diagnostic:structure_synergy_svg", kwargs=ids), shows=False),
        Page(person, reverse("diagnostic:structure_decision_aid", kwargs=ids), shows=False),
        Page(
            setup.officer,
            reverse("diagnostic:selfdiag_answers", kwargs={"cohort_id": cohort_id, **ids}),
        ),
        Page(
            setup.officer,
            reverse("diagnostic:synergy", kwargs={"cohort_id": cohort_id}),
            shows=False,
        ),
        Page(
            setup.officer,
            reverse("diagnostic:synergy_svg", kwargs={"cohort_id": cohort_id}),
            shows=False,
        ),
        Page(
            setup.officer,
            reverse("diagnostic:decision_aid", kwargs={"cohort_id": cohort_id}),
            shows=False,
        ),
        Page(
            setup.officer,
            reverse("diagnostic:cohort", kwargs={"cohort_id": cohort_id}),
            shows=False,
        ),
    ]


def family_interviews(client, capture) -> list[Page]:
    """Interview slots (place) and the interview record (notes, private notes, attendees)."""
    from coopess.diagnostic.models import Interview
    from coopess.diagnostic.services import interviews as interview_services
    from tests.diagnostic.test_interviews import opened

    setup = opened(seed=3)
    cohort_id = setup.cohort.pk
    day = timezone.localdate() + dt.timedelta(days=12)
    posted(
        client,
        setup.officer,
        reverse("diagnostic:interview_slots_publish", kwargs={"cohort_id": cohort_id}),
        {
            "day": day.isoformat(),
            "start": "09:00",
            "count": "1",
            "minutes": "90",
            "pause_minutes": "0",
            "mode": "in_person",
            "address": fits(300),
            "link": "",
        },
    )
    slot = Interview.objects.get(cohort=setup.cohort)
    structure = setup.structures[0]
    interview_services.interview_book(slot=slot, structure=structure, by=setup.person(structure))
    representative_page = Page(
        setup.person(structure), reverse("diagnostic:structure", args=[structure.pk])
    )
    problems = check_pages(client, [representative_page])  # the place, before the interview
    assert problems == [], "\n".join(problems)
    Interview.objects.filter(pk=slot.pk).update(
        starts_at=F("starts_at") - dt.timedelta(days=20),
        ends_at=F("ends_at") - dt.timedelta(days=20),
    )
    record_url = reverse("diagnostic:interview_record", args=[cohort_id, slot.pk])
    items = list(setup.call.interview_guide.all())
    posted(
        client,
        setup.officer,
        record_url,
        {
            "attended": [structure.representatives.first().pk],
            "other_attendees": fits(300),
            **{f"note_{item.pk}": LONG for item in items},
            "private_notes": LONG,
            "mark_held": "on",
        },
    )
    return [
        Page(setup.officer, record_url),
        Page(setup.officer, reverse("diagnostic:interviews", args=[cohort_id]), shows=False),
        Page(setup.officer, reverse("diagnostic:cohort", args=[cohort_id]), shows=False),
        Page(
            setup.person(structure),
            reverse("diagnostic:structure", args=[structure.pk]),
            shows=False,
        ),
    ]


def family_workshop(client, capture) -> list[Page]:
    """The workshop (title, place, agenda), its outcomes (stakes, decisions) and the action plan."""
    from coopess.diagnostic.models import ActionItem, Workshop
    from tests.diagnostic.helpers import make_cohort
    from tests.diagnostic.test_workshop import schedule_post

    setup = make_cohort(applications=(2, 1), status="diagnostic")
    cohort_id = setup.cohort.pk
    officer_url = reverse("diagnostic:workshop", kwargs={"cohort_id": cohort_id})
    posted(
        client,
        setup.officer,
        officer_url,
        schedule_post(title=SHORT, address=fits(300), agenda=LONG),
    )
    workshop = Workshop.objects.get(cohort=setup.cohort)
    a, _b, c = setup.structures
    structure_page = Page(setup.person(c), reverse("diagnostic:structure_workshop", args=[c.pk]))
    problems = check_pages(client, [Page(setup.officer, officer_url), structure_page])
    assert problems == [], "\n".join(problems)
    Workshop.objects.filter(pk=workshop.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=4),
        ends_at=timezone.now() - dt.timedelta(hours=1),
    )
    posted(
        client,
        setup.officer,
        reverse("diagnostic:workshop_outcomes", args=[cohort_id, workshop.pk]),
        {"stakes": LONG, "decisions": LONG},
    )
    posted(
        client,
        setup.officer,
        reverse("diagnostic:action_add", args=[cohort_id]),
        {"action": fits(300), "structures": [a.pk, c.pk], "owner": SHORT, "status": "todo"},
    )
    action = ActionItem.objects.get(cohort=setup.cohort)
    assert action.owner == SHORT
    return [
        Page(setup.officer, officer_url),
        Page(
            setup.officer,
            reverse("diagnostic:action_edit", args=[cohort_id, action.pk]),
            shows=False,
        ),
        Page(setup.officer, reverse("diagnostic:cohort", args=[cohort_id]), shows=False),
        structure_page,
        Page(setup.person(c), reverse("diagnostic:structure", args=[c.pk]), shows=False),
    ]


def family_synthesis(client, capture) -> list[Page]:
    """Structure names (through the application's structure form), section titles and bodies,
    the structures' review comments, the new version's comment; HTML pages, PDF and DOCX."""
    from coopess.applications.forms import StructureForm
    from coopess.diagnostic.models import SynthesisVersion
    from tests.applications.helpers import structure_data
    from tests.diagnostic.test_synthesis_helpers import full_cohort

    setup = full_cohort(applications=(1, 1))
    a, b = setup.structures
    # a structure name holding the short corpus (shown in the heat map, the tables, the PDF).
    # The application is retained, so its sections are locked: the structure form checks the
    # value, written as the form cleaned it.
    from coopess.applications.models import Application, ApplicationStructure

    form = StructureForm(data=structure_data(3, name=SHORT))
    assert form.is_valid(), form.errors
    ApplicationStructure.objects.filter(pk=a.pk).update(name=form.cleaned_data["name"])
    Application.objects.filter(pk=a.application_id).update(lead_name=form.cleaned_data["name"])
    a.refresh_from_db()
    cohort_id = setup.cohort.pk

    def officer(name, **kwargs):
        return reverse(f"diagnostic:{name}", kwargs={"cohort_id": cohort_id, **kwargs})

    posted(client, setup.officer, officer("synthesis_create"), {})
    version = SynthesisVersion.objects.get(cohort=setup.cohort)
    section = version.sections.get(key="support")
    section_url = officer("synthesis_section", section_id=section.pk)
    preview = posted(
        client,
        setup.officer,
        section_url,
        {"title": SHORT, "body": LONG, "preview": "1"},
        expect=(200,),
        headers={"HX-Request": "true"},
    )
    problems = html_problems(preview, "HTMX preview", shows=True)
    assert problems == [], "\n".join(problems)
    posted(client, setup.officer, section_url, {"title": SHORT, "body": LONG})
    with capture(execute=True):
        posted(client, setup.officer, officer("synthesis_circulate", version_id=version.pk), {})
    review_url = reverse(
        "diagnostic:synthesis_review", kwargs={"structure_id": b.pk, "version_id": version.pk}
    )
    posted(
        client,
        setup.person(b),
        review_url,
        {"verdict": "changes", "comment": LONG, f"section_{section.pk}": LONG},
    )

    def structure_file(name, structure):
        return reverse(
            f"diagnostic:{name}", kwargs={"structure_id": structure.pk, "version_id": version.pk}
        )

    in_files = [SHORT, *SHOWN]
    pages = [
        Page(setup.officer, officer("synthesis")),
        Page(setup.officer, officer("synthesis_version", version_id=version.pk)),
        Page(setup.officer, section_url),
        Page(
            setup.officer,
            officer("synthesis_pdf", version_id=version.pk),
            kind="pdf",
            expected=in_files,
        ),
        Page(
            setup.officer,
            officer("synthesis_docx", version_id=version.pk),
            kind="docx",
            expected=in_files,
        ),
        Page(setup.person(b), review_url),
        Page(setup.person(a), structure_file("synthesis_review", a)),
        Page(
            setup.person(a),
            structure_file("structure_synthesis_pdf", a),
            kind="pdf",
            expected=in_files,
        ),
        Page(
            setup.person(a),
            structure_file("structure_synthesis_docx", a),
            kind="docx",
            expected=in_files,
        ),
        Page(setup.person(a), reverse("diagnostic:structure", args=[a.pk]), shows=False),
        Page(setup.officer, officer("cohort"), shows=False),
        Page(setup.officer, officer("synergy"), shows=False),
        Page(setup.officer, officer("synergy_svg"), shows=False),
        Page(setup.officer, officer("decision_aid"), shows=False),
        Page(setup.officer, reverse("support:cohort", args=[cohort_id]), shows=False),
    ]
    problems = check_pages(client, pages)
    assert problems == [], "\n".join(problems)
    posted(client, setup.officer, officer("synthesis_new_version"), {"comment": fits(1000)})
    return [
        Page(setup.officer, officer("synthesis")),
        Page(setup.officer, officer("synthesis_version", version_id=version.pk)),
        Page(setup.person(a), structure_file("synthesis_review", a)),
    ]


def family_support(client, capture) -> list[Page]:
    """The engagement (brief, new firm, consultant names), sessions (title, place, agenda,
    report, attendees, cancellation reason), actors and referrals (need, comments)."""
    from coopess.accounts.models import User
    from coopess.support.models import Referral, Session, SupportActor
    from coopess.support.services import engagement as engagement_services
    from tests.diagnostic.helpers import make_cohort
    from tests.factories import add_totp
    from tests.support.helpers import PERIOD

    setup = make_cohort(applications=(2, 1), status="diagnostic", seed=31)
    settings_ = engagement_services.support_settings_for(setup.call)
    settings_.period_starts_on, settings_.period_ends_on = PERIOD
    settings_.save()
    cohort_id = setup.cohort.pk
    officer = setup.officer

    def url(name, *args):
        return reverse(f"support:{name}", args=[cohort_id, *args])

    posted(
        client,
        officer,
        url("engagement"),
        {
            "firm": "",
            "new_firm": SHORT,
            "brief": LONG,
            "budget": "4800",
            "planned_half_days": "4",
            "starts_on": PERIOD[0].isoformat(),
            "ends_on": PERIOD[1].isoformat(),
        },
    )
    posted(
        client,
        officer,
        url("consultant_add"),
        {
            "consultant-email": "consultant.xss@example.org",
            "consultant-first_name": SHORT,
            "consultant-last_name": SHORT,
        },
    )
    consultant = User.objects.get(email="consultant.xss@example.org")
    assert consultant.first_name == SHORT
    add_totp(consultant)
    engagement = setup.cohort.engagement
    session_data = {
        "title": SHORT,
        "kind": "collective",
        "day": "2030-09-20",
        "half_day": "morning",
        "mode": "in_person",
        "address": fits(300),
        "link": "",
        "agenda": LONG,
    }
    posted(client, consultant, url("session_new"), session_data)
    posted(client, consultant, url("session_new"), {**session_data, "day": "2030-09-27"})
    posted(client, consultant, url("session_new"), {**session_data, "day": "2030-10-04"})
    held_session, cancelled, planned = Session.objects.filter(engagement=engagement).order_by(
        "starts_at"
    )
    posted(client, consultant, url("session_cancel", cancelled.pk), {"reason": LONG})
    Session.objects.filter(pk=held_session.pk).update(
        starts_at=F("starts_at") - dt.timedelta(days=3650),
        ends_at=F("ends_at") - dt.timedelta(days=3650),
    )
    from coopess.support.services.sessions import concerned_representatives

    held_session.refresh_from_db()
    present = [r.pk for r in concerned_representatives(held_session)]
    posted(
        client,
        consultant,
        url("session_record", held_session.pk),
        {"present": present, "report": LONG, "other_attendees": fits(300)},
    )

    posted(
        client,
        officer,
        reverse("support:actors"),
        {
            "name": SHORT,
            "description": LONG,
            "expertise": ["finance"],
            "departements": ["44"],
            "contact_name": SHORT,
            "email": "actor@example.org",
            "active": "on",
        },
    )
    actor = SupportActor.objects.get(name=SHORT)
    structure = setup.structures[0]
    posted(
        client,
        officer,
        url("referral_add"),
        {"structure": structure.pk, "actor": actor.pk, "need": LONG},
    )
    referral = Referral.objects.get(actor=actor)
    posted(
        client,
        officer,
        url("referral_move", referral.pk),
        {"to": "contacted", "comment": fits(500)},
    )
    person = setup.person(structure)
    return [
        Page(officer, url("cohort")),
        Page(consultant, url("cohort"), shows=False),
        Page(consultant, reverse("support:home"), shows=False),
        Page(officer, reverse("support:home"), shows=False),
        Page(officer, url("session", held_session.pk)),
        Page(officer, url("session", cancelled.pk)),
        Page(consultant, url("session_edit", planned.pk), shows=False),
        Page(officer, url("session", planned.pk)),
        Page(officer, url("officer_structure", structure.pk)),
        Page(officer, reverse("support:actors"), shows=False),
        Page(officer, reverse("support:actor", args=[actor.pk])),
        Page(person, reverse("support:structure", args=[structure.pk]), shows=False),
    ]


def family_privacy(client, capture) -> list[Page]:
    """An erasure request's reason, the officer's refusal; the person's data as PDF."""
    from coopess.privacy.models import ErasureRequest
    from tests.applications.helpers import open_call
    from tests.privacy.helpers import draft
    from tests.selection.helpers import officer_of

    call = open_call()
    officer = officer_of(call)
    application = draft(call, 931)
    applicant = application.created_by
    posted(
        client,
        applicant,
        reverse("applications:section", args=[application.public_id, "type"]),
        {"kind": "unaffiliated", "project_title": SHORT},
    )
    posted(client, applicant, reverse("privacy:erasure"), {"reason": LONG})
    request = ErasureRequest.objects.get(user=applicant)
    assert request.reason == LONG
    detail = reverse("privacy:request", args=[request.public_id])
    problems = check_pages(client, [Page(officer, detail)])
    assert problems == [], "\n".join(problems)
    with capture(execute=True):
        posted(
            client,
            officer,
            reverse("privacy:request_refuse", args=[request.public_id]),
            {"reason": LONG},
        )
    return [
        Page(officer, reverse("privacy:requests"), shows=False),
        Page(officer, detail),
        Page(applicant, reverse("privacy:mine")),
        Page(applicant, reverse("privacy:download_pdf"), kind="pdf", expected=[SHORT]),
        Page(applicant, reverse("privacy:download_json"), kind="json", expected=[SHORT, LONG]),
    ]


def family_finder(client, capture) -> list[Page]:
    """A partner-finder presentation, a contact request's message and a structure's name, on
    the search, contact, request and officer pages."""
    from coopess.accounts.models import Role
    from coopess.applications.models import ApplicationStructure
    from coopess.finder.models import ContactRequest
    from tests.applications.helpers import open_call
    from tests.factories import add_totp, make_user
    from tests.finder.helpers import applicant_structure, consent, representative

    call = open_call()
    seeker = applicant_structure(call, "Cherche")
    target = applicant_structure(call, "Propose")
    ApplicationStructure.objects.filter(pk=target.pk).update(name=SHORT)
    target.refresh_from_db()
    asker, answerer = representative(seeker), representative(target)
    consent(seeker, needs=["admin"])
    posted(
        client,
        answerer,
        reverse("finder:consent", args=[target.pk]),
        {
            "audience": "everyone",
            "shown": ["domains", "pitch"],
            "resources": ["admin"],
            "pitch": LONG,
            "duration_months": "12",
        },
    )
    profile = target.finder_profile
    posted(
        client,
        asker,
        reverse("finder:contact", args=[seeker.pk, profile.pk]),
        {"message": LONG},
    )
    request = ContactRequest.objects.get()
    officer = make_user(Role.OFFICER, organisation=call.operator)
    add_totp(officer)
    return [
        Page(asker, reverse("finder:search", args=[seeker.pk])),
        Page(asker, reverse("finder:contact", args=[seeker.pk, profile.pk])),
        Page(answerer, reverse("finder:request", args=[request.pk])),
        Page(answerer, reverse("finder:home"), expected=[FRENCH]),
        Page(officer, reverse("finder:officer")),
        Page(officer, reverse("finder:officer") + f"?profil={seeker.finder_profile.pk}"),
    ]


FAMILIES = {
    "finder": family_finder,
    "applications": family_applications,
    "selection": family_selection,
    "selfdiag": family_selfdiag,
    "interviews": family_interviews,
    "workshop": family_workshop,
    "synthesis": family_synthesis,
    "support": family_support,
    "privacy": family_privacy,
}


@pytest.mark.parametrize("family", FAMILIES)
def test_stored_payloads_are_shown_as_text_never_run(
    client, settings, tmp_path, django_capture_on_commit_callbacks, family
):
    settings.MEDIA_ROOT = tmp_path
    pages = FAMILIES[family](client, django_capture_on_commit_callbacks)
    problems = check_pages(client, pages)
    assert problems == [], "\n".join(problems)


# --- URLs typed by people -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "form_path, extra",
    [
        ("coopess.diagnostic.forms.workshop.WorkshopForm", {}),
        ("coopess.support.forms.SessionForm", {}),
        ("coopess.support.forms.ActorForm", {}),
    ],
)
@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<script>alert(1)</script>"],
)
def test_a_script_url_is_refused_where_a_link_is_typed(form_path, extra, url):
    import importlib

    module, name = form_path.rsplit(".", 1)
    form_class = getattr(importlib.import_module(module), name)
    link_field = "website" if name == "ActorForm" else "link"
    assert link_field in form_class.base_fields
    bound = form_class.base_fields[link_field]
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        bound.clean(url)


def test_the_markdown_renderer_keeps_no_script_link_or_handler():
    from coopess.common.text import render_markdown

    rendered = render_markdown(LONG + '\n\n<a href="javascript:alert(1)">y</a>')
    assert live_markup(rendered) == []
    assert "[x](javascript:alert(1))" in html.unescape(rendered)  # left as literal text


def test_the_checks_catch_an_unescaped_payload():
    """The checks above would see a real XSS (a test that cannot fail is a defect)."""
    from django.http import HttpResponse

    for raw in (LONG, SHORT, '<a href="javascript:alert(1)">x</a>'):
        response = HttpResponse(f"<html><body>{raw}</body></html>")
        response["Content-Security-Policy"] = "script-src 'self'"
        assert html_problems(response, "fake", shows=False)
    escaped = HttpResponse(f"<p>{html.escape(LONG)}</p>")
    escaped["Content-Security-Policy"] = "default-src 'self'; script-src 'self'"
    assert html_problems(escaped, "fake", shows=True) == []
    double = HttpResponse(f"<p>{html.escape(html.escape(LONG))}</p>")
    double["Content-Security-Policy"] = "script-src 'self'"
    assert html_problems(double, "fake", shows=False)
    weak = HttpResponse(f"<p>{html.escape(LONG)}</p>")
    weak["Content-Security-Policy"] = "script-src 'self' 'unsafe-inline'"
    assert html_problems(weak, "fake", shows=False)
