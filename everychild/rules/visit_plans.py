"""Visit plans: how often a child is visited, when the next visit is due, and who is told when it is late.

Pure rules (domain.md §2, with the response times of §5): no models, no clock — every day is a plain
``date`` argument. The policy is a versioned :class:`~everychild.rules.risk.PolicyRule` with its
sources; every number in it is a configurable default (national documents say only "regular visits",
定期走访), and a province overrides it by adding a version with its province code
(``VISIT_POLICIES.with_rules(...)``).

Defaults (policy ``visit_plan`` 2019.1):

- first visit to a newly identified child within **5 working days** of identification (Hangzhou
  DB3301/T 0460—2024); working days are China's (:mod:`.working_days`: public holidays and make-up
  working days of the State Council's notices), and :func:`add_working_days` takes the calendar
  (``is_working_day``) as an argument;
- at least **monthly**: de facto unsupported children, orphans, children with serious illness or
  disability (``difficult_disability``), and any child at **high** risk;
- at least **quarterly**: other children in difficult circumstances and left-behind children;
- after a report of harm: contact within **24 hours** (the next day, counted in days) and an in-person
  visit within the response time of the risk level: high 1 day, medium 3 days, low 7 days;
- a supervisor may tighten a plan, never loosen it below the policy (:func:`tighten`);
- a visit is overdue from the day after its due date; escalation at 7 days overdue to the child
  director, 14 to the township supervisor, 30 to the county officer (:func:`escalation`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

from django.utils.translation import gettext_noop as _  # marks message ids; rendering translates

from .catalogue import CATALOGUE, Catalogue
from .dates import add_months
from .findings import Reason
from .risk import CASE_MANAGEMENT_2014, MONITORING_2019, PolicyRule, RiskLevel, select
from .rule import Source
from .working_days import is_weekday
from .working_days import is_working_day as in_china

# --- working days ----------------------------------------------------------------------------------

WorkingDay = Callable[[date], bool]


def add_working_days(start: date, days: int, is_working_day: WorkingDay = in_china) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself not counted)."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    while days:
        day += timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day


# --- intervals -------------------------------------------------------------------------------------


class Unit(StrEnum):
    DAYS = "days"
    WEEKS = "weeks"
    MONTHS = "months"
    WORKING_DAYS = "working_days"


UNIT_TERMS = {Unit.DAYS: _("days"), Unit.WEEKS: _("weeks"), Unit.MONTHS: _("months"),
              Unit.WORKING_DAYS: _("working days")}
UNIT_TERMS_ONE = {Unit.DAYS: _("day"), Unit.WEEKS: _("week"), Unit.MONTHS: _("month"),
                  Unit.WORKING_DAYS: _("working day")}


def unit_term(unit: Unit, count: int) -> str:
    """The unit's message id, singular for 1."""
    return (UNIT_TERMS_ONE if count == 1 else UNIT_TERMS)[unit]


@dataclass(frozen=True)
class Interval:
    """A visit interval: ``count`` ``unit`` (1 month, 3 months, 14 days, 5 working days)."""

    count: int
    unit: Unit

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError("an interval is at least 1")
        object.__setattr__(self, "unit", Unit(self.unit))

    def after(self, start: date, is_working_day: WorkingDay = in_china) -> date:
        """The day the interval ends, counted from ``start``."""
        if self.unit is Unit.MONTHS:
            return add_months(start, self.count)
        if self.unit is Unit.WORKING_DAYS:
            return add_working_days(start, self.count, is_working_day)
        return start + timedelta(days=self.count * (7 if self.unit is Unit.WEEKS else 1))

    @property
    def shortest(self) -> int:
        """The fewest days it can span (1 month from 31 January: 28)."""
        return _spans(self)[0]

    @property
    def longest(self) -> int:
        """The most days it can span (weekends and the longest months)."""
        return _spans(self)[1]

    def at_least_as_tight_as(self, policy: Interval) -> bool:
        """True when, from any start, this interval ends no later than ``policy``."""
        if self.unit == policy.unit:
            return self.count <= policy.count
        return self.longest <= policy.shortest

    def terms(self) -> dict[str, str]:
        return {"unit": unit_term(self.unit, self.count)}


_FOUR_YEARS = [date(2024, 1, 1) + timedelta(days=n) for n in range(4 * 366)]  # every month length, leap too


@lru_cache(maxsize=256)
def _spans(interval: Interval) -> tuple[int, int]:
    starts = _FOUR_YEARS if interval.unit is Unit.MONTHS else _FOUR_YEARS[:7]
    lengths = [(interval.after(s, is_weekday) - s).days for s in starts]  # weekends only
    return min(lengths), max(lengths)


MONTHLY = Interval(1, Unit.MONTHS)
QUARTERLY = Interval(3, Unit.MONTHS)


# --- the policy ------------------------------------------------------------------------------------

HANGZHOU_2024 = Source(
    document="DB3301/T 0460—2024", issuer="Hangzhou Administration for Market Regulation",
    title="Hangzhou local standard on care services for children (first visit within 5 working days)",
    year=2024, note="a local standard used as the system's default for first visits (domain.md §2)")

VISIT_PLAN_CODE = "visit_plan"

# category codes as in rules.catalogue; "difficult_disability" covers serious illness (see its rule)
MONTHLY_CATEGORIES = ("de_facto_unsupported", "orphan", "difficult_disability")
QUARTERLY_CATEGORIES = ("left_behind", "left_behind_rural", "left_behind_urban", "difficult_economic",
                        "difficult_guardianship")

VISIT_PLAN_2019 = PolicyRule(
    code=VISIT_PLAN_CODE, version="2019.1", title=_("Visit plan"),
    sources=(MONITORING_2019, HANGZHOU_2024, CASE_MANAGEMENT_2014), effective_from=date(2019, 4, 30),
    params={
        "first_visit": Interval(5, Unit.WORKING_DAYS),
        "monthly_categories": MONTHLY_CATEGORIES,
        "quarterly_categories": QUARTERLY_CATEGORIES,
        "monthly": MONTHLY,
        "quarterly": QUARTERLY,
        "monthly_risk": (RiskLevel.HIGH,),
        "report_contact_days": 1,  # 24 hours, counted in days
        "report_response_days": {RiskLevel.HIGH: 1, RiskLevel.MEDIUM: 3, RiskLevel.LOW: 7},
        "escalation": ((7, "director"), (14, "township_supervisor"), (30, "county_officer")),
    },
    configuration=("first_visit", "monthly_categories", "quarterly_categories", "monthly", "quarterly",
                   "monthly_risk", "report_contact_days", "report_response_days", "escalation"),
    notes="System defaults, per province (domain.md §2): national documents say only 定期走访. Orphans "
          "are taken as visited monthly wherever they live (the default names orphans living in "
          "families). The effective date is configuration.")

VISIT_POLICIES = Catalogue((VISIT_PLAN_2019,))  # type: ignore[arg-type]


def policy_for(province_code: str, on: date, catalogue: Catalogue = VISIT_POLICIES) -> PolicyRule:
    """The visit policy in force in ``province_code`` ("" national) on ``on``."""
    return select(catalogue, VISIT_PLAN_CODE, province_code, on)


# --- the plan --------------------------------------------------------------------------------------


class DueVisit(StrEnum):
    """What the next due visit is for."""

    FIRST = "first_visit"
    ROUTINE = "routine"
    REPORT = "report_response"
    NONE = "none"  # no routine visit required by the policy, and nothing else due


@dataclass(frozen=True)
class VisitPlan:
    """A child's visit plan: the routine interval (None: the policy requires none), the next due visit
    and what it is for, the contact due after a report, and the reasons (the citation in each)."""

    interval: Interval | None
    policy_interval: Interval | None
    next_due: date | None
    due_for: DueVisit
    contact_due: date | None
    reasons: tuple[Reason, ...]
    rule_code: str
    rule_version: str
    rule_province: str
    source: str
    tightened: bool = False

    def sentences(self, language: str | None = None) -> list[str]:
        return [r.render(language) for r in self.reasons]


def _category_term(code: str) -> str:
    versions = [r for r in CATALOGUE if r.code == code]
    return versions[-1].title if versions else code


def policy_interval(categories: Iterable[str], risk: RiskLevel,
                    rule: PolicyRule) -> tuple[Interval | None, tuple[Reason, ...]]:
    """The routine interval the policy requires for a child in ``categories`` at ``risk``, and why."""
    src = rule.citation
    cats = list(dict.fromkeys(categories))
    monthly = [c for c in cats if c in rule.param("monthly_categories")]
    quarterly = [c for c in cats if c in rule.param("quarterly_categories")]
    reasons: list[Reason] = []
    if RiskLevel(risk) in rule.param("monthly_risk"):
        reasons.append(Reason.make(
            "visit_monthly_risk", _("The child's current risk level is %(level)s: a visit at least every "
                                    "%(count)s %(unit)s (%(source)s)."),
            terms={"level": RiskLevel(risk).term, **rule.param("monthly").terms()},
            count=rule.param("monthly").count, source=src))
    for code in monthly:
        reasons.append(Reason.make(
            "visit_monthly_category", _("%(category)s: a visit at least every %(count)s %(unit)s "
                                        "(%(source)s)."),
            terms={"category": _category_term(code), **rule.param("monthly").terms()},
            count=rule.param("monthly").count, source=src))
    if reasons:
        return rule.param("monthly"), tuple(reasons)
    for code in quarterly:
        reasons.append(Reason.make(
            "visit_quarterly_category", _("%(category)s: a visit at least every %(count)s %(unit)s "
                                          "(%(source)s)."),
            terms={"category": _category_term(code), **rule.param("quarterly").terms()},
            count=rule.param("quarterly").count, source=src))
    if reasons:
        return rule.param("quarterly"), tuple(reasons)
    return None, (Reason.make(
        "visit_no_routine", _("No category or risk level of the child calls for routine visits under the "
                              "visit policy (%(source)s)."), source=src),)


def visit_plan(categories: Iterable[str], risk: RiskLevel | str, *, rule: PolicyRule,
               last_visit: date | None = None, identified_on: date | None = None,
               report_on: date | None = None, is_working_day: WorkingDay = in_china) -> VisitPlan:
    """The visit plan of a child in ``categories`` (codes of rules.catalogue) at ``risk``.

    ``last_visit``: the last in-person visit. ``identified_on``: the day the child was identified; a
    child with no visit yet is newly identified and gets the first-visit deadline. ``report_on``: the
    day a report of harm was made; a visit on or after that day answers it. The routine next visit is
    due one interval after the last visit; the next due visit is the earliest of what is due. Select
    ``rule`` with :func:`policy_for`."""
    risk = RiskLevel(risk)
    if last_visit is None and identified_on is None:
        raise ValueError("a plan needs the last visit or the day of identification")
    src = rule.citation
    interval, reasons_list = policy_interval(categories, risk, rule)
    reasons = list(reasons_list)
    due: list[tuple[date, DueVisit]] = []
    if last_visit is None:
        assert identified_on is not None
        first: Interval = rule.param("first_visit")
        due.append((first.after(identified_on, is_working_day), DueVisit.FIRST))
        reasons.insert(0, Reason.make(
            "visit_first", _("A newly identified child (identified on %(date)s) is first visited "
                             "within %(count)s %(unit)s (%(source)s)."),
            terms=first.terms(), count=first.count, date=identified_on, source=src))
    elif interval is not None:
        due.append((interval.after(last_visit), DueVisit.ROUTINE))
    contact_due = None
    if report_on is not None and (last_visit is None or last_visit < report_on):
        contact_days = rule.param("report_contact_days")
        response_days = rule.param("report_response_days")[risk]
        contact_due = report_on + timedelta(days=contact_days)
        due.append((report_on + timedelta(days=response_days), DueVisit.REPORT))
        reasons.insert(0, Reason.make(
            "visit_after_report",
            _("A report of harm was made on %(date)s: contact the child (by phone or in person) within "
              "%(hours)s hours, and visit in person within %(days)s days for %(level)s risk (%(source)s)."),
            terms={"level": risk.term}, date=report_on, hours=24 * contact_days, days=response_days,
            source=src))
    next_due, due_for = min(due, key=lambda d: d[0]) if due else (None, DueVisit.NONE)
    return VisitPlan(interval=interval, policy_interval=interval, next_due=next_due, due_for=due_for,
                     contact_due=contact_due, reasons=tuple(reasons), rule_code=rule.code,
                     rule_version=rule.version, rule_province=rule.province, source=src)


# --- tightening, never loosening -------------------------------------------------------------------


@dataclass(frozen=True)
class IntervalCheck:
    """Whether a requested interval is allowed, and why."""

    allowed: bool
    reason: Reason


class LooserThanPolicy(ValueError):
    """A requested interval is looser than the policy."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason.render())
        self.reason = reason


def check_interval(requested: Interval, policy: Interval | None, source: str) -> IntervalCheck:
    """A requested interval is allowed when it is at least as tight as ``policy`` from any start (any
    interval is allowed where the policy requires none)."""
    if policy is None:
        return IntervalCheck(True, Reason.make(
            "visit_interval_allowed_no_policy",
            _("A visit every %(count)s %(unit)s is allowed: the policy requires no routine visits "
              "(%(source)s)."), terms=requested.terms(), count=requested.count, source=source))
    terms = {**requested.terms(), "policy_unit": unit_term(policy.unit, policy.count)}
    if requested.at_least_as_tight_as(policy):
        return IntervalCheck(True, Reason.make(
            "visit_interval_tightened",
            _("A supervisor set a visit every %(count)s %(unit)s, tighter than the policy's every "
              "%(policy_count)s %(policy_unit)s (%(source)s)."),
            terms=terms, count=requested.count, policy_count=policy.count, source=source))
    return IntervalCheck(False, Reason.make(
        "visit_interval_too_loose",
        _("A visit every %(count)s %(unit)s is looser than the policy's every %(policy_count)s "
          "%(policy_unit)s: a plan may be tightened, never loosened (%(source)s)."),
        terms=terms, count=requested.count, policy_count=policy.count, source=source))


def tighten(plan: VisitPlan, requested: Interval, last_visit: date | None) -> VisitPlan:
    """The plan with a supervisor's interval ``requested``; :class:`LooserThanPolicy` when it is looser
    than the policy. The routine due date moves to one ``requested`` after ``last_visit``; a first
    visit or a report response due earlier stays the next due visit."""
    checked = check_interval(requested, plan.policy_interval, plan.source)
    if not checked.allowed:
        raise LooserThanPolicy(checked.reason)
    next_due, due_for = plan.next_due, plan.due_for
    if last_visit is not None:
        routine = requested.after(last_visit)
        if due_for in (DueVisit.ROUTINE, DueVisit.NONE) or next_due is None or routine < next_due:
            next_due, due_for = routine, DueVisit.ROUTINE
    return replace(plan, interval=requested, next_due=next_due, due_for=due_for,
                   reasons=(*plan.reasons, checked.reason), tightened=True)


# --- overdue and escalation ------------------------------------------------------------------------


class Notify(StrEnum):
    """Who is notified of an overdue visit, in order."""

    DIRECTOR = "director"
    TOWNSHIP_SUPERVISOR = "township_supervisor"
    COUNTY_OFFICER = "county_officer"


NOTIFY_TERMS = {Notify.DIRECTOR: _("child director"),
                Notify.TOWNSHIP_SUPERVISOR: _("township child supervisor"),
                Notify.COUNTY_OFFICER: _("county civil affairs officer")}


def days_overdue(due: date, on: date) -> int:
    """Days a visit due on ``due`` is overdue on ``on``: 0 up to the due date, 1 the day after."""
    return max(0, (on - due).days)


def is_overdue(due: date, on: date) -> bool:
    """Overdue from the day after the due date."""
    return on > due


@dataclass(frozen=True)
class Escalation:
    """Who to notify of a late visit: ``level`` 0 (nobody) to 3; ``notify`` is everyone who should
    have been told by now, the latest last; ``reason`` says why."""

    days_overdue: int
    level: int
    notify: tuple[Notify, ...]
    reason: Reason

    @property
    def latest(self) -> Notify | None:
        return self.notify[-1] if self.notify else None


def escalation(due: date, on: date, rule: PolicyRule) -> Escalation:
    """The escalation on ``on`` of a visit due on ``due`` (thresholds: the rule's ``escalation``)."""
    days = days_overdue(due, on)
    steps = [(threshold, Notify(role)) for threshold, role in rule.param("escalation")]
    notify = tuple(role for threshold, role in steps if days >= threshold)
    src = rule.citation
    if not days:
        reason = Reason.make("visit_not_overdue", _("The visit due on %(due)s is not overdue."), due=due)
    elif not notify:
        reason = Reason.make(
            "visit_overdue_no_escalation",
            _("The visit due on %(due)s is %(days)s days overdue; it escalates at %(threshold)s days "
              "(%(source)s)."), due=due, days=days, threshold=steps[0][0], source=src)
    else:
        reason = Reason.make(
            "visit_overdue_escalated",
            _("The visit due on %(due)s is %(days)s days overdue: notify the %(role)s (%(source)s)."),
            terms={"role": NOTIFY_TERMS[notify[-1]]}, due=due, days=days, source=src)
    return Escalation(days_overdue=days, level=len(notify), notify=notify, reason=reason)
