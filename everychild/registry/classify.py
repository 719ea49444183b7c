"""Deriving a child's categories: the registry's records mapped onto the pure rules of
everychild.rules, and the findings stored with their rule versions and reasons."""

import hashlib
from collections.abc import Iterable
from datetime import date
from functools import lru_cache
from typing import Any

from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from everychild.access.policy import Actor
from everychild.audit.services import record
from everychild.core import outbox
from everychild.places.queries import DivisionLookup
from everychild.registry.models import Child, ChildCategory, ChildEvent, HukouType
from everychild.rules import (
    CATALOGUE,
    Catalogue,
    CategoryChange,
    ChildFacts,
    Finding,
    ParentFacts,
    ParentSituation,
    Reason,
    RuleKind,
    categories_changed,
    evaluate,
)
from everychild.rules.dates import birthday

STORED_KINDS = (RuleKind.CATEGORY, RuleKind.SUBCATEGORY, RuleKind.ALERT)
CHILD_CHANGED = "child.changed"  # outbox topic: a child registered or its categories changed


def hukou_kind(child: Any, divisions: DivisionLookup | None = None) -> str:
    """Rural/urban by the hukou village's urban-rural code where known, else the hukou type.

    ``child`` is a Child or a services.ChildInput (the bulk import classifies before saving)."""
    code = child.hukou_division_code or child.division_code
    village = (divisions or DivisionLookup()).find(code)
    if village is not None and village.is_urban is not None:
        return "urban" if village.is_urban else "rural"
    if child.hukou_type in (HukouType.RURAL, HukouType.URBAN):
        return child.hukou_type
    return "unknown"


def _parent_facts(parents: Iterable[tuple[str, bool, Iterable[Any]]], role: str) -> ParentFacts:
    found = next(((known, situations) for r, known, situations in parents if r == role), None)
    if found is None:
        return ParentFacts()
    known, situations = found
    return ParentFacts(known=known, situations=tuple(
        ParentSituation(
            kind=s.kind, since=s.since, until=s.until, cross_county=s.cross_county,
            disability_grade=s.disability_grade, disability_type=s.disability_type or None,
            police_report_accepted_on=s.police_report_accepted_on,
            death_kind=("declared_by_court" if s.court_declared else "natural")
            if s.kind == "dead" else None,
        )
        for s in situations
    ))


def facts_from(child: Any, household: Any, parents: list[tuple[str, bool, Iterable[Any]]],
               hukou_type: str) -> ChildFacts:
    """The facts the rules read. ``child`` and ``household`` are records or the registration's
    inputs (same attribute names); ``parents`` is (role, known, situations) per parent."""
    return ChildFacts(
        date_of_birth=child.date_of_birth,
        province_code=child.division_code[:2],
        hukou_type=hukou_type,
        hukou_division_code=child.hukou_division_code,
        residence_division_code=child.division_code,
        father=_parent_facts(parents, "father"),
        mother=_parent_facts(parents, "mother"),
        both_parents_cannot_be_found=child.both_parents_cannot_be_found,
        family_minimum_allowance=bool(household and household.minimum_allowance),
        family_extreme_poverty_support=bool(household and household.extreme_poverty_support),
        family_assessed_poor=bool(household and household.assessed_poor),
        disability_grade=child.disability_grade,
        disability_type=child.disability_type or None,
        has_disability_certificate=child.disability_grade is not None,
        serious_illness=child.serious_illness,
        guardianship_harm=child.guardianship_harm,
        other_parent_incapacity_confirmed=getattr(child, "other_parent_incapacity_confirmed",
                                                  False),
        other_parent_incapacity_reason=getattr(child, "other_parent_incapacity_reason", ""),
        lives_alone=child.lives_alone,
        left_unattended=child.left_unattended,
    )


def facts_for(child: Child) -> ChildFacts:
    """The facts the rules read, from the child's records."""
    parents = [(p.role, p.known, p.situations.all()) for p in child.parents.all()]
    return facts_from(child, child.household, parents, hukou_kind(child))


def rules_key(province_code: str, on: date, catalogue: Catalogue | None = None) -> str:
    """A short key of the rule versions in force in a province on a day."""
    rules = (catalogue or CATALOGUE).rules_for(province_code, on)
    text = "|".join(f"{r.code}:{r.province}:{r.version}" for r in rules)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def ends_on(born: date, finding: Finding, catalogue: Catalogue | None = None) -> date | None:
    """The day the child reaches the age limit of the finding's rule (the tick closes the
    category then), or None for a rule no longer in the catalogue."""
    try:
        limit = (catalogue or CATALOGUE).get(finding.rule_code, finding.rule_version).age_limit
    except KeyError:
        return None
    return birthday(born, limit)


def source_of(finding: Finding, catalogue: Catalogue | None = None) -> str:
    """The citation of the rule version behind a finding, as stored with the category."""
    return _citation(finding.rule_code, finding.rule_version, catalogue or CATALOGUE)


@lru_cache(maxsize=1024)
def _citation(code: str, version: str, catalogue: Catalogue) -> str:
    try:
        return catalogue.get(code, version).citation[:200]
    except KeyError:
        return ""


def classify(
    child: Child, *, today: date | None = None, actor: Actor | None = None,
    catalogue: Catalogue | None = None,
) -> list[Finding]:
    """Evaluate the rules in force for ``child`` and store what changed.

    A category entered opens a row, one left closes it (``until``); a new rule version closes
    the old row and opens one with the new version, so earlier results are kept. Every entry
    and exit is an event on the child's timeline.
    """
    today = today or timezone.localdate()
    catalogue = catalogue or CATALOGUE
    getattr(child, "_prefetched_objects_cache", {}).pop("parents", None)  # read the facts afresh
    prefetch_related_objects([child], "parents__situations")
    findings = evaluate(facts_for(child), on=today, catalogue=catalogue)
    stored = [f for f in findings if f.kind in STORED_KINDS]
    with transaction.atomic():
        current = {c.category: c for c in child.categories.select_for_update().filter(until=None)}
        old = [Finding.from_dict(f) for f in child.findings]
        changes = categories_changed(old, stored)
        for change in changes:
            _record_change(child, change, today, actor)
        if changes:
            record(actor, "child.classify", division_code=child.division_code,
                   object_type="child", object_id=child.pk,
                   detail={"entered": [c.rule_code for c in changes if c.entered],
                           "left": [c.rule_code for c in changes if not c.entered]})
        for finding in stored:
            row = current.get(finding.rule_code)
            if not finding.in_category:
                if row is not None:
                    row.until = today
                    row.save(update_fields=["until"])
                continue
            reasons = [r.as_dict() for r in finding.reasons]
            ends = ends_on(child.date_of_birth, finding, catalogue)
            if row is not None and row.rule_version == finding.rule_version:
                if (row.reasons, row.ends_on) != (reasons, ends):
                    row.reasons, row.ends_on = reasons, ends
                    row.save(update_fields=["reasons", "ends_on"])
                continue
            if row is not None:  # a new rule version: keep the old result, open a new one
                row.until = today
                row.save(update_fields=["until"])
            ChildCategory.objects.create(
                child=child, division_code=child.division_code, category=finding.rule_code,
                rule_version=finding.rule_version, rule_source=source_of(finding, catalogue),
                reasons=reasons, since=today, ends_on=ends)
        for code in set(current) - {f.rule_code for f in stored}:  # a rule no longer in force
            current[code].until = today
            current[code].save(update_fields=["until"])
        if changes or not old:  # a new child, or categories changed: plans follow
            outbox.emit(CHILD_CHANGED, [child.pk], child.division_code)
        child.findings = [f.as_dict() for f in findings]
        child.classified_on = today
        child.rules_key = rules_key(child.division_code[:2], today, catalogue)
        child.save(update_fields=["findings", "classified_on", "rules_key"])
    return findings


def change_event(change: CategoryChange, today: date) -> tuple[str, str, dict[str, Any]]:
    """The timeline event of a category entered or left: (kind, summary, detail)."""
    kind = ("alert" if change.kind == RuleKind.ALERT else
            "category_entered" if change.entered else "category_left")
    reasons = [r.as_dict() for r in change.reasons]
    return kind, change.rule_code, {
        "category": change.rule_code, "reasons": reasons, "on": today.isoformat(),
        "old_version": change.old_version, "new_version": change.new_version}


def _record_change(child: Child, change: CategoryChange, today: date,
                   actor: Actor | None) -> None:
    kind, summary, detail = change_event(change, today)
    ChildEvent.objects.create(child=child, division_code=child.division_code, kind=kind,
                              summary=summary, actor=actor.user if actor else None,
                              detail=detail)


def sentences(reasons: list[dict]) -> list[str]:
    """Stored reasons in words, in the active language."""
    return [Reason.from_dict(r).render() for r in reasons]
