import datetime as dt
import re

import icalendar
import pytest
from django.test import Client
from django.urls import reverse

from coopess.calls.calendar import PARIS
from coopess.diagnostic.models import MeetingStatus
from coopess.notifications import services
from coopess.notifications.models import PersonalSettings
from tests.conftest import sign_in
from tests.notifications.helpers import dated_cohort
from tests.support.helpers import make_support, plan

pytestmark = pytest.mark.django_db


def feed_url(token: str) -> str:
    return reverse("notifications:feed", kwargs={"feed_token": token})


def events_of(response) -> dict[str, icalendar.Event]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    return {str(e["summary"]): e for e in calendar.walk("VEVENT")}


def test_an_unknown_token_is_not_found_without_any_session():
    assert Client().get(feed_url("x" * 43)).status_code == 404


def test_the_secret_is_stored_hashed_and_opens_the_feed_without_a_session():
    dated = dated_cohort()
    token = services.feed_token_regenerate(user=dated.setup.officer)
    assert len(token) >= 43  # 32 random bytes
    prefs = PersonalSettings.objects.get(user=dated.setup.officer)
    assert token not in prefs.feed_token_hash
    assert prefs.feed_token_hash == services.token_hash(token)
    assert Client().get(feed_url(token)).status_code == 200


def test_regenerating_invalidates_the_old_address_and_revoking_the_new_one(client):
    dated = dated_cohort()
    officer = dated.setup.officer
    old = services.feed_token_regenerate(user=officer)
    sign_in(client, officer)
    response = client.post(reverse("notifications:feed_regenerate"))
    assert response.status_code == 200
    new_url = re.search(r'value="(http[^"]+\.ics)"', response.content.decode()).group(1)
    anonymous = Client()
    assert anonymous.get(feed_url(old)).status_code == 404
    path = new_url.split("testserver", 1)[1]
    assert anonymous.get(path).status_code == 200
    # the page does not show it again
    assert new_url not in client.get(reverse("notifications:settings")).content.decode()
    response = client.post(reverse("notifications:feed_revoke"))
    assert response.status_code == 302
    assert anonymous.get(path).status_code == 404


def test_a_deactivated_person_has_no_feed():
    dated = dated_cohort()
    person = dated.setup.person(dated.setup.structures[0])
    token = services.feed_token_regenerate(user=person)
    person.is_active = False
    person.save()
    assert Client().get(feed_url(token)).status_code == 404


def test_a_representative_gets_only_their_own_events_in_paris_time():
    dated = dated_cohort()
    setup = dated.setup
    first, _second, third = setup.structures
    support = make_support(setup)
    plan(support, title="Séance collective")
    plan(support, title="Séance individuelle", structure=third, half_day="afternoon")
    token = services.feed_token_regenerate(user=setup.person(first))
    events = events_of(Client().get(feed_url(token)))
    assert f"Entretien de diagnostic — {first.name}" in events
    assert f"Entretien de diagnostic — {third.name}" not in events
    assert "Atelier collectif" in events
    assert "Séance collective" in events
    assert f"Séance individuelle — {third.name}" not in events
    interview = events[f"Entretien de diagnostic — {first.name}"]
    start = interview.decoded("dtstart")
    # 31 March 2030, the day summer time starts: 10:00 in Paris is 08:00 UTC
    assert start.utcoffset() == dt.timedelta(hours=2)
    assert (start.hour, start.minute) == (10, 0)
    assert start.astimezone(dt.UTC).hour == 8
    assert str(interview["dtstart"].params.get("TZID")) == "Europe/Paris"
    assert str(interview["uid"]) == f"interview-{dated.interviews[0].uid}@coopess"
    # the other side of the change: 15 January, UTC+1
    token_b = services.feed_token_regenerate(user=setup.person(third))
    events_b = events_of(Client().get(feed_url(token_b)))
    winter = events_b[f"Entretien de diagnostic — {third.name}"].decoded("dtstart")
    assert winter.utcoffset() == dt.timedelta(hours=1) and winter.hour == 14
    assert f"Séance individuelle — {third.name}" in events_b


def test_an_officer_gets_every_event_of_their_cohorts_and_nothing_of_others():
    dated = dated_cohort(seed=1)
    other = dated_cohort(seed=2)  # another DLA
    token = services.feed_token_regenerate(user=dated.setup.officer)
    response = Client().get(feed_url(token))
    events_of(response)
    calendar = icalendar.Calendar.from_ical(response.content)
    uids = {str(e["uid"]) for e in calendar.walk("VEVENT")}
    mine = {f"interview-{i.uid}@coopess" for i in dated.interviews}
    others = {f"interview-{i.uid}@coopess" for i in other.interviews}
    assert mine <= uids
    assert f"workshop-{dated.workshop.uid}@coopess" in uids
    assert not uids & others
    assert f"workshop-{other.workshop.uid}@coopess" not in uids


def test_a_cancelled_meeting_stays_in_the_feed_as_cancelled():
    dated = dated_cohort()
    dated.workshop.status = MeetingStatus.CANCELLED
    dated.workshop.sequence = 1
    dated.workshop.save()
    token = services.feed_token_regenerate(user=dated.setup.officer)
    workshop = events_of(Client().get(feed_url(token)))["Atelier collectif"]
    assert str(workshop["status"]) == "CANCELLED"
    assert int(workshop["sequence"]) == 1
    assert workshop.decoded("dtstart").astimezone(PARIS).hour == 9
