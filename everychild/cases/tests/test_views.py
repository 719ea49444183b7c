"""Case-management pages at request level: the caseload, opening a case, a case's record and
every form of its lifecycle by POST from opening to closure, inside and outside the jurisdiction,
with and without the capability; bad input (422), the four-eyes refusal, two plan saves from the
same version (409, the first kept), a refused closure listing what is missing; referrals made and
cancelled from a case; the child profile's list of cases."""

import re

import pytest
from django.template import Context, Template
from django.urls import reverse

from everychild.audit.models import AuditEvent
from everychild.cases import services
from everychild.cases.models import Case, CaseNote, CasePlan
from everychild.cases.services import OpenInput, open_case
from everychild.cases.tests.factories import COUNTY, TOWNSHIP, assessment, goals
from everychild.registry.services import register_child
from everychild.registry.tests.factories import VILLAGE, left_behind
from everychild.services import services as directory
from everychild.services.models import Referral, ReferralState

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def signed_in(client, actor, language: str = "en"):
    """The client signed in as ``actor`` (one post: the acting one), reading ``language``."""
    client.force_login(actor.user)
    client.cookies["django_language"] = language
    return client


def detail(case) -> str:
    return reverse("cases:detail", kwargs={"case_id": case.pk})


def url(name: str, case) -> str:
    return reverse(f"cases:{name}", kwargs={"case_id": case.pk})


def stage_of(case) -> str:
    return Case.objects.get(pk=case.pk).stage


def marked(page: str) -> set[str]:
    return set(re.findall(r'data-testid="([\w-]+)"', page))


def initial_post(risk: str = "medium", **extra) -> dict:
    return {"initial-risk_level": risk, "initial-safe_now": "yes",
            "initial-need_care": "祖母年迈，照料不足", "initial-summary": "暂时安全",
            "initial-strengths": "奶奶很关心孩子", **extra}


def comprehensive_post(**extra) -> dict:
    return {"comprehensive-risk_level": "medium", "comprehensive-safe_now": "yes",
            "comprehensive-need_education": "常缺课", "comprehensive-summary": "需要课后照料",
            "comprehensive-child_views": "想和奶奶住", **extra}


def plan_post(version: int, goal: str = "孩子按时上学", what: str = "联系学校",
              do: str = "save", goal_id: str = "") -> dict:
    return {"version": str(version), "goals": "2", "do": do,
            "g1-id": goal_id, "g1-status": "open", "g1-goal": goal, "g1-actions": "2",
            "g1-a1-what": what, "g1-a1-who": "儿童主任", "g1-a1-by": "2025-06-30",
            "g1-a2-what": "", "g1-a2-who": "", "g1-a2-by": "",
            "g2-id": "", "g2-status": "open", "g2-goal": "", "g2-actions": "1",
            "g2-a1-what": "", "g2-a1-who": "", "g2-a1-by": ""}


def to_planning(case, actor) -> None:
    services.initial_assessment(actor, case.pk, assessment())
    services.comprehensive_assessment(actor, case.pk, assessment())


def to_implementation(case, actor, approver) -> None:
    to_planning(case, actor)
    plan = services.save_plan(actor, case.pk, goals(1), 0)
    services.submit_plan(actor, case.pk, plan.version)
    services.decide_plan(approver, case.pk, True)



@pytest.fixture
def hotline(make_actor):
    """Sees children's reports, not cases: no case capability."""
    return make_actor("hotline_operator", COUNTY)


@pytest.fixture
def provider(officer):
    """A state-run provider offering casework to the whole county."""
    return directory.save_provider(officer, directory.ProviderInput(
        name="洋县儿童社会工作服务站", kind="social_work", division_code=COUNTY,
        services=["casework", "psychological"], coverage=[COUNTY], state_run=True))


# --- the caseload ----------------------------------------------------------------------------------


def test_the_caseload_shows_the_actor_s_cases_by_view(client, case, social_worker, supervisor,
                                                      child):
    page = signed_in(client, social_worker).get(reverse("cases:list"))
    assert page.status_code == 200
    html = page.content.decode()
    row = html[html.index('data-testid="case-row"'):]
    assert 'aria-current="page" data-testid="view-mine"' in html  # a caseworker with cases
    assert case.reference in row and child.name in row and "东咀村" in row
    assert "initial safety assessment" in row  # the stage and the step due
    assert "My cases (1)" in html and "Unassigned (0)" in html
    assert AuditEvent.objects.filter(action="case.list").exists()
    supervised = signed_in(client, supervisor).get(reverse("cases:list")).content.decode()
    assert 'aria-current="page" data-testid="view-open"' in supervised  # no case of their own
    assert case.reference in supervised
    waiting = client.get(reverse("cases:list"), {"view": "decisions"}).content.decode()
    assert 'data-testid="case-row"' not in waiting and 'data-testid="no-cases"' in waiting
    by_stage = client.get(reverse("cases:list"), {"view": "open", "stage": "planning"})
    assert case.reference not in by_stage.content.decode()


def test_the_caseload_is_overdue_marked_and_scoped(client, case, clock, social_worker,
                                                   lc_officer, hotline):
    clock.shift(4 * 24 * 3600)  # a medium-risk initial assessment was due within 3 days
    html = signed_in(client, social_worker).get(reverse("cases:list"),
                                                {"view": "overdue"}).content.decode()
    assert case.reference in html and 'class="work overdue"' in html
    outside = signed_in(client, lc_officer).get(reverse("cases:list"), {"view": "open"})
    assert outside.status_code == 200 and case.reference not in outside.content.decode()
    assert signed_in(client, hotline).get(reverse("cases:list")).status_code == 403


# --- opening a case --------------------------------------------------------------------------------


def test_a_caseworker_opens_a_case_for_a_child_and_takes_it(client, director, child):
    new = reverse("cases:new") + f"?child={child.pk}"
    page = signed_in(client, director).get(new)
    assert page.status_code == 200 and child.name in page.content.decode()
    assert AuditEvent.objects.filter(action="child.read", detail__purpose="case").exists()
    assert 'name="caseworker_post_id"' not in page.content.decode()  # not a supervisor
    empty = client.post(new, {"summary": "", "take": "on"})
    assert empty.status_code == 422 and "This field is required." in empty.content.decode()
    assert not Case.objects.exists()
    done = client.post(new, {"summary": "孩子常独自在家", "risk_level": "", "take": "on"})
    case = Case.objects.get()
    assert done.status_code == 302 and done["Location"] == detail(case)
    assert case.source == "direct" and case.caseworker_id == director.user.pk
    again = client.post(new, {"summary": "再开一个", "take": "on"})
    assert again.status_code == 422 and Case.objects.count() == 1
    assert f"This child already has an open case ({case.reference})" in again.content.decode()


def test_a_supervisor_assigns_when_opening_and_bad_links_are_refused(client, officer, child,
                                                                     social_worker):
    new = reverse("cases:new") + f"?child={child.pk}"
    page = signed_in(client, officer).get(new).content.decode()
    assert f'value="{social_worker.post.pk}"' in page  # the caseworkers of the child's place
    from everychild.core.ids import uuid7

    wrong = client.post(new + f"&report={uuid7()}", {"summary": "来自报告"})
    assert wrong.status_code == 422 and "This report is not about this child." in \
        wrong.content.decode()
    visit = uuid7()
    done = client.post(new + f"&visit={visit}", {
        "summary": "走访发现", "risk_level": "high",
        "caseworker_post_id": str(social_worker.post.pk)})
    assert done.status_code == 302
    case = Case.objects.get()
    assert (case.source, case.source_id, case.risk_level) == ("visit", str(visit), "high")
    assert case.caseworker_post_id == social_worker.post.pk


def test_opening_is_refused_outside_the_jurisdiction_or_without_the_capability(
        client, child, lc_officer, hotline, make_actor):
    new = reverse("cases:new") + f"?child={child.pk}"
    assert signed_in(client, lc_officer).get(new).status_code == 404
    assert client.post(new, {"summary": "x"}).status_code == 404 and not Case.objects.exists()
    assert signed_in(client, hotline).get(new).status_code == 403
    assert signed_in(client, make_actor("police_officer", COUNTY)).get(new).status_code == 403
    assert signed_in(client, make_actor("social_worker", COUNTY)).get(
        reverse("cases:new")).status_code == 404  # no child named


# --- one case --------------------------------------------------------------------------------------


def test_the_case_page_shows_the_case_and_only_the_forms_of_its_step(client, case, child,
                                                                     social_worker, supervisor):
    page = signed_in(client, social_worker).get(detail(case))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-stage="intake"' in html and child.name in html
    assert reverse("child_detail", kwargs={"child_id": child.pk}) in html
    assert "initial safety assessment within 72 hours" in html  # the reason, citing the policy
    ids = marked(html)
    assert {"case-stage", "case-due", "case-due-reason", "initial-assessment-form",
            "closure-form", "note-form", "case-steps"} <= ids
    assert not ids & {"plan-form", "approve-plan", "decide-closure-form", "reopen-form",
                      "assign-form", "take-case", "make-referral"}
    assert AuditEvent.objects.filter(action="case.read").exists()
    supervised = marked(signed_in(client, supervisor).get(detail(case)).content.decode())
    assert "assign-form" in supervised  # a supervisor may reassign


def test_a_case_outside_the_jurisdiction_is_a_404_and_no_capability_a_403(
        client, case, lc_officer, hotline, make_actor, social_worker):
    for name in ("detail",):
        assert signed_in(client, lc_officer).get(url(name, case)).status_code == 404
    posts = {"initial_assessment": initial_post(), "note": {"note-kind": "note", "note-text": "x"},
             "closure": {"closure-criterion": "goals_met", "closure-note": "x"},
             "plan": plan_post(0), "assign": {"assign-caseworker_post_id": str(lc_officer.post.pk)}}
    for name, data in posts.items():
        assert client.post(url(name, case), data).status_code == 404, name
    from everychild.core.ids import uuid7

    assert client.get(reverse("cases:detail", kwargs={"case_id": uuid7()})).status_code == 404
    assert signed_in(client, hotline).get(detail(case)).status_code == 403
    assert client.post(url("note", case), {"note-kind": "note", "note-text": "x"}
                       ).status_code == 403 and not CaseNote.objects.exists()
    assert signed_in(client, make_actor("county_analyst", COUNTY)).get(
        detail(case)).status_code == 403
    # a caseworker may not decide, reopen or assign someone else
    signed_in(client, social_worker)
    assert client.post(url("decide_plan", case), {
        "plan_decision-decision": "approve"}).status_code == 403
    assert client.post(url("reopen", case), {"reopen-reason": "x"}).status_code == 403
    assert stage_of(case) == "intake"


def test_the_whole_case_by_posts_from_opening_to_closure(client, case, child, social_worker,
                                                         supervisor, officer, provider,
                                                         make_actor):
    signed_in(client, social_worker)
    done = client.post(url("initial_assessment", case), initial_post())
    assert done.status_code == 302 and done["Location"] == detail(case)
    assert stage_of(case) == "assessment"
    no_views = client.post(url("comprehensive_assessment", case),
                           comprehensive_post(**{"comprehensive-child_views": ""}))
    assert no_views.status_code == 422 and stage_of(case) == "assessment"
    assert "Record the child&#x27;s own views" in no_views.content.decode()
    assert client.post(url("comprehensive_assessment", case),
                       comprehensive_post()).status_code == 302
    assert stage_of(case) == "planning"
    page = client.get(detail(case)).content.decode()
    assert 'data-testid="plan-form"' in page and 'name="version" value="0"' in page
    assert "常缺课" in page and "想和奶奶住" in page  # the assessments are on the record
    assert client.post(url("plan", case), plan_post(0)).status_code == 302
    plan = CasePlan.objects.get(case=case)
    assert plan.version == 1 and plan.state == "draft"
    goal_id = services.plan_goals(plan)[0]["id"]
    submitted = client.post(url("plan", case), plan_post(1, do="submit", goal_id=goal_id))
    assert submitted.status_code == 302 and stage_of(case) == "plan_review"
    assert CasePlan.objects.get(case=case).state == "submitted"

    signed_in(client, supervisor)
    assert 'data-testid="approve-plan"' in client.get(detail(case)).content.decode()
    approved = client.post(url("decide_plan", case), {"plan_decision-decision": "approve",
                                                      "plan_decision-comments": ""})
    assert approved.status_code == 302 and stage_of(case) == "implementation"

    signed_in(client, social_worker)
    page = client.get(detail(case)).content.decode()
    assert {"review-form", "revise-form", "make-referral", "closure-form"} <= marked(page)
    chooser = client.get(url("referral_new", case), {"service_type": "casework"})
    assert chooser.status_code == 200 and provider.name in chooser.content.decode()
    assert "state-run" in chooser.content.decode()
    sent = client.post(url("referral_new", case), {
        "referral-service_type": "casework", "referral-provider_id": str(provider.pk),
        "referral-need": "每周上门辅导", "referral-share": ["name", "sex", "age"],
        "referral-goal_id": goal_id, "referral-safety_reason": ""})
    assert sent.status_code == 302
    referral = Referral.objects.get(case=case)
    assert (referral.goal_id, referral.sharing_basis) == (goal_id, "statutory")

    refused = client.post(url("closure", case), {"closure-criterion": "goals_met",
                                                 "closure-note": "目标已达成"})
    assert refused.status_code == 422 and stage_of(case) == "implementation"
    html = refused.content.decode()
    missing = html[html.index('data-testid="closure-missing"'):]
    missing = missing[:missing.index("</ul>")]
    assert "1 referrals are still open" in missing
    assert "1 of the plan&#x27;s 1 goals are not marked as met" in missing
    assert missing.count("<li>") == 2

    staff = make_actor("service_provider", COUNTY, agency=provider.agency)
    directory.respond(staff, referral.pk, "accept")
    directory.respond(staff, referral.pk, "complete", "已完成辅导", "achieved")
    page = client.get(detail(case)).content.decode()
    assert 'data-testid="loop-closed"' in page and "已完成辅导" in page

    reviewed = client.post(url("review", case), {
        "review-risk_level": "low", "review-summary": "孩子按时上学",
        "review-child_views": "喜欢现在的安排", f"review-goal_{goal_id}": "met"})
    assert reviewed.status_code == 302
    assert services.plan_goals(CasePlan.objects.get(case=case))[0]["status"] == "met"
    asked = client.post(url("closure", case), {"closure-criterion": "goals_met",
                                               "closure-note": "目标已达成，孩子安全"})
    assert asked.status_code == 302 and stage_of(case) == "closure_review"

    signed_in(client, supervisor)
    closed = client.post(url("decide_closure", case), {"closure_decision-decision": "approve"})
    assert closed.status_code == 302 and stage_of(case) == "closed"
    page = client.get(detail(case)).content.decode()
    assert 'data-testid="reopen-form"' in page and 'data-testid="closure-form"' not in page
    reopened = client.post(url("reopen", case), {"reopen-reason": "又出现独自在家的情况"})
    assert reopened.status_code == 302 and stage_of(case) == "intake"
    steps = client.get(detail(case)).content.decode().count('data-testid="case-step"')
    assert steps >= 12  # open, assign, each step, the referral's answers, reopen


def test_a_supervisor_never_decides_on_their_own_case(client, child, supervisor, officer):
    case = open_case(supervisor, OpenInput(child_id=str(child.pk), summary="督导员自己负责",
                                           caseworker_post_id=str(supervisor.post.pk)))
    to_planning(case, supervisor)
    plan = services.save_plan(supervisor, case.pk, goals(1), 0)
    services.submit_plan(supervisor, case.pk, plan.version)
    refused = signed_in(client, supervisor).post(url("decide_plan", case), {
        "plan_decision-decision": "approve"})
    assert refused.status_code == 422 and stage_of(case) == "plan_review"
    html = refused.content.decode()
    assert "another supervisor must decide" in html and 'data-testid="decision-errors"' in html
    back = signed_in(client, officer).post(url("decide_plan", case), {
        "plan_decision-decision": "return", "plan_decision-comments": ""})
    assert back.status_code == 422 and "This field is required." in back.content.decode()
    assert client.post(url("decide_plan", case), {
        "plan_decision-decision": "return", "plan_decision-comments": "请补充行动"}
    ).status_code == 302
    assert stage_of(case) == "planning"
    assert "请补充行动" in client.get(detail(case)).content.decode()


def test_a_plan_is_revised_and_a_closure_returned_from_the_page(client, case, social_worker,
                                                                supervisor, officer):
    to_implementation(case, social_worker, supervisor)
    signed_in(client, social_worker)
    blank = client.post(url("revise", case), {"revise-reason": ""})
    assert blank.status_code == 422 and stage_of(case) == "implementation"
    revised = client.post(url("revise", case), {"revise-reason": "孩子转学，需要调整"})
    assert revised.status_code == 302 and stage_of(case) == "planning"
    html = client.get(detail(case)).content.decode()
    editor = html[html.index('data-testid="plan-form"'):]
    assert "目标1：孩子按时上学" in editor and 'name="version" value="2"' in editor
    assert client.post(url("closure", case), {"closure-criterion": "declined",
                                              "closure-note": "家庭拒绝服务"}).status_code == 302
    assert stage_of(case) == "closure_review"
    back = signed_in(client, officer).post(url("decide_closure", case), {
        "closure_decision-decision": "return", "closure_decision-comments": "仍需跟进"})
    assert back.status_code == 302 and stage_of(case) == "planning"  # where it came from
    assert "仍需跟进" in client.get(detail(case)).content.decode()


def test_two_saves_from_the_same_version_the_second_is_a_409_and_loses_nothing(
        client, case, social_worker, director):
    to_planning(case, social_worker)
    first = signed_in(client, social_worker).post(url("plan", case),
                                                   plan_post(0, goal="第一人写的目标"))
    assert first.status_code == 302
    second = signed_in(client, director).post(url("plan", case),
                                              plan_post(0, goal="第二人写的目标",
                                                        what="第二人的行动"))
    assert second.status_code == 409
    html = second.content.decode()
    assert "The case plan was changed by" in html and 'data-testid="plan-conflict"' in html
    form = html[html.index('data-testid="plan-form"'):]
    assert "第二人写的目标" in form and "第二人的行动" in form  # what was typed is kept
    assert 'name="version" value="1"' in form
    current = html[html.index('data-testid="case-plan"'):html.index('data-testid="plan-form"')]
    assert "第一人写的目标" in current
    plan = CasePlan.objects.get(case=case)
    assert plan.version == 1 and services.plan_goals(plan)[0]["goal"] == "第一人写的目标"


def test_the_plan_editor_adds_rows_without_saving_and_reports_bad_rows(client, case,
                                                                       social_worker):
    to_planning(case, social_worker)
    signed_in(client, social_worker)
    more = client.post(url("plan", case), {**plan_post(0), "do": "add_goal"})
    assert more.status_code == 200 and not CasePlan.objects.exists()
    html = more.content.decode()
    assert html.count('data-testid="plan-goal-row"') == 3 and "孩子按时上学" in html
    more = client.post(url("plan", case), {**plan_post(0), "do": "add_action:1"})
    assert more.content.decode().count('data-testid="plan-action-row"') == 4
    bad = client.post(url("plan", case), {**plan_post(0), "g1-a1-by": "下个月"})
    assert bad.status_code == 422 and not CasePlan.objects.exists()
    assert "Goal 1, action 1: say what, who and by when (YYYY-MM-DD)." in bad.content.decode()
    empty = client.post(url("plan", case), {**plan_post(0, goal="只有目标", what=""),
                                            "g1-a1-who": "", "g1-a1-by": "", "do": "submit"})
    assert empty.status_code == 422 and stage_of(case) == "planning"
    assert "at least one action" in empty.content.decode()
    assert CasePlan.objects.get(case=case).version == 1  # the draft was kept


def test_bad_input_is_a_422_with_the_message(client, case, social_worker):
    signed_in(client, social_worker)
    unsafe = client.post(url("initial_assessment", case), initial_post(**{
        "initial-safe_now": "no", "initial-safety_actions": ""}))
    assert unsafe.status_code == 422 and stage_of(case) == "intake"
    assert "The child is not safe: record the immediate safety actions." in \
        unsafe.content.decode()
    no_risk = client.post(url("initial_assessment", case), initial_post(risk="extreme"))
    assert no_risk.status_code == 422
    conference = client.post(url("note", case), {"note-kind": "conference",
                                                 "note-text": "个案会议", "note-attendees": ""})
    assert conference.status_code == 422 and "This field is required." in \
        conference.content.decode()
    future = client.post(url("note", case), {"note-kind": "note", "note-text": "x",
                                             "note-held_on": "2099-01-01"})
    assert future.status_code == 422 and "The date cannot be in the future." in \
        future.content.decode()
    assert not CaseNote.objects.exists()
    held = client.post(url("note", case), {
        "note-kind": "conference", "note-text": "个案会议", "note-attendees": "社工、儿童主任",
        "note-decisions": "每周家访", "note-held_on": "2025-06-01"})
    assert held.status_code == 302 and CaseNote.objects.get().attendees == "社工、儿童主任"
    assert "每周家访" in client.get(detail(case)).content.decode()
    wrong_step = client.post(url("review", case), {
        "review-risk_level": "low", "review-summary": "x", "review-child_views": "y"})
    assert wrong_step.status_code == 422
    assert "You cannot record a review while the case is at this stage" in \
        wrong_step.content.decode()


def test_a_refused_closure_lists_everything_missing(client, case, social_worker):
    refused = signed_in(client, social_worker).post(url("closure", case), {
        "closure-criterion": "goals_met", "closure-note": ""})
    assert refused.status_code == 422 and stage_of(case) == "intake"
    html = refused.content.decode()
    missing = html[html.index('data-testid="closure-missing"'):]
    missing = missing[:missing.index("</ul>")]
    assert "Say why the case can close." in missing and "The case plan has no goals." in missing


def test_an_unassigned_case_is_taken_by_a_caseworker_or_assigned_by_a_supervisor(
        client, child, officer, social_worker, director, supervisor):
    case = open_case(officer, OpenInput(child_id=str(child.pk), summary="待分配"))
    page = signed_in(client, director).get(detail(case)).content.decode()
    assert 'data-testid="take-case"' in page
    other = client.post(url("assign", case), {
        "assign-caseworker_post_id": str(social_worker.post.pk)})
    assert other.status_code == 403 and Case.objects.get(pk=case.pk).caseworker_id is None
    taken = client.post(url("assign", case), {"assign-caseworker_post_id": str(director.post.pk)})
    assert taken.status_code == 302
    assert Case.objects.get(pk=case.pk).caseworker_id == director.user.pk
    assert 'data-testid="take-case"' not in client.get(detail(case)).content.decode()
    moved = signed_in(client, supervisor).post(url("assign", case), {
        "assign-caseworker_post_id": str(social_worker.post.pk)})
    assert moved.status_code == 302
    assert Case.objects.get(pk=case.pk).caseworker_post_id == social_worker.post.pk


def test_a_referral_is_refused_with_the_reason_and_cancelled_with_one(
        client, case, social_worker, supervisor, provider, officer, lc_officer):
    signed_in(client, social_worker)
    early = client.get(url("referral_new", case))
    assert early.status_code == 200 and 'data-testid="referral-not-now"' in \
        early.content.decode()
    to_implementation(case, social_worker, supervisor)
    non_state = directory.save_provider(officer, directory.ProviderInput(
        name="公益心理咨询中心", kind="psychological", division_code=COUNTY,
        services=["psychological"], coverage=[COUNTY], state_run=False))
    page = client.get(url("referral_new", case), {"service_type": "psychological"}).content.decode()
    assert non_state.name in page and "non-state" in page
    ticked = re.findall(r'name="referral-share" value="(\w+)"[^>]*checked', page)
    assert ticked == ["name", "sex", "age"]  # what is shared by default
    body = {"referral-service_type": "psychological", "referral-provider_id": str(non_state.pk),
            "referral-need": "心理疏导", "referral-share": ["name", "age"]}
    no_basis = client.post(url("referral_new", case), body)
    assert no_basis.status_code == 422 and not Referral.objects.exists()
    assert "not run by the state" in no_basis.content.decode()
    no_need = client.post(url("referral_new", case), {**body, "referral-need": "",
                                                      "referral-safety_reason": "孩子有自伤风险"})
    assert no_need.status_code == 422 and not Referral.objects.exists()
    sent = client.post(url("referral_new", case), {**body,
                                                   "referral-safety_reason": "孩子有自伤风险"})
    assert sent.status_code == 302
    referral = Referral.objects.get()
    assert referral.sharing_basis == "safety"
    cancel = reverse("cases:referral_cancel", kwargs={"referral_id": referral.pk})
    assert 'data-testid="cancel-referral-form"' in client.get(detail(case)).content.decode()
    assert signed_in(client, lc_officer).post(cancel, {"cancel-reason": "x"}).status_code == 404
    signed_in(client, social_worker)
    no_reason = client.post(cancel, {"cancel-reason": ""})
    assert no_reason.status_code == 422 and "This field is required." in \
        no_reason.content.decode()
    done = client.post(cancel, {"cancel-reason": "家长已自行联系"})
    assert done.status_code == 302 and Referral.objects.get().state == ReferralState.CANCELLED
    page = client.get(detail(case)).content.decode()
    assert "家长已自行联系" in page and 'data-testid="loop-closed"' in page


def test_the_pages_are_in_chinese_by_default(client, case, social_worker):
    client.force_login(social_worker.user)
    html = client.get(detail(case)).content.decode()
    assert 'lang="zh-hans"' in html and case.reference in html


# --- the child's profile --------------------------------------------------------------------------


def render_child_cases(actor, child) -> str:
    return Template("{% load case_tags %}{% child_cases child %}").render(
        Context({"actor": actor, "child": child}))


def test_the_child_profile_lists_the_child_s_cases(case, child, social_worker, director,
                                                   hotline, lc_officer, make_actor):
    html = render_child_cases(social_worker, child)
    assert case.reference in html and detail(case) in html
    assert 'data-testid="open-case-link"' not in html  # a case is open
    other = register_child(director, left_behind(name="李娜", village=VILLAGE),
                           today=case.opened_at.date())
    fresh = render_child_cases(director, other)
    assert 'data-testid="child-cases"' in fresh and 'data-testid="open-case-link"' in fresh
    assert f"?child={other.pk}" in fresh
    assert render_child_cases(hotline, child).strip() == ""
    assert render_child_cases(lc_officer, child).strip() == ""
    supervisor = make_actor("child_supervisor", TOWNSHIP)
    assert case.reference in render_child_cases(supervisor, child)
