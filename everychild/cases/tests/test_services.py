"""Case-management use cases: opening, assigning, deadlines by risk level (with time travel),
escalation of overdue steps by the tick, the four-eyes rule, concurrent plan edits, closure
refused with what is missing, cases opened from a report's welfare concern, access."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from everychild.accounts.models import Agency
from everychild.cases import services as s
from everychild.cases.models import Case, CasePlan, PlanVersion
from everychild.cases.queries import case_record, caseload, counts
from everychild.cases.tests.factories import COUNTY, LC_COUNTY, NOW, TOWNSHIP, assessment, goals
from everychild.core.outbox import deliver
from everychild.notifications.models import Notification
from everychild.registry.tests.factories import VILLAGE
from everychild.visits.models import ChildRisk

pytestmark = pytest.mark.django_db


def _to_implementation(case, worker, boss, n_goals=1, status="open"):
    s.initial_assessment(worker, case.pk, assessment())
    s.comprehensive_assessment(worker, case.pk, assessment())
    plan = s.save_plan(worker, case.pk, goals(n_goals, status), 0)
    s.submit_plan(worker, case.pk, plan.version)
    s.decide_plan(boss, case.pk, True)
    case.refresh_from_db()
    return case


# --- opening and assigning -------------------------------------------------------------------------


def test_opening_a_case_is_on_the_timeline_and_asks_for_an_initial_assessment(case, child):
    assert case.stage == "intake" and case.due_for == "initial_assessment"
    assert case.caseworker_id is not None and case.risk_level == "medium"
    assert child.events.filter(kind="case_open").exists()
    assert child.events.filter(kind="case_assign").exists()


def test_a_child_has_one_open_case(case, social_worker, child):
    with pytest.raises(ValidationError) as refused:
        s.open_case(social_worker, s.OpenInput(child_id=str(child.pk), summary="再开一个"))
    assert case.reference in str(refused.value)
    assert Case.objects.filter(child=child).count() == 1


def test_opening_needs_a_summary_and_a_known_risk(social_worker, child):
    with pytest.raises(ValidationError) as refused:
        s.open_case(social_worker, s.OpenInput(child_id=str(child.pk), summary=" ",
                                               risk_level="extreme"))
    assert set(refused.value.message_dict) == {"summary", "risk_level"}
    assert not Case.objects.exists()


def test_an_unassigned_case_tells_the_townships_supervisors(director, supervisor, child):
    opened = s.open_case(director, s.OpenInput(child_id=str(child.pk), summary="走访发现孩子独居"))
    assert opened.caseworker_id is None
    assert Notification.objects.filter(recipient=supervisor.user, kind="case").exists()


def test_a_caseworker_takes_an_unassigned_case_but_cannot_reassign_it(director, social_worker,
                                                                     child):
    opened = s.open_case(director, s.OpenInput(child_id=str(child.pk), summary="走访发现孩子独居"))
    s.assign(director, opened.pk, director.post.pk)
    opened.refresh_from_db()
    assert opened.caseworker == director.user
    with pytest.raises(PermissionDenied):
        s.assign(social_worker, opened.pk, social_worker.post.pk)  # taken: only a supervisor


def test_a_case_goes_only_to_a_caseworker_of_the_childs_place(case, supervisor, make_actor):
    elsewhere = make_actor("social_worker", LC_COUNTY)
    with pytest.raises(ValidationError):
        s.assign(supervisor, case.pk, elsewhere.post.pk)


def test_a_case_outside_the_jurisdiction_does_not_exist(case, make_actor):
    lc_officer = make_actor("civil_affairs_officer", LC_COUNTY)
    with pytest.raises(Case.DoesNotExist):
        case_record(lc_officer, case.pk)
    with pytest.raises(Case.DoesNotExist):
        s.initial_assessment(lc_officer, case.pk, assessment())
    assert caseload(lc_officer, "open") == []


def test_roles_without_case_work_see_no_case(case, make_actor):
    analyst = make_actor("county_analyst", COUNTY)
    police = make_actor("police_officer", COUNTY)
    for actor in (analyst, police):
        assert caseload(actor, "open") == []
        with pytest.raises(Case.DoesNotExist):
            case_record(actor, case.pk)


def test_caseloads_and_counts(case, social_worker, supervisor):
    assert [c.pk for c in caseload(social_worker, "mine")] == [case.pk]
    assert caseload(supervisor, "unassigned") == []
    assert counts(supervisor)["intake"] == 1 and counts(social_worker)["mine"] == 1


# --- deadlines by risk level, with time travel ----------------------------------------------------


@pytest.mark.parametrize(("risk", "hours"), [("high", 24), ("medium", 72), ("low", 168)])
def test_the_initial_assessment_deadline_follows_the_risk(risk, hours, social_worker, child):
    opened = s.open_case(social_worker, s.OpenInput(child_id=str(child.pk), summary="x",
                                                    risk_level=risk))
    assert opened.next_due == NOW + timedelta(hours=hours)


def test_each_step_is_due_from_the_right_moment(case, social_worker, supervisor, clock):
    clock.shift(timedelta(hours=30))
    s.initial_assessment(social_worker, case.pk, assessment("high", safe_now=False,
                                                            safety_actions="送到姑姑家"))
    case.refresh_from_db()
    assert case.next_due == NOW + timedelta(days=14)  # comprehensive: 14 days from opening
    clock.shift(timedelta(days=3))
    s.comprehensive_assessment(social_worker, case.pk, assessment("high"))
    case.refresh_from_db()
    assessed = NOW + timedelta(hours=30, days=3)
    assert case.next_due == assessed + timedelta(days=14)  # plan: 14 days from the assessment
    plan = s.save_plan(social_worker, case.pk, goals(), 0)
    s.submit_plan(social_worker, case.pk, plan.version)
    s.decide_plan(supervisor, case.pk, True)
    case.refresh_from_db()
    assert case.next_due == assessed + timedelta(days=7)  # high risk: reviewed weekly
    assert ChildRisk.objects.get(child=case.child).level == "high"


def test_the_tick_escalates_an_overdue_step_once_per_level(case, social_worker, supervisor,
                                                           officer, clock):
    due = case.next_due  # medium: initial assessment within 72 hours
    clock.move_to(due + timedelta(minutes=5))
    assert s.escalate_overdue_steps() == 1
    assert Notification.objects.filter(recipient=social_worker.user, kind="case_overdue").count() == 1
    assert not Notification.objects.filter(recipient=supervisor.user, kind="case_overdue").exists()
    assert s.escalate_overdue_steps() == 0  # idempotent
    clock.move_to(due + timedelta(days=3, minutes=5))
    assert s.escalate_overdue_steps() == 1
    assert Notification.objects.filter(recipient=supervisor.user, kind="case_overdue").count() == 1
    clock.move_to(due + timedelta(days=8))
    s.escalate_overdue_steps()
    assert Notification.objects.filter(recipient=officer.user, kind="case_overdue").count() == 1
    case.refresh_from_db()
    assert case.escalated == 3
    s.initial_assessment(social_worker, case.pk, assessment())
    case.refresh_from_db()
    assert case.escalated == 0  # a new due time starts again


def test_the_tick_escalates_from_its_job_list(case, clock):
    from everychild.core.tick import run_tick

    clock.move_to(case.next_due + timedelta(days=10))
    results = run_tick()
    assert results["escalate_overdue_steps"] == 1


# --- four eyes and concurrent edits ----------------------------------------------------------------


def test_a_supervisor_never_approves_what_they_submitted(supervisor, child, officer):
    own = s.open_case(supervisor, s.OpenInput(child_id=str(child.pk), summary="x",
                                              caseworker_post_id=str(supervisor.post.pk)))
    s.initial_assessment(supervisor, own.pk, assessment())
    s.comprehensive_assessment(supervisor, own.pk, assessment())
    plan = s.save_plan(supervisor, own.pk, goals(), 0)
    s.submit_plan(supervisor, own.pk, plan.version)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        s.decide_plan(supervisor, own.pk, True)
    assert "another supervisor" in str(refused.value)
    s.decide_plan(officer, own.pk, True)  # the county officer may
    own.refresh_from_db()
    assert own.stage == "implementation"


def test_a_caseworker_cannot_approve(case, social_worker):
    s.initial_assessment(social_worker, case.pk, assessment())
    s.comprehensive_assessment(social_worker, case.pk, assessment())
    plan = s.save_plan(social_worker, case.pk, goals(), 0)
    s.submit_plan(social_worker, case.pk, plan.version)
    with pytest.raises(PermissionDenied):
        s.decide_plan(social_worker, case.pk, True)


def test_returning_a_plan_needs_comments(case, social_worker, supervisor):
    s.initial_assessment(social_worker, case.pk, assessment())
    s.comprehensive_assessment(social_worker, case.pk, assessment())
    s.submit_plan(social_worker, case.pk, s.save_plan(social_worker, case.pk, goals(), 0).version)
    with pytest.raises(ValidationError):
        s.decide_plan(supervisor, case.pk, False, "")
    s.decide_plan(supervisor, case.pk, False, "请补充上学目标")
    case.refresh_from_db()
    assert case.stage == "planning" and case.plan.state == "returned"
    assert case.plan.comments == "请补充上学目标"


def test_two_saves_of_one_plan_version_never_overwrite_each_other(case, social_worker, director):
    s.initial_assessment(social_worker, case.pk, assessment())
    s.comprehensive_assessment(social_worker, case.pk, assessment())
    first = s.save_plan(social_worker, case.pk, goals(1), 0)
    s.save_plan(social_worker, case.pk, goals(2), first.version)  # version 2
    with pytest.raises(s.PlanChanged) as conflict:
        s.save_plan(director, case.pk, goals(3), first.version)  # read at version 1
    assert conflict.value.version == 2
    plan = CasePlan.objects.get(case=case)
    assert plan.version == 2 and len(s.plan_goals(plan)) == 2
    assert list(PlanVersion.objects.filter(plan=plan).values_list("version", flat=True)
                .order_by("version")) == [1, 2]
    with pytest.raises(s.PlanChanged):
        s.submit_plan(social_worker, case.pk, first.version)  # submitting a stale version


def test_a_plan_to_submit_is_complete(case, social_worker):
    s.initial_assessment(social_worker, case.pk, assessment())
    s.comprehensive_assessment(social_worker, case.pk, assessment())
    with pytest.raises(ValidationError):
        s.save_plan(social_worker, case.pk, [{"goal": "上学", "actions": [
            {"what": "联系学校", "who": "", "by": "六月"}]}], 0)
    plan = s.save_plan(social_worker, case.pk, [{"goal": "上学", "actions": []}], 0)
    with pytest.raises(ValidationError):
        s.submit_plan(social_worker, case.pk, plan.version)
    case.refresh_from_db()
    assert case.stage == "planning"


# --- closure -----------------------------------------------------------------------------------------


def test_closure_is_refused_with_everything_missing(case, social_worker, supervisor):
    from everychild.services.models import Referral, ReferralState

    _to_implementation(case, social_worker, supervisor, n_goals=2)
    provider = _provider(case)
    Referral.objects.create(reference="R1", case=case, child=case.child,
                            division_code=case.division_code, provider=provider,
                            service_type="education", need="辅导", sharing_basis="statutory",
                            sent_by=social_worker.user, due_at=NOW, state=ReferralState.ACCEPTED)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        s.request_closure(social_worker, case.pk, "goals_met", "孩子已返校")
    missing = refused.value.message_dict["criterion"]
    assert len(missing) == 2
    assert "1" in missing[0] and "referral" in missing[0]  # one referral still open
    assert "2" in missing[1]  # two goals not met
    case.refresh_from_db()
    assert case.stage == "implementation"


def _provider(case):
    from everychild.services.models import ServiceProvider

    agency = Agency.objects.create(name="测试学校", kind="school", division_id=COUNTY)
    return ServiceProvider.objects.create(name="测试学校", kind="school", agency=agency,
                                          division_code=COUNTY)


def test_closure_approved_then_reopened(case, social_worker, supervisor):
    _to_implementation(case, social_worker, supervisor, status="met")
    s.request_closure(social_worker, case.pk, "goals_met", "孩子已返校，安全")
    s.decide_closure(supervisor, case.pk, True)
    case.refresh_from_db()
    assert case.stage == "closed" and case.closed_at == NOW and case.next_due is None
    with pytest.raises(PermissionDenied):
        s.reopen(social_worker, case.pk, "x")
    s.reopen(supervisor, case.pk, "又接到报告")
    case.refresh_from_db()
    assert case.stage == "intake" and case.reopened == 1 and case.due_for == "initial_assessment"


def test_a_returned_closure_restores_the_stage_and_its_due(case, social_worker, supervisor):
    s.add_note(social_worker, case.pk, s.NoteInput(text="交接给外省", kind="handover"))
    s.request_closure(social_worker, case.pk, "transferred", "已迁出")
    s.decide_closure(supervisor, case.pk, False, "请先确认迁入地")
    case.refresh_from_db()
    assert case.stage == "intake" and case.due_for == "initial_assessment"


def test_a_conference_names_who_took_part(case, social_worker):
    with pytest.raises(ValidationError):
        s.add_note(social_worker, case.pk, s.NoteInput(text="讨论", kind="conference"))
    note = s.add_note(social_worker, case.pk, s.NoteInput(
        text="讨论安置", kind="conference", attendees="社工、儿童督导员、班主任", decisions="转介心理"))
    assert note.attendees.startswith("社工")


# --- from a report's welfare concern ------------------------------------------------------------------


def test_a_welfare_concern_opens_a_case_for_civil_affairs(director, child, make_actor, officer):
    from everychild.reports import services as reports
    from everychild.reports.tests.factories import routing_table

    units = routing_table(COUNTY)
    police = make_actor("police_officer", COUNTY, agency=units[(COUNTY, "police")])
    filed = reports.file_report(director, reports.ReportInput(
        child_id=str(child.pk), situations=["abandonment"], what_happened="孩子长期独自在家"))
    reports.act(police, filed.report.pk, "welfare_concern", "无犯罪，需要照料")
    deliver()
    opened = Case.objects.get(child=child)
    assert opened.source == "report" and opened.report_id == filed.report.pk
    assert opened.opened_by is None and opened.risk_level == "high"
    assert opened.summary_text  # a system message, shown in the reader's language
    # no township supervisor here: the county officer is asked to assign it
    assert Notification.objects.filter(recipient=officer.user, kind="case").exists()
    deliver()
    assert Case.objects.filter(child=child).count() == 1


def test_the_township_supervisor_is_asked_first(case):
    assert [p.division_id for p in s.supervisors(case)] in ([], [TOWNSHIP])
    assert VILLAGE.startswith(TOWNSHIP[:9])
