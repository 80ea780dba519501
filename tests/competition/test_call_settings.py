"""What the call says of its competitions (« Gestion des appels »): the providers to consult at
least — the officer cannot lower it in the terms, fewer needs a written reason, logged — and
whether the comité d'appui marks; changing the latter for one consultation is logged."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.db import IntegrityError
from django.urls import reverse
from django.utils.datastructures import MultiValueDict

from coopess.competition.models import CompetitionSettings, ConsultationTransition
from coopess.competition.services import CompetitionError, competition_settings_for
from coopess.competition.services import committee as committee_services
from tests.competition.helpers import make_consultation, send
from tests.conftest import sign_in
from tests.diagnostic.helpers import make_cohort

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    return make_cohort(seed=87)


def test_a_call_consults_three_providers_at_least_by_default_never_zero(setup):
    rules = competition_settings_for(setup.call)
    assert (rules.min_providers, rules.committee_scores) == (3, False)
    assert competition_settings_for(setup.call) == rules  # created once
    with pytest.raises(IntegrityError):
        CompetitionSettings.objects.filter(pk=rules.pk).update(min_providers=0)


def test_the_consultation_takes_the_calls_rules_and_the_terms_cannot_lower_them(client, setup):
    CompetitionSettings.objects.create(call=setup.call, min_providers=4, committee_scores=True)
    consultation = make_consultation(setup, providers=3)
    assert (consultation.min_providers, consultation.committee_scores) == (4, True)
    sign_in(client, setup.officer)
    url = reverse("competition:consultation", args=[setup.cohort.pk])
    response = client.post(
        url,
        {
            "context": consultation.context,
            "objectives": consultation.objectives,
            "half_days": "4",
            "budget_ceiling": "5000",
            "deadline": "2099-03-01T12:00",
            "min_providers": "1",  # not a field of the terms: ignored
        },
    )
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.min_providers == 4
    assert 'name="min_providers"' not in client.get(url).content.decode()
    with pytest.raises(CompetitionError, match="au moins 4 prestataires") as refused:
        send(setup, consultation)
    assert refused.value.field == "fewer_reason"
    send(setup, consultation, fewer_reason="Trois cabinets seulement dans le département.")
    assert ConsultationTransition.objects.filter(
        consultation=consultation,
        comment="Moins de 4 prestataires : Trois cabinets seulement dans le département.",
    ).exists()


def test_turning_the_comite_off_for_one_consultation_is_logged(setup):
    CompetitionSettings.objects.create(call=setup.call, committee_scores=True)
    consultation = make_consultation(setup)
    committee_services.committee_configure(
        consultation=consultation, by=setup.officer, committee_scores=False
    )
    committee_services.committee_configure(  # no change: no log row
        consultation=consultation, by=setup.officer, committee_scores=False
    )
    logs = ConsultationTransition.objects.filter(
        consultation=consultation, comment__startswith="Notation par le comité"
    )
    assert [log.comment for log in logs] == [
        "Notation par le comité d'appui désactivée (réglage de l'appel : oui)"
    ]
    assert logs.get().by == setup.officer


def test_the_officer_sets_the_rules_on_the_calls_page(client, setup):
    sign_in(client, setup.officer)
    content = client.get(reverse("gestion:calls_call_change", args=[setup.call.pk])).content
    content = content.decode()
    assert "Mise en concurrence des prestataires" in content
    assert 'name="competition_settings-0-min_providers"' in content
    assert 'name="competition_settings-0-committee_scores"' in content
    assert 'value="3"' in content  # the default, before any consultation


class _FormFields(HTMLParser):
    """Every field of the page's main form with the value a browser would send unchanged."""

    def __init__(self):
        super().__init__()
        self.data: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._multiple = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and "__prefix__" not in name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.data.append((name, attrs.get("value", "on")))
            elif kind not in ("submit", "button", "file"):
                self.data.append((name, attrs.get("value", "")))
        elif tag == "textarea" and name and "__prefix__" not in name:
            self._textarea = name
            self.data.append((name, ""))
        elif tag == "select" and name and "__prefix__" not in name:
            self._select, self._options = name, []
            self._multiple = "multiple" in attrs
        elif tag == "option" and self._select:
            self._options.append((attrs.get("value", ""), "selected" in attrs))

    def handle_data(self, data):
        if self._textarea:
            name, value = self.data[-1]
            self.data[-1] = (name, value + data)

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select:
            chosen = [v for v, selected in self._options if selected]
            if not chosen and self._options and not self._multiple:
                chosen = [self._options[0][0]]  # what a browser sends for a plain select
            self.data += [(self._select, value) for value in chosen]
            self._select = None


def test_saving_the_calls_page_records_the_rules(client, setup):
    sign_in(client, setup.officer)
    url = reverse("gestion:calls_call_change", args=[setup.call.pk])
    parser = _FormFields()
    parser.feed(client.get(url).content.decode())
    data = [(k, v) for k, v in parser.data if not k.startswith("competition_settings-0-")]
    data += [
        ("competition_settings-0-min_providers", "2"),
        ("competition_settings-0-committee_scores", "on"),
        ("competition_settings-0-call", str(setup.call.pk)),
    ]
    response = client.post(
        url, MultiValueDict({k: [v for kk, v in data if kk == k] for k, _ in data})
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    rules = CompetitionSettings.objects.get(call=setup.call)
    assert (rules.min_providers, rules.committee_scores) == (2, True)
    assert make_consultation(setup).min_providers == 2
