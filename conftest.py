"""Shared test set-up: SQLite or PostgreSQL (DATABASE_URL), Chromium, required parts in CI."""

import os
import shutil

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop

import pytest

REQUIRE_ALL = os.environ.get("EVERYCHILD_REQUIRE_ALL") == "1"
pytest_plugins = ["everychild.cases.tests.fixtures"]
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


def skip_or_fail(reason: str) -> None:
    """Skip a test whose part is missing here; in CI (EVERYCHILD_REQUIRE_ALL=1) fail it."""
    if REQUIRE_ALL:
        pytest.fail(f"required in CI but unavailable: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(chromium):
        skip_or_fail("Debian's chromium is not installed")
    return {**browser_type_launch_args, "executable_path": chromium, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 360, "height": 740},
            "locale": "zh-CN"}


@pytest.fixture
def restore_signal_handlers():
    """A task worker run in the test installs its own SIGINT/SIGTERM handlers; give pytest its
    own back afterwards."""
    import signal

    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


@pytest.fixture
def requests_seen(page):
    """Every URL the page requests, to prove it talks to nobody but the live server."""
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    return seen


@pytest.fixture
def demo_places(db):
    """The demo extract (Yang County and Longchuan County, every township and village) and the
    seeded roles."""
    from everychild.accounts.demo import DEMO_DIVISIONS
    from everychild.accounts.models import Role
    from everychild.accounts.roles import seed_roles
    from everychild.places.importer import import_divisions

    import_divisions(DEMO_DIVISIONS)
    seed_roles(Role)  # a transactional test elsewhere may have flushed the migration's rows


@pytest.fixture
def make_actor(db, demo_places):
    """make_actor(role_code, division_code) -> Actor holding one post."""
    from everychild.access.policy import actor_for_post
    from everychild.tests.factories import PostFactory

    def make(role: str, division: str, **kwargs):
        return actor_for_post(PostFactory(role_id=role, division_id=division, **kwargs))

    return make


# In CI every run must really exercise the browser and Redis: count the passing tests that
# carry those markers and fail the session when a required kind ran none.
_passed_kinds: set[str] = set()
REQUIRED_KINDS = ("browser", "redis")


def pytest_runtest_logreport(report):
    if report.when == "call" and report.passed:
        _passed_kinds.update(k for k in REQUIRED_KINDS if k in report.keywords)


def pytest_sessionfinish(session, exitstatus):
    if not REQUIRE_ALL or exitstatus != 0 or session.config.option.collectonly:
        return
    if session.config.args and any("::" in a or a.endswith(".py") for a in session.config.args):
        return  # a partial run chosen by hand
    missing = [k for k in REQUIRED_KINDS if k not in _passed_kinds]
    if missing:
        print(f"\nEVERYCHILD_REQUIRE_ALL: no passing {', '.join(missing)} test ran")
        session.exitstatus = 1
