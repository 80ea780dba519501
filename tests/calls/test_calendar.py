import datetime as dt

import pytest

from coopess.calls.calendar import PARIS, Phase, call_timeline
from coopess.calls.demo import shifted_call_data
from coopess.calls.services import load_call_data
from tests.factories import make_seed_call


def paris(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


@pytest.fixture
def seed_call(db):
    return make_seed_call()


@pytest.mark.parametrize(
    ("moment", "phase"),
    [
        (paris(2023, 5, 11, 23, 59, 59), Phase.UPCOMING),
        (paris(2023, 5, 12, 0, 0, 0), Phase.OPEN),
        (paris(2023, 6, 30, 23, 59, 58), Phase.OPEN),
        # the closing instant itself is closed
        (paris(2023, 6, 30, 23, 59, 59), Phase.SELECTION),
        (paris(2023, 7, 31, 22, 0), Phase.SELECTION),
        (paris(2023, 8, 15, 12, 0), Phase.BEFORE_SUPPORT),
        (paris(2023, 9, 1, 0, 0), Phase.SUPPORT),
        (paris(2023, 12, 31, 23, 0), Phase.SUPPORT),
        (paris(2024, 1, 1, 0, 0), Phase.FOLLOW_UP),
        (paris(2024, 12, 31, 12, 0), Phase.FOLLOW_UP),
        (paris(2025, 1, 1, 0, 0), Phase.CLOSED),
        (paris(2026, 11, 26, 12, 0), Phase.CLOSED),
    ],
)
def test_phase_of_the_seed_call(seed_call, moment, phase):
    assert call_timeline(seed_call, now=moment).phase == phase


def test_phase_uses_paris_time_not_utc(seed_call):
    # 30 June 2023 22:30 UTC is already 1 July 00:30 in Paris (UTC+2): closed.
    moment = dt.datetime(2023, 6, 30, 22, 30, tzinfo=dt.UTC)
    assert call_timeline(seed_call, now=moment).phase == Phase.SELECTION
    moment = dt.datetime(2023, 6, 30, 21, 59, 58, tzinfo=dt.UTC)
    assert call_timeline(seed_call, now=moment).phase == Phase.OPEN


def test_current_milestone_is_marked(seed_call):
    timeline = call_timeline(seed_call, now=paris(2023, 7, 10, 9, 0))
    current = [line.label for line in timeline.lines if line.is_current]
    assert current == ["Sélection et validation des structures"]
    assert [line.when for line in timeline.lines] == [
        "12 mai 2023",
        "30 juin 2023 à 23 h 59",
        "juillet 2023",
        "septembre à décembre 2023",
    ]


def test_shifted_copy_opens_today_and_keeps_its_shape():
    today = dt.date(2026, 11, 26)
    data = shifted_call_data(load_call_data(), today=today)
    opens = dt.datetime.fromisoformat(data["opens_at"])
    closes = dt.datetime.fromisoformat(data["closes_at"])
    assert opens.date() == today
    assert (closes.date() - opens.date()).days == 49  # 12 May → 30 June
    assert closes.astimezone(PARIS).time() == dt.time(23, 59, 59)
    # Closing on Thursday 14 January 2027: selection stays the month after the closing
    # (« juillet » after 30 June), support from the third to the sixth month after it.
    assert closes.date() == dt.date(2027, 1, 14)
    milestones = {m["kind"]: m for m in data["milestones"]}
    assert milestones["selection"]["starts_on"] == "2027-02-01"
    assert milestones["selection"]["ends_on"] == "2027-02-28"
    assert milestones["support"]["starts_on"] == "2027-04-01"
    assert milestones["support"]["ends_on"] == "2027-07-31"
    assert any(s["heading"] == "Calendrier de mise en œuvre 2026" for s in data["sections"])


def test_shifted_copy_across_daylight_saving(db):
    # Closing in winter (UTC+1), then in summer (UTC+2): always 23:59:59 Paris time.
    data = shifted_call_data(load_call_data(), today=dt.date(2027, 1, 5))
    closes = dt.datetime.fromisoformat(data["closes_at"])
    assert closes.utcoffset() == dt.timedelta(hours=1)
    data = shifted_call_data(load_call_data(), today=dt.date(2027, 3, 1))
    closes = dt.datetime.fromisoformat(data["closes_at"])
    assert closes.date() == dt.date(2027, 4, 19) and closes.utcoffset() == dt.timedelta(hours=2)
