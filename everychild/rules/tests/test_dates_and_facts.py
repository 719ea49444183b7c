from datetime import date

import pytest

from everychild.rules import ChildFacts, ParentFacts, ParentSituation, ParentSituationKind
from everychild.rules.dates import add_months, age_on, birthday, months_elapsed


@pytest.mark.parametrize(("start", "months", "expected"), [
    (date(2024, 1, 31), 6, date(2024, 7, 31)),
    (date(2024, 8, 31), 6, date(2025, 2, 28)),
    (date(2023, 8, 31), 6, date(2024, 2, 29)),
    (date(2024, 12, 15), 1, date(2025, 1, 15)),
    (date(2024, 3, 1), -1, date(2024, 2, 1)),
])
def test_add_months_clamps_to_the_end_of_the_month(start, months, expected):
    assert add_months(start, months) == expected


@pytest.mark.parametrize(("dob", "age", "expected"), [
    (date(2009, 3, 1), 16, date(2025, 3, 1)),
    (date(2008, 2, 29), 16, date(2024, 2, 29)),  # a leap year: the day itself
    (date(2008, 2, 29), 18, date(2026, 2, 28)),  # a common year: the month's last day (Civil Code Art. 202)
    (date(2008, 2, 29), 17, date(2025, 2, 28)),
])
def test_birthdays(dob, age, expected):
    assert birthday(dob, age) == expected


@pytest.mark.parametrize(("on", "age"), [
    (date(2026, 2, 27), 17), (date(2026, 2, 28), 18), (date(2024, 2, 28), 15), (date(2024, 2, 29), 16),
    (date(2008, 2, 29), 0),
])
def test_age_of_a_child_born_on_29_february(on, age):
    assert age_on(date(2008, 2, 29), on) == age


def test_age_before_birth_is_refused():
    with pytest.raises(ValueError, match="before the date of birth"):
        age_on(date(2020, 1, 2), date(2020, 1, 1))


def test_months_elapsed_boundary():
    assert months_elapsed(date(2024, 1, 1), date(2024, 7, 1), 6)
    assert not months_elapsed(date(2024, 1, 1), date(2024, 6, 30), 6)


def test_parent_situation_kinds_are_exactly_the_twelve():
    assert [k.value for k in ParentSituationKind] == [
        "at_home", "migrant_worker", "dead", "missing_declared", "out_of_contact", "custody_or_sentence",
        "drug_rehabilitation", "other_restriction", "severely_disabled", "severely_ill",
        "guardianship_revoked", "deported"]
    assert isinstance(ParentSituationKind.DEAD, str)


def test_facts_accept_strings_and_coerce_them_to_enums():
    s = ParentSituation("severely_disabled", disability_grade=3, disability_type="mental")
    assert s.kind is ParentSituationKind.SEVERELY_DISABLED
    assert s.disability_type.value == "mental"
    assert ChildFacts(date_of_birth=date(2015, 1, 1), hukou_type="urban").hukou_type.value == "urban"


@pytest.mark.parametrize("bad", [
    lambda: ParentSituation("severely_disabled", disability_grade=5),
    lambda: ParentSituation("custody_or_sentence", since=date(2024, 2, 1), until=date(2024, 1, 1)),
    lambda: ParentSituation("flying"),
    lambda: ChildFacts(date_of_birth=date(2015, 1, 1), province_code="610"),
    lambda: ChildFacts(date_of_birth=date(2015, 1, 1), disability_grade=0),
])
def test_impossible_facts_are_refused(bad):
    with pytest.raises(ValueError):
        bad()


def test_a_situation_holds_from_since_until_the_day_before_until():
    s = ParentSituation("custody_or_sentence", since=date(2024, 1, 1), until=date(2024, 9, 1))
    assert not s.holds_on(date(2023, 12, 31))
    assert s.holds_on(date(2024, 1, 1)) and s.holds_on(date(2024, 8, 31))
    assert not s.holds_on(date(2024, 9, 1))


def test_a_death_holds_for_ever_and_a_parent_with_nothing_recorded_is_unknown():
    assert ParentSituation("dead", since=date(2020, 1, 1), until=date(2020, 2, 1)).holds_on(date(2030, 1, 1))
    assert ParentFacts().facts_unknown
    assert not ParentFacts((ParentSituation("at_home"),)).facts_unknown
