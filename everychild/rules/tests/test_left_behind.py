"""§1.1 left-behind children: the 2024 rule (current) and the 2016 rule, rural / urban split."""

from datetime import date

import pytest

from everychild.rules import evaluate
from everychild.rules.dates import add_months

from .helpers import LONG_AGO, ON, QUALIFYING, away, child, codes, find, parent, run, sit

BOTH_AWAY = {"father": parent(away()), "mother": parent(away())}


def test_both_parents_away_across_a_county_for_six_months():
    f = find(child(**BOTH_AWAY), "left_behind")
    assert (f.rule_version, f.in_category) == ("2024.1", True)
    assert f.sentences()[0] == ("Both parents have been working away from home across a county boundary "
                                "for 6 months or more (民发〔2024〕17号).")
    assert f.sentences()[-1] == "Under 16 until 2031-01-10, when the child turns 16 (民发〔2024〕17号)."


# The mother's situation, with the father away working (one-parent branch of §1.1).
@pytest.mark.parametrize(("kind", "in_category", "reason"), [
    ("at_home", False, "one_away_other_capable"),
    ("migrant_worker", True, "both_parents_away"),
    ("dead", True, "parent_dead"),
    ("missing_declared", True, "parent_missing"),
    ("out_of_contact", True, "out_of_contact_long"),
    ("custody_or_sentence", True, "restriction_term_long"),
    ("drug_rehabilitation", True, "restriction_term_long"),
    ("other_restriction", True, "restriction_elapsed"),
    ("severely_disabled", True, "parent_seriously_disabled"),
    ("severely_ill", True, "parent_seriously_ill"),
    ("guardianship_revoked", True, "parent_guardianship_revoked"),
    ("deported", True, "parent_deported"),
])
@pytest.mark.parametrize("away_role", ["father", "mother"])
def test_each_situation_of_the_parent_who_stays(kind, in_category, reason, away_role):
    other = "mother" if away_role == "father" else "father"
    f = find(child(**{away_role: parent(away()), other: parent(QUALIFYING[kind])}), "left_behind")
    assert f.in_category is in_category
    assert reason in codes(f)
    if in_category and kind != "migrant_worker":
        assert codes(f)[:2] == ["one_away_other_incapable", "away_cross_county"]
        assert f.reasons[0].terms == (("away", away_role), ("other", other))


@pytest.mark.parametrize(("situation", "reason"), [
    (sit("severely_disabled", disability_grade=3, disability_type="physical"),
     "parent_disability_not_serious"),
    (sit("custody_or_sentence", since=date(2025, 3, 1), until=date(2025, 8, 1)), "restriction_term_short"),
    (sit("out_of_contact", police_report_accepted_on=date(2025, 3, 1)), "out_of_contact_short"),
    (sit("out_of_contact"), "out_of_contact_no_report"),
    (sit("severely_disabled"), "parent_disability_grade_unknown"),
])
def test_a_staying_parent_whose_situation_does_not_count(situation, reason):
    f = find(child(father=parent(away()), mother=parent(situation)), "left_behind")
    assert not f.in_category
    assert codes(f)[:2] == ["one_away_other_capable", "away_cross_county"]
    assert reason in codes(f)


def test_unknown_or_unidentified_staying_parent():
    f = find(child(father=parent(away()), mother=parent()), "left_behind")
    assert not f.in_category and "parent_situation_unknown" in codes(f)
    f = find(child(father=parent(away()), mother=parent(known=False)), "left_behind")
    assert not f.in_category and "parent_not_identified" in codes(f)


def test_other_incapacity_confirmed_by_a_supervisor_needs_a_reason():
    base = {"father": parent(away()), "mother": parent(sit("at_home"))}
    confirmed = find(child(**base, other_parent_incapacity_confirmed=True,
                           other_parent_incapacity_reason="Severe alcohol dependence"), "left_behind")
    assert confirmed.in_category
    assert codes(confirmed)[2] == "incapacity_confirmed"
    assert "Severe alcohol dependence" in confirmed.sentences()[2]
    assert "interpretation" in confirmed.sentences()[2]
    no_reason = find(child(**base, other_parent_incapacity_confirmed=True), "left_behind")
    assert not no_reason.in_category


@pytest.mark.parametrize(("father", "in_category", "reason"), [
    (away(), True, "both_parents_away"),
    (away(cross_county=False), False, "away_within_county"),
    (away(cross_county=None), False, "away_county_unknown"),
    (away(since=None), False, "away_since_unknown"),
    (away(since=add_months(ON, -6)), True, "both_parents_away"),  # exactly 6 months
    (away(since=date(2024, 12, 2)), False, "away_too_short"),  # one day short
    (away(since=LONG_AGO, until=date(2025, 5, 1)), False, "one_away_other_capable"),  # back home since May
    (away(since=date(2025, 7, 1)), False, "one_away_other_capable"),  # not yet left
])
def test_away_working_means_six_consecutive_months_across_a_county(father, in_category, reason):
    f = find(child(father=parent(father), mother=parent(away())), "left_behind")
    assert f.in_category is in_category
    assert reason in codes(f)


def test_nobody_away():
    f = find(child(father=parent(sit("at_home")), mother=parent(sit("at_home"))), "left_behind")
    assert not f.in_category and codes(f) == ["no_parent_away"]
    f = find(child(father=parent(away(cross_county=False)), mother=parent(sit("dead"))), "left_behind")
    assert codes(f) == ["no_parent_away", "away_within_county"]


@pytest.mark.parametrize(("on", "in_category"), [(date(2025, 2, 28), True), (date(2025, 3, 1), False)])
def test_ends_on_the_16th_birthday(on, in_category):
    f = find(child(date_of_birth=date(2009, 3, 1), **BOTH_AWAY), "left_behind", on=on)
    assert f.in_category is in_category
    if not in_category:
        assert f.sentences() == ["Turned 16 on 2025-03-01: no longer a left-behind child (民发〔2024〕17号)."]


@pytest.mark.parametrize(("on", "in_category"), [(date(2024, 2, 28), True), (date(2024, 2, 29), False)])
def test_born_on_29_february_turns_16_on_29_february_of_a_leap_year(on, in_category):
    assert find(child(date_of_birth=date(2008, 2, 29), **BOTH_AWAY), "left_behind",
                on=on).in_category is in_category


# --- 2016 vs 2024 --------------------------------------------------------------------------------------

def test_the_2016_rule_applies_before_2024_and_requires_a_rural_hukou():
    on = date(2024, 1, 1)
    rural = find(child(**BOTH_AWAY), "left_behind", on=on)
    assert (rural.rule_version, rural.in_category) == ("2016.1", True)
    assert rural.sentences()[0] == "Both parents are working away from home (国发〔2016〕13号)."
    urban = find(child(hukou_type="urban", **BOTH_AWAY), "left_behind", on=on)
    assert not urban.in_category and codes(urban) == ["hukou_urban_rural_required"]
    unknown = find(child(hukou_type="unknown", **BOTH_AWAY), "left_behind", on=on)
    assert codes(unknown) == ["hukou_type_unknown_rural_required"]


@pytest.mark.parametrize(("hukou", "v2016", "v2024"), [
    ("rural", True, True), ("urban", False, True), ("unknown", False, True)])
def test_rural_hukou_is_a_condition_only_in_2016(hukou, v2016, v2024):
    facts = child(hukou_type=hukou, **BOTH_AWAY)
    assert run(facts, "left_behind", "2016.1").in_category is v2016
    assert run(facts, "left_behind", "2024.1").in_category is v2024


@pytest.mark.parametrize("father", [away(cross_county=False), away(since=date(2025, 5, 1)), away(since=None)])
def test_the_2016_rule_has_no_duration_or_county_condition(father):
    facts = child(father=parent(father), mother=parent(away()))
    assert run(facts, "left_behind", "2016.1").in_category
    assert not run(facts, "left_behind", "2024.1").in_category


def test_the_2024_rule_took_over_on_its_effective_date():
    assert find(child(**BOTH_AWAY), "left_behind", on=date(2024, 6, 14)).rule_version == "2016.1"
    assert find(child(**BOTH_AWAY), "left_behind", on=date(2024, 6, 15)).rule_version == "2024.1"


# --- rural / urban split ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("hukou", "rural", "urban", "reason"), [
    ("rural", True, False, "hukou_other"),
    ("urban", False, True, "hukou_other"),
    ("unknown", False, False, "hukou_type_unknown"),
])
def test_rural_and_urban_left_behind_split_by_hukou(hukou, rural, urban, reason):
    facts = child(hukou_type=hukou, **BOTH_AWAY)
    r, u = find(facts, "left_behind_rural"), find(facts, "left_behind_urban")
    assert (r.in_category, u.in_category) == (rural, urban)
    assert find(facts, "left_behind").in_category
    assert reason in codes(r) + codes(u)
    if rural or urban:
        kept = r if rural else u
        assert "hukou_matches" in codes(kept)


def test_no_urban_left_behind_category_before_2024_and_the_split_follows_the_category():
    assert all(f.rule_code != "left_behind_urban"
               for f in evaluate(child(**BOTH_AWAY), date(2024, 1, 1)))
    not_lb = child(father=parent(sit("at_home")), mother=parent(sit("at_home")))
    assert codes(find(not_lb, "left_behind_rural")) == ["no_parent_away"]
