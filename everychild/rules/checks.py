"""One small pure function per rule: ``check(facts, on, rule) -> Outcome``.

The age limit is applied around a check (see :func:`everychild.rules.evaluate.apply_rule`), so a check
only decides the category's own conditions. Every reason cites ``rule.citation``.
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext_noop as _  # marks message ids; rendering translates

from .facts import ChildFacts, HukouType
from .facts import ParentSituationKind as K
from .findings import PARENT_TERMS, Reason
from .rule import Outcome, Rule
from .situations import (
    DISABILITY_TERMS,
    ParentStatus,
    SituationDefinitions,
    away_status,
    parent_status,
)

HUKOU_TERMS = {HukouType.RURAL: _("rural"), HukouType.URBAN: _("urban"), HukouType.UNKNOWN: _("unknown")}
ORPHAN_SOURCE = "国办发〔2010〕54号"


def _other(role: str) -> str:
    return "mother" if role == "father" else "father"


# --- 1.1 left-behind children -----------------------------------------------------------------------

def left_behind(facts: ChildFacts, on: date, rule: Rule) -> Outcome:
    """Both parents away working, or one away and the other lacking guardianship capacity (§1.1)."""
    src = rule.citation
    if rule.param("requires_rural_hukou") and facts.hukou_type is not HukouType.RURAL:
        if facts.hukou_type is HukouType.UNKNOWN:
            return Outcome(False, (Reason.make(
                "hukou_type_unknown_rural_required",
                _("Whether the hukou is rural or urban is not recorded, and this rule version covers "
                   "rural children only (%(source)s)."), source=src),))
        return Outcome(False, (Reason.make(
            "hukou_urban_rural_required",
            _("The hukou is urban, and this rule version covers rural children only (%(source)s)."),
            source=src),))
    months, cross = rule.param("away_min_months"), rule.param("away_cross_county")
    away = {role: away_status(role, parent, on, min_months=months, cross_county_required=cross, source=src)
            for role, parent in facts.parents()}
    away_roles = [role for role, (is_away, _) in away.items() if is_away]
    if len(away_roles) == 2:
        summary = (Reason.make(
            "both_parents_away",
            _("Both parents have been working away from home across a county boundary for %(months)s "
               "months or more (%(source)s)."), months=months, source=src) if months and cross else
            Reason.make("both_parents_away", _("Both parents are working away from home (%(source)s)."),
                        source=src))
        return Outcome(True, (summary,))
    if len(away_roles) == 1:
        away_role = away_roles[0]
        other_role = _other(away_role)
        away_reason = away[away_role][1]
        assert away_reason is not None
        defs: SituationDefinitions = rule.param("situations")
        status = parent_status(other_role, getattr(facts, other_role), on, defs, src)
        incapacity = _lacks_capacity(facts, status, defs, rule)
        terms = {"away": PARENT_TERMS[away_role], "other": PARENT_TERMS[other_role]}
        if incapacity:
            return Outcome(True, (Reason.make(
                "one_away_other_incapable",
                _("The %(away)s is working away from home and the %(other)s lacks guardianship capacity "
                   "(%(source)s)."), terms=terms, source=src), away_reason, incapacity))
        detail = [r for r in status.explanation() if r.code != "parent_migrant_worker"]
        if away[other_role][1] is not None:
            detail.insert(0, away[other_role][1])
        return Outcome(False, (Reason.make(
            "one_away_other_capable",
            _("The %(away)s is working away from home, but the %(other)s is not recorded as lacking "
               "guardianship capacity (%(source)s)."), terms=terms, source=src), away_reason, *detail))
    summary = (Reason.make(
        "no_parent_away",
        _("Neither parent has been working away from home across a county boundary for %(months)s months "
           "or more (%(source)s)."), months=months, source=src) if months and cross else
        Reason.make("no_parent_away", _("Neither parent is recorded as working away from home (%(source)s)."),
                    source=src))
    return Outcome(False, (summary, *[r for _, r in away.values() if r is not None]))


def _lacks_capacity(facts: ChildFacts, status: ParentStatus, defs: SituationDefinitions,
                    rule: Rule) -> Reason | None:
    """Why the parent of ``status`` lacks guardianship capacity (an interpretation of 无监护能力), or
    None."""
    found = status.dead_or_missing or status.in_set(defs.kinds)
    if found:
        return found
    if facts.other_parent_incapacity_confirmed and facts.other_parent_incapacity_reason.strip():
        return Reason.make(
            "incapacity_confirmed",
            _("A supervisor confirmed that the %(parent)s lacks guardianship capacity: %(reason)s "
               "(an interpretation of 无监护能力; %(source)s)."),
            terms={"parent": PARENT_TERMS[status.role]},
            reason=facts.other_parent_incapacity_reason.strip().rstrip("。."), source=rule.citation)
    return None


def left_behind_split(facts: ChildFacts, on: date, rule: Rule) -> Outcome:
    """Left-behind and of the hukou type ``rule.params['hukou_type']`` (rural / urban split)."""
    inner = left_behind(facts, on, rule)
    if not inner.in_category:
        return inner
    wanted: HukouType = rule.param("hukou_type")
    terms = {"hukou": HUKOU_TERMS[facts.hukou_type], "wanted": HUKOU_TERMS[wanted]}
    if facts.hukou_type is wanted:
        return Outcome(True, (*inner.reasons, Reason.make(
            "hukou_matches",
            _("The hukou is %(hukou)s, by the urban-rural classification of the hukou village "
               "(%(source)s)."), terms=terms, source=rule.citation)))
    if facts.hukou_type is HukouType.UNKNOWN:
        return Outcome(False, (Reason.make(
            "hukou_type_unknown",
            _("A left-behind child, but whether the hukou is rural or urban is not recorded (%(source)s)."),
            source=rule.citation),))
    return Outcome(False, (Reason.make(
        "hukou_other",
        _("A left-behind child with a %(hukou)s hukou, so not counted as %(wanted)s (%(source)s)."),
        terms=terms, source=rule.citation),))


# --- 1.2 children in difficult circumstances ---------------------------------------------------------

def difficult_economic(facts: ChildFacts, on: date, rule: Rule) -> Outcome:
    """Family poverty: minimum living allowance, extreme-poverty support, or otherwise assessed poor."""
    src = rule.citation
    reasons = []
    if facts.family_minimum_allowance:
        reasons.append(Reason.make("family_minimum_allowance",
                                   _("The family receives the minimum living allowance, 低保 (%(source)s)."),
                                   source=src))
    if facts.family_extreme_poverty_support:
        reasons.append(Reason.make("family_extreme_poverty",
                                   _("The family receives extreme-poverty support, 特困供养 (%(source)s)."),
                                   source=src))
    if facts.family_assessed_poor:
        reasons.append(Reason.make("family_assessed_poor",
                                   _("The family has been assessed as poor (%(source)s)."), source=src))
    if reasons:
        return Outcome(True, tuple(reasons))
    return Outcome(False, (Reason.make(
        "no_family_poverty",
        _("No family poverty is recorded: no minimum living allowance, extreme-poverty support or poverty "
           "assessment (%(source)s)."), source=src),))


def difficult_disability(facts: ChildFacts, on: date, rule: Rule) -> Outcome:
    """The child's own disability (certificate), and serious illness where configured alongside."""
    src = rule.citation
    reasons = []
    if facts.has_disability_certificate:
        if facts.disability_grade is None:
            reasons.append(Reason.make(
                "child_disability_certificate",
                _("The child has a disability certificate; its grade is not recorded (%(source)s)."),
                source=src))
        else:
            reasons.append(Reason.make(
                "child_disability_certificate",
                _("The child has a disability certificate for a grade %(grade)s %(type)s disability "
                   "(%(source)s)."),
                terms={"type": DISABILITY_TERMS[facts.disability_type]}, grade=facts.disability_grade,
                source=src))
    illness_counts = rule.param("serious_illness_counts")
    if facts.serious_illness and illness_counts:
        reasons.append(Reason.make(
            "child_serious_illness",
            _("The child is seriously ill, which this configuration treats alongside disability, as local "
               "practice does (%(source)s)."), source=src))
    if reasons:
        return Outcome(True, tuple(reasons))
    if facts.disability_grade is not None or facts.disability_type is not None:
        return Outcome(False, (Reason.make(
            "child_disability_no_certificate",
            _("A disability is recorded without a disability certificate, the evidence this rule uses "
               "(%(source)s)."), source=src),))
    if facts.serious_illness:
        return Outcome(False, (Reason.make(
            "child_illness_not_counted",
            _("The child is seriously ill, but this rule version counts disability only (%(source)s)."),
            source=src),))
    return Outcome(False, (Reason.make(
        "no_child_disability",
        _("No disability certificate or serious illness of the child is recorded (%(source)s)."),
        source=src),))


def difficult_guardianship(facts: ChildFacts, on: date, rule: Rule) -> Outcome:
    """Harm or threat of harm through absent or improper guardianship."""
    if facts.guardianship_harm:
        return Outcome(True, (Reason.make(
            "guardianship_harm",
            _("The child suffers or is threatened with abuse, abandonment, accidental injury or unlawful "
               "harm because guardianship is absent or improper (%(source)s)."), source=rule.citation),))
    return Outcome(False, (Reason.make(
        "no_guardianship_harm",
        _("No harm or threat of harm through absent or improper guardianship is recorded (%(source)s)."),
        source=rule.citation),))


# --- 1.4 orphans and 1.3 de facto unsupported children -----------------------------------------------

def _both_dead(facts: ChildFacts, on: date) -> bool:
    return all(any(s.kind is K.DEAD for s in p.holding(on)) for _, p in facts.parents())


def meets_orphan_definition(facts: ChildFacts, on: date) -> bool:
    """Both parents dead (natural or declared), or the biological parents cannot be found (§1.4)."""
    return facts.both_parents_cannot_be_found or _both_dead(facts, on)


def orphan(facts: ChildFacts, on: date, rule: Rule) -> Outcome:
    """Lost both parents, or biological parents cannot be found (国办发〔2010〕54号)."""
    src = rule.citation
    if facts.both_parents_cannot_be_found:
        return Outcome(True, (Reason.make(
            "parents_cannot_be_found",
            _("The child's biological parents cannot be found (%(source)s)."), source=src),))
    defs: SituationDefinitions = rule.param("situations")
    statuses = [parent_status(role, p, on, defs, src) for role, p in facts.parents()]
    if _both_dead(facts, on):
        return Outcome(True, (Reason.make("both_parents_dead", _("Both parents are dead (%(source)s)."),
                                          source=src), *[s.dead for s in statuses if s.dead]))
    detail = [s.dead or s.missing or s.unknown for s in statuses]
    return Outcome(False, (Reason.make(
        "not_orphan",
        _("Not an orphan: the parents are not both dead, nor recorded as impossible to find (%(source)s)."),
        source=src), *[r for r in detail if r]))


def de_facto_unsupported(facts: ChildFacts, on: date, rule: Rule) -> Outcome:
    """Both parents in S, or one dead or declared missing and the other in S (§1.3); orphans excluded."""
    src = rule.citation
    if meets_orphan_definition(facts, on):
        return Outcome(False, (Reason.make(
            "orphan_precedence",
            _("Meets the orphan definition of %(orphan_source)s, so counted as an orphan and not as de facto "
               "unsupported (%(source)s)."), orphan_source=ORPHAN_SOURCE, source=src),))
    province: str = rule.param("hukou_province")
    if province and not facts.hukou_division_code.startswith(province):
        template = (_("The hukou place is not recorded, and this province's rule requires a hukou in "
                      "province %(province)s (%(source)s).") if not facts.hukou_division_code else
                    _("The hukou is not in province %(province)s, which this province's rule requires "
                       "(%(source)s)."))
        return Outcome(False, (Reason.make("hukou_province_required", template, province=province,
                                           source=src),))
    defs: SituationDefinitions = rule.param("situations")
    father, mother = (parent_status(role, p, on, defs, src) for role, p in facts.parents())
    f_both, m_both = father.in_set(defs.both_branch), mother.in_set(defs.both_branch)
    if f_both and m_both:
        return Outcome(True, (Reason.make(
            "both_parents_in_situations",
            _("Both parents are each in one of the situations of the definition (%(source)s)."),
            source=src), f_both, m_both))
    for gone, other in ((father, mother), (mother, father)):
        other_reason = other.in_set(defs.one_dead_branch)
        if gone.dead_or_missing and other_reason:
            return Outcome(True, (Reason.make(
                "one_parent_gone_other_in_situation",
                _("The %(gone)s is dead or declared missing and the %(other)s is in one of the situations of "
                   "the definition (%(source)s)."),
                terms={"gone": PARENT_TERMS[gone.role], "other": PARENT_TERMS[other.role]}, source=src),
                gone.dead_or_missing, other_reason))
    return Outcome(False, (Reason.make(
        "parents_not_in_situations",
        _("Not de facto unsupported: the parents' situations do not meet the definition (%(source)s)."),
        source=src), *father.explanation(), *mother.explanation()))


# --- alerts (Minors Protection Law Art. 21) and the census indicator -------------------------------

def alert_living_alone(facts: ChildFacts, on: date, rule: Rule) -> Outcome:
    """A child under 16 living alone, away from guardianship."""
    if facts.lives_alone:
        return Outcome(True, (Reason.make(
            "living_alone",
            _("Alert: a child under 16 is living alone, away from guardianship (%(source)s)."),
            source=rule.citation),))
    return Outcome(False, (Reason.make("not_living_alone", _("Not recorded as living alone (%(source)s)."),
                                       source=rule.citation),))


def alert_left_unattended(facts: ChildFacts, on: date, rule: Rule) -> Outcome:
    """A child under 8 left unattended."""
    if facts.left_unattended:
        return Outcome(True, (Reason.make(
            "left_unattended", _("Alert: a child under 8 is left unattended (%(source)s)."),
            source=rule.citation),))
    return Outcome(False, (Reason.make("not_left_unattended",
                                       _("Not recorded as left unattended (%(source)s)."),
                                       source=rule.citation),))


def census_left_behind(facts: ChildFacts, on: date, rule: Rule) -> Outcome:
    """Census definition: one or both parents away across a township boundary for half a year or more.

    Approximation: the registry records whether migrant work crosses a county boundary, not a township
    boundary, so any recorded work away from home of 6 months or more is counted (a county crossing
    always crosses a township boundary; work away from home within the county is taken to cross one).
    Parents away for reasons other than work are not recorded as such and are not counted.
    """
    src = rule.citation
    months = rule.param("min_months")
    away = [away_status(role, p, on, min_months=months, cross_county_required=False, source=src)
            for role, p in facts.parents()]
    counted = [reason for is_away, reason in away if is_away and reason is not None]
    if counted:
        return Outcome(True, (Reason.make(
            "census_parent_away",
            _("Counted as affected by migration, census definition: a parent has been away for half a year "
               "or more, taken as crossing a township boundary (an approximation; %(source)s)."),
            source=src), *counted))
    return Outcome(False, (Reason.make(
        "census_no_parent_away",
        _("Not counted as affected by migration, census definition: no parent is recorded as away for "
           "half a year or more (%(source)s)."), source=src), *[r for _, r in away if r is not None]))
