"""Evaluate a child's facts against the rules in force, and tell what changed."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Protocol, TypeVar

from django.utils.translation import gettext_noop as _  # marks message ids; rendering translates

from .catalogue import CATALOGUE, Catalogue
from .dates import birthday, check_born
from .facts import ChildFacts
from .findings import Finding, Reason, RuleKind
from .rule import Rule

CATEGORY_KINDS = frozenset({RuleKind.CATEGORY, RuleKind.SUBCATEGORY})
ChildId = TypeVar("ChildId", bound=Hashable)
AGE_LIMIT_REACHED = _("Turned %(age)s on %(date)s: no longer %(noun)s (%(source)s).")
UNDER_AGE_LIMIT = _("Under %(age)s until %(date)s, when the child turns %(age)s (%(source)s).")


def apply_rule(rule: Rule, facts: ChildFacts, on: date) -> Finding:
    """One rule for one child on one day: the rule's own check, then the age limit.

    A child past the age limit is out of the category; the reason says so ("Turned 16 on ...: no longer
    a left-behind child") when the other conditions still hold, and gives the check's own reasons when
    they do not (so a child who never was in the category is not told they left it)."""
    check_born(facts.date_of_birth, on)
    return _apply_born(rule, facts, on)


def _apply_born(rule: Rule, facts: ChildFacts, on: date) -> Finding:
    """:func:`apply_rule` for a day already checked not to be before the birth."""
    ends = birthday(facts.date_of_birth, rule.age_limit)
    in_category, reasons = rule.check(facts, on, rule)
    if in_category and on >= ends:
        in_category = False
        reasons = (Reason.make("age_limit_reached", AGE_LIMIT_REACHED, terms={"noun": rule.noun},
                               age=rule.age_limit, date=ends, source=rule.citation),)
    elif in_category:
        reasons = (*reasons, Reason.make("under_age_limit", UNDER_AGE_LIMIT, age=rule.age_limit, date=ends,
                                         source=rule.citation))
    return _finding(rule.code, rule.version, rule.province, rule.kind, in_category, tuple(reasons))


# Most children share their findings with others (not in a category, for the same reasons). A finding
# with its dict form takes 1-1.5 kB: the 8192 most recently used are kept (at most ~12 MB).
@lru_cache(maxsize=1 << 13, typed=True)
def _finding(code: str, version: str, province: str, kind: RuleKind, in_category: bool,
             reasons: tuple[Reason, ...]) -> Finding:
    """The finding with these fields, made once while it is in use (findings are values)."""
    return Finding(rule_code=code, rule_version=version, rule_province=province, kind=kind,
                   in_category=in_category, reasons=reasons)


def evaluate(facts: ChildFacts, on: date, province_code: str | None = None, *,
             catalogue: Catalogue | None = None) -> list[Finding]:
    """Every finding for the child on ``on``: categories, subcategories, alerts and the census indicator
    (tell them apart by ``Finding.kind``), under the rules of ``province_code`` (default: the facts'
    ``province_code``; "" for the national rules). Raises ValueError for a day before the birth."""
    province = facts.province_code if province_code is None else province_code
    rules = (catalogue or CATALOGUE).rules_for(province, on)
    if rules:  # refuse a day before the birth once, not once per rule (as apply_rule does)
        check_born(facts.date_of_birth, on)
    return [_apply_born(rule, facts, on) for rule in rules]


def census_indicator(facts: ChildFacts, on: date, *, catalogue: Catalogue | None = None) -> Finding | None:
    """Only the census-definition indicator ("affected by migration"), never a category."""
    rule = (catalogue or CATALOGUE).rule_for("census_affected_by_migration", "", on)
    return apply_rule(rule, facts, on) if rule else None


def categories(findings: Iterable[Finding]) -> set[str]:
    """Codes of the categories and subcategories the child is in (alerts and indicators left out)."""
    return {f.rule_code for f in findings if f.in_category and f.kind in CATEGORY_KINDS}


def alerts(findings: Iterable[Finding]) -> list[Finding]:
    """The alerts raised."""
    return [f for f in findings if f.in_category and f.kind is RuleKind.ALERT]


class FindingLike(Protocol):
    """What a stored finding must offer (a :class:`Finding` or the registry's row)."""

    rule_code: str
    rule_version: str
    in_category: bool


@dataclass(frozen=True)
class CategoryChange:
    """A child entered (``entered``) or left a category, alert or indicator."""

    rule_code: str
    entered: bool
    kind: RuleKind | None
    old_version: str | None
    new_version: str | None
    reasons: tuple[Reason, ...]  # the new finding's reasons (empty when the rule is no longer in force)


def categories_changed(old: Iterable[FindingLike], new: Iterable[Finding]) -> list[CategoryChange]:
    """What the registry records as events: codes whose ``in_category`` differs between the stored
    findings and the new ones. A code missing on one side counts as not in the category there. A new
    version with the same outcome is no change (the registry stores it all the same)."""
    before = {f.rule_code: f for f in old}
    after = {f.rule_code: f for f in new}
    changes = []
    for code in dict.fromkeys([*before, *after]):
        was, now = before.get(code), after.get(code)
        was_in, now_in = bool(was and was.in_category), bool(now and now.in_category)
        if was_in == now_in:
            continue
        kind = now.kind if now else getattr(was, "kind", None)
        changes.append(CategoryChange(
            rule_code=code, entered=now_in, kind=RuleKind(kind) if kind else None,
            old_version=was.rule_version if was else None, new_version=now.rule_version if now else None,
            reasons=now.reasons if now else ()))
    return changes


def stale_rules(stored: Iterable[FindingLike], province_code: str, on: date, *,
                catalogue: Catalogue | None = None) -> set[str]:
    """Codes whose stored finding was made by another version than the one in force now (or is
    missing), and stored codes no longer in force: what to re-evaluate for one child."""
    current = {r.code: r.version for r in (catalogue or CATALOGUE).rules_for(province_code, on)}
    have = {f.rule_code: f.rule_version for f in stored}
    return {c for c, v in current.items() if have.get(c) != v} | (set(have) - set(current))


def affected_by(rule: Rule, children: Iterable[tuple[ChildId, str, Iterable[FindingLike]]], on: date, *,
                catalogue: Catalogue | None = None) -> set[ChildId]:
    """The children a new rule version affects: those for whom ``rule`` is the version of its code in
    force on ``on`` (in their province) and whose stored finding for that code has another version or
    is missing. ``children`` yields ``(child_id, province_code, stored_findings)``; the catalogue must
    hold ``rule``. Children of other provinces, or whose province overrides the code, are left alone."""
    cat = catalogue or CATALOGUE
    affected = set()
    for child_id, province, stored in children:
        if cat.rule_for(rule.code, province, on) != rule:
            continue
        versions = {f.rule_version for f in stored if f.rule_code == rule.code}
        if versions != {rule.version}:
            affected.add(child_id)
    return affected
