"""What the speed-ups keep: shared reasons and findings are equal values, the dict forms are the same
data, the cache of the situations holding is per day, and a day before the birth is still refused."""

import json
from datetime import date, datetime

import pytest

from everychild.rules import Finding, ParentFacts, ParentSituation, Reason, evaluate
from everychild.rules.catalogue import CATALOGUE
from everychild.rules.evaluate import apply_rule

from .helpers import ON, away, child, parent, sit


def test_equal_reasons_are_made_once():
    first = Reason.make("x", "%(a)s %(b)s", terms={"a": "father"}, b=date(2024, 1, 5))
    again = Reason.make("x", "%(a)s %(b)s", terms={"a": "father"}, b=date(2024, 1, 5))
    assert first is again
    assert first == Reason("x", "%(a)s %(b)s", (("b", "2024-01-05"),), (("a", "father"),))


def test_parameters_equal_as_values_but_printed_differently_stay_apart():
    assert Reason.make("x", "%(n)s", n=1).params == (("n", "1"),)
    assert Reason.make("x", "%(n)s", n=True).params == (("n", "True"),)
    assert Reason.make("x", "%(n)s", n=1.0).params == (("n", "1.0"),)
    assert Reason.make("x", "%(d)s", d=date(2024, 1, 5)).params == (("d", "2024-01-05"),)
    assert Reason.make("x", "%(d)s", d=datetime(2024, 1, 5)).params == (("d", "2024-01-05T00:00:00"),)


def test_findings_are_shared_between_children_with_the_same_outcome():
    one = evaluate(child(), ON)
    other = evaluate(child(date_of_birth=date(2014, 7, 1)), ON)
    by_code = {f.rule_code: f for f in other}
    assert by_code["orphan"] is next(f for f in one if f.rule_code == "orphan")


def test_as_dict_gives_a_new_dict_and_list_with_the_same_data():
    finding = next(f for f in evaluate(child(father=parent(away()), mother=parent(away())), ON)
                   if f.in_category)
    first, second = finding.as_dict(), finding.as_dict()
    assert first == second and first is not second and first["reasons"] is not second["reasons"]
    assert list(first) == ["rule_code", "rule_version", "rule_province", "kind", "in_category", "reasons"]
    assert first["reasons"] == [
        {"code": r.code, "template": r.template, "params": dict(r.params), "terms": dict(r.terms)}
        for r in finding.reasons]
    assert Finding.from_dict(json.loads(json.dumps(first))) == finding


def test_situations_holding_follow_the_day_asked():
    jailed = sit("custody_or_sentence", since=date(2024, 1, 1), until=date(2025, 1, 1))
    father = ParentFacts((jailed, sit("at_home", since=date(2025, 1, 1))))
    assert [s.kind for s in father.holding(date(2024, 6, 1))] == ["custody_or_sentence"]
    assert [s.kind for s in father.holding(date(2025, 6, 1))] == ["at_home"]
    assert father.holding(date(2024, 6, 1)) == (jailed,)
    assert father == ParentFacts((jailed, sit("at_home", since=date(2025, 1, 1))))
    assert "_holding" not in repr(father)
    assert hash(father) == hash(ParentFacts(father.situations))


def test_a_day_before_the_birth_is_refused():
    facts = child(date_of_birth=date(2020, 1, 2), father=parent(ParentSituation("migrant_worker")))
    with pytest.raises(ValueError, match="before the date of birth"):
        evaluate(facts, date(2020, 1, 1))
    with pytest.raises(ValueError, match="before the date of birth"):
        apply_rule(CATALOGUE.get("orphan", "2010.1"), facts, date(2020, 1, 1))
