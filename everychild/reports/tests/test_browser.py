"""A teacher reports suspected harm to a child who is not registered, on a phone (Chromium at
360x740), in well under two minutes of scripted steps; the county police officer sees it in the
inbox and acknowledges it; the teacher then sees it acknowledged, and nothing more.

Run: .venv/bin/pytest everychild/reports/tests/test_browser.py
"""

import re
import time

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_shell import assert_fits_width, assert_only_live_server, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TEACHER, POLICE = "yx_reporter_school", "yx_police_officer"


@pytest.fixture
def demo():
    from everychild.accounts.demo import DEMO_PASSWORD, load_demo
    from everychild.reports.demo import load_reports

    load_demo()
    load_reports()
    return DEMO_PASSWORD


def sign_out(page: Page) -> None:
    page.get_by_test_id("logout").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_a_teacher_reports_and_the_county_police_acknowledge(live_server, page: Page, demo,
                                                             requests_seen):
    from everychild.reports.models import Report, ReportTask

    sign_in(page, live_server, TEACHER, demo)
    started = time.monotonic()
    page.get_by_test_id("nav-reports").click()
    page.get_by_test_id("new-report").click()
    form = page.get_by_test_id("report-form")
    expect(form).to_be_visible()
    assert_fits_width(page)
    form.locator("input[name=situations][value=multiple_injuries_abuse]").check()
    form.locator("input[name=urgency][value=urgent]").check()
    form.locator("textarea[name=what_happened]").fill("学生脸上和手臂有淤青，说是在家被打。")
    form.locator("input[name=child_name]").fill("刘小雨")
    form.locator("select[name=child_sex]").select_option("female")
    form.locator("input[name=child_age]").fill("9")
    form.locator("select[name=perpetrator]").select_option("parent")
    page.get_by_test_id("send-report").click()
    expect(page.get_by_test_id("report-status")).to_be_visible()
    elapsed = time.monotonic() - started
    assert elapsed < 120, f"reporting took {elapsed:.0f} s"
    report = Report.objects.filter(filed_by__username=TEACHER).order_by("-filed_at").first()
    assert report.child_name == "刘小雨" and report.child_id is None  # unregistered: not blocked
    expect(page.locator("h1")).to_contain_text(report.reference)
    expect(page.get_by_test_id("status-acknowledged")).to_have_text("尚未")
    sign_out(page)

    sign_in(page, live_server, POLICE, demo)
    page.get_by_test_id("nav-reports").click()
    row = page.locator(f"[data-testid=inbox-open] [data-testid=task-row][data-report='{report.pk}']")
    expect(row).to_contain_text(report.reference)
    row.locator("a").click()
    expect(page.get_by_test_id("what-happened")).to_contain_text("淤青")
    expect(page.get_by_test_id("reporter")).to_be_visible()  # the police see who reported
    assert_fits_width(page)
    page.locator("select[name=act-kind]").select_option("acknowledged")
    page.get_by_test_id("act").click()
    expect(page.locator(".messages")).to_contain_text("已记录")
    police = ReportTask.objects.get(report=report, receiver="police")
    assert police.state == "done" and police.done_at is not None
    sign_out(page)

    sign_in(page, live_server, TEACHER, demo)
    page.goto(f"{live_server.url}/reports/{report.pk}/")
    expect(page.get_by_test_id("status-acknowledged")).not_to_have_text("尚未")
    expect(page.locator("body")).not_to_contain_text("淤青")  # the status, never the details
    assert_only_live_server(requests_seen, live_server)
