"""The SQLite demo: the web server, the task worker and the tick loop write at the same time
without 'database is locked' (WAL, IMMEDIATE transactions, a busy timeout; see settings)."""

import json
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings

from everychild.core.tests.scratch import (
    EVERYCHILD,
    everychild,
    free_port,
    http,
    scratch_env,
    scratch_site,
    shell,
    stop,
    wait_healthy,
)

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="SQLite locking only; the PostgreSQL run has no SQLite file",
)

WRITE_SECONDS = 5
HTTP_WRITERS = 4
TASKS_BEFORE = 40
TASKS_DURING = 40
OFFICER = "yx_civil_affairs_officer"  # may set urban-rural codes in Yang County (610723)

ENQUEUE_DURING = f"""
import time
from everychild.core.tasks import tick
for _ in range({TASKS_DURING}):
    tick.enqueue()
    time.sleep({WRITE_SECONDS / TASKS_DURING})
"""


def _start(var_dir: Path, logs: Path, name: str, argv: list[str], **extra: str):
    out = (logs / f"{name}.log").open("wb")
    process = subprocess.Popen(argv, env=scratch_env(var_dir, **extra), stdout=out,
                               stderr=subprocess.STDOUT, cwd=var_dir, start_new_session=True)
    out.close()
    return process


def _query(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
        return conn.execute(sql).fetchall()


def _heads(db: Path) -> dict[str, int]:
    return dict(_query(db, "SELECT chain, seq FROM audit_chainhead"))


def _checkpointed(db: Path) -> dict[str, int]:
    return dict(_query(db, "SELECT chain, max(seq) FROM audit_checkpoint GROUP BY chain"))


def test_server_worker_and_tick_write_together(tmp_path_factory, tmp_path):
    var_dir = scratch_site(tmp_path_factory, tmp_path)
    db = var_dir / "everychild.sqlite3"
    logs = tmp_path / "logs"
    logs.mkdir()
    token = everychild(var_dir, "token", OFFICER, "--label", "concurrency test").strip()
    villages = json.loads(shell(var_dir, (
        "import json; from everychild.places.models import Division; "
        "print(json.dumps(list(Division.objects.filter(level=5, code__startswith='610723')"
        f".order_by('code').values_list('code', flat=True)[:{HTTP_WRITERS}])))"
    )))
    assert len(villages) == HTTP_WRITERS
    shell(var_dir, f"from everychild.core.tasks import tick\nfor _ in range({TASKS_BEFORE}): tick.enqueue()")
    events_before = _query(db, "SELECT count(*) FROM audit_auditevent")[0][0]
    assert _query(db, "PRAGMA journal_mode")[0][0] == "wal"

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    processes = {
        "web": _start(var_dir, logs, "web", [
            sys.executable, "-m", "gunicorn", "everychild.wsgi", "--bind", f"127.0.0.1:{port}",
            "--workers", "2", "--threads", "4", "--no-control-socket",
        ]),
        "worker": _start(var_dir, logs, "worker", [
            *EVERYCHILD, "db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.2",
        ]),
        "tick": _start(var_dir, logs, "tick", [*EVERYCHILD, "tick", "--loop", "1"]),
    }
    statuses: list[int] = []
    try:
        wait_healthy(base, processes["web"], logs / "web.log")
        processes["enqueue"] = _start(var_dir, logs, "enqueue",
                                      [*EVERYCHILD, "shell", "--no-imports", "-c", ENQUEUE_DURING])

        def write(code: str) -> None:
            headers = {"Authorization": f"Bearer {token}"}
            deadline = time.monotonic() + WRITE_SECONDS
            value = "210"
            while time.monotonic() < deadline:
                value = "220" if value == "210" else "210"
                try:
                    status, _, _ = http(
                        "PUT", f"{base}/api/v1/places/divisions/{code}/urban-rural",
                        {"urban_rural": value, "reason": "concurrency test"}, headers,
                    )
                except OSError:  # refused or reset: counted as a failed write
                    status = 0
                statuses.append(status)

        writers = [threading.Thread(target=write, args=(code,)) for code in villages]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join()
        assert processes["enqueue"].wait(timeout=30) == 0

        deadline = time.monotonic() + 20
        while _query(db, "SELECT count(*) FROM django_tasks_database_dbtaskresult "
                         "WHERE status IN ('READY', 'RUNNING')")[0][0]:
            assert time.monotonic() < deadline, "the worker did not finish the enqueued tasks"
            time.sleep(0.2)
        # The tick loop (alone now) catches up with every head the writers moved.
        deadline = time.monotonic() + 15
        while _checkpointed(db) != _heads(db):
            assert time.monotonic() < deadline, "the tick loop did not checkpoint every head"
            time.sleep(0.2)
    finally:
        codes = {name: stop(process, signal.SIGTERM) for name, process in processes.items()}
    output = {path.stem: path.read_text(errors="replace") for path in logs.glob("*.log")}

    for name, text in output.items():
        assert "database is locked" not in text, f"{name}:\n{text}"
        assert "Traceback" not in text, f"{name}:\n{text}"
    assert codes == {"web": 0, "worker": 0, "tick": 0, "enqueue": 0}, output

    assert statuses and set(statuses) == {200}, sorted(set(statuses))
    tasks = dict(_query(db, "SELECT status, count(*) FROM django_tasks_database_dbtaskresult "
                            "WHERE task_path LIKE '%.tick' GROUP BY status"))
    assert tasks == {"SUCCESSFUL": TASKS_BEFORE + TASKS_DURING}
    # The writes' outbox deliveries ran too, and none failed.
    assert set(dict(_query(db, "SELECT status, count(*) FROM django_tasks_database_dbtaskresult "
                               "GROUP BY status"))) == {"SUCCESSFUL"}
    events = _query(db, "SELECT count(*) FROM audit_auditevent")[0][0]
    assert events == events_before + len(statuses)
    # The loop ticked again and again (skipping while a tick task held the tick lock).
    runs = output["tick"].count("checkpoint_heads:")
    assert runs + output["tick"].count("another tick is running") >= 3
    assert runs >= 1
    assert _checkpointed(db) == _heads(db)
    assert "intact" in everychild(var_dir, "audit", "verify")
