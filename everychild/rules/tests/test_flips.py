"""For each rule, flipping each input fact changes the category and its reason as expected, and
flipping a fact the rule does not read changes nothing."""

from dataclasses import fields, replace
from datetime import date

import pytest

from everychild.rules import ChildFacts, evaluate

from .helpers import QUALIFYING, away, child, codes, find, parent, sit

ON = date(2025, 6, 1)
HOME = parent(sit("at_home"))
LB = {"father": parent(away()), "mother": parent(away())}
DF = {"father": parent(QUALIFYING["custody_or_sentence"]), "mother": parent(QUALIFYING["dead"])}

# (code, base facts, flipped facts, (in, first reason) before, (in, first reason) after)
FLIPS = {
    "left_behind: father comes home": (
        "left_behind", LB, {"father": HOME},
        (True, "both_parents_away"), (False, "one_away_other_capable")),
    "left_behind: mother comes home": (
        "left_behind", LB, {"mother": HOME},
        (True, "both_parents_away"), (False, "one_away_other_capable")),
    "left_behind: father works within the county": (
        "left_behind", LB, {"father": parent(away(cross_county=False))},
        (True, "both_parents_away"), (False, "one_away_other_capable")),
    "left_behind: father left only recently": (
        "left_behind", LB, {"father": parent(away(since=date(2025, 2, 1)))},
        (True, "both_parents_away"), (False, "one_away_other_capable")),
    "left_behind: the parent at home falls seriously ill": (
        "left_behind", {"father": HOME, "mother": parent(away())},
        {"father": parent(QUALIFYING["severely_ill"])},
        (False, "one_away_other_capable"), (True, "one_away_other_incapable")),
    "left_behind: a supervisor confirms incapacity": (
        "left_behind", {"father": HOME, "mother": parent(away())},
        {"other_parent_incapacity_confirmed": True, "other_parent_incapacity_reason": "Bedridden"},
        (False, "one_away_other_capable"), (True, "one_away_other_incapable")),
    "left_behind: turns 16": (
        "left_behind", LB, {"date_of_birth": date(2009, 6, 1)},
        (True, "both_parents_away"), (False, "age_limit_reached")),
    "left_behind_rural: hukou becomes urban": (
        "left_behind_rural", LB, {"hukou_type": "urban"},
        (True, "both_parents_away"), (False, "hukou_other")),
    "left_behind_urban: hukou becomes urban": (
        "left_behind_urban", LB, {"hukou_type": "urban"},
        (False, "hukou_other"), (True, "both_parents_away")),
    "difficult_economic: 低保": (
        "difficult_economic", {}, {"family_minimum_allowance": True},
        (False, "no_family_poverty"), (True, "family_minimum_allowance")),
    "difficult_economic: 特困": (
        "difficult_economic", {}, {"family_extreme_poverty_support": True},
        (False, "no_family_poverty"), (True, "family_extreme_poverty")),
    "difficult_economic: assessed poor": (
        "difficult_economic", {}, {"family_assessed_poor": True},
        (False, "no_family_poverty"), (True, "family_assessed_poor")),
    "difficult_disability: certificate": (
        "difficult_disability", {"disability_grade": 3, "disability_type": "physical"},
        {"has_disability_certificate": True},
        (False, "child_disability_no_certificate"), (True, "child_disability_certificate")),
    "difficult_disability: serious illness": (
        "difficult_disability", {}, {"serious_illness": True},
        (False, "no_child_disability"), (True, "child_serious_illness")),
    "difficult_guardianship: harm": (
        "difficult_guardianship", {}, {"guardianship_harm": True},
        (False, "no_guardianship_harm"), (True, "guardianship_harm")),
    "de_facto: the dead parent was in fact alive at home": (
        "de_facto_unsupported", DF, {"mother": HOME},
        (True, "one_parent_gone_other_in_situation"), (False, "parents_not_in_situations")),
    "de_facto: the sentence is shorter than 6 months": (
        "de_facto_unsupported", DF,
        {"father": parent(sit("custody_or_sentence", since=date(2025, 3, 1), until=date(2025, 8, 1)))},
        (True, "one_parent_gone_other_in_situation"), (False, "parents_not_in_situations")),
    "de_facto: the other parent dies too": (
        "de_facto_unsupported", DF, {"father": parent(QUALIFYING["dead"])},
        (True, "one_parent_gone_other_in_situation"), (False, "orphan_precedence")),
    "de_facto: both parents in a situation": (
        "de_facto_unsupported", DF, {"mother": parent(QUALIFYING["severely_disabled"])},
        (True, "one_parent_gone_other_in_situation"), (True, "both_parents_in_situations")),
    "de_facto: parents cannot be found": (
        "de_facto_unsupported", DF, {"both_parents_cannot_be_found": True},
        (True, "one_parent_gone_other_in_situation"), (False, "orphan_precedence")),
    "orphan: the second parent dies": (
        "orphan", DF, {"father": parent(QUALIFYING["dead"])},
        (False, "not_orphan"), (True, "both_parents_dead")),
    "orphan: parents cannot be found": (
        "orphan", {}, {"both_parents_cannot_be_found": True},
        (False, "not_orphan"), (True, "parents_cannot_be_found")),
    "alert: living alone": (
        "alert_living_alone", {}, {"lives_alone": True}, (False, "not_living_alone"), (True, "living_alone")),
    "alert: left unattended": (
        "alert_left_unattended", {"date_of_birth": date(2019, 1, 1)}, {"left_unattended": True},
        (False, "not_left_unattended"), (True, "left_unattended")),
    "census: a parent leaves for work": (
        "census_affected_by_migration", {"father": HOME}, {"father": parent(away(cross_county=False))},
        (False, "census_no_parent_away"), (True, "census_parent_away")),
}


@pytest.mark.parametrize("name", list(FLIPS))
def test_flipping_a_fact_changes_the_category_and_its_reason(name):
    code, base, flip, before, after = FLIPS[name]
    old = find(child(**base), code, on=ON)
    new = find(child(**{**base, **flip}), code, on=ON)
    assert (old.in_category, codes(old)[0]) == before
    assert (new.in_category, codes(new)[0]) == after
    assert old.sentences() != new.sentences()


BOOL_FACTS = [f.name for f in fields(ChildFacts) if f.type == "bool"]
READS = {  # the boolean facts each rule reads
    "left_behind": {"other_parent_incapacity_confirmed"},
    "left_behind_rural": {"other_parent_incapacity_confirmed"},
    "left_behind_urban": {"other_parent_incapacity_confirmed"},
    "difficult_economic": {"family_minimum_allowance", "family_extreme_poverty_support",
                           "family_assessed_poor"},
    "difficult_disability": {"has_disability_certificate", "serious_illness"},
    "difficult_guardianship": {"guardianship_harm"},
    "de_facto_unsupported": {"both_parents_cannot_be_found"},
    "orphan": {"both_parents_cannot_be_found"},
    "alert_living_alone": {"lives_alone"},
    "alert_left_unattended": {"left_unattended"},
    "census_affected_by_migration": set(),
}


@pytest.mark.parametrize("fact", BOOL_FACTS)
@pytest.mark.parametrize("base", [{}, LB, DF], ids=["nothing", "left-behind", "de-facto"])
def test_flipping_a_fact_a_rule_does_not_read_changes_nothing(fact, base):
    facts = child(date_of_birth=date(2019, 1, 1), other_parent_incapacity_reason="Bedridden", **base)
    flipped = replace(facts, **{fact: not getattr(facts, fact)})
    for old, new in zip(evaluate(facts, ON), evaluate(flipped, ON), strict=True):
        if fact not in READS[old.rule_code]:
            assert old == new, (fact, old.rule_code)


def test_the_reads_table_covers_every_boolean_fact():
    assert set().union(*READS.values()) | {"both_parents_cannot_be_found"} == set(BOOL_FACTS)
