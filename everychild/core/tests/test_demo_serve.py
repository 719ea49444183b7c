"""``everychild serve-demo``: gunicorn, the task worker and the tick loop start together, the
site answers, and SIGINT (Ctrl-C) or SIGTERM stops every process it started."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urljoin

import pytest

from everychild.core.tests.scratch import (
    EVERYCHILD,
    free_port,
    http,
    scratch_env,
    scratch_site,
    shell,
    stop,
    wait_healthy,
)

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")


def _proc_stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a live process; None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    state, ppid = stat.rsplit(")", 1)[1].split()[:2]
    return (None if state in {"Z", "X"} else state), int(ppid)  # a zombie has exited


def _descendants(pid: int) -> dict[int, str]:
    """Every live descendant of ``pid`` with its command line."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _proc_stat(int(entry.name))
            if stat and stat[0]:
                parents[int(entry.name)] = stat[1]
    found: dict[int, str] = {}
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for child, ppid in parents.items():
            if ppid == parent and child not in found:
                try:
                    cmdline = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
                except FileNotFoundError:
                    continue
                found[child] = cmdline.decode(errors="replace")
                frontier.append(child)
    return found


def _alive(pid: int) -> bool:
    stat = _proc_stat(pid)
    return bool(stat and stat[0])


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_serve_demo_serves_and_stops_every_process(tmp_path_factory, tmp_path, stop_signal):
    var_dir = scratch_site(tmp_path_factory, tmp_path)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve-demo.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [*EVERYCHILD, "serve-demo", "--port", str(port)],
            env=scratch_env(var_dir, EVERYCHILD_TICK_SECONDS="1"), stdout=out,
            stderr=subprocess.STDOUT, cwd=var_dir, start_new_session=True,
        )
    children: dict[int, str] = {}
    try:
        assert wait_healthy(base, server, log) == {"status": "ok", "database": "ok"}

        status, page, _ = http("GET", f"{base}/accounts/login/")
        html = page.decode()
        assert status == 200
        assert "登录" in html
        css_link = re.search(r'href="(/static/vendor/noto-sans-sc/400[^"]*\.css)"', html)
        assert css_link, "the login page links the vendored Noto Sans SC stylesheet"
        css_url = base + css_link.group(1)
        status, css, headers = http("GET", css_url)
        assert status == 200
        assert headers["Content-Type"].startswith("text/css")
        font = re.search(r"url\([\"']?([^)\"']+\.woff2)[\"']?\)", css.decode())
        assert font, "the stylesheet names its font files"
        status, _, headers = http("GET", urljoin(css_url, font.group(1)))
        assert status == 200
        assert headers["Content-Type"] == "font/woff2"

        children = _descendants(server.pid)
        commands = " | ".join(children.values())
        assert any("gunicorn" in c for c in children.values()), commands
        assert any(" db_worker " in c for c in children.values()), commands
        assert any(" tick --loop 1" in c for c in children.values()), commands

        # The worker runs what is enqueued, and the tick loop is running.
        enqueued = shell(var_dir, (
            "from everychild.core.tasks import tick; print(tick.enqueue().id)"
        )).strip()
        check = (
            "import json; from everychild.core.tasks import tick; "
            f"print(json.dumps(tick.get_result('{enqueued}').status))"
        )
        deadline = time.monotonic() + 15
        while json.loads(shell(var_dir, check)) != "SUCCESSFUL":
            assert time.monotonic() < deadline, f"the demo worker did not run the task:\n{log.read_text()}"
            time.sleep(0.5)
        assert "checkpoint_heads:" in log.read_text()
        assert all(_alive(pid) for pid in children), "no process died while serving"
    finally:
        code = stop(server, stop_signal)
        leftover = {pid: cmd for pid, cmd in children.items() if _alive(pid)}
        if leftover:  # never leave processes behind, even when the test fails
            for pid in leftover:
                os.kill(pid, signal.SIGKILL)
    output = log.read_text()
    assert code == 0, output
    assert not leftover, f"processes outlived serve-demo: {leftover}\n{output}"
    assert "everychild stopped" in output
    assert "Traceback" not in output, output
    assert "database is locked" not in output


def test_serve_demo_uses_the_rq_worker_when_rq_is_the_default_backend(settings):
    """With EVERYCHILD_TASKS=rq the demo runs an RQ worker (with the scheduler) instead."""
    from everychild.core.management.commands.serve_demo import Command

    settings.TASKS = {**settings.TASKS, "default": settings.TASKS["rq"]}
    argv = Command().worker_command([sys.executable, "-m", "everychild.cli"])
    assert argv[3:] == ["rqworker", "default", "--with-scheduler",
                        "--job-class", "django_tasks_rq.Job"]
    settings.TASKS = {**settings.TASKS, "default": settings.TASKS["db"]}
    argv = Command().worker_command([sys.executable, "-m", "everychild.cli"])
    assert argv[3:6] == ["db_worker", "--no-reload", "--interval"]
