"""§1.2 difficult circumstances, §1.4 orphans, the Art. 21 alerts, the census indicator, and every rule's
age limit (the day before and on the birthday, born 29 February included)."""

from datetime import date

import pytest

from everychild.rules import RuleKind, census_indicator, evaluate
from everychild.rules.catalogue import CATALOGUE
from everychild.rules.dates import birthday

from .helpers import QUALIFYING, away, child, codes, find, parent, sit

# Facts that put a child in each rule's category, and the age limit that ends it.
QUALIFIERS = {
    "left_behind": (16, {"father": parent(away()), "mother": parent(away())}),
    "left_behind_rural": (16, {"father": parent(away()), "mother": parent(away())}),
    "left_behind_urban": (16, {"hukou_type": "urban", "father": parent(away()), "mother": parent(away())}),
    "difficult_economic": (18, {"family_minimum_allowance": True}),
    "difficult_disability": (18, {"has_disability_certificate": True, "disability_grade": 2,
                                  "disability_type": "physical"}),
    "difficult_guardianship": (18, {"guardianship_harm": True}),
    "de_facto_unsupported": (18, {"father": parent(QUALIFYING["custody_or_sentence"]),
                                  "mother": parent(QUALIFYING["severely_ill"])}),
    "orphan": (18, {"father": parent(QUALIFYING["dead"]), "mother": parent(QUALIFYING["dead"])}),
    "alert_living_alone": (16, {"lives_alone": True}),
    "alert_left_unattended": (8, {"left_unattended": True}),
    "census_affected_by_migration": (18, {"father": parent(away())}),
}
BORN_29_FEBRUARY = {16: date(2012, 2, 29), 18: date(2008, 2, 29), 8: date(2020, 2, 29)}


def test_every_rule_has_a_qualifier_here_and_the_age_limits_of_the_domain():
    assert set(QUALIFIERS) == set(CATALOGUE.codes)
    for rule in CATALOGUE:
        assert rule.age_limit == QUALIFIERS[rule.code][0]


@pytest.mark.parametrize("code", sorted(QUALIFIERS))
@pytest.mark.parametrize("leap", [False, True])
def test_each_rule_ends_on_its_birthday(code, leap):
    limit, kwargs = QUALIFIERS[code]
    dob = BORN_29_FEBRUARY[limit] if leap else date(2025 - limit, 3, 1)
    ends = birthday(dob, limit)
    if leap and limit == 18:
        assert ends == date(2026, 2, 28)
    facts = child(date_of_birth=dob, **kwargs)
    before = find(facts, code, on=date.fromordinal(ends.toordinal() - 1))
    assert before.in_category
    assert codes(before)[-1] == "under_age_limit"
    on_birthday = find(facts, code, on=ends)
    assert not on_birthday.in_category
    assert codes(on_birthday) == ["age_limit_reached"]
    assert on_birthday.sentences()[0].startswith(f"Turned {limit} on {ends.isoformat()}: no longer ")


# --- difficult circumstances ----------------------------------------------------------------------------

@pytest.mark.parametrize(("flags", "reasons"), [
    ({}, ["no_family_poverty"]),
    ({"family_minimum_allowance": True}, ["family_minimum_allowance"]),
    ({"family_extreme_poverty_support": True}, ["family_extreme_poverty"]),
    ({"family_assessed_poor": True}, ["family_assessed_poor"]),
    ({"family_minimum_allowance": True, "family_assessed_poor": True},
     ["family_minimum_allowance", "family_assessed_poor"]),
])
def test_economic_hardship(flags, reasons):
    f = find(child(**flags), "difficult_economic")
    assert f.in_category is bool(flags)
    assert codes(f)[:len(reasons)] == reasons


@pytest.mark.parametrize(("facts", "in_category", "reason"), [
    ({}, False, "no_child_disability"),
    ({"has_disability_certificate": True, "disability_grade": 4, "disability_type": "hearing"}, True,
     "child_disability_certificate"),
    ({"has_disability_certificate": True}, True, "child_disability_certificate"),
    ({"disability_grade": 2, "disability_type": "visual"}, False, "child_disability_no_certificate"),
    ({"serious_illness": True}, True, "child_serious_illness"),
])
def test_disability(facts, in_category, reason):
    f = find(child(**facts), "difficult_disability")
    assert f.in_category is in_category
    assert codes(f)[0] == reason


@pytest.mark.parametrize("grade", [1, 2, 3, 4])
def test_any_certified_disability_grade_counts_for_the_child(grade):
    f = find(child(has_disability_certificate=True, disability_grade=grade, disability_type="speech"),
             "difficult_disability")
    assert f.in_category
    assert f"grade {grade} speech disability" in f.sentences()[0]


def test_serious_illness_alongside_disability_is_configuration():
    rule = CATALOGUE.get("difficult_disability", "2016.1")
    assert rule.param("serious_illness_counts") is True
    assert "serious_illness_counts" in rule.configuration


@pytest.mark.parametrize("harm", [False, True])
def test_lack_of_or_improper_guardianship(harm):
    f = find(child(guardianship_harm=harm), "difficult_guardianship")
    assert f.in_category is harm
    assert codes(f)[0] == ("guardianship_harm" if harm else "no_guardianship_harm")


def test_a_child_may_be_in_several_kinds():
    facts = child(family_minimum_allowance=True, guardianship_harm=True, has_disability_certificate=True)
    found = {f.rule_code for f in evaluate(facts, date(2025, 6, 1)) if f.in_category}
    assert {"difficult_economic", "difficult_disability", "difficult_guardianship"} <= found


# --- orphans ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("facts", "in_category", "reason"), [
    ({"father": parent(QUALIFYING["dead"]), "mother": parent(QUALIFYING["dead"])}, True, "both_parents_dead"),
    ({"father": parent(sit("dead", death_kind="declared_by_court")), "mother": parent(QUALIFYING["dead"])},
     True, "both_parents_dead"),
    ({"both_parents_cannot_be_found": True}, True, "parents_cannot_be_found"),
    ({"father": parent(QUALIFYING["dead"]), "mother": parent(QUALIFYING["missing_declared"])}, False,
     "not_orphan"),
    ({"father": parent(QUALIFYING["dead"]), "mother": parent(sit("at_home"))}, False, "not_orphan"),
    ({"father": parent(sit("dead", since=date(2026, 1, 1))), "mother": parent(QUALIFYING["dead"])}, False,
     "not_orphan"),  # a death after the day of evaluation
])
def test_orphans(facts, in_category, reason):
    f = find(child(**facts), "orphan")
    assert f.in_category is in_category
    assert codes(f)[0] == reason


# --- alerts (Minors Protection Law Art. 21) ----------------------------------------------------------------

@pytest.mark.parametrize(("dob", "lives_alone", "unattended", "raised"), [
    (date(2018, 1, 1), True, True, {"alert_living_alone", "alert_left_unattended"}),
    (date(2014, 1, 1), True, True, {"alert_living_alone"}),  # 11: living alone only
    (date(2009, 1, 1), True, True, set()),  # 16
    (date(2018, 1, 1), False, False, set()),
])
def test_alerts_are_findings_not_categories(dob, lives_alone, unattended, raised):
    findings = evaluate(child(date_of_birth=dob, lives_alone=lives_alone, left_unattended=unattended),
                        date(2025, 6, 1))
    alerts = {f.rule_code for f in findings if f.kind is RuleKind.ALERT and f.in_category}
    assert alerts == raised
    assert all(f.kind is RuleKind.ALERT for f in findings if f.rule_code.startswith("alert_"))


# --- census indicator ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("father", "mother", "counted"), [
    (parent(away()), parent(sit("at_home")), True),  # one parent away is enough
    (parent(away(cross_county=False)), parent(), True),  # within the county: taken as a township crossing
    (parent(away(since=date(2025, 3, 1))), parent(), False),  # under half a year
    (parent(sit("custody_or_sentence", since=date(2020, 1, 1))), parent(sit("at_home")), False),
])
def test_census_indicator_is_separate_and_labelled(father, mother, counted):
    facts = child(father=father, mother=mother)
    f = census_indicator(facts, date(2025, 6, 1))
    assert f.kind is RuleKind.INDICATOR
    assert f.in_category is counted
    assert "census definition" in f.sentences()[0]
    if counted:
        assert "approximation" in f.sentences()[0]


def test_census_counts_17_year_olds_and_one_parent_where_the_policy_does_not():
    facts = child(date_of_birth=date(2008, 1, 1), father=parent(away()), mother=parent(sit("at_home")))
    on = date(2025, 6, 1)
    assert census_indicator(facts, on).in_category
    assert not find(facts, "left_behind", on=on).in_category


def test_a_child_past_the_age_limit_who_never_qualified_is_not_told_they_left():
    home = parent(sit("at_home"))
    f = find(child(date_of_birth=date(2008, 1, 1), father=home, mother=home), "left_behind")
    assert not f.in_category and codes(f) == ["no_parent_away"]
