"""Rules are data with a source: versions, provinces, selection by day."""

import re
from dataclasses import replace
from datetime import date

import pytest

from everychild.rules import CATALOGUE, Catalogue, RuleKind, rules_for
from everychild.rules.catalogue import RULES

DOCUMENT = re.compile(r"〔\d{4}〕\d+号|未成年人保护法|NBS")


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.code}-{r.version}")
def test_every_rule_has_a_source_version_and_age_limit(rule):
    assert rule.sources and all(DOCUMENT.search(s.document) and s.year and s.title for s in rule.sources)
    assert rule.version and rule.age_limit in (8, 16, 18)
    assert rule.province == "" or re.fullmatch(r"\d\d", rule.province)
    assert rule.title and rule.noun
    assert str(rule.sources[0]).startswith(rule.sources[0].issuer)


def test_codes_and_kinds():
    kinds = {r.code: r.kind for r in RULES}
    assert {c for c, k in kinds.items() if k is RuleKind.CATEGORY} == {
        "left_behind", "difficult_economic", "difficult_disability", "difficult_guardianship",
        "de_facto_unsupported", "orphan"}
    subcategories = {c for c, k in kinds.items() if k is RuleKind.SUBCATEGORY}
    assert subcategories == {"left_behind_rural", "left_behind_urban"}
    assert kinds["census_affected_by_migration"] is RuleKind.INDICATOR


def test_rules_for_picks_the_current_national_versions():
    current = {r.code: r.version for r in rules_for("61", date(2025, 6, 1))}
    assert current["left_behind"] == "2024.1"
    assert current["de_facto_unsupported"] == "2020.1"
    assert len(current) == len(CATALOGUE.codes)
    assert {r.code: r.version for r in rules_for("", date(2025, 6, 1))} == current


def test_province_override_is_picked_over_the_national_default():
    by_code = {r.code: r for r in rules_for("44", date(2025, 6, 1))}
    de_facto = by_code["de_facto_unsupported"]
    assert (de_facto.version, de_facto.province) == ("2020.1-44", "44")
    assert by_code["left_behind"].province == ""  # no Guangdong version: the national default
    assert "粤民规字〔2019〕10号" in by_code["de_facto_unsupported"].citation


def test_before_a_rule_existed_it_is_not_applied():
    assert {r.code for r in rules_for("61", date(2016, 1, 1))} == {"orphan", "census_affected_by_migration"}


def test_a_later_national_version_does_not_displace_a_provincial_one():
    bumped = replace(CATALOGUE.get("de_facto_unsupported", "2020.1"), version="2030.1",
                     effective_from=date(2030, 1, 1))
    cat = CATALOGUE.with_rules(bumped)
    assert cat.rule_for("de_facto_unsupported", "61", date(2030, 1, 1)).version == "2030.1"
    assert cat.rule_for("de_facto_unsupported", "44", date(2030, 1, 1)).version == "2020.1-44"
    assert cat.rule_for("de_facto_unsupported", "61", date(2029, 12, 31)).version == "2020.1"
    assert [r.version for r in cat.versions("de_facto_unsupported")] == ["2019.1", "2020.1", "2030.1"]


def test_duplicate_versions_are_refused():
    with pytest.raises(ValueError):
        Catalogue((*RULES, RULES[0]))
    with pytest.raises(KeyError):
        CATALOGUE.get("orphan", "1999.1")


def test_configurable_values_and_unconfirmed_dates_are_labelled():
    labelled = {(r.code, r.version) for r in RULES if r.configuration}
    assert ("difficult_disability", "2016.1") in labelled
    assert ("left_behind", "2024.1") in labelled  # "lacks guardianship capacity" is an interpretation
    assert "not confirmed" in CATALOGUE.get("left_behind", "2024.1").sources[0].note
    assert "not confirmed" in CATALOGUE.get("de_facto_unsupported", "2020.1").sources[1].note
    with pytest.raises(ValueError):
        replace(RULES[0], configuration=("no_such_param",))


def test_the_documented_example_runs():
    from everychild.rules import ChildFacts, ParentFacts, ParentSituation, evaluate

    facts = ChildFacts(
        date_of_birth=date(2015, 3, 1), province_code="61", hukou_type="rural",
        father=ParentFacts((ParentSituation("migrant_worker", since=date(2024, 1, 5), cross_county=True),)),
        mother=ParentFacts((ParentSituation("migrant_worker", since=date(2023, 9, 1), cross_county=True),)),
    )
    lb = next(f for f in evaluate(facts, on=date(2025, 1, 1)) if f.rule_code == "left_behind")
    assert (lb.rule_version, lb.in_category) == ("2024.1", True)
    assert lb.sentences()[0].startswith("Both parents have been working away")
