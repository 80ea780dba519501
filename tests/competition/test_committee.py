"""The comité d'appui marks the proposals when the consultation says so: the officer assigns
reviewers of the DLA, each member declares their interests about each provider before reading
its proposal, marks it once, sees the others' marks only afterwards and never the choice; the
officer's comparison shows each person's marks, the conflicts and the average."""

import datetime as dt
import re
from decimal import Decimal
from html import unescape

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse

from coopess.accounts.models import Role
from coopess.common.models import OutgoingEmail
from coopess.competition.models import CommitteeMember, ConsultationStatus, Score
from coopess.competition.services import CompetitionError
from coopess.competition.services import committee as committee_services
from coopess.competition.services import consultation as services
from coopess.competition.services import proposals as proposal_services
from tests.common.upload_samples import pdf, upload
from tests.competition.helpers import make_consultation, send, submit
from tests.conftest import sign_in
from tests.diagnostic.helpers import make_cohort
from tests.factories import OrganisationFactory, add_totp, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    return make_cohort(seed=11)


def _member(setup, **fields):
    user = make_user(Role.REVIEWER, organisation=setup.call.operator, **fields)
    add_totp(user)
    return user


def _close(consultation):
    with time_machine.travel(consultation.deadline + dt.timedelta(minutes=1), tick=False):
        return services.consultation_close(consultation=consultation, by=None)


def _marks(consultation, value="12"):
    return {f"mark_{c['key']}": value for c in consultation.criteria}


def _error_of(html: str, field_id: str) -> str:
    match = re.search(rf'id="{field_id}_error">(.*?)</div>', html, re.S)
    assert match, f"no error slot for {field_id}"
    return unescape(re.sub(r"<[^>]+>", "", match.group(1)))


@pytest.fixture
def scene(setup, client):
    """A sent consultation of 2 proposals, the comité on, one member assigned by the officer."""
    consultation = send(
        setup, make_consultation(setup, providers=2), fewer_reason="Peu de cabinets."
    )
    first, second = list(consultation.consulted.all())
    proposals = [submit(first, price="1000"), submit(second, price="1100")]
    member = _member(setup, first_name="Yannick", last_name="Membre")
    sign_in(client, setup.officer)
    base = [setup.cohort.pk]
    response = client.post(
        reverse("competition:committee_settings", args=base), {"committee_scores": "on"}
    )
    assert response.status_code == 302
    response = client.post(
        reverse("competition:committee_assign", args=base), {"member": member.pk}
    )
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.committee_scores
    assert CommitteeMember.objects.filter(consultation=consultation, member=member).exists()
    client.logout()
    return consultation, proposals, member


def test_members_are_told_at_closing_once(setup, scene):
    consultation, _, member = scene
    assert not OutgoingEmail.objects.filter(to=member.email).exists()
    _close(consultation)
    emails = OutgoingEmail.objects.filter(to=member.email)
    assert emails.count() == 1
    link = reverse("competition:committee_consultation", args=[consultation.pk])
    assert link in str(emails.get().payload)
    # a member assigned after closing is told at once; nobody twice
    late = _member(setup)
    committee_services.committee_member_assign(
        consultation=consultation, member=late, by=setup.officer
    )
    committee_services.committee_notify(consultation=consultation)
    assert OutgoingEmail.objects.filter(to=late.email).count() == 1
    assert OutgoingEmail.objects.filter(to=member.email).count() == 1


def test_only_the_dlas_reviewers_can_be_assigned(setup, scene):
    consultation, _, _ = scene
    elsewhere = make_user(Role.REVIEWER, organisation=OrganisationFactory())
    with pytest.raises(CompetitionError, match="n'est pas membre du comité de votre DLA"):
        committee_services.committee_member_assign(
            consultation=consultation, member=elsewhere, by=setup.officer
        )
    applicant = make_user(Role.APPLICANT)
    with pytest.raises(CompetitionError):
        committee_services.committee_member_assign(
            consultation=consultation, member=applicant, by=setup.officer
        )
    # the setting stays on while members are assigned
    with pytest.raises(CompetitionError, match="reste active"):
        committee_services.committee_configure(
            consultation=consultation, by=setup.officer, committee_scores=False
        )


def test_member_declares_then_marks_once_and_then_sees_the_others(
    client, setup, scene, assert_no_invalid_variables
):
    consultation, proposals, member = scene
    _close(consultation)
    proposal_services.score_save(
        proposal=proposals[0],
        by=setup.officer,
        marks={c["key"]: Decimal("17") for c in consultation.criteria},
        no_conflict=True,
        comment="Commentaire de la chargée",
    )
    sign_in(client, member)
    url = reverse("competition:committee_consultation", args=[consultation.pk])
    page = client.get(url).content.decode()
    assert "Déclarez d'abord vos liens d'intérêt" in page
    assert proposals[0].method not in page  # not read before the declaration
    assert "Commentaire de la chargée" not in page
    assert "Choisir cette proposition" not in page
    score_url = reverse("competition:committee_score", args=[consultation.pk, proposals[0].pk])
    response = client.post(score_url, _marks(consultation))
    assert response.status_code == 400
    assert "Déclarez d'abord" in response.content.decode()
    declare_url = reverse("competition:committee_declare", args=[consultation.pk, proposals[0].pk])
    assert client.post(declare_url, {"declaration": "none"}).status_code == 302
    page = client.get(url).content.decode()
    assert proposals[0].method in page
    assert "17,0" not in page and "Commentaire de la chargée" not in page
    response = client.post(score_url, {**_marks(consultation, "13"), "comment": "Solide"})
    assert response.status_code == 302
    score = Score.objects.get(proposal=proposals[0], by=member)
    assert score.is_marked and score.marks == {c["key"]: 13.0 for c in consultation.criteria}
    response = client.get(url)
    assert_no_invalid_variables(response)
    page = response.content.decode()
    assert "Commentaire de la chargée" in page and "17,0 /20" in page
    assert "Choisir cette proposition" not in page
    # marks cannot change once given
    response = client.post(score_url, _marks(consultation, "20"))
    assert response.status_code == 400
    assert "déjà enregistrées" in response.content.decode()
    score.refresh_from_db()
    assert score.marks[consultation.criteria[0]["key"]] == 13.0


def test_declared_conflict_forbids_marking_and_the_database_refuses_it(client, setup, scene):
    consultation, proposals, member = scene
    _close(consultation)
    sign_in(client, member)
    declare_url = reverse("competition:committee_declare", args=[consultation.pk, proposals[1].pk])
    response = client.post(declare_url, {"declaration": "conflict", "note": "Ancien salarié"})
    assert response.status_code == 302
    score_url = reverse("competition:committee_score", args=[consultation.pk, proposals[1].pk])
    response = client.post(score_url, _marks(consultation))
    assert response.status_code == 400
    assert "lien d'intérêt avec ce prestataire" in unescape(response.content.decode())
    score = Score.objects.get(proposal=proposals[1], by=member)
    assert score.has_conflict and not score.is_marked
    attachment = reverse(
        "competition:committee_attachment", args=[consultation.pk, proposals[1].pk]
    )
    assert client.get(attachment).status_code == 404
    score.marks = {"method": 12}
    score.marked_at = score.conflict_declared_at
    with pytest.raises(IntegrityError), transaction.atomic():
        score.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        Score.objects.create(proposal=proposals[0], by=member, marked_at=score.conflict_declared_at)


def test_refused_declaration_answers_next_to_the_field(client, setup, scene):
    consultation, proposals, member = scene
    _close(consultation)
    sign_in(client, member)
    declare_url = reverse("competition:committee_declare", args=[consultation.pk, proposals[0].pk])
    response = client.post(declare_url, {"note": "précision gardée"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choisissez l'une des deux déclarations." in _error_of(
        html, f"declare-{proposals[0].pk}-declaration"
    )
    assert 'value="précision gardée"' in html
    assert not Score.objects.filter(by=member).exists()


def test_refused_marks_answer_next_to_the_field_and_keep_what_was_typed(client, setup, scene):
    consultation, proposals, member = scene
    _close(consultation)
    sign_in(client, member)
    pk = proposals[0].pk
    client.post(
        reverse("competition:committee_declare", args=[consultation.pk, pk]),
        {"declaration": "none"},
    )
    response = client.post(
        reverse("competition:committee_score", args=[consultation.pk, pk]),
        {"mark_method": "25", "mark_experience": "quinze", "mark_price": "14,5"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "note de 0 à 20" in _error_of(html, f"member-{pk}-mark_method")
    assert 'name="mark_experience" value="quinze"' in html
    assert not Score.objects.get(proposal_id=pk, by=member).is_marked


def test_nothing_to_read_before_closing_and_attachment_after_declaration(client, setup):
    consultation = send(
        setup, make_consultation(setup, providers=1), fewer_reason="Peu de cabinets."
    )
    consulted = consultation.consulted.first()
    proposal_services.proposal_save(
        consulted=consulted,
        method="Méthode avec pièce",
        attachment=upload("offre.pdf", pdf(comment=b"offre")),
    )
    proposal = submit(consulted)
    committee_services.committee_configure(
        consultation=consultation, by=setup.officer, committee_scores=True
    )
    member = _member(setup)
    committee_services.committee_member_assign(
        consultation=consultation, member=member, by=setup.officer
    )
    sign_in(client, member)
    url = reverse("competition:committee_consultation", args=[consultation.pk])
    page = client.get(url).content.decode()
    assert "une fois les réponses closes" in page and "Méthode avec pièce" not in page
    attachment = reverse("competition:committee_attachment", args=[consultation.pk, proposal.pk])
    assert client.get(attachment).status_code == 404
    declare = reverse("competition:committee_declare", args=[consultation.pk, proposal.pk])
    assert client.post(declare, {"declaration": "none"}).status_code == 404
    _close(consultation)
    assert client.get(attachment).status_code == 404  # not declared yet
    assert client.post(declare, {"declaration": "none"}).status_code == 302
    response = client.get(attachment)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_another_dlas_member_and_an_unassigned_member_get_404(client, setup, scene):
    consultation, proposals, _ = scene
    _close(consultation)
    elsewhere = make_user(Role.REVIEWER, organisation=OrganisationFactory())
    add_totp(elsewhere)
    CommitteeMember.objects.create(consultation=consultation, member=elsewhere)
    unassigned = _member(setup)
    urls = [
        reverse("competition:committee_consultation", args=[consultation.pk]),
        reverse("competition:committee_attachment", args=[consultation.pk, proposals[0].pk]),
    ]
    posts = [
        reverse("competition:committee_declare", args=[consultation.pk, proposals[0].pk]),
        reverse("competition:committee_score", args=[consultation.pk, proposals[0].pk]),
    ]
    for user in (elsewhere, unassigned, setup.officer):
        sign_in(client, user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
        for url in posts:
            assert client.post(url, {"declaration": "none"}).status_code == 404, (user, url)
        home = client.get(reverse("competition:committee_home"))
        link = reverse("competition:committee_consultation", args=[consultation.pk])
        assert home.status_code == 404 or link not in home.content.decode()
    # another DLA's officer cannot set the comité nor assign
    other = make_user(Role.OFFICER)
    add_totp(other)
    sign_in(client, other)
    base = [setup.cohort.pk]
    assert client.post(reverse("competition:committee_settings", args=base)).status_code == 404
    assert client.post(reverse("competition:committee_assign", args=base)).status_code == 404


def test_members_list_queries_do_not_grow(client, setup, django_assert_num_queries):
    member = _member(setup)
    sign_in(client, member)
    url = reverse("competition:committee_home")

    def assign(cohort_setup):
        consultation = make_consultation(cohort_setup, providers=1)
        committee_services.committee_configure(
            consultation=consultation, by=cohort_setup.officer, committee_scores=True
        )
        committee_services.committee_member_assign(
            consultation=consultation, member=member, by=cohort_setup.officer
        )
        return consultation

    first = assign(setup)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    count = len(captured)
    second = make_cohort(setup.call, seed=12)
    assign(second)
    with django_assert_num_queries(count):
        response = client.get(url)
    page = response.content.decode()
    for consultation in (first, second.cohort.consultation):
        assert reverse("competition:committee_consultation", args=[consultation.pk]) in page


def test_officer_comparison_shows_each_persons_marks_conflicts_and_average(
    client, setup, django_assert_num_queries, assert_no_invalid_variables
):
    consultation = send(
        setup, make_consultation(setup, providers=4), fewer_reason="Peu de cabinets."
    )
    consulted = list(consultation.consulted.all())
    committee_services.committee_configure(
        consultation=consultation, by=setup.officer, committee_scores=True
    )
    members = [_member(setup, first_name="Membre", last_name=f"N{i}") for i in range(3)]
    for member in members:
        committee_services.committee_member_assign(
            consultation=consultation, member=member, by=setup.officer
        )
    proposals = [submit(item) for item in consulted]
    _close(consultation)

    def mark(proposal, member, value=None):
        assigned = CommitteeMember.objects.get(consultation=consultation, member=member)
        committee_services.member_declare(
            assigned=assigned, proposal=proposal, has_conflict=value is None
        )
        if value is not None:
            committee_services.member_score(
                assigned=assigned,
                proposal=proposal,
                marks={c["key"]: Decimal(value) for c in consultation.criteria},
            )

    proposal_services.score_save(
        proposal=proposals[0],
        by=setup.officer,
        marks={c["key"]: Decimal(16) for c in consultation.criteria},
        no_conflict=True,
    )
    mark(proposals[0], members[0], "10")
    mark(proposals[0], members[1])  # a conflict
    sign_in(client, setup.officer)
    url = reverse("competition:consultation", args=[setup.cohort.pk])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    count = len(captured)
    assert_no_invalid_variables(response)
    html = response.content.decode()
    table = html[html.index("Notes pondérées /20 de chaque personne") :]
    table = table[: table.index("</table>")]
    row = table[table.index(proposals[0].consulted.provider.name) :]
    row = row[: row.index("</tr>")]
    assert "16,0" in row and "10,0" in row and "Conflit d'intérêts déclaré" in row
    assert "13,0" in row  # the average of the officer's 16 and the member's 10
    for member in members:
        assert member.get_full_name() in table
    detail = unescape(html[html.index("Notes données") :])
    assert "conflit d'intérêts déclaré" in detail
    assert f"{consultation.criteria[0]['label']} 10,0/20" in detail
    # more marks, conflicts and members: the same number of queries
    late = _member(setup, first_name="Membre", last_name="Tardif")
    committee_services.committee_member_assign(
        consultation=consultation, member=late, by=setup.officer
    )
    for proposal in proposals[1:]:
        mark(proposal, members[0], "14")
        mark(proposal, members[2], "12")
        mark(proposal, late)
    with django_assert_num_queries(count):
        assert client.get(url).status_code == 200
    assert proposal_services.average_marks(proposals[0], consultation.criteria) == pytest.approx(
        13.0
    )


def test_comite_not_marking_by_default_and_choice_unchanged(client, setup):
    consultation = send(
        setup, make_consultation(setup, providers=1), fewer_reason="Peu de cabinets."
    )
    assert consultation.committee_scores is False
    member = _member(setup)
    with pytest.raises(CompetitionError, match="Indiquez d'abord"):
        committee_services.committee_member_assign(
            consultation=consultation, member=member, by=setup.officer
        )
    sign_in(client, setup.officer)
    page = client.get(reverse("competition:consultation", args=[setup.cohort.pk])).content
    assert "le comité d&#x27;appui note les propositions" in page.decode().lower()
    assert consultation.status == ConsultationStatus.CONSULTING


def test_members_declarations_exported_and_erased(setup, scene):
    from coopess.privacy.registry import sources

    consultation, proposals, member = scene
    _close(consultation)
    assigned = CommitteeMember.objects.get(consultation=consultation, member=member)
    committee_services.member_declare(
        assigned=assigned, proposal=proposals[0], has_conflict=True, note="Ancienne associée"
    )
    committee_services.member_declare(assigned=assigned, proposal=proposals[1], has_conflict=False)
    committee_services.member_score(
        assigned=assigned,
        proposal=proposals[1],
        marks={c["key"]: Decimal("11") for c in consultation.criteria},
        comment="Méthode floue",
    )
    source = next(s for s in sources() if s.name == "mise_en_concurrence_comite")
    exported = source.export_person(member)
    rows = exported["Mises en concurrence : vos déclarations d'intérêts et vos notes"]
    assert [r["precision_sur_le_conflit"] for r in rows] == ["Ancienne associée", ""]
    assert rows[1]["commentaire"] == "Méthode floue"
    assert len(exported["Comité d'appui : mises en concurrence confiées"]) == 1
    source.erase_person(member, None)
    texts = set(Score.objects.filter(by=member).values_list("comment", "conflict_note"))
    assert texts == {("", "")}
    # the marks stay: the average still stands
    assert proposal_services.average_marks(proposals[1], consultation.criteria) == pytest.approx(
        11.0
    )


def test_demo_2023_consultation_was_marked_by_the_comite(client):
    from coopess.accounts.models import User
    from coopess.common.demo import demo_load
    from coopess.competition.models import Consultation

    demo_load()
    demo_load()  # idempotent
    consultation = Consultation.objects.get(cohort__call__slug="cooperation-strategique-2023")
    assert consultation.committee_scores and consultation.committee.count() == 2
    member = User.objects.get(email="yannick.le-floch@example.org")
    assert Score.objects.filter(by=member, marked_at__isnull=False).count() == 3
    assert Score.objects.filter(
        proposal__consultation=consultation, conflict_declared_at__isnull=False
    ).exists()
    sign_in(client, member)
    home = client.get(reverse("competition:committee_home")).content.decode()
    link = reverse("competition:committee_consultation", args=[consultation.pk])
    assert link in home
    page = unescape(client.get(link).content.decode())
    assert "Les notes des autres" in page and "Choisir cette proposition" not in page
    sign_in(client, consultation.created_by)
    page = client.get(reverse("competition:consultation", args=[consultation.cohort_id]))
    html = unescape(page.content.decode())
    assert "Conflit d'intérêts déclaré" in html and "Yannick Le Floch" in html


def test_an_officer_of_the_dla_is_not_offered_but_one_of_another_dla_is(setup):
    consultation = make_consultation(setup, providers=1)
    both = _member(setup)
    from coopess.accounts.models import RoleAssignment

    RoleAssignment.objects.create(user=both, role=Role.OFFICER, organisation=setup.call.operator)
    elsewhere_officer = _member(setup)
    RoleAssignment.objects.create(
        user=elsewhere_officer, role=Role.OFFICER, organisation=OrganisationFactory()
    )
    offered = set(committee_services.eligible_members(consultation))
    assert elsewhere_officer in offered and both not in offered
