"""Case management (domain.md §5): how fast each step of a case is due, how often it is reviewed, when
an unanswered referral escalates, when a case may close, and who is told about overdue work.

Pure rules: no models, no clock. The steps are those of the 2014 inter-agency guidelines
(identification and registration → assessment, initial/safety then comprehensive → case plan →
implementation with services and referrals → follow-up and review → closure). The numeric times
are widely used practice defaults that could not be confirmed against a page of the guidelines, so
they are configurable defaults of a versioned :class:`~everychild.rules.risk.PolicyRule` that a
province overrides, each shown to users with its source.

Defaults (policy ``case_management`` 2014.1):

- the initial (safety) assessment within the response time of the risk level: **high 24 hours,
  medium 3 days, low 1 week** from the case's opening;
- the comprehensive assessment within **2 weeks** of the case's opening (registration);
- the case plan within **2 weeks** of the comprehensive assessment;
- a supervisor decides on a submitted plan or closure within **3 working days** (the system's
  default: the guidelines require the approval, not its time);
- review at least **weekly** (high risk), **fortnightly** (medium) or **monthly** (low);
- a referral unanswered after **3 working days** (**24 hours** if the child is at high risk)
  escalates to the referring caseworker's supervisor (a local default, domain.md §5);
- an overdue step is shown to the caseworker from its due time, to the supervisor after **3 days**
  and to the county civil-affairs officer after **7 days** (the system's defaults).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from django.utils.translation import gettext_noop as _

from .catalogue import Catalogue
from .findings import Reason
from .risk import CASE_MANAGEMENT_2014, PolicyRule, RiskLevel, select
from .rule import Source
from .visit_plans import WorkingDay, add_working_days
from .working_days import is_working_day as in_china

CPMS_2019 = Source(
    document="CPMS 2019", issuer="Alliance for Child Protection in Humanitarian Action",
    title="Child Protection Minimum Standards, 2019 edition", year=2019,
    article="Standard 18 (Case management)",
    note="closure criteria and supervision of case plans; the times are practice defaults")

CASE_MANAGEMENT_CODE = "case_management"

CASE_MANAGEMENT_2014_1 = PolicyRule(
    code=CASE_MANAGEMENT_CODE, version="2014.1", title=_("Case management: steps and times"),
    sources=(CASE_MANAGEMENT_2014, CPMS_2019), effective_from=date(2014, 1, 1),
    params={
        "initial_response_hours": {RiskLevel.HIGH: 24, RiskLevel.MEDIUM: 72, RiskLevel.LOW: 168},
        "comprehensive_assessment_days": 14,
        "case_plan_days": 14,
        "approval_working_days": 3,
        "review_days": {RiskLevel.HIGH: 7, RiskLevel.MEDIUM: 14, RiskLevel.LOW: 30},
        "referral_working_days": 3,
        "referral_high_risk_hours": 24,
        "escalation": ((0, "caseworker"), (3, "supervisor"), (7, "county_officer")),
        "child_consent_age": 14,
    },
    configuration=("initial_response_hours", "comprehensive_assessment_days", "case_plan_days",
                   "approval_working_days", "review_days", "referral_working_days",
                   "referral_high_risk_hours", "escalation"),
    notes="Practice defaults of the 2014 guidelines that could not be confirmed against a page "
          "(domain.md §5): configurable per province and shown to users as defaults. The approval "
          "time and the escalation of overdue steps are the system's own defaults.")

CASE_POLICIES = Catalogue((CASE_MANAGEMENT_2014_1,))  # type: ignore[arg-type]


def policy_for(province_code: str, on: date, catalogue: Catalogue = CASE_POLICIES) -> PolicyRule:
    """The case-management policy in force in ``province_code`` ("" national) on ``on``."""
    return select(catalogue, CASE_MANAGEMENT_CODE, province_code, on)


# --- what is due, and by when ----------------------------------------------------------------------


class Step(StrEnum):
    """The step a case waits for."""

    INITIAL_ASSESSMENT = "initial_assessment"
    COMPREHENSIVE_ASSESSMENT = "comprehensive_assessment"
    CASE_PLAN = "case_plan"
    PLAN_APPROVAL = "plan_approval"
    REVIEW = "review"
    CLOSURE_APPROVAL = "closure_approval"


STEP_TERMS = {
    Step.INITIAL_ASSESSMENT: _("the initial safety assessment"),
    Step.COMPREHENSIVE_ASSESSMENT: _("the comprehensive assessment"),
    Step.CASE_PLAN: _("the case plan"),
    Step.PLAN_APPROVAL: _("the supervisor's decision on the case plan"),
    Step.REVIEW: _("the case review"),
    Step.CLOSURE_APPROVAL: _("the supervisor's decision on closing the case"),
}


@dataclass(frozen=True)
class Due:
    """When a step is due, and why (the reason cites the policy)."""

    step: Step
    at: datetime
    reason: Reason


def _level(risk: str | RiskLevel) -> RiskLevel:
    return RiskLevel(risk or RiskLevel.MEDIUM)


def _plus_working_days(start: datetime, days: int, is_working_day: WorkingDay) -> datetime:
    """The same time of day, ``days`` working days after ``start`` (local time in, local out)."""
    day = add_working_days(start.date(), days, is_working_day)
    return start + timedelta(days=(day - start.date()).days)


def step_due(step: Step, risk: str | RiskLevel, start: datetime, rule: PolicyRule,
             is_working_day: WorkingDay = in_china) -> Due:
    """When ``step`` is due, counted from ``start``: the case's opening (initial and comprehensive
    assessments), the comprehensive assessment (the plan), the submission (a decision), or the last
    review or approval (the next review). ``start`` is local time; so is the result."""
    level = _level(risk)
    terms = {"level": level.term, "step": STEP_TERMS[step]}
    src = rule.citation
    if step == Step.INITIAL_ASSESSMENT:
        hours = rule.param("initial_response_hours")[level]
        return Due(step, start + timedelta(hours=hours), Reason.make(
            "case_initial_due", _("A case at %(level)s risk gets its initial safety assessment within "
                                  "%(hours)s hours of opening (a default; %(source)s)."),
            terms=terms, hours=hours, source=src))
    if step in (Step.COMPREHENSIVE_ASSESSMENT, Step.CASE_PLAN):
        name = "comprehensive_assessment_days" if step == Step.COMPREHENSIVE_ASSESSMENT \
            else "case_plan_days"
        days = rule.param(name)
        template = (_("The comprehensive assessment is due within %(days)s days of the case's "
                      "opening (a default; %(source)s).") if step == Step.COMPREHENSIVE_ASSESSMENT
                    else _("The case plan is due within %(days)s days of the comprehensive "
                           "assessment (a default; %(source)s)."))
        return Due(step, start + timedelta(days=days), Reason.make(
            f"case_{step.value}_due", template, days=days, source=src))
    if step in (Step.PLAN_APPROVAL, Step.CLOSURE_APPROVAL):
        days = rule.param("approval_working_days")
        return Due(step, _plus_working_days(start, days, is_working_day), Reason.make(
            "case_decision_due", _("A supervisor decides on %(step)s within %(days)s working days "
                                   "(the system's default)."), terms=terms, days=days))
    days = rule.param("review_days")[level]
    return Due(step, start + timedelta(days=days), Reason.make(
        "case_review_due", _("A case at %(level)s risk is reviewed at least every %(days)s days "
                             "(a default; %(source)s)."), terms=terms, days=days, source=src))


def referral_due(sent_at: datetime, high_risk: bool, rule: PolicyRule,
                 is_working_day: WorkingDay = in_china) -> Due:
    """When an unanswered referral escalates to the referring caseworker's supervisor."""
    if high_risk:
        hours = rule.param("referral_high_risk_hours")
        return Due(Step.REVIEW, sent_at + timedelta(hours=hours), Reason.make(
            "referral_due_high", _("The child is at high risk: a referral unanswered after %(hours)s "
                                   "hours goes to the caseworker's supervisor (a local default; "
                                   "%(source)s)."), hours=hours, source=rule.citation))
    days = rule.param("referral_working_days")
    return Due(Step.REVIEW, _plus_working_days(sent_at, days, is_working_day), Reason.make(
        "referral_due", _("A referral unanswered after %(days)s working days goes to the "
                          "caseworker's supervisor (a local default; %(source)s)."),
        days=days, source=rule.citation))


def escalation_level(due: datetime, now: datetime, rule: PolicyRule) -> int:
    """How many of the escalation steps an overdue step has reached at ``now`` (0: not due yet;
    1: the caseworker; 2: the supervisor; 3: the county officer)."""
    if now <= due:
        return 0
    overdue_days = (now - due) / timedelta(days=1)
    return sum(1 for days, _who in rule.param("escalation") if overdue_days >= days)


ESCALATION_ROLES = ("caseworker", "supervisor", "county_officer")


# --- closure --------------------------------------------------------------------------------------


class Closure(StrEnum):
    """Why a case may close (domain.md §5); a supervisor approves every closure."""

    GOALS_MET = "goals_met"
    AGED_OUT = "aged_out"
    TRANSFERRED = "transferred"
    DIED = "died"
    DECLINED = "declined"


CLOSURE_TERMS = {
    Closure.GOALS_MET: _("the case plan's goals are met and the child is safe"),
    Closure.AGED_OUT: _("the child turned 18 or left the category, and was referred on"),
    Closure.TRANSFERRED: _("the child moved and the case was handed over"),
    Closure.DIED: _("the child died"),
    Closure.DECLINED: _("the family declines services and no safety concern remains"),
}


@dataclass(frozen=True)
class ClosureFacts:
    """What the closure check reads of a case (the service gathers it)."""

    open_referrals: int
    goals: int
    goals_met: int
    risk: str  # the child's current risk level ("" unknown)
    age: int
    in_category: bool
    referred_on: bool  # a referral made (or a handover recorded) for after the case
    handed_over: bool  # a transfer accepted, or a handover to an office outside the system
    death_recorded: bool
    note: str  # the caseworker's reason for closing


def closure_missing(criterion: Closure, facts: ClosureFacts) -> list[Reason]:
    """What must still happen before a case can close for ``criterion``: empty when it may close.
    Open referrals always block (the referral loop must be closed first)."""
    missing: list[Reason] = []
    if facts.open_referrals:
        missing.append(Reason.make("closure_open_referrals", _(
            "%(count)s referrals are still open: they must be completed, declined or cancelled "
            "first."), count=facts.open_referrals))
    if not facts.note.strip():
        missing.append(Reason.make("closure_note", _("Say why the case can close.")))
    if criterion == Closure.GOALS_MET:
        if not facts.goals:
            missing.append(Reason.make("closure_no_goals", _("The case plan has no goals.")))
        elif facts.goals_met < facts.goals:
            missing.append(Reason.make("closure_goals_open", _(
                "%(open)s of the plan's %(goals)s goals are not marked as met."),
                open=facts.goals - facts.goals_met, goals=facts.goals))
        if facts.risk == RiskLevel.HIGH:
            missing.append(Reason.make("closure_high_risk", _(
                "The child is still at high risk: the child must be safe.")))
    elif criterion == Closure.AGED_OUT:
        if facts.age < 18 and facts.in_category:
            missing.append(Reason.make("closure_not_aged_out", _(
                "The child is under 18 and still in a category.")))
        if not facts.referred_on:
            missing.append(Reason.make("closure_not_referred_on", _(
                "The child has not been referred on (a completed referral or a recorded "
                "handover).")))
    elif criterion == Closure.TRANSFERRED:
        if not facts.handed_over:
            missing.append(Reason.make("closure_not_handed_over", _(
                "No transfer of the child was accepted, and no handover is recorded.")))
    elif criterion == Closure.DIED:
        if not facts.death_recorded:
            missing.append(Reason.make("closure_no_death", _(
                "The child's death is not recorded.")))
    elif criterion == Closure.DECLINED and facts.risk == RiskLevel.HIGH:
        missing.append(Reason.make("closure_declined_high_risk", _(
            "The family declines services, but the child is at high risk: a safety concern "
            "remains.")))
    return missing


def child_consent_counts(age: int, rule: PolicyRule) -> bool:
    """From 14 a child's own consent counts alongside the guardian's (PIPL Art. 31)."""
    return age >= rule.param("child_consent_age")


def worst(levels: Iterable[str]) -> str:
    """The highest of risk levels ("" when none is known)."""
    known = [RiskLevel(level) for level in levels if level]
    return max(known, key=lambda level: level.rank).value if known else ""
