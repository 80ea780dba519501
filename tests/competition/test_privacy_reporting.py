"""The competition's indicator and its declaration to the privacy registry."""

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone
from openpyxl import load_workbook

from coopess.calls.models import Call
from coopess.competition.models import ConsultedProvider, Proposal, Provider
from coopess.competition.privacy import ERASED_CONSULTANTS
from coopess.competition.services import consultation as services
from coopess.competition.services.invitations import provider_accept
from coopess.privacy.registry import sources
from coopess.reporting.registry import INDICATORS
from coopess.reporting.scope import Scope
from coopess.support.services.engagement import support_settings_for
from tests.competition.helpers import make_consultation, send, submit
from tests.diagnostic.helpers import make_cohort
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _chosen(setup, *, providers: int = 3):
    """A consultation of ``providers`` that all answer, the first proposal chosen."""
    from tests.support.helpers import PERIOD

    bounds = support_settings_for(setup.call)
    bounds.period_starts_on, bounds.period_ends_on = PERIOD
    bounds.save()
    consultation = send(setup, make_consultation(setup, providers=providers, days=1))
    for index, consulted in enumerate(consultation.consulted.all()):
        submit(consulted, price=str(1000 + 100 * index), half_days=3 + index % 2)
    with time_machine.travel(timezone.now() + dt.timedelta(days=2)):
        services.consultation_close(consultation=consultation, by=setup.officer)
    proposal = consultation.proposals.order_by("pk").first()
    services.proposal_choose(proposal=proposal, by=setup.officer, justification="Méthode.")
    return consultation, proposal


def test_indicator_one_row_per_engagement_and_totals(django_assert_num_queries):
    setup = make_cohort(seed=8)
    chosen, proposal = _chosen(setup)
    other = make_cohort(setup.call, seed=18)
    open_one = send(other, make_consultation(other, providers=4))
    for consulted in list(open_one.consulted.all())[:2]:
        submit(consulted)
    indicator = INDICATORS["concurrence_prestataires"]
    scope = Scope(calls=Call.objects.filter(pk=setup.call.pk))
    with django_assert_num_queries(2):  # the scope's calls (read once per report), then its own
        table = indicator.compute(scope)
    assert [row.key for row in table.rows] == sorted(
        [str(chosen.pk), str(open_one.pk)],
        key=lambda key: {str(chosen.pk): setup.cohort.name, str(open_one.pk): other.cohort.name}[
            key
        ],
    )
    assert table.value(str(chosen.pk), "consulted") == 3
    assert table.value(str(chosen.pk), "proposals") == 3
    assert table.value(str(chosen.pk), "price") == proposal.total == Decimal("3000")
    assert table.value(str(chosen.pk), "half_days") == 3
    assert (table.value(str(chosen.pk), "chosen"), table.value(str(open_one.pk), "chosen")) == (
        1,
        0,
    )
    assert table.value(str(open_one.pk), "consulted") == 4
    assert table.value(str(open_one.pk), "proposals") == 2
    assert table.value(str(open_one.pk), "price") is None
    assert table.value("total", "consulted") == 7
    assert table.value("total", "proposals") == 5
    assert table.value("total", "price") == Decimal("3000")
    assert "prestataire choisi" in next(r.label for r in table.rows if r.key == str(chosen.pk))


def test_days_and_budget_reported_are_the_chosen_proposal_s():
    setup = make_cohort(seed=28)
    _consultation, proposal = _chosen(setup)
    scope = Scope(calls=Call.objects.filter(pk=setup.call.pk))
    budget = INDICATORS["budget_conseil"].compute(scope)
    assert budget.value(str(setup.call.pk), "budget") == proposal.total
    assert budget.value(str(setup.call.pk), "planned") == proposal.half_days
    days = INDICATORS["demi_journees"].compute(Scope(calls=Call.objects.filter(pk=setup.call.pk)))
    assert days.value("planned") == proposal.half_days


def test_exports_render_the_indicator_per_engagement():
    from coopess.reporting import exports
    from coopess.reporting.registry import compute_report
    from coopess.reporting.views import shown_indicators
    from tests.reporting.helpers import pdf_text

    setup = make_cohort(seed=38)
    _consultation, _proposal = _chosen(setup)
    report = compute_report(Scope(calls=Call.objects.filter(pk=setup.call.pk)))
    label = f"{setup.cohort.name} (prestataire choisi)"
    lines = list(exports.csv_lines(report, secrecy=False))
    assert any(label in line and "Prix retenu" in line for line in lines)
    workbook = load_workbook(io.BytesIO(exports.xlsx(report, secrecy=False)))
    rows = {r[0]: r[1:] for r in workbook["Mise en concurrence"].iter_rows(values_only=True) if r}
    assert rows[label] == (3, 3, 1, 3, 3000)
    assert rows["Ensemble (1 prestation)"] == (3, 3, 1, 3, 3000)
    # a funder never reads one firm's price
    funder = list(exports.csv_lines(report, secrecy=True))
    price = next(line for line in funder if label in line and "Prix retenu" in line)
    assert "n.c." in price and "3000" not in price
    pdf = exports.annual_pdf(report, secrecy=True, sections=shown_indicators(report, secrecy=True))
    text = " ".join(pdf_text(pdf).split())
    section = text[text.index("Prestataires consultés et propositions reçues par prestation") :]
    assert "Prix retenu" in section[:1500], section[:1500]
    assert "(prestataire choisi)" in section[:1500]


def test_provider_contact_exported_and_erased():
    setup = make_cohort(seed=9)
    consultation = send(setup, make_consultation(setup))
    consulted = consultation.consulted.first()
    submit(consulted)
    person = make_user(None, email=consulted.provider.email)
    provider_accept(consulted=consulted, user=person)
    source = next(s for s in sources() if s.name == "mise_en_concurrence")
    exported = source.export_person(person)
    rows = exported["Annuaire des prestataires de conseil"]
    assert rows[0]["prestataire"] == consulted.provider.name
    accepted = exported["Consultations de prestataires acceptées avec ce compte"]
    assert accepted[0]["consultation"] == str(setup.cohort)
    source.erase_person(person, None)
    assert ConsultedProvider.objects.get(pk=consulted.pk).user is None
    provider = Provider.objects.get(pk=consulted.provider_id)
    assert provider.email != consulted.provider.email and provider.phone == ""
    assert Proposal.objects.get(consulted=consulted).consultants == ERASED_CONSULTANTS
    assert source.export_person(person) == {}
