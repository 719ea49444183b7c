"""Events (entering and leaving categories) and re-evaluation after a rule version bump."""

from dataclasses import dataclass, replace
from datetime import date

from everychild.rules import (
    CATALOGUE,
    Finding,
    affected_by,
    apply_rule,
    categories,
    categories_changed,
    evaluate,
    stale_rules,
)

from .helpers import QUALIFYING, away, child, parent, sit

LB = {"father": parent(away()), "mother": parent(away())}


def test_turning_16_leaves_the_left_behind_category_with_an_event():
    facts = child(date_of_birth=date(2009, 3, 1), **LB)
    before, after = evaluate(facts, date(2025, 2, 28)), evaluate(facts, date(2025, 3, 1))
    changes = categories_changed(before, after)
    left = {c.rule_code for c in changes if not c.entered}
    assert left == {"left_behind", "left_behind_rural"}
    lb = next(c for c in changes if c.rule_code == "left_behind")
    assert (lb.old_version, lb.new_version) == ("2024.1", "2024.1")
    assert str(lb.reasons[0]) == "Turned 16 on 2025-03-01: no longer a left-behind child (民发〔2024〕17号)."
    assert "census_affected_by_migration" not in left  # the census counts to 17


def test_a_fact_change_enters_a_category():
    on = date(2025, 6, 1)
    old = evaluate(child(father=parent(sit("at_home")), mother=parent(away())), on)
    new = evaluate(child(**LB), on)
    changes = categories_changed(old, new)
    assert {(c.rule_code, c.entered) for c in changes} == {("left_behind", True), ("left_behind_rural", True)}
    assert all(c.reasons for c in changes)
    assert categories_changed(new, new) == []


def test_changes_accept_stored_rows_and_rules_no_longer_in_force():
    @dataclass
    class Row:  # what the registry stores
        rule_code: str
        rule_version: str
        in_category: bool

    new = evaluate(child(**LB), date(2025, 6, 1))
    changes = categories_changed([Row("left_behind", "2016.1", True), Row("retired_rule", "1.0", True)], new)
    assert [(c.rule_code, c.entered) for c in changes] == [
        ("retired_rule", False), ("left_behind_rural", True), ("census_affected_by_migration", True)]
    assert changes[0].reasons == ()


def test_findings_round_trip_through_storage():
    for f in evaluate(child(**LB, guardianship_harm=True), date(2025, 6, 1)):
        assert Finding.from_dict(f.as_dict()) == f
    assert categories(evaluate(child(**LB), date(2025, 6, 1))) == {"left_behind", "left_behind_rural"}


# --- a rule version bump -----------------------------------------------------------------------------------

NEW = replace(CATALOGUE.get("de_facto_unsupported", "2020.1"), version="2026.1",
              effective_from=date(2026, 1, 1))
BUMPED = CATALOGUE.with_rules(NEW)
DF = {"father": parent(QUALIFYING["custody_or_sentence"]), "mother": parent(QUALIFYING["dead"])}


def stored(province, on=date(2025, 6, 1), catalogue=CATALOGUE):
    return evaluate(child(province_code=province, hukou_division_code=f"{province}0103001001", **DF), on,
                    catalogue=catalogue)


def test_a_national_bump_affects_exactly_the_children_under_the_national_rule():
    children = [
        ("a", "61", stored("61")),  # national 2020.1: affected
        ("b", "44", stored("44")),  # Guangdong keeps its own version: not affected
        ("c", "61", stored("61", date(2026, 2, 1), BUMPED)),  # already at 2026.1
        ("d", "61", [f for f in stored("61") if f.rule_code != "de_facto_unsupported"]),  # never evaluated
    ]
    assert affected_by(NEW, children, date(2026, 2, 1), catalogue=BUMPED) == {"a", "d"}
    assert affected_by(NEW, children, date(2025, 12, 31), catalogue=BUMPED) == set()  # not yet in force


def test_a_new_provincial_override_affects_only_that_province():
    gd = replace(CATALOGUE.get("de_facto_unsupported", "2020.1-44"), version="2026.1-44",
                 effective_from=date(2026, 1, 1))
    children = [("a", "61", stored("61")), ("b", "44", stored("44"))]
    assert affected_by(gd, children, date(2026, 2, 1), catalogue=CATALOGUE.with_rules(gd)) == {"b"}


def test_re_evaluation_keeps_the_old_results_reproducible():
    facts = child(**DF)
    old = [f for f in stored("61") if f.rule_code == "de_facto_unsupported"][0]
    new = [f for f in evaluate(facts, date(2026, 2, 1), catalogue=BUMPED) if f.rule_code == NEW.code][0]
    assert (old.rule_version, new.rule_version) == ("2020.1", "2026.1")
    again = apply_rule(CATALOGUE.get(old.rule_code, old.rule_version), facts, date(2025, 6, 1))
    assert again == old


def test_stale_rules_for_one_child():
    findings = stored("61")
    assert stale_rules(findings, "61", date(2025, 6, 1)) == set()
    assert stale_rules(findings, "61", date(2026, 2, 1), catalogue=BUMPED) == {"de_facto_unsupported"}
    assert stale_rules(findings, "44", date(2025, 6, 1)) == {"de_facto_unsupported"}  # moved to Guangdong
    assert "left_behind" in stale_rules([], "61", date(2025, 6, 1))
