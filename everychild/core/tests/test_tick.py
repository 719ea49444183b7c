"""``everychild tick``: the periodic jobs are idempotent, and one tick runs at a time."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections

from everychild.audit.models import AuditEvent, ChainHead, Checkpoint
from everychild.audit.services import record
from everychild.core.tick import ADVISORY_LOCK_KEY, _file_lock, jobs, run_tick


def tick() -> str:
    out = StringIO()
    call_command("tick", stdout=out)
    return out.getvalue()


def counts() -> tuple[int, int, int]:
    return Checkpoint.objects.count(), AuditEvent.objects.count(), ChainHead.objects.count()


def test_the_registered_jobs():
    assert list(jobs()) == [path.rsplit(".", 1)[-1] for path in settings.EVERYCHILD_TICK_JOBS]
    assert "checkpoint_heads" in jobs()


@pytest.mark.django_db
def test_a_second_tick_changes_nothing():
    record(None, "test.tick", division_code="610723001212")
    record(None, "test.tick", division_code="533124101201")

    assert "checkpoint_heads: 2" in tick().splitlines()
    after_first = counts()
    assert after_first == (2, 2, 2)
    assert "checkpoint_heads: 0" in tick().splitlines()
    assert counts() == after_first

    record(None, "test.tick", division_code="610723001212")  # one head moves
    assert "checkpoint_heads: 1" in tick().splitlines()
    assert list(Checkpoint.objects.filter(chain="610723").order_by("seq")
                .values_list("seq", flat=True)) == [1, 2]
    assert "checkpoint_heads: 0" in tick().splitlines()


@pytest.mark.django_db
def test_a_tick_on_an_empty_database_does_nothing():
    assert run_tick()["checkpoint_heads"] == 0
    assert counts() == (0, 0, 0)


def test_the_tick_lock_file_admits_one_tick(tmp_path):
    lock = str(tmp_path / "everychild.sqlite3.tick-lock")
    with _file_lock(lock) as first:
        with _file_lock(lock) as second:
            assert (first, second) == (True, False)
    with _file_lock(lock) as again:
        assert again


@pytest.mark.django_db
def test_a_tick_skips_while_another_holds_the_postgresql_lock():
    if connection.vendor != "postgresql":
        pytest.skip("the advisory lock is PostgreSQL's; SQLite uses the lock file")
    record(None, "test.tick", division_code="610723001212")
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
        assert tick() == "another tick is running; nothing to do\n"
        assert Checkpoint.objects.count() == 0
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_KEY])
        assert "checkpoint_heads: 1" in tick().splitlines()
    finally:
        other.close()
