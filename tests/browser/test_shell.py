"""The page shell in a real Chromium at 360x740: Chinese by default, language switch, sign-in.

Run: .venv/bin/pytest tests/browser -p no:randomly
Needs Debian's chromium (conftest.py skips, or fails in CI, without it) and the vendored front-end
files in var/vendor (`make setup`). Set EVERYCHILD_SCREENSHOTS=/some/dir to also save a
screenshots there (home-zh.png, home-en.png, login-zh.png, login-error-zh.png).
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

USERNAME = "yx_child_director"
WIDTH = 360
# allauth's own zh_Hans message (ACCOUNT_PREVENT_ENUMERATION): the same for every failure.
BAD_LOGIN_ZH = "您提供的用户名或密码不正确。"


@pytest.fixture
def demo():
    from everychild.accounts.demo import DEMO_PASSWORD, load_demo

    users = {u.username: u for u in load_demo()}
    assert USERNAME in users
    return DEMO_PASSWORD


def assert_only_live_server(requests_seen: list[str], live_server) -> None:
    server = urlsplit(live_server.url)
    assert requests_seen, "no requests were recorded"
    foreign = [url for url in requests_seen
               if (urlsplit(url).scheme, urlsplit(url).netloc) != (server.scheme, server.netloc)]
    assert not foreign, f"requests to other hosts than {server.netloc}: {foreign}"


def assert_fits_width(page: Page) -> None:
    assert page.viewport_size == {"width": WIDTH, "height": 740}
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, f"horizontal overflow at {WIDTH}px on {page.url}: scrollWidth={width}"


def screenshot(page: Page, name: str) -> None:
    """Save a screenshot when EVERYCHILD_SCREENSHOTS names a directory (for a human to look at)."""
    if os.environ.get("EVERYCHILD_SCREENSHOTS"):
        target = Path(os.environ["EVERYCHILD_SCREENSHOTS"])
        target.mkdir(parents=True, exist_ok=True)
        page.evaluate("document.fonts.ready")
        page.screenshot(path=str(target / f"{name}.png"))


def sign_in(page: Page, live_server, username: str, password: str) -> None:
    page.goto(live_server.url + "/accounts/login/")
    page.locator("#id_login").fill(username)
    page.locator("#id_password").fill(password)
    page.get_by_test_id("login-form").locator("button[type=submit]").click()


def test_chinese_shell_language_switch_and_back(live_server, page: Page, demo, requests_seen):
    page.goto(live_server.url + "/")  # anonymous: sent to the login page
    expect(page).to_have_url(live_server.url + "/accounts/login/?next=/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("h1")).to_have_text("登录")
    expect(page.get_by_test_id("lang-en")).to_have_text("English")
    assert_fits_width(page)
    screenshot(page, "login-zh")

    page.locator("#id_login").fill(USERNAME)
    page.locator("#id_password").fill(demo)
    page.get_by_test_id("login-form").locator("button[type=submit]").click()

    expect(page).to_have_url(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("h1")).to_have_text("欢迎")
    expect(page.get_by_test_id("acting-post")).to_contain_text("儿童主任")
    expect(page.locator("main")).to_contain_text("儿童主任")
    expect(page.get_by_test_id("logout")).to_have_text("退出登录")
    page.evaluate("document.fonts.ready")
    assert page.evaluate("document.fonts.check('16px \"Noto Sans SC\"', '欢迎')")
    assert_fits_width(page)
    screenshot(page, "home-zh")

    page.get_by_test_id("lang-en").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Welcome")
    expect(page.get_by_test_id("acting-post")).to_contain_text("Village child director")
    expect(page.get_by_test_id("logout")).to_have_text("Sign out")
    expect(page.get_by_test_id("lang-zh-hans")).to_have_text("中文")
    assert_fits_width(page)
    screenshot(page, "home-en")
    page.reload()
    expect(page.locator("h1")).to_have_text("Welcome")
    assert_fits_width(page)

    page.get_by_test_id("lang-zh-hans").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("h1")).to_have_text("欢迎")
    expect(page.get_by_test_id("acting-post")).to_contain_text("儿童主任")
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("h1")).to_have_text("欢迎")
    assert_fits_width(page)

    assert_only_live_server(requests_seen, live_server)


def test_wrong_password_gives_one_generic_chinese_error(live_server, page: Page, demo,
                                                         requests_seen):
    messages = {}
    for username in (USERNAME, "no_such_user_anywhere"):
        sign_in(page, live_server, username, "not-the-password")
        expect(page).to_have_url(live_server.url + "/accounts/login/")
        expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
        expect(page.locator("h1")).to_have_text("登录")
        errors = page.locator(".errorlist li")
        expect(errors).to_have_count(1)
        expect(errors).to_have_text(BAD_LOGIN_ZH)
        messages[username] = page.locator("main").inner_text().replace(username, "<user>")
        assert_fits_width(page)
    screenshot(page, "login-error-zh")
    # Same words whether the username exists or not: no hint for guessing usernames.
    assert messages[USERNAME] == messages["no_such_user_anywhere"]
    assert "不存在" not in messages[USERNAME]
    assert_only_live_server(requests_seen, live_server)
