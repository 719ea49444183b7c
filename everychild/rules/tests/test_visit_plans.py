"""Visit plans: intervals by category and risk, first visits in working days, reports of harm,
tighten-never-loosen, overdue and escalation."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from everychild.rules.risk import PolicyRule, RiskLevel
from everychild.rules.visit_plans import (
    MONTHLY,
    MONTHLY_CATEGORIES,
    QUARTERLY,
    QUARTERLY_CATEGORIES,
    VISIT_PLAN_2019,
    VISIT_POLICIES,
    DueVisit,
    Interval,
    LooserThanPolicy,
    Notify,
    Unit,
    add_working_days,
    check_interval,
    days_overdue,
    escalation,
    is_overdue,
    policy_for,
    tighten,
    visit_plan,
)
from everychild.rules.working_days import is_weekday

ON = date(2025, 6, 1)
RULE = policy_for("61", ON)
LAST = date(2025, 1, 31)
ALL_CATEGORIES = MONTHLY_CATEGORIES + QUARTERLY_CATEGORIES
LEVELS = list(RiskLevel)
DAYS = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


def plan(categories, risk="low", **kw):
    kw.setdefault("rule", RULE)
    return visit_plan(categories, risk, **kw)


# --- the interval for each category x risk level -------------------------------------------------


@pytest.mark.parametrize("risk", LEVELS)
@pytest.mark.parametrize("category", ALL_CATEGORIES)
def test_interval_by_category_and_risk(category, risk):
    expected = MONTHLY if category in MONTHLY_CATEGORIES or risk is RiskLevel.HIGH else QUARTERLY
    p = plan([category], risk, last_visit=LAST)
    assert p.interval == expected
    assert p.next_due == expected.after(LAST)
    assert p.due_for is DueVisit.ROUTINE
    assert p.source == RULE.citation and "民发〔2019〕34号" in p.source
    assert all(RULE.citation in s for s in p.sentences())
    codes = {r.code for r in p.reasons}
    if risk is RiskLevel.HIGH:
        assert "visit_monthly_risk" in codes
    elif category in MONTHLY_CATEGORIES:
        assert codes == {"visit_monthly_category"}
    else:
        assert codes == {"visit_quarterly_category"}


@pytest.mark.parametrize(("risk", "interval"), [("low", None), ("medium", None), ("high", MONTHLY)])
def test_no_category(risk, interval):
    p = plan([], risk, last_visit=LAST)
    assert p.interval == interval
    if interval is None:
        assert p.next_due is None and p.due_for is DueVisit.NONE
        assert [r.code for r in p.reasons] == ["visit_no_routine"]


def test_monthly_beats_quarterly_and_the_reason_names_the_category():
    p = plan(["left_behind", "orphan"], last_visit=LAST)
    assert p.interval == MONTHLY and p.next_due == date(2025, 2, 28)  # end of month clamped
    assert p.sentences() == ["Orphan: a visit at least every 1 month (民发〔2019〕34号, DB3301/T 0460—2024, "
                             "CPWG 2014)."]


def test_quarterly_reason_in_words():
    p = plan(["left_behind"], last_visit=date(2025, 3, 15))
    assert p.next_due == date(2025, 6, 15)
    assert p.sentences()[0].startswith("Left-behind child: a visit at least every 3 months (")


def test_needs_a_last_visit_or_identification():
    with pytest.raises(ValueError):
        plan(["orphan"])


# --- first visits within 5 working days ------------------------------------------------------------


@pytest.mark.parametrize(("identified", "due"), [
    (date(2025, 6, 2), date(2025, 6, 9)),    # Monday -> next Monday
    (date(2025, 6, 6), date(2025, 6, 13)),   # Friday -> next Friday, over a weekend
    (date(2025, 6, 7), date(2025, 6, 13)),   # Saturday -> Friday (Mon..Fri)
    (date(2025, 6, 8), date(2025, 6, 13)),   # Sunday -> Friday
    (date(2025, 6, 4), date(2025, 6, 11)),   # Wednesday -> next Wednesday
])
def test_first_visit_within_five_working_days(identified, due):
    p = plan(["left_behind"], identified_on=identified)
    assert p.next_due == due and p.due_for is DueVisit.FIRST
    assert p.reasons[0].code == "visit_first"
    assert "within 5 working days" in p.sentences()[0]


def test_first_visit_not_due_once_visited():
    p = plan(["left_behind"], identified_on=date(2025, 6, 2), last_visit=date(2025, 6, 3))
    assert p.due_for is DueVisit.ROUTINE and p.next_due == date(2025, 9, 3)


def test_working_days_seam_takes_a_holiday_calendar():
    holidays = {date(2025, 10, d) for d in range(1, 9)}  # National Day week

    def working(day):
        return day.weekday() < 5 and day not in holidays

    assert add_working_days(date(2025, 9, 30), 1, is_weekday) == date(2025, 10, 1)
    assert add_working_days(date(2025, 9, 30), 1, working) == date(2025, 10, 9)
    p = plan(["orphan"], identified_on=date(2025, 9, 30), is_working_day=working)
    assert p.next_due == date(2025, 10, 15)


@pytest.mark.parametrize(("start", "days", "due"), [
    # National Day 2025: 1-8 October off, Saturday 11 October a make-up working day (调休).
    (date(2025, 9, 30), 5, date(2025, 10, 14)),
    (date(2025, 9, 26), 1, date(2025, 9, 28)),  # Sunday 28 September: a make-up working day
    # Spring Festival 2025: 28 January to 4 February off, Sunday 26 January and Saturday 8 February
    # make-up working days.
    (date(2025, 1, 24), 1, date(2025, 1, 26)),
    (date(2025, 1, 27), 5, date(2025, 2, 10)),
    (date(2027, 1, 1), 1, date(2027, 1, 4)),  # a year without a notice yet: Monday to Friday
])
def test_working_days_follow_china_s_holiday_notices(start, days, due):
    assert add_working_days(start, days) == due
    assert plan(["orphan"], identified_on=start).next_due == (due if days == 5 else
                                                              add_working_days(start, 5))


@given(DAYS, st.integers(0, 30))
def test_working_days_land_on_weekdays_and_count_them(start, n):
    end = add_working_days(start, n, is_weekday)
    assert end >= start
    weekdays = sum(1 for k in range(1, (end - start).days + 1) if (start + timedelta(k)).weekday() < 5)
    assert weekdays == n
    if n:
        assert end.weekday() < 5


# --- after a report of harm ------------------------------------------------------------------------


@pytest.mark.parametrize(("risk", "days"), [("high", 1), ("medium", 3), ("low", 7)])
def test_report_response_by_risk_level(risk, days):
    report = date(2025, 2, 10)
    p = plan(["left_behind"], risk, last_visit=LAST, report_on=report)
    assert p.contact_due == report + timedelta(days=1)
    assert p.next_due == report + timedelta(days=days)
    assert p.due_for is DueVisit.REPORT
    assert p.reasons[0].code == "visit_after_report"
    assert f"within 24 hours, and visit in person within {days} days for {risk} risk" in p.sentences()[0]


def test_report_answered_by_a_visit_on_or_after_it():
    p = plan(["left_behind"], last_visit=date(2025, 2, 10), report_on=date(2025, 2, 10))
    assert p.contact_due is None and p.due_for is DueVisit.ROUTINE


def test_routine_visit_earlier_than_report_response_stays_next():
    p = plan(["orphan"], "low", last_visit=date(2025, 1, 3), report_on=date(2025, 1, 31))
    assert p.next_due == date(2025, 2, 3) and p.due_for is DueVisit.ROUTINE
    assert p.contact_due == date(2025, 2, 1)


@given(st.lists(st.sampled_from(ALL_CATEGORIES), max_size=4), st.sampled_from(LEVELS), DAYS,
       st.none() | st.integers(0, 200))
def test_next_due_after_last_visit_and_never_later_than_policy(categories, risk, last, report_after):
    report = None if report_after is None else last + timedelta(days=report_after)
    p = plan(categories, risk, last_visit=last, report_on=report)
    if p.interval is None:
        assert not categories and risk is not RiskLevel.HIGH
        return
    assert last < p.next_due <= p.interval.after(last)
    assert p.next_due - last <= timedelta(days=p.interval.longest)
    if risk is RiskLevel.HIGH or set(categories) & set(MONTHLY_CATEGORIES):
        assert p.interval == MONTHLY


# --- tighten, never loosen -------------------------------------------------------------------------


@pytest.mark.parametrize(("requested", "policy", "allowed"), [
    (Interval(1, Unit.MONTHS), MONTHLY, True),
    (Interval(2, Unit.WEEKS), MONTHLY, True),
    (Interval(4, Unit.WEEKS), MONTHLY, True),      # 28 days: never later than a month
    (Interval(28, Unit.DAYS), MONTHLY, True),
    (Interval(29, Unit.DAYS), MONTHLY, False),     # later than 31 January + 1 month
    (Interval(2, Unit.MONTHS), MONTHLY, False),
    (Interval(1, Unit.MONTHS), QUARTERLY, True),
    (Interval(89, Unit.DAYS), QUARTERLY, True),
    (Interval(90, Unit.DAYS), QUARTERLY, False),
    (Interval(4, Unit.MONTHS), QUARTERLY, False),
    (Interval(6, Unit.MONTHS), None, True),        # no policy interval: anything goes
])
def test_check_interval(requested, policy, allowed):
    checked = check_interval(requested, policy, "src")
    assert checked.allowed is allowed
    assert "src" in checked.reason.render()


def test_tighten_moves_the_due_date():
    p = plan(["left_behind"], last_visit=LAST)
    t = tighten(p, MONTHLY, LAST)
    assert t.tightened and t.interval == MONTHLY and t.policy_interval == QUARTERLY
    assert t.next_due == date(2025, 2, 28)
    assert t.reasons[-1].code == "visit_interval_tightened"
    assert ("A supervisor set a visit every 1 month, tighter than the policy's every 3 months"
            in t.sentences()[-1])


def test_tighten_keeps_an_earlier_report_response():
    p = plan(["left_behind"], "high", last_visit=LAST, report_on=date(2025, 2, 1))
    t = tighten(p, Interval(2, Unit.WEEKS), LAST)
    assert t.next_due == date(2025, 2, 2) and t.due_for is DueVisit.REPORT


def test_loosening_is_refused_with_a_clear_message():
    p = plan(["orphan"], last_visit=LAST)
    with pytest.raises(LooserThanPolicy) as refused:
        tighten(p, QUARTERLY, LAST)
    assert refused.value.reason.code == "visit_interval_too_loose"
    assert str(refused.value).startswith(
        "A visit every 3 months is looser than the policy's every 1 month: a plan may be tightened, "
        "never loosened (")


@given(st.integers(1, 120), st.sampled_from([Unit.DAYS, Unit.WEEKS, Unit.MONTHS]), DAYS,
       st.sampled_from([MONTHLY, QUARTERLY]))
def test_an_allowed_interval_is_never_later_than_policy(count, unit, start, policy):
    requested = Interval(count, unit)
    if check_interval(requested, policy, "").allowed:
        assert requested.after(start) <= policy.after(start)


# --- overdue and escalation ------------------------------------------------------------------------

DUE = date(2025, 3, 31)


@pytest.mark.parametrize(("days", "level", "latest"), [
    (0, 0, None), (1, 0, None), (6, 0, None),
    (7, 1, Notify.DIRECTOR), (13, 1, Notify.DIRECTOR),
    (14, 2, Notify.TOWNSHIP_SUPERVISOR), (29, 2, Notify.TOWNSHIP_SUPERVISOR),
    (30, 3, Notify.COUNTY_OFFICER), (365, 3, Notify.COUNTY_OFFICER),
])
def test_escalation_boundaries(days, level, latest):
    e = escalation(DUE, DUE + timedelta(days=days), RULE)
    assert e.days_overdue == days and e.level == level and e.latest == latest
    assert e.notify == tuple(Notify)[:level]


def test_overdue_from_the_day_after_the_due_date():
    assert not is_overdue(DUE, DUE) and days_overdue(DUE, DUE) == 0
    assert is_overdue(DUE, DUE + timedelta(days=1)) and days_overdue(DUE, DUE + timedelta(days=1)) == 1
    assert days_overdue(DUE, DUE - timedelta(days=5)) == 0


def test_escalation_reasons_in_words():
    assert escalation(DUE, DUE, RULE).reason.render() == "The visit due on 2025-03-31 is not overdue."
    assert escalation(DUE, date(2025, 4, 6), RULE).reason.render().startswith(
        "The visit due on 2025-03-31 is 6 days overdue; it escalates at 7 days (")
    assert escalation(DUE, date(2025, 4, 14), RULE).reason.render().startswith(
        "The visit due on 2025-03-31 is 14 days overdue: notify the township child supervisor (")


@given(DAYS, st.integers(-60, 400), st.integers(-60, 400))
def test_escalation_is_monotonic_in_days_overdue(due, a, b):
    a, b = sorted((a, b))
    ea, eb = escalation(due, due + timedelta(days=a), RULE), escalation(due, due + timedelta(days=b), RULE)
    assert ea.days_overdue <= eb.days_overdue
    assert ea.level <= eb.level
    assert eb.notify[:ea.level] == ea.notify


# --- versions and provinces ------------------------------------------------------------------------


def test_policy_is_sourced_versioned_and_configurable():
    assert RULE is VISIT_PLAN_2019 and RULE.version == "2019.1" and RULE.province == ""
    assert {s.document for s in RULE.sources} >= {"民发〔2019〕34号", "DB3301/T 0460—2024"}
    assert "first_visit" in RULE.configuration
    with pytest.raises(LookupError):
        policy_for("61", date(2018, 1, 1))


def test_a_province_overrides_the_policy():
    override = PolicyRule(
        code="visit_plan", version="2025.1-33", province="33", title=RULE.title, sources=RULE.sources,
        effective_from=date(2025, 1, 1), params={**RULE.params, "quarterly": Interval(2, Unit.MONTHS)})
    catalogue = VISIT_POLICIES.with_rules(override)
    zhejiang = policy_for("33", ON, catalogue)
    assert zhejiang is override
    assert policy_for("61", ON, catalogue) is VISIT_PLAN_2019
    assert policy_for("33", date(2024, 12, 31), catalogue) is VISIT_PLAN_2019
    assert plan(["left_behind"], last_visit=LAST, rule=zhejiang).next_due == date(2025, 3, 31)
