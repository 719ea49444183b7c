"""Registering a child with a family in a real Chromium at 360x740, then seeing the derived
category with its reason on the profile.

Run: .venv/bin/pytest tests/browser/test_register.py -p no:randomly
Set EVERYCHILD_SCREENSHOTS=/some/dir to save register-step1.png, register-step2.png,
register-review.png, child-profile.png and child-list.png there.
"""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_shell import (
    USERNAME,
    assert_fits_width,
    assert_only_live_server,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESTINATION = "533124000000"  # 陇川县, Yunnan: another county (and province) than Yang County


@pytest.fixture
def demo():
    from everychild.accounts.demo import DEMO_PASSWORD, load_demo

    assert USERNAME in {u.username for u in load_demo()}
    return DEMO_PASSWORD


def screenshot(page: Page, name: str) -> None:
    """A full-page screenshot when EVERYCHILD_SCREENSHOTS names a directory."""
    if os.environ.get("EVERYCHILD_SCREENSHOTS"):
        target = Path(os.environ["EVERYCHILD_SCREENSHOTS"])
        target.mkdir(parents=True, exist_ok=True)
        page.evaluate("document.fonts.ready")
        page.screenshot(path=str(target / f"{name}.png"), full_page=True)


def away_since_2023(page: Page, role: str) -> None:
    parent = page.get_by_test_id(f"parent-{role}")
    parent.locator(f"#id_{role}-kind").select_option("migrant_worker")
    expect(parent.locator(f"#id_{role}-destination_code")).to_be_visible()  # shown for this situation
    expect(parent.locator(f"#id_{role}-police_report_accepted_on")).to_be_hidden()
    parent.locator(f"#id_{role}-since").fill("2023-02-01")
    parent.locator(f"#id_{role}-cross_county").select_option("yes")
    for code in ("530000000000", "533100000000", DESTINATION):  # province, prefecture, county
        # Each choice fetches the next level (htmx); wait for it before the next choice.
        with page.expect_response(lambda r: "/children/new/destination/" in r.url):
            parent.locator(f"#id_{role}-destination_code").select_option(code)
    expect(parent.locator(f"#id_{role}-destination_code")).to_have_value(DESTINATION)


def test_register_a_left_behind_child_and_see_why(live_server, page: Page, demo, requests_seen):
    sign_in(page, live_server, USERNAME, demo)
    expect(page.get_by_test_id("nav-children")).to_be_visible()
    page.get_by_test_id("nav-children").click()
    expect(page).to_have_url(live_server.url + "/children/")
    page.get_by_test_id("register-link").click()

    # Step 1: the child. A village director registers in their own village.
    form = page.get_by_test_id("register-form")
    expect(form).to_have_attribute("data-step", "1")
    expect(page.get_by_test_id("fixed-village")).not_to_be_empty()
    page.locator("#id_child-name").fill("杨小梅")
    page.locator("input[name='child-sex'][value='female']").check()
    page.locator("#id_child-date_of_birth").fill("2015-09-10")
    page.locator("#id_child-hukou_type").select_option("rural")
    page.locator("#id_child-school_status").select_option("in_school")
    assert_fits_width(page)
    screenshot(page, "register-step1")
    page.get_by_test_id("next").click()

    # Step 2: both parents work in another county since February 2023.
    expect(form).to_have_attribute("data-step", "2")
    away_since_2023(page, "father")
    away_since_2023(page, "mother")
    page.locator("#id_father-name").fill("杨父")
    page.locator("#id_mother-name").fill("陈母")
    assert_fits_width(page)
    screenshot(page, "register-step2")
    page.get_by_test_id("next").click()

    # Step 3: the grandmother cares for her; check and save.
    expect(form).to_have_attribute("data-step", "3")
    page.locator("#id_cg1-relationship").select_option("grandmother_paternal")
    page.locator("#id_cg1-name").fill("杨奶奶")
    page.locator("#id_cg1-age").fill("68")
    expect(page.get_by_test_id("review")).to_contain_text("杨小梅")
    expect(page.get_by_test_id("review")).to_contain_text("陇川县")
    assert_fits_width(page)
    screenshot(page, "register-review")
    page.get_by_test_id("save").click()

    # The profile: the derived category, why, and the timeline.
    expect(page).to_have_url(re.compile(r"/children/[0-9a-f-]{36}/$"))
    expect(page.get_by_test_id("child-name")).to_have_text("杨小梅")
    category = page.get_by_test_id("category-left_behind")
    expect(category).to_be_visible()
    reasons = category.get_by_test_id("reason")
    expect(reasons.first).not_to_be_empty()
    assert reasons.first.inner_text().strip()
    expect(category).to_contain_text("民发〔2024〕17号")
    expect(page.locator("[data-testid=event][data-kind=category_entered][data-category=left_behind]")
           ).to_have_count(1)
    expect(page.get_by_test_id("family")).to_contain_text("陇川县")
    assert_fits_width(page)
    screenshot(page, "child-profile")

    # And the list finds her by pinyin initials.
    page.get_by_test_id("nav-children").click()
    page.locator("#id_text").fill("yxm")
    page.get_by_test_id("search").click()
    row = page.get_by_test_id("child-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("杨小梅")
    expect(row.locator("[data-category=left_behind_rural]")).to_have_count(1)
    assert "yxm" not in page.url and "杨" not in page.url
    assert_fits_width(page)
    screenshot(page, "child-list")

    assert_only_live_server(requests_seen, live_server)
