import datetime as dt
import html
import re
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from coopess.notifications.registry import Audience, Event, Lane, cohort_events
from coopess.notifications.timeline import MONTHS, build_timeline, when_text
from tests.conftest import sign_in
from tests.notifications.helpers import dated_cohort, paris
from tests.support.helpers import make_support, plan

pytestmark = pytest.mark.django_db

SVG_NS = "{http://www.w3.org/2000/svg}"


def svg_of(response) -> ET.Element:
    content = response.content.decode()
    match = re.search(r"<svg\b.*?</svg>", content, re.S)
    assert match, "no SVG in the page"
    return ET.fromstring(match.group(0))  # well-formed XML or this raises


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_cohort_timeline_is_a_well_formed_accessible_svg_with_today_marked(client):
    dated = dated_cohort()
    sign_in(client, dated.setup.officer)
    response = client.get(reverse("notifications:cohort_timeline", args=[dated.setup.cohort.pk]))
    assert response.status_code == 200
    svg = svg_of(response)
    assert svg.get("role") == "img"
    labelled_by = svg.get("aria-labelledby").split()
    ids = {element.get("id") for element in svg.iter() if element.get("id")}
    assert set(labelled_by) <= ids
    assert svg.find(f"{SVG_NS}title").text.startswith("Calendrier de la cohorte")
    assert "Aujourd'hui" in svg.find(f"{SVG_NS}desc").text
    texts = [t.text for t in svg.iter(f"{SVG_NS}text")]
    assert "Aujourd'hui" in texts
    assert set(texts) & set(MONTHS)  # months in French
    assert "2030" in texts  # and their years
    # the text alternative beside it: an ordered list with today's line
    page = text(response)
    assert '<ol class="timeline-list">' in page
    assert 'id="aujourdhui"' in page
    assert "Atelier collectif" in page


def test_a_representative_never_sees_another_structures_interview(client):
    dated = dated_cohort()
    setup = dated.setup
    first, _second, third = setup.structures
    sign_in(client, setup.person(third))
    response = client.get(reverse("notifications:structure_timeline", args=[third.pk]))
    assert response.status_code == 200
    page = text(response)
    assert f"Entretien de diagnostic — {third.name}" in page
    assert f"Entretien de diagnostic — {first.name}" not in page
    assert "Atelier collectif" in page  # the cohort's collective events
    # and not through someone else's structure page
    response = client.get(reverse("notifications:structure_timeline", args=[first.pk]))
    assert response.status_code == 404


def test_the_officer_sees_every_interview_and_the_consultant_none(client):
    dated = dated_cohort()
    setup = dated.setup
    support = make_support(setup)
    plan(support, title="Séance collective de lancement")
    sign_in(client, setup.officer)
    page = text(client.get(reverse("notifications:cohort_timeline", args=[setup.cohort.pk])))
    for structure in (setup.structures[0], setup.structures[2]):
        assert f"Entretien de diagnostic — {structure.name}" in page
    assert "Séance collective de lancement" in page
    client.logout()
    sign_in(client, support.consultant)
    response = client.get(reverse("notifications:cohort_timeline", args=[setup.cohort.pk]))
    assert response.status_code == 200
    page = text(response)
    assert "Entretien de diagnostic" not in page
    assert "Séance collective de lancement" in page


def test_a_consultant_sees_no_selection_interview_even_through_the_registry():
    dated = dated_cohort()
    events = cohort_events(dated.setup.cohort, Audience(role="consultant"))
    assert not [e for e in events if e.lane == Lane.INTERVIEWS]


def test_call_timeline_shows_the_calendar_and_its_cohorts(client):
    dated = dated_cohort()
    setup = dated.setup
    sign_in(client, setup.officer)
    response = client.get(reverse("notifications:call_timeline", args=[setup.call.pk]))
    assert response.status_code == 200
    svg_of(response)
    page = text(response)
    assert "Calendrier de l'appel" in page
    for milestone in setup.call.milestones.all():
        assert milestone.label in page
    assert f"Entretien de diagnostic — {setup.structures[0].name}" in page


def test_times_are_paris_wall_clock_on_both_sides_of_daylight_saving():
    summer = Event(
        uid="a", lane=Lane.INTERVIEWS, title="A",
        starts=dt.datetime(2030, 3, 31, 8, 0, tzinfo=dt.UTC),  # 10:00 in Paris (UTC+2)
        ends=dt.datetime(2030, 3, 31, 9, 30, tzinfo=dt.UTC),
    )  # fmt: skip
    winter = Event(
        uid="b", lane=Lane.INTERVIEWS, title="B",
        starts=dt.datetime(2030, 10, 27, 9, 0, tzinfo=dt.UTC),  # 10:00 in Paris (UTC+1)
    )  # fmt: skip
    assert when_text(summer) == "31 mars 2030, 10 h 00 à 11 h 30"
    assert when_text(winter) == "27 octobre 2030, 10 h 00"
    # a late-evening meeting belongs to its Paris day, not its UTC one
    late = Event(
        uid="c", lane=Lane.SESSIONS, title="C",
        starts=dt.datetime(2030, 6, 30, 22, 30, tzinfo=dt.UTC),  # 1 July, 00:30 in Paris
    )  # fmt: skip
    timeline = build_timeline([late], title="T", now=paris(2030, 1, 1))
    assert timeline.rows[0].first_day == dt.date(2030, 7, 1)


def test_today_is_drawn_where_it_belongs():
    events = [Event(uid="x", lane=Lane.CALL, title="Période", starts=dt.date(2030, 1, 1),
                    ends=dt.date(2030, 12, 31))]  # fmt: skip
    early = ET.fromstring(build_timeline(events, title="T", now=paris(2030, 2, 1)).svg)
    late = ET.fromstring(build_timeline(events, title="T", now=paris(2030, 11, 1)).svg)

    def today_x(svg):
        group = next(g for g in svg.iter(f"{SVG_NS}g") if g.get("class") == "timeline-today")
        return float(group.find(f"{SVG_NS}line").get("x1"))

    assert today_x(early) < today_x(late)
    labels = [t.text for t in early.iter(f"{SVG_NS}text")]
    assert labels[:5] == ["janv.", "2030", "févr.", "mars", "avr."]  # French months, the year
    timeline = build_timeline(events, title="T", now=paris(2030, 11, 1))
    assert timeline.today == dt.date(2030, 11, 1)
    assert timeline.upcoming_rows and not timeline.past_rows


def test_the_timeline_page_runs_a_constant_number_of_queries(client, django_assert_max_num_queries):
    dated = dated_cohort()
    sign_in(client, dated.setup.officer)
    url = reverse("notifications:cohort_timeline", args=[dated.setup.cohort.pk])
    client.get(url)
    with django_assert_max_num_queries(20):
        assert client.get(url).status_code == 200


def test_the_call_timeline_and_the_officers_feed_do_not_grow_with_the_cohorts(client):
    """Every source reads all the cohorts of the call (or of the DLA) in one query: a call with
    three cohorts costs what a call with one costs, on the timeline and in the calendar feed."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from coopess.notifications import services
    from tests.diagnostic.helpers import make_cohort
    from tests.notifications.helpers import interview

    dated = dated_cohort()
    setup = dated.setup
    sign_in(client, setup.officer)
    timeline = reverse("notifications:call_timeline", args=[setup.call.pk])
    feed = reverse(
        "notifications:feed",
        kwargs={"feed_token": services.feed_token_regenerate(user=setup.officer)},
    )

    def queries(url, http) -> tuple[int, str]:
        http.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = http.get(url)
        assert response.status_code == 200
        return len(captured.captured_queries), response.content.decode()

    one_timeline, _ = queries(timeline, client)
    one_feed, _ = queries(feed, Client())
    for seed in (2, 3):
        other = make_cohort(setup.call, seed=seed)
        interview(other, other.structures[0], paris(2030, 5, seed, 10))
    three_timeline, page = queries(timeline, client)
    three_feed, calendar = queries(feed, Client())
    assert three_timeline == one_timeline
    assert three_feed == one_feed
    # and the other cohorts' interviews are there
    assert page.count("Entretien de diagnostic") == 2 * 4  # the drawing and its text list
    assert calendar.count("BEGIN:VEVENT") == 5  # 4 interviews and the workshop
