"""§1.3 de facto unsupported children: both-parent and one-parent branches, the definitions, the 2019 and
2020 versions, orphan precedence and the Guangdong override."""

from datetime import date

import pytest

from everychild.rules import evaluate
from everychild.rules.dates import add_months

from .helpers import ON, QUALIFYING, S6, S8, child, codes, find, parent, run, sit

CODE = "de_facto_unsupported"


@pytest.mark.parametrize("mother", S8)
@pytest.mark.parametrize("father", S8)
def test_both_parents_in_a_situation_of_s(father, mother):
    f = find(child(father=parent(QUALIFYING[father]), mother=parent(QUALIFYING[mother])), CODE)
    assert (f.rule_version, f.in_category) == ("2020.1", True)
    assert codes(f)[0] == "both_parents_in_situations"
    assert len(f.reasons) == 4  # the summary, one per parent, the age limit


@pytest.mark.parametrize("other", S8)
@pytest.mark.parametrize("gone", ["dead", "missing_declared"])
@pytest.mark.parametrize("gone_role", ["father", "mother"])
def test_one_parent_dead_or_missing_and_the_other_in_s(gone, other, gone_role):
    other_role = "mother" if gone_role == "father" else "father"
    f = find(child(**{gone_role: parent(QUALIFYING[gone]), other_role: parent(QUALIFYING[other])}), CODE)
    assert f.in_category
    assert codes(f)[:2] == ["one_parent_gone_other_in_situation",
                            "parent_dead" if gone == "dead" else "parent_missing"]
    assert f.reasons[0].terms == (("gone", gone_role), ("other", other_role))


@pytest.mark.parametrize(("father", "mother", "reason"), [
    ("at_home", "custody_or_sentence", "parent_at_home"),
    ("migrant_worker", "custody_or_sentence", "parent_migrant_worker"),
    ("dead", "at_home", "parent_at_home"),
    ("dead", "migrant_worker", "parent_migrant_worker"),
    ("missing_declared", "missing_declared", "parent_missing"),  # both missing: neither branch (literal)
    ("dead", "missing_declared", "parent_missing"),
])
def test_combinations_outside_the_definition(father, mother, reason):
    f = find(child(father=parent(QUALIFYING[father]), mother=parent(QUALIFYING[mother])), CODE)
    assert not f.in_category
    assert codes(f)[0] == "parents_not_in_situations"
    assert reason in codes(f)


def test_a_parent_with_nothing_recorded_is_unknown_facts():
    f = find(child(father=parent(QUALIFYING["custody_or_sentence"]), mother=parent()), CODE)
    assert not f.in_category and "parent_situation_unknown" in codes(f)


# --- the definitions (民发〔2019〕62号) -------------------------------------------------------------------

@pytest.mark.parametrize("grade", [1, 2, 3, 4])
@pytest.mark.parametrize("kind", ["intellectual", "mental", "physical", "visual", "hearing", "speech",
                                  "multiple"])
def test_serious_disability_is_grade_1_2_or_grade_3_4_intellectual_or_mental(grade, kind):
    disabled = sit("severely_disabled", disability_grade=grade, disability_type=kind)
    f = find(child(father=parent(disabled), mother=parent(QUALIFYING["dead"])), CODE)
    expected = grade <= 2 or kind in ("intellectual", "mental")
    assert f.in_category is expected
    assert ("parent_seriously_disabled" if expected else "parent_disability_not_serious") in codes(f)
    assert f"grade {grade} {kind} disability" in " ".join(f.sentences())


@pytest.mark.parametrize("kind", ["custody_or_sentence", "drug_rehabilitation", "other_restriction"])
@pytest.mark.parametrize(("since", "until", "in_category", "reason"), [
    (date(2025, 1, 1), date(2025, 7, 1), True, "restriction_term_long"),  # a term of exactly 6 months
    (date(2025, 1, 1), date(2025, 6, 30), False, "restriction_term_short"),  # one day short
    (add_months(ON, -6), None, True, "restriction_elapsed"),  # no end recorded: 6 months have passed
    (date(2024, 12, 2), None, False, "restriction_not_yet"),  # one day short of 6 months
    (None, None, False, "restriction_start_unknown"),
])
def test_restrictions_count_from_six_months(kind, since, until, in_category, reason):
    restricted = sit(kind, since=since, until=until)
    f = find(child(father=parent(restricted), mother=parent(QUALIFYING["dead"])), CODE)
    assert f.in_category is in_category
    assert reason in codes(f)


def test_a_past_restriction_no_longer_counts():
    ended = sit("custody_or_sentence", since=date(2023, 1, 1), until=date(2025, 1, 1))
    f = find(child(father=parent(ended), mother=parent(QUALIFYING["dead"])), CODE)
    assert not f.in_category and "parent_situation_unknown" in codes(f)


@pytest.mark.parametrize(("accepted", "in_category", "reason"), [
    (add_months(ON, -6), True, "out_of_contact_long"),
    (date(2024, 12, 2), False, "out_of_contact_short"),
    (None, False, "out_of_contact_no_report"),
])
def test_out_of_contact_counts_from_the_police_acceptance_date(accepted, in_category, reason):
    # contact was lost long ago, but only the police's acceptance of the report starts the 6 months
    lost = sit("out_of_contact", since=date(2020, 1, 1), police_report_accepted_on=accepted)
    f = find(child(father=parent(lost), mother=parent(QUALIFYING["missing_declared"])), CODE)
    assert f.in_category is in_category
    assert reason in codes(f)
    if accepted:
        assert accepted.isoformat() in " ".join(f.sentences())


@pytest.mark.parametrize("death_kind", ["natural", "declared_by_court", None])
def test_natural_death_and_death_declared_by_a_court_both_count(death_kind):
    dead = sit("dead", since=date(2022, 1, 1), death_kind=death_kind)
    f = find(child(father=parent(dead), mother=parent(QUALIFYING["severely_ill"])), CODE)
    assert f.in_category
    assert dict(f.reasons[1].terms)["death"] in ("natural death", "declared dead by a court",
                                        "natural or declared by a court, not recorded which")


def test_serious_illness_is_as_the_local_list_defines():
    f = find(child(father=parent(QUALIFYING["severely_ill"]), mother=parent(QUALIFYING["dead"])), CODE)
    assert "local list of major and serious illnesses for medical assistance" in f.sentences()[2]


# --- versions --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["guardianship_revoked", "deported"])
def test_revoked_guardianship_and_deportation_count_from_2020_only(kind):
    facts = child(father=parent(QUALIFYING[kind]), mother=parent(QUALIFYING["dead"]))
    old = run(facts, CODE, "2019.1")
    assert not old.in_category and "situation_not_in_rule" in codes(old)
    assert run(facts, CODE, "2020.1").in_category


@pytest.mark.parametrize("kind", S6)
def test_the_six_situations_of_2019(kind):
    facts = child(father=parent(QUALIFYING[kind]), mother=parent(QUALIFYING["dead"]))
    assert run(facts, CODE, "2019.1").in_category


def test_version_in_force_by_date():
    facts = child()
    assert all(f.rule_code != CODE for f in evaluate(facts, date(2019, 6, 17)))  # before 62号
    assert find(facts, CODE, on=date(2019, 6, 18)).rule_version == "2019.1"
    assert find(facts, CODE, on=date(2020, 12, 1)).rule_version == "2020.1"


# --- orphan precedence -----------------------------------------------------------------------------------

@pytest.mark.parametrize("facts", [
    child(father=parent(QUALIFYING["dead"]), mother=parent(QUALIFYING["dead"])),
    child(both_parents_cannot_be_found=True, father=parent(QUALIFYING["custody_or_sentence"]),
          mother=parent(QUALIFYING["severely_ill"])),
])
def test_an_orphan_is_never_also_de_facto_unsupported(facts):
    assert find(facts, "orphan").in_category
    f = find(facts, CODE)
    assert not f.in_category
    assert f.sentences() == ["Meets the orphan definition of 国办发〔2010〕54号, so counted as an orphan and "
                             "not as de facto unsupported (民发〔2019〕62号, 民发〔2020〕125号)."]


# --- the Guangdong override -------------------------------------------------------------------------------

GD_CHILD = dict(province_code="44", hukou_division_code="440103001001",
                father=parent(QUALIFYING["severely_ill"]), mother=parent(QUALIFYING["dead"]))


def test_guangdong_uses_its_own_version_with_its_definition_of_serious_illness():
    f = find(child(**GD_CHILD), CODE)
    assert (f.rule_version, f.rule_province, f.in_category) == ("2020.1-44", "44", True)
    assert "Guangdong's rules for assessing minimum-allowance families" in f.sentences()[2]
    assert "粤民规字〔2019〕10号" in f.sentences()[0]


@pytest.mark.parametrize(("hukou", "in_category"), [
    ("440103001001", True), ("610723100201", False), ("", False)])
def test_guangdong_requires_a_guangdong_hukou(hukou, in_category):
    f = find(child(**{**GD_CHILD, "hukou_division_code": hukou}), CODE)
    assert f.in_category is in_category
    if not in_category:
        assert codes(f) == ["hukou_province_required"]


def test_the_same_child_under_the_national_rule():
    f = find(child(**{**GD_CHILD, "hukou_division_code": "610723100201"}), CODE, province="61")
    assert (f.rule_version, f.in_category) == ("2020.1", True)


def test_guangdong_before_its_own_rule_falls_back_to_the_national_one():
    f = find(child(**GD_CHILD), CODE, on=date(2019, 12, 19))
    assert (f.rule_version, f.rule_province) == ("2019.1", "")
    assert find(child(**GD_CHILD), CODE, on=date(2019, 12, 20)).rule_version == "2019.1-44"


@pytest.mark.parametrize(("on", "in_category"), [(date(2026, 2, 27), True), (date(2026, 2, 28), False)])
def test_ends_on_the_18th_birthday_born_29_february(on, in_category):
    facts = child(date_of_birth=date(2008, 2, 29), father=parent(QUALIFYING["severely_ill"]),
                  mother=parent(QUALIFYING["dead"]))
    f = find(facts, CODE, on=on)
    assert f.in_category is in_category
    if not in_category:
        assert f.sentences()[0].startswith("Turned 18 on 2026-02-28: no longer a de facto unsupported child")
