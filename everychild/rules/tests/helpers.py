"""Builders for rule tests: short names for facts, and finding look-ups."""

from __future__ import annotations

from datetime import date

from everychild.rules import ChildFacts, ParentFacts, ParentSituation, evaluate
from everychild.rules.catalogue import CATALOGUE
from everychild.rules.evaluate import apply_rule
from everychild.rules.findings import Finding

ON = date(2025, 6, 1)  # the default day of evaluation: the 2024 left-behind rule is in force
DOB = date(2015, 1, 10)
LONG_AGO = date(2023, 1, 1)  # more than 6 months before ON


def sit(kind: str, **kw) -> ParentSituation:
    return ParentSituation(kind, **kw)


def away(since: date = LONG_AGO, cross_county: bool | None = True, **kw) -> ParentSituation:
    return sit("migrant_worker", since=since, cross_county=cross_county, **kw)


def parent(*situations: ParentSituation, known: bool = True) -> ParentFacts:
    return ParentFacts(tuple(situations), known=known)


# A situation of each kind that counts under the 2020 de facto definitions on ON.
QUALIFYING = {
    "at_home": sit("at_home"),
    "migrant_worker": away(),
    "dead": sit("dead", since=date(2022, 5, 1), death_kind="natural"),
    "missing_declared": sit("missing_declared", since=date(2022, 5, 1)),
    "out_of_contact": sit("out_of_contact", since=date(2022, 1, 1),
                          police_report_accepted_on=date(2022, 2, 1)),
    "custody_or_sentence": sit("custody_or_sentence", since=date(2024, 1, 1), until=date(2027, 1, 1)),
    "drug_rehabilitation": sit("drug_rehabilitation", since=date(2024, 1, 1), until=date(2026, 1, 1)),
    "other_restriction": sit("other_restriction", since=date(2024, 1, 1)),
    "severely_disabled": sit("severely_disabled", disability_grade=1, disability_type="physical"),
    "severely_ill": sit("severely_ill", since=date(2023, 3, 1)),
    "guardianship_revoked": sit("guardianship_revoked", since=date(2023, 3, 1)),
    "deported": sit("deported", since=date(2023, 3, 1)),
}
S8 = ("out_of_contact", "custody_or_sentence", "drug_rehabilitation", "other_restriction",
      "severely_disabled", "severely_ill", "guardianship_revoked", "deported")
S6 = S8[:6]


def child(**kw) -> ChildFacts:
    kw.setdefault("date_of_birth", DOB)
    kw.setdefault("province_code", "61")
    kw.setdefault("hukou_type", "rural")
    kw.setdefault("hukou_division_code", "610723100201")
    return ChildFacts(**kw)


def find(facts: ChildFacts, code: str, on: date = ON, province: str | None = None, **kw) -> Finding:
    found = [f for f in evaluate(facts, on, province, **kw) if f.rule_code == code]
    assert len(found) == 1, f"{code} not in force on {on}"
    return found[0]


def run(facts: ChildFacts, code: str, version: str, on: date = ON) -> Finding:
    """One rule version regardless of the day it took effect."""
    return apply_rule(CATALOGUE.get(code, version), facts, on)


def codes(finding: Finding) -> list[str]:
    return [r.code for r in finding.reasons]
