"""Audit test helpers: an attacker with database access, and a few recorded events."""

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection

from everychild.audit import guards
from everychild.audit.models import AuditEvent
from everychild.audit.services import record

YANG = "610723"  # 洋县
LONGCHUAN = "533124"  # 陇川县
YANG_VILLAGE = "610723001212"
LONGCHUAN_VILLAGE = "533124101201"


@contextlib.contextmanager
def attacker() -> Iterator[Any]:
    """A cursor that bypasses the append-only triggers, as someone with database access would:
    on PostgreSQL as a superuser in replica mode (triggers do not fire), on SQLite by dropping
    the triggers. Both are undone afterwards, and the test's transaction rolls back anyway."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        else:
            guards.uninstall(connection)
        try:
            yield cursor
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL session_replication_role = origin")
            else:
                guards.install(connection)


def db_value(model: type, field: str, value: Any) -> Any:
    """``value`` as this backend stores ``model.field`` (UUID text on SQLite, jsonb, ...)."""
    return model._meta.get_field(field).get_db_prep_value(value, connection)


def set_event_field(chain: str, seq: int, field: str, value: Any) -> None:
    column = AuditEvent._meta.get_field(field).column
    with attacker() as cursor:
        cursor.execute(
            f"UPDATE audit_auditevent SET {column} = %s WHERE chain = %s AND seq = %s",
            [db_value(AuditEvent, field, value), chain, seq],
        )
        assert cursor.rowcount == 1


def delete_events(chain: str, *seqs: int) -> None:
    with attacker() as cursor:
        for seq in seqs:
            cursor.execute("DELETE FROM audit_auditevent WHERE chain = %s AND seq = %s",
                           [chain, seq])
            assert cursor.rowcount == 1


@pytest.fixture
def two_chains(db) -> dict[str, list[AuditEvent]]:
    """Five events in 洋县 and three in 陇川县, recorded by the system (no actor)."""
    yang = [
        record(None, "child.view", division_code=YANG_VILLAGE, object_type="child",
               object_id=f"child-{n}", reason="home visit", detail={"n": n})
        for n in range(1, 6)
    ]
    longchuan = [
        record(None, "child.view", division_code=LONGCHUAN_VILLAGE, object_type="child",
               object_id=f"lc-{n}", detail={"n": n})
        for n in range(1, 4)
    ]
    return {YANG: yang, LONGCHUAN: longchuan}


@pytest.fixture
def recorded(db) -> Callable[..., AuditEvent]:
    """record() with defaults, for tests that only need some event."""

    def make(division_code: str = YANG_VILLAGE, action: str = "child.view", **kwargs: Any):
        return record(kwargs.pop("actor", None), action, division_code=division_code, **kwargs)

    return make
