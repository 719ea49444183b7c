"""A child director records a visit on a phone (Chromium at 360x740): three screens, then the
monitoring page; and the same with the connection lost mid-form and the session expired before
it comes back: the draft survives a reload and a new sign-in, and the database holds one visit.

Run: .venv/bin/pytest everychild/visits/tests/test_browser.py
"""

import re

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.test_shell import USERNAME, assert_fits_width, assert_only_live_server, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A busy 2-core machine (CI beside a benchmark) can take long to install a worker or send.
SLOW_MACHINE_MS = 60_000
FIRST_ITEMS = {"safety": "concern", "health_nutrition": "adequate", "schooling": "irregular"}
LAST_ITEMS = {"guardianship": "limited", "emotional_wellbeing": "no_concern",
              "living_conditions": "adequate"}


@pytest.fixture
def demo():
    from everychild.accounts.demo import DEMO_PASSWORD, load_demo

    assert USERNAME in {u.username for u in load_demo()}
    return DEMO_PASSWORD


@pytest.fixture
def child(demo):
    """A left-behind child in the demo director's village, with its plan."""
    from everychild.access.policy import actor_for_post
    from everychild.accounts.models import Post
    from everychild.core.outbox import deliver
    from everychild.registry.services import register_child
    from everychild.registry.tests.factories import left_behind

    post = Post.objects.get(user__username=USERNAME)
    registered = register_child(actor_for_post(post),
                                left_behind(name="杨小军", village=post.division_id))
    deliver()
    return registered


def answer(page: Page, items: dict[str, str]) -> None:
    for code, option in items.items():
        page.locator(f"input[name=risk_{code}][value={option}]").check()


def visible_screens(page: Page) -> list[str]:
    return [s.get_attribute("data-screen") for s in page.locator("[data-screen]").all()
            if s.is_visible()]


def open_form_from_worklist(page: Page, live_server, child) -> None:
    page.get_by_test_id("nav-visits").click()
    expect(page).to_have_url(live_server.url + "/visits/")
    row = page.locator(f"[data-testid=work-row][data-child='{child.pk}']")
    expect(row).to_contain_text("杨小军")
    row.get_by_test_id("record-link").click()
    expect(page).to_have_url(f"{live_server.url}/visits/children/{child.pk}/record/")
    # drafts.js has set the form up (slow on a busy machine: it waits for the stylesheets)
    expect(page.get_by_test_id("steps")).to_be_visible(timeout=SLOW_MACHINE_MS)


def drafts_in_storage(page: Page) -> int:
    return page.evaluate("Object.keys(localStorage).filter(k => "
                         "k.startsWith('everychild.visitdraft.')).length")


def test_director_records_a_visit_in_three_screens(live_server, page: Page, demo, child,
                                                   requests_seen):
    from everychild.visits.models import Visit

    sign_in(page, live_server, USERNAME, demo)
    open_form_from_worklist(page, live_server, child)
    screens = 0

    # Screen 1: when, where, whom.
    assert visible_screens(page) == ["1"]
    screens += 1
    expect(page.locator("#id_visited_on")).to_have_value(re.compile(r"^\d{4}-\d{2}-\d{2}$"))
    page.locator("input[name=place][value=home]").check()
    page.locator("#id_child_seen").check()
    page.locator("#id_caregiver_met").check()
    assert_fits_width(page)
    page.get_by_test_id("screen-1").get_by_test_id("next").click()

    # Screen 2: the risk items.
    assert visible_screens(page) == ["2"]
    screens += 1
    answer(page, {**FIRST_ITEMS, **LAST_ITEMS})
    assert_fits_width(page)
    page.get_by_test_id("screen-2").get_by_test_id("next").click()

    # Screen 3: needs, actions, next steps; save.
    assert visible_screens(page) == ["3"]
    screens += 1
    page.locator("#id_needs").fill("需要校服和学习用品")
    page.locator("#id_next_steps").fill("联系学校了解出勤")
    assert_fits_width(page)
    page.get_by_test_id("save").click()

    assert screens <= 3
    expect(page).to_have_url(f"{live_server.url}/visits/children/{child.pk}/")
    expect(page.locator(".messages")).not_to_be_empty()
    visits = page.get_by_test_id("visit")
    expect(visits).to_have_count(1)
    expect(visits.first.get_by_test_id("driver").first).not_to_be_empty()
    expect(page.get_by_test_id("risk-level")).not_to_be_empty()
    assert_fits_width(page)
    visit = Visit.objects.get(child=child)
    assert visit.child_seen and visit.caregiver_met and visit.needs == "需要校服和学习用品"
    assert drafts_in_storage(page) == 0  # confirmed by the server: the draft is gone
    assert_only_live_server(requests_seen, live_server)


def test_offline_draft_survives_reload_and_an_expired_session(live_server, page: Page,
                                                              context: BrowserContext, demo,
                                                              child):
    from django.contrib.sessions.models import Session

    from everychild.visits.models import Visit

    sign_in(page, live_server, USERNAME, demo)
    open_form_from_worklist(page, live_server, child)
    client_id = page.locator("input[name=client_id]").input_value()
    assert re.fullmatch(r"[0-9a-f-]{36}", client_id)

    page.locator("input[name=place][value=home]").check()
    page.locator("#id_child_seen").check()
    page.get_by_test_id("screen-1").get_by_test_id("next").click()
    answer(page, FIRST_ITEMS)

    # A reload (the phone killed the tab, say) restores the draft with the same client_id.
    page.reload()
    expect(page.get_by_test_id("draft-note")).to_be_visible()
    assert page.locator("input[name=client_id]").input_value() == client_id
    expect(page.locator("input[name=place][value=home]")).to_be_checked()
    expect(page.locator("#id_child_seen")).to_be_checked()
    expect(page.locator("input[name=risk_safety][value=concern]")).to_be_checked()

    # The connection drops mid-form; the director finishes and saves anyway.
    context.set_offline(True)
    page.get_by_test_id("screen-1").get_by_test_id("next").click()
    answer(page, LAST_ITEMS)
    page.get_by_test_id("screen-2").get_by_test_id("next").click()
    page.locator("#id_needs").fill("离线时填写")
    page.get_by_test_id("save").click()
    banner = page.get_by_test_id("drafts-banner")
    expect(banner).to_be_visible()
    expect(page.get_by_test_id("drafts-count")).to_contain_text("1")
    expect(banner.locator("[data-testid=draft][data-status=pending]")).to_have_count(1)
    assert_fits_width(page)
    assert not Visit.objects.exists()

    # Meanwhile the session expires; the connection comes back: the sending meets the login
    # page, so the draft is kept and offered again.
    Session.objects.all().delete()
    context.set_offline(False)
    expect(banner.locator("[data-testid=draft][data-status=signin]")).to_have_count(1)
    assert not Visit.objects.exists()
    assert drafts_in_storage(page) == 1

    page.get_by_test_id("drafts-signin").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.locator("#id_login").fill(USERNAME)
    page.locator("#id_password").fill(demo)
    page.get_by_test_id("login-form").locator("button[type=submit]").click()
    expect(page).to_have_url(live_server.url + "/visits/")

    # The banner lists the waiting draft; reopening it restores the form with its client_id.
    draft = page.get_by_test_id("drafts-banner").get_by_test_id("draft")
    expect(draft).to_have_count(1)
    draft.get_by_test_id("draft-open").click()
    expect(page).to_have_url(f"{live_server.url}/visits/children/{child.pk}/record/")
    assert page.locator("input[name=client_id]").input_value() == client_id
    expect(page.locator("input[name=risk_guardianship][value=limited]")).to_be_checked()
    page.get_by_test_id("screen-1").get_by_test_id("next").click()
    page.get_by_test_id("screen-2").get_by_test_id("next").click()
    expect(page.locator("#id_needs")).to_have_value("离线时填写")
    page.get_by_test_id("save").click()

    expect(page).to_have_url(f"{live_server.url}/visits/children/{child.pk}/")
    expect(page.get_by_test_id("visit")).to_have_count(1)
    visit = Visit.objects.get()
    assert str(visit.pk) == client_id and visit.needs == "离线时填写"
    assert drafts_in_storage(page) == 0
    expect(page.get_by_test_id("drafts-banner")).to_be_hidden()



def kept_by_worker(page: Page) -> list[str]:
    """The paths the visit pages' service worker keeps (its one versioned cache)."""
    return page.evaluate("""async () => {
        const names = (await caches.keys()).filter(k => k.startsWith('everychild-visits-'));
        const paths = [];
        for (const name of names) {
            const cache = await caches.open(name);
            (await cache.keys()).forEach(r => paths.push(new URL(r.url).pathname));
        }
        return paths;
    }""")


def wait_for_worker(page: Page) -> None:
    """Until the service worker controls the page and keeps the page and its scripts."""
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller",
                           timeout=SLOW_MACHINE_MS)
    needed = {page.evaluate("location.pathname"), "/static/visits/drafts.js",
              "/static/everychild/app.css"}
    for _ in range(SLOW_MACHINE_MS // 100):
        if needed <= set(kept_by_worker(page)):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"the service worker did not keep {needed}: {kept_by_worker(page)}")


def test_form_reloaded_offline_comes_from_the_service_worker(live_server, page: Page,
                                                            context: BrowserContext, demo,
                                                            child):
    """The connection drops on the visit form and the phone reloads it: the service worker
    shows the kept copy, drafts.js restores the draft with its client_id, the saved visit waits,
    and it is sent once when the connection is back (tried again until requests get through).

    Losing the connection is simulated with ``context.route("**/*", abort)``: Playwright's
    ``set_offline`` does not reach the service worker's own fetches, and ``page.route`` does
    not see them either (the worker's requests belong to the context; checked with Playwright
    1.65 and Chromium 156: every blocked request below is reported by the worker).
    ``set_offline(True)`` is added only so that the page's ``navigator.onLine`` is false.
    """
    from everychild.visits.models import Visit

    sign_in(page, live_server, USERNAME, demo)
    open_form_from_worklist(page, live_server, child)
    wait_for_worker(page)
    client_id = page.locator("input[name=client_id]").input_value()
    assert re.fullmatch(r"[0-9a-f-]{36}", client_id)

    blocked: list[str] = []

    def no_connection(route) -> None:
        blocked.append(route.request.url)
        route.abort("internetdisconnected")

    context.route("**/*", no_connection)
    context.set_offline(True)
    page.locator("input[name=place][value=home]").check()
    page.locator("#id_child_seen").check()
    page.get_by_test_id("screen-1").get_by_test_id("next").click()
    answer(page, FIRST_ITEMS)

    # Reloaded without a connection: the kept page, the draft restored with the same client_id.
    page.reload()
    form_url = f"{live_server.url}/visits/children/{child.pk}/record/"
    assert form_url in blocked  # the network was really tried, and refused
    expect(page.get_by_test_id("visit-form")).to_be_visible()
    expect(page.get_by_test_id("draft-note")).to_be_visible()
    assert page.locator("input[name=client_id]").input_value() == client_id
    expect(page.locator("input[name=place][value=home]")).to_be_checked()
    expect(page.locator("#id_child_seen")).to_be_checked()
    expect(page.locator("input[name=risk_safety][value=concern]")).to_be_checked()
    # Sending will use the cookie's CSRF token, also put into the kept page's form.
    token = page.evaluate("document.cookie.match(/csrftoken=([^;]+)/)[1]")
    assert page.locator("input[name=csrfmiddlewaretoken]").first.input_value() == token

    # Finished and saved while still offline: kept, waiting.
    page.get_by_test_id("screen-1").get_by_test_id("next").click()
    answer(page, LAST_ITEMS)
    page.get_by_test_id("screen-2").get_by_test_id("next").click()
    page.locator("#id_needs").fill("断网后重新加载")
    page.get_by_test_id("save").click()
    banner = page.get_by_test_id("drafts-banner")
    expect(banner.locator("[data-testid=draft][data-status=pending]")).to_have_count(1)
    assert not Visit.objects.exists()

    # The phone says it is online before requests get through (a weak signal): the send on the
    # 'online' event fails and the draft waits; once requests get through, the retry sends it,
    # once.
    tried = len(blocked)
    context.set_offline(False)
    for _ in range(100):
        if form_url in blocked[tried:]:
            break
        page.wait_for_timeout(100)
    assert form_url in blocked[tried:]
    expect(banner.locator("[data-testid=draft][data-status=pending]")).to_have_count(1)
    context.unroute("**/*", no_connection)
    expect(page).to_have_url(f"{live_server.url}/visits/children/{child.pk}/",
                             timeout=SLOW_MACHINE_MS)
    expect(page.get_by_test_id("visit")).to_have_count(1)
    visit = Visit.objects.get()
    assert str(visit.pk) == client_id and visit.needs == "断网后重新加载"
    assert visit.child_id == child.pk
    assert drafts_in_storage(page) == 0
    assert Visit.objects.count() == 1

    # Signing out from a visit page forgets the kept pages.
    assert kept_by_worker(page)
    page.get_by_test_id("logout").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    assert kept_by_worker(page) == []
