"""Deriving a child's categories: the registry's records mapped onto the pure rules of
everychild.rules, and the findings stored with their rule versions and reasons."""

import hashlib
from datetime import date

from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from everychild.access.policy import Actor
from everychild.audit.services import record
from everychild.places.models import Division
from everychild.registry.models import Child, ChildCategory, ChildEvent, HukouType
from everychild.rules import (
    CATALOGUE,
    Catalogue,
    ChildFacts,
    Finding,
    ParentFacts,
    ParentSituation,
    Reason,
    RuleKind,
    categories_changed,
    evaluate,
)

STORED_KINDS = (RuleKind.CATEGORY, RuleKind.SUBCATEGORY, RuleKind.ALERT)


def _hukou_type(child: Child) -> str:
    """Rural/urban by the hukou village's urban-rural code where known, else the hukou type."""
    code = child.hukou_division_code or child.division_code
    village = Division.objects.filter(pk=code).only("urban_rural").first()
    if village is not None and village.is_urban is not None:
        return "urban" if village.is_urban else "rural"
    if child.hukou_type in (HukouType.RURAL, HukouType.URBAN):
        return child.hukou_type
    return "unknown"


def _parent_facts(child: Child, role: str) -> ParentFacts:
    parent = next((p for p in child.parents.all() if p.role == role), None)
    if parent is None:
        return ParentFacts()
    situations = tuple(
        ParentSituation(
            kind=s.kind, since=s.since, until=s.until, cross_county=s.cross_county,
            disability_grade=s.disability_grade, disability_type=s.disability_type or None,
            police_report_accepted_on=s.police_report_accepted_on,
            death_kind=("declared_by_court" if s.court_declared else "natural")
            if s.kind == "dead" else None,
        )
        for s in parent.situations.all()
    )
    return ParentFacts(situations=situations, known=parent.known)


def facts_for(child: Child) -> ChildFacts:
    """The facts the rules read, from the child's records."""
    household = child.household
    return ChildFacts(
        date_of_birth=child.date_of_birth,
        province_code=child.division_code[:2],
        hukou_type=_hukou_type(child),
        hukou_division_code=child.hukou_division_code,
        residence_division_code=child.division_code,
        father=_parent_facts(child, "father"),
        mother=_parent_facts(child, "mother"),
        both_parents_cannot_be_found=child.both_parents_cannot_be_found,
        family_minimum_allowance=bool(household and household.minimum_allowance),
        family_extreme_poverty_support=bool(household and household.extreme_poverty_support),
        family_assessed_poor=bool(household and household.assessed_poor),
        disability_grade=child.disability_grade,
        disability_type=child.disability_type or None,
        has_disability_certificate=child.disability_grade is not None,
        serious_illness=child.serious_illness,
        guardianship_harm=child.guardianship_harm,
        other_parent_incapacity_confirmed=child.other_parent_incapacity_confirmed,
        other_parent_incapacity_reason=child.other_parent_incapacity_reason,
        lives_alone=child.lives_alone,
        left_unattended=child.left_unattended,
    )


def rules_key(province_code: str, on: date, catalogue: Catalogue | None = None) -> str:
    """A short key of the rule versions in force in a province on a day."""
    rules = (catalogue or CATALOGUE).rules_for(province_code, on)
    text = "|".join(f"{r.code}:{r.province}:{r.version}" for r in rules)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _source(finding: Finding, catalogue: Catalogue) -> str:
    try:
        return catalogue.get(finding.rule_code, finding.rule_version).citation[:200]
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
            if row is not None and row.rule_version == finding.rule_version:
                if row.reasons != reasons:
                    row.reasons = reasons
                    row.save(update_fields=["reasons"])
                continue
            if row is not None:  # a new rule version: keep the old result, open a new one
                row.until = today
                row.save(update_fields=["until"])
            ChildCategory.objects.create(
                child=child, division_code=child.division_code, category=finding.rule_code,
                rule_version=finding.rule_version, rule_source=_source(finding, catalogue),
                reasons=reasons, since=today)
        for code in set(current) - {f.rule_code for f in stored}:  # a rule no longer in force
            current[code].until = today
            current[code].save(update_fields=["until"])
        child.findings = [f.as_dict() for f in findings]
        child.classified_on = today
        child.rules_key = rules_key(child.division_code[:2], today, catalogue)
        child.save(update_fields=["findings", "classified_on", "rules_key"])
    return findings


def _record_change(child: Child, change, today: date, actor: Actor | None) -> None:
    kind = ("alert" if change.kind == RuleKind.ALERT else
            "category_entered" if change.entered else "category_left")
    reasons = [r.as_dict() for r in change.reasons]
    ChildEvent.objects.create(
        child=child, division_code=child.division_code, kind=kind,
        summary=change.rule_code, actor=actor.user if actor else None,
        detail={"category": change.rule_code, "reasons": reasons, "on": today.isoformat(),
                "old_version": change.old_version, "new_version": change.new_version})


def sentences(reasons: list[dict]) -> list[str]:
    """Stored reasons in words, in the active language."""
    return [Reason.from_dict(r).render() for r in reasons]
