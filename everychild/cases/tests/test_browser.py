"""The whole case-management journey in Chromium at phone size (360x740), as the demo users:
a child director reports suspected harm from a child's record; the county civil-affairs officer
receives it and opens a case for the social worker; the social worker records the initial safety
assessment, the comprehensive assessment and the plan; the township supervisor approves the plan;
the social worker refers the child to the children's centre, whose staff accept and complete it
from a phone; the social worker reviews the case and asks to close it, which is refused while the child's
risk stays high; the supervisor lowers it; the social worker asks again and the supervisor approves
the closure. Every page fits the screen and nothing is fetched from anywhere but the server.

Run: .venv/bin/pytest everychild/cases/tests/test_browser.py
"""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_shell import assert_fits_width, assert_only_live_server, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DIRECTOR, OFFICER, WORKER = "yx_child_director", "yx_civil_affairs_officer", "yx_social_worker"
SUPERVISOR, PROVIDER = "yx_child_supervisor", "yx_service_provider"


@pytest.fixture
def demo():
    """The demo users, the routing table, the directory, and one left-behind child registered
    in the director's village."""
    from everychild.access.policy import actor_for_post
    from everychild.accounts.demo import DEMO_PASSWORD, load_demo
    from everychild.accounts.models import Post
    from everychild.core.outbox import deliver
    from everychild.places.models import Division
    from everychild.registry.services import register_child
    from everychild.registry.tests.factories import left_behind
    from everychild.reports.demo import load_reports
    from everychild.services.demo import load_directory

    load_demo()
    load_reports()
    load_directory("yx", Division.objects.get(pk="610723000000"))
    director = actor_for_post(Post.objects.get(user__username=DIRECTOR))
    child = register_child(director, left_behind(name="刘小禾", village=director.post.division_id),
                           confirmed=True)
    deliver()
    return DEMO_PASSWORD, child


def as_user(page: Page, live_server, username: str, password: str) -> None:
    if page.get_by_test_id("logout").count():
        page.get_by_test_id("logout").click()
        expect(page).to_have_url(re.compile(r"/accounts/login/"))
    sign_in(page, live_server, username, password)
    expect(page.get_by_test_id("acting-post")).to_be_visible()


def on_case(page: Page, live_server, case_id) -> None:
    page.goto(f"{live_server.url}/cases/{case_id}/")
    assert_fits_width(page)


def fill_assessment(form, risk: str, views: str) -> None:
    form.locator(f"input[name$=risk_level][value={risk}]").check()
    form.locator("textarea[name$=need_care]").fill("放学后无人照看")
    form.locator("textarea[name$=child_views]").fill(views)
    form.locator("textarea[name$=summary]").fill("奶奶年迈，孩子常独自在家")


def request_closure(page: Page) -> None:
    page.get_by_test_id("closure-toggle").click()
    form = page.get_by_test_id("closure-form")
    form.locator("input[name$=criterion][value=goals_met]").check()
    form.locator("textarea[name$=note]").fill("目标达成，孩子安全，转介已完成。")
    page.get_by_test_id("request-closure").click()


def test_report_to_closed_case(live_server, page: Page, demo, requests_seen):
    from everychild.cases.models import Case
    from everychild.reports.models import Report
    from everychild.services.models import Referral

    password, child = demo
    # 1. the child director reports suspected harm from the child's record
    as_user(page, live_server, DIRECTOR, password)
    page.goto(f"{live_server.url}/children/{child.pk}/")
    page.get_by_test_id("report-link").click()
    form = page.get_by_test_id("report-form")
    form.locator("input[name=situations][value=abandonment]").check()
    form.locator("textarea[name=what_happened]").fill("孩子已独自在家一周，无人照料。")
    page.get_by_test_id("send-report").click()
    report = Report.objects.get(child=child)

    # 2. civil affairs receive it and open a case for the social worker
    as_user(page, live_server, OFFICER, password)
    page.goto(f"{live_server.url}/reports/{report.pk}/")
    page.get_by_test_id("open-case").click()
    expect(page.get_by_test_id("new-case-child")).to_contain_text("刘小禾")
    form = page.get_by_test_id("new-case-form")
    form.locator("textarea[name$=summary]").fill("报告称孩子长期无人照料，需个案跟进。")
    worker = form.locator("select[name$=caseworker_post_id] option", has_text="社会工作者")
    form.locator("select[name$=caseworker_post_id]").select_option(worker.first.get_attribute(
        "value"))
    assert_fits_width(page)
    page.get_by_test_id("open-case").click()
    expect(page.get_by_test_id("case-stage")).to_have_attribute("data-stage", "intake")
    case = Case.objects.get(child=child)
    assert case.report_id == report.pk and case.risk_level == "high"

    # 3. the social worker: initial safety assessment, comprehensive assessment, the plan
    as_user(page, live_server, WORKER, password)
    page.get_by_test_id("nav-cases").click()
    page.locator(f"[data-testid=case-row] a[href='/cases/{case.pk}/']").first.click()
    form = page.get_by_test_id("initial-assessment-form")
    fill_assessment(form, "high", "害怕一个人在家")
    form.locator("input[name$=safe_now][value=no]").check()
    form.locator("textarea[name$=safety_actions]").fill("当晚安排到姑姑家暂住")
    assert_fits_width(page)
    page.get_by_test_id("initial-assessment-form-submit").click()
    expect(page.get_by_test_id("case-stage")).to_have_attribute("data-stage", "assessment")
    form = page.get_by_test_id("comprehensive-assessment-form")
    fill_assessment(form, "medium", "想和奶奶一起住，也想去儿童之家玩")
    page.get_by_test_id("comprehensive-assessment-form-submit").click()
    expect(page.get_by_test_id("case-stage")).to_have_attribute("data-stage", "planning")
    plan = page.get_by_test_id("plan-form")
    plan.get_by_test_id("goal-text").first.fill("孩子放学后有安全的去处")
    plan.get_by_test_id("action-what").first.fill("转介到儿童之家参加课后活动")
    plan.get_by_test_id("action-who").first.fill("社会工作者")
    plan.get_by_test_id("action-by").first.fill((date.today() + timedelta(days=30)).isoformat())
    assert_fits_width(page)
    page.get_by_test_id("submit-plan").click()
    expect(page.get_by_test_id("case-stage")).to_have_attribute("data-stage", "plan_review")

    # 4. the township supervisor approves the plan
    as_user(page, live_server, SUPERVISOR, password)
    on_case(page, live_server, case.pk)
    page.get_by_test_id("approve-plan").click()
    expect(page.get_by_test_id("case-stage")).to_have_attribute("data-stage", "implementation")

    # 5. the social worker refers the child to the children's centre
    as_user(page, live_server, WORKER, password)
    on_case(page, live_server, case.pk)
    page.get_by_test_id("make-referral").click()
    page.get_by_test_id("service-filter").locator("select[name=service_type]").select_option(
        "day_care")
    page.get_by_test_id("show-providers").click()
    form = page.get_by_test_id("referral-form")
    centre = form.locator("select[name$=provider_id] option", has_text="儿童之家")
    form.locator("select[name$=provider_id]").select_option(centre.first.get_attribute("value"))
    form.locator("textarea[name$=need]").fill("放学后到儿童之家参加活动，有人照看。")
    assert_fits_width(page)
    page.get_by_test_id("send-referral").click()
    expect(page.get_by_test_id("referral-row")).to_have_attribute("data-state", "sent")
    referral = Referral.objects.get(case=case)

    # 6. the children's centre accepts and completes it, from a phone
    as_user(page, live_server, PROVIDER, password)
    page.get_by_test_id("nav-referrals").click()
    page.locator(f"a[href='/services/referrals/{referral.pk}/']").first.click()
    expect(page.get_by_test_id("shared-info")).to_contain_text("刘小禾")
    expect(page.locator("body")).not_to_contain_text("奶奶年迈")  # the case itself stays away
    assert_fits_width(page)
    page.get_by_test_id("referral-accept").click()
    expect(page.get_by_test_id("referral-state")).to_have_attribute("data-state", "accepted")
    form = page.get_by_test_id("referral-complete-form")
    form.locator("input[name=outcome][value=achieved]").check()
    form.locator("textarea[name=text]").fill("孩子每天放学后在儿童之家，奶奶按时来接。")
    page.get_by_test_id("referral-complete").click()
    expect(page.get_by_test_id("referral-state")).to_have_attribute("data-state", "completed")

    # 7. the social worker reviews the case (goal met) and asks to close it
    as_user(page, live_server, WORKER, password)
    on_case(page, live_server, case.pk)
    expect(page.get_by_test_id("loop-closed")).to_be_visible()
    form = page.get_by_test_id("review-form")
    form.locator("input[name$=risk_level][value=low]").check()
    form.locator("textarea[name$=summary]").fill("孩子放学后有人照看，情况稳定。")
    form.locator("textarea[name$=child_views]").fill("喜欢儿童之家")
    form.locator("input[name*=goal_][value=met]").first.check()
    page.get_by_test_id("record-review").click()
    expect(page.get_by_test_id("plan-goal").first).to_have_attribute("data-status", "met")
    request_closure(page)
    # the report made the child's risk high, and a high level stands until a supervisor lowers it
    expect(page.get_by_test_id("closure-missing")).to_contain_text("高")
    expect(page.get_by_test_id("case-stage")).to_have_attribute("data-stage", "implementation")

    # 8. the supervisor lowers the child's risk level, with the reason
    as_user(page, live_server, SUPERVISOR, password)
    page.goto(f"{live_server.url}/visits/children/{child.pk}/")
    page.get_by_test_id("set-risk").locator("summary").click()
    form = page.get_by_test_id("risk-form")
    form.locator("[name$=level]").select_option("low")
    form.locator("[name$=reason]").fill("已安排儿童之家照看，奶奶按时接送，孩子安全。")
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("risk-level")).to_contain_text("低")

    # 9. the social worker asks again
    as_user(page, live_server, WORKER, password)
    on_case(page, live_server, case.pk)
    request_closure(page)
    expect(page.get_by_test_id("case-stage")).to_have_attribute("data-stage", "closure_review")

    # 10. the supervisor approves the closure
    as_user(page, live_server, SUPERVISOR, password)
    on_case(page, live_server, case.pk)
    page.get_by_test_id("approve-closure").click()
    expect(page.get_by_test_id("case-stage")).to_have_attribute("data-stage", "closed")
    case.refresh_from_db()
    assert case.stage == "closed" and case.closed_at is not None
    assert list(case.steps.values_list("action", flat=True).order_by("at")) == [
        "open", "assign", "initial_assessment", "comprehensive_assessment", "submit_plan",
        "approve_plan", "referral_sent", "referral_accepted", "referral_completed", "review",
        "request_closure", "approve_closure"]
    assert child.events.filter(kind="case_approve_closure").exists()
    assert_only_live_server(requests_seen, live_server)
