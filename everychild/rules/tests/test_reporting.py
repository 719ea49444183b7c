"""Mandatory reporting rules: receivers and deadlines per situation, routing place and levels,
the situations against the girl's age at the time of the event."""

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from everychild.rules.reporting import (
    REPORTING_2020,
    SITUATION_CODES,
    Duty,
    Receiver,
    RoutingBasis,
    deadlines,
    feedback_deadline,
    levels_from,
    next_level,
    policy_for,
    routing_place,
    situation_warnings,
)

RULE = REPORTING_2020


def by_receiver(situations, imminent=False):
    return {d.receiver: d for d in deadlines(situations, imminent, RULE)}


@pytest.mark.parametrize(("number", "hours"), [(1, 1), (2, 1), (3, 1), (4, 1), (5, 1), (6, 24),
                                               (7, 1), (8, 24), (9, 24)])
def test_police_acknowledge_within_an_hour_for_the_serious_situations(number, hours):
    found = by_receiver([SITUATION_CODES[number - 1]])
    assert found[Receiver.POLICE].hours == hours
    assert found[Receiver.POLICE].duty is Duty.ACKNOWLEDGE


def test_situation_9_is_an_hour_only_when_the_danger_is_imminent():
    assert by_receiver(["other_serious_harm"], imminent=True)[Receiver.POLICE].hours == 1
    assert by_receiver(["other_serious_harm"])[Receiver.POLICE].hours == 24


def test_care_absent_gives_civil_affairs_a_safety_duty():
    found = by_receiver(["abandonment"])
    assert found[Receiver.CIVIL_AFFAIRS].duty is Duty.ARRANGE_SAFETY
    assert found[Receiver.CIVIL_AFFAIRS].hours == 24
    assert by_receiver(["organised_begging"])[Receiver.CIVIL_AFFAIRS].duty is Duty.ACKNOWLEDGE


def test_nothing_known_still_has_every_receiver():
    found = by_receiver([])
    assert set(found) == {Receiver.POLICE, Receiver.CIVIL_AFFAIRS, Receiver.PROCURATORATE}
    assert found[Receiver.POLICE].hours == 24


@given(st.lists(st.sampled_from(SITUATION_CODES), max_size=9), st.booleans())
def test_the_most_urgent_situation_sets_the_police_deadline(situations, imminent):
    hours = by_receiver(situations, imminent)[Receiver.POLICE].hours
    single = [by_receiver([s], imminent)[Receiver.POLICE].hours for s in situations] or [24]
    assert hours == min(single)
    for d in deadlines(situations, imminent, RULE):
        assert "%(source)s" not in d.reason.render() and d.reason.render()


def test_a_province_without_its_own_version_gets_the_national_rule():
    assert policy_for("61", date(2025, 1, 1)) is RULE
    with pytest.raises(LookupError):
        policy_for("61", date(2019, 1, 1))


def test_feedback_is_due_three_days_after_the_case_is_accepted():
    accepted = datetime(2025, 6, 2, 10, 0)
    assert feedback_deadline(RULE).due(accepted) == accepted + timedelta(days=3)


@pytest.mark.parametrize(("happened", "residence", "reporter", "expected"), [
    ("610723001212", "610723001213", "610723100000", ("610723001212", RoutingBasis.HAPPENED)),
    ("", "610723001213", "610723100000", ("610723001213", RoutingBasis.RESIDENCE)),
    ("", "", "610723100000", ("610723100000", RoutingBasis.REPORTER)),
])
def test_routing_place(happened, residence, reporter, expected):
    assert routing_place(happened, residence, reporter) == expected


def test_levels_and_escalation_go_county_prefecture_province():
    assert levels_from("610723001212") == ["610723000000", "610700000000", "610000000000"]
    assert next_level("610723000000", 6) == ("610700000000", 4)
    assert next_level("610700000000", 4) == ("610000000000", 2)
    assert next_level("610000000000", 2) is None


BORN = date(2011, 5, 1)


@pytest.mark.parametrize(("situation", "happened", "warned"), [
    ("girl_under_14_sexual_assault", date(2025, 4, 30), False),  # 13 the day before her birthday
    ("girl_under_14_sexual_assault", date(2025, 5, 1), True),  # 14 on the day of the event
    ("girl_14_plus_pregnancy_assault", date(2025, 5, 1), False),
    ("girl_14_plus_pregnancy_assault", date(2025, 4, 30), True),
])
def test_situations_2_and_3_follow_the_age_at_the_event(situation, happened, warned):
    assert bool(situation_warnings([situation], "female", BORN, happened)) is warned


def test_a_boy_in_a_girls_situation_is_a_warning_not_a_refusal():
    assert situation_warnings(["girl_under_14_sexual_assault"], "male", None, None)
    assert situation_warnings(["multiple_injuries_abuse"], "male", BORN, date(2025, 1, 1)) == []
