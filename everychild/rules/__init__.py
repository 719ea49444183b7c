"""Classification of vulnerable children: pure, versioned, explainable rules with their sources.

No models and no database: the registry maps its records onto :mod:`facts` and stores the findings
(``Finding.as_dict()``) with the rule version and the reasons. Public API::

    from everychild.rules import ChildFacts, ParentFacts, ParentSituation, ParentSituationKind, evaluate

    facts = ChildFacts(
        date_of_birth=date(2015, 3, 1), province_code="61", hukou_type="rural",
        father=ParentFacts((ParentSituation("migrant_worker", since=date(2024, 1, 5), cross_county=True),)),
        mother=ParentFacts((ParentSituation("migrant_worker", since=date(2023, 9, 1), cross_county=True),)),
    )
    for finding in evaluate(facts, on=date(2025, 1, 1)):        # province: facts.province_code
        finding.rule_code, finding.rule_version, finding.in_category, finding.sentences()

Facts (:mod:`.facts`): ``ChildFacts``, ``ParentFacts(situations, known)``, ``ParentSituation(kind, since,
until, cross_county, disability_grade, disability_type, police_report_accepted_on, death_kind)``,
``ParentSituationKind`` (12 values), ``DeathKind``, ``DisabilityType``, ``HukouType``.

Rules (:mod:`.catalogue`): ``Rule`` (code, version, kind, sources, province, effective_from, age_limit,
params, configuration), ``rules_for(province_code, on)``, ``CATALOGUE`` (``rule_for``, ``versions``,
``with_rules`` for a version bump). Codes: ``left_behind`` (2016.1 rural hukou required; 2024.1 current,
6+ months across a county boundary), ``left_behind_rural``, ``left_behind_urban`` (subcategories),
``difficult_economic``, ``difficult_disability``, ``difficult_guardianship``, ``de_facto_unsupported``
(2019.1, 2020.1, Guangdong 2019.1-44 and 2020.1-44), ``orphan``; alerts ``alert_living_alone`` and
``alert_left_unattended``; indicator ``census_affected_by_migration`` (census definition, never a
category).

Evaluation (:mod:`.evaluate`): ``evaluate(facts, on, province_code=None) -> list[Finding]``,
``census_indicator(facts, on)``, ``categories(findings)``, ``alerts(findings)``,
``categories_changed(old, new) -> list[CategoryChange]`` (events to record), ``stale_rules(stored,
province_code, on)`` and ``affected_by(rule, children, on)`` (who to re-evaluate after a version bump).

Findings (:mod:`.findings`): ``Finding(rule_code, rule_version, kind, in_category, reasons,
rule_province)``; each ``Reason`` is one translatable sentence citing the source
(``str(reason)`` renders it in the active language). Findings and reasons are values, shared between
children who have equal ones; the reason dicts of ``as_dict()`` are shared too, so read-only.

Visit plans (:mod:`.visit_plans`): ``policy_for(province_code, on)`` (a versioned ``PolicyRule``),
``visit_plan(categories, risk, rule=..., last_visit=, identified_on=, report_on=) -> VisitPlan``,
``tighten(plan, Interval, last_visit)`` (``LooserThanPolicy`` when looser), ``escalation(due, on, rule)``.
Risk (:mod:`.risk`): ``instrument_for(province_code, on)`` and ``score(answers, rule) -> RiskScore``
(provisional, not validated); ``current_risk_level(current, RiskSignal) -> CurrentRisk``.
"""

from .catalogue import CATALOGUE, Catalogue, rules_for
from .evaluate import (
    CategoryChange,
    FindingLike,
    affected_by,
    alerts,
    apply_rule,
    categories,
    categories_changed,
    census_indicator,
    evaluate,
    stale_rules,
)
from .facts import (
    ChildFacts,
    DeathKind,
    DisabilityType,
    HukouType,
    ParentFacts,
    ParentSituation,
    ParentSituationKind,
)
from .findings import Finding, Reason, RuleKind
from .risk import (
    CurrentRisk,
    LoweringRefused,
    PolicyRule,
    RiskLevel,
    RiskScore,
    RiskSignal,
    RiskSource,
    current_risk_level,
    instrument_for,
    score,
)
from .rule import Rule, Source
from .visit_plans import (
    DueVisit,
    Escalation,
    Interval,
    LooserThanPolicy,
    Notify,
    Unit,
    VisitPlan,
    add_working_days,
    check_interval,
    escalation,
    policy_for,
    tighten,
    visit_plan,
)

__all__ = [
    "CATALOGUE", "Catalogue", "CategoryChange", "ChildFacts", "DeathKind", "DisabilityType", "Finding",
    "FindingLike", "HukouType", "ParentFacts", "ParentSituation", "ParentSituationKind", "Reason", "Rule",
    "RuleKind", "Source", "affected_by", "alerts", "apply_rule", "categories", "categories_changed",
    "census_indicator", "evaluate", "rules_for", "stale_rules",
    # monitoring: visit plans and risk
    "CurrentRisk", "DueVisit", "Escalation", "Interval", "LooserThanPolicy", "LoweringRefused", "Notify",
    "PolicyRule", "RiskLevel", "RiskScore", "RiskSignal", "RiskSource", "Unit", "VisitPlan",
    "add_working_days", "check_interval", "current_risk_level", "escalation", "instrument_for",
    "policy_for", "score", "tighten", "visit_plan",
]
