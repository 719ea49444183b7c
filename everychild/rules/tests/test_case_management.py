"""Case management rules: steps due by risk level, decisions in working days, referral deadlines,
escalation of overdue steps, closure criteria; and the allowances a category entitles to."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from everychild.rules.benefits import (
    DE_FACTO_ALLOWANCE,
    ORPHAN_ALLOWANCE,
    entitlements,
    entitling_categories,
)
from everychild.rules.benefits import policy_for as benefits_policy
from everychild.rules.case_management import (
    CASE_MANAGEMENT_2014_1,
    Closure,
    ClosureFacts,
    Step,
    child_consent_counts,
    closure_missing,
    escalation_level,
    policy_for,
    referral_due,
    step_due,
    worst,
)
from everychild.rules.risk import RiskLevel
from everychild.rules.working_days import is_weekday

TZ = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2025, 6, 2, 9, 0, tzinfo=TZ)
RULE = policy_for("61", MONDAY.date())


def test_the_policy_is_sourced_and_configurable():
    assert RULE is CASE_MANAGEMENT_2014_1
    assert "CPWG 2014" in RULE.citation and "CPMS 2019" in RULE.citation
    assert {"initial_response_hours", "review_days", "referral_working_days"} <= set(
        RULE.configuration)


@pytest.mark.parametrize(("risk", "hours"), [("high", 24), ("medium", 72), ("low", 168)])
def test_the_initial_assessment_is_due_within_the_risk_levels_response_time(risk, hours):
    due = step_due(Step.INITIAL_ASSESSMENT, risk, MONDAY, RULE)
    assert due.at == MONDAY + timedelta(hours=hours)
    assert "CPWG 2014" in due.reason.render("en")


@pytest.mark.parametrize(("risk", "days"), [("high", 7), ("medium", 14), ("low", 30)])
def test_reviews_follow_the_risk_level(risk, days):
    assert step_due(Step.REVIEW, risk, MONDAY, RULE).at == MONDAY + timedelta(days=days)


@pytest.mark.parametrize("step", [Step.COMPREHENSIVE_ASSESSMENT, Step.CASE_PLAN])
@pytest.mark.parametrize("risk", list(RiskLevel))
def test_assessment_and_plan_take_two_weeks_whatever_the_risk(step, risk):
    assert step_due(step, risk, MONDAY, RULE).at == MONDAY + timedelta(days=14)


def test_a_decision_counts_working_days_over_a_weekend():
    friday = datetime(2025, 6, 6, 16, 0, tzinfo=TZ)
    due = step_due(Step.PLAN_APPROVAL, "low", friday, RULE, is_working_day=is_weekday)
    assert due.at == datetime(2025, 6, 11, 16, 0, tzinfo=TZ)  # Mon, Tue, Wed


def test_a_referral_waits_three_working_days_over_a_public_holiday():
    before_national_day = datetime(2025, 9, 30, 10, 0, tzinfo=TZ)
    due = referral_due(before_national_day, False, RULE)
    # 1-8 October 2025 are holidays; Saturday 11 October is a make-up working day: 9, 10, 11.
    assert due.at == datetime(2025, 10, 11, 10, 0, tzinfo=TZ)


def test_a_referral_for_a_child_at_high_risk_waits_24_hours():
    due = referral_due(MONDAY, True, RULE)
    assert due.at == MONDAY + timedelta(hours=24)
    assert "24" in due.reason.render("en")


@pytest.mark.parametrize(("late", "level"), [
    (timedelta(hours=-1), 0), (timedelta(0), 0), (timedelta(minutes=1), 1),
    (timedelta(days=3), 2), (timedelta(days=6, hours=23), 2), (timedelta(days=7), 3),
    (timedelta(days=60), 3)])
def test_escalation_goes_to_the_caseworker_then_the_supervisor_then_the_county(late, level):
    assert escalation_level(MONDAY, MONDAY + late, RULE) == level


def facts(**changes) -> ClosureFacts:
    values = dict(open_referrals=0, goals=2, goals_met=2, risk="low", age=10, in_category=True,
                  referred_on=False, handed_over=False, death_recorded=False, note="目标已达成")
    values.update(changes)
    return ClosureFacts(**values)


@pytest.mark.parametrize(("criterion", "ok", "missing"), [
    (Closure.GOALS_MET, {}, {"goals_met": 1}),
    (Closure.GOALS_MET, {}, {"goals": 0, "goals_met": 0}),
    (Closure.GOALS_MET, {}, {"risk": "high"}),
    (Closure.AGED_OUT, {"age": 18, "referred_on": True}, {"age": 17}),
    (Closure.AGED_OUT, {"age": 12, "in_category": False, "referred_on": True},
     {"referred_on": False}),
    (Closure.TRANSFERRED, {"handed_over": True}, {"handed_over": False}),
    (Closure.DIED, {"death_recorded": True}, {"death_recorded": False}),
    (Closure.DECLINED, {"risk": "medium"}, {"risk": "high"}),
])
def test_each_closure_criterion_needs_its_facts(criterion, ok, missing):
    assert closure_missing(criterion, facts(**ok)) == []
    assert closure_missing(criterion, facts(**{**ok, **missing}))


@given(criterion=st.sampled_from(list(Closure)), open_referrals=st.integers(1, 20),
       goals=st.integers(0, 5), age=st.integers(0, 20))
def test_open_referrals_always_block_closure_and_are_named(criterion, open_referrals, goals, age):
    found = closure_missing(criterion, facts(open_referrals=open_referrals, goals=goals,
                                             goals_met=goals, age=age, referred_on=True,
                                             handed_over=True, death_recorded=True))
    assert found and found[0].code == "closure_open_referrals"
    assert str(open_referrals) in found[0].render("en")


def test_closing_needs_a_note():
    assert [r.code for r in closure_missing(Closure.GOALS_MET, facts(note=" "))] == ["closure_note"]


def test_the_childs_own_consent_counts_from_14():
    assert not child_consent_counts(13, RULE)
    assert child_consent_counts(14, RULE)


def test_the_worst_risk_level():
    assert worst(["low", "", "high", "medium"]) == "high"
    assert worst(["", ""]) == ""


# --- allowances -----------------------------------------------------------------------------------

BENEFITS = benefits_policy("61", date(2025, 6, 2))


@pytest.mark.parametrize(("categories", "expected"), [
    ((), set()),
    (("left_behind",), set()),
    (("orphan",), {ORPHAN_ALLOWANCE}),
    (("de_facto_unsupported", "difficult_economic"), {DE_FACTO_ALLOWANCE}),
    (("orphan", "de_facto_unsupported"), {ORPHAN_ALLOWANCE}),  # they exclude each other
])
def test_categories_entitle_to_allowances(categories, expected):
    found = entitlements(categories, BENEFITS)
    assert set(found) == expected
    for reason in found.values():
        assert "〔" in reason.render("en")  # the document number is cited


def test_the_entitling_categories():
    assert entitling_categories(BENEFITS) == {"orphan": (ORPHAN_ALLOWANCE,),
                                              "de_facto_unsupported": (DE_FACTO_ALLOWANCE,)}
