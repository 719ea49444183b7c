"""Database triggers that keep the audit log append-only whatever code runs.

- ``audit_auditevent`` and ``audit_checkpoint``: every UPDATE and DELETE is refused.
- ``audit_chainhead``: a head may only advance by one event (``seq`` + 1, same chain) and is
  never deleted.
- the tables of ``settings.EVERYCHILD_NO_DELETE_TABLES`` (records that must never be deleted,
  such as reports of suspected harm): every DELETE is refused. A table not created yet is
  skipped, and guarded by the ``install`` after the migrate that creates it.

Both backends raise an integrity error (SQLite ``RAISE(ABORT)``, PostgreSQL SQLSTATE 23001
``restrict_violation``), which Django surfaces as ``django.db.IntegrityError``.

Not covered, on purpose: PostgreSQL ``TRUNCATE`` (row triggers do not fire; Django's ``flush``
truncates) and dropping the triggers themselves — anyone who can do that can also edit rows,
which is what the HMAC chains and checkpoints are for.

On SQLite, a migration that rebuilds one of these tables (most ``AlterField``/``AddField``
operations) drops its triggers with the old table; ``install`` runs again after every
``migrate`` (see ``apps.py``), and it is idempotent.
"""

from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper

APPEND_ONLY_TABLES = ("audit_auditevent", "audit_checkpoint")
HEAD_TABLE = "audit_chainhead"
MESSAGE = "audit log is append-only"

PG_FUNCTION = "audit_refuse_change"
PG_NO_DELETE_FUNCTION = "refuse_delete"
NO_DELETE_MESSAGE = "these records are never deleted"


def no_delete_tables() -> tuple[str, ...]:
    return tuple(getattr(settings, "EVERYCHILD_NO_DELETE_TABLES", ()))

_SQLITE_TRIGGERS: dict[str, tuple[str, str]] = {}  # name -> (table, SQL)
for _table in APPEND_ONLY_TABLES:
    for _op in ("update", "delete"):
        _SQLITE_TRIGGERS[f"{_table}_no_{_op}"] = (_table, (
            f"CREATE TRIGGER {_table}_no_{_op} BEFORE {_op.upper()} ON {_table} "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: {_op.upper()} on {_table}'); END"
        ))
_SQLITE_TRIGGERS[f"{HEAD_TABLE}_advance_only"] = (HEAD_TABLE, (
    f"CREATE TRIGGER {HEAD_TABLE}_advance_only BEFORE UPDATE ON {HEAD_TABLE} "
    "WHEN NEW.chain <> OLD.chain OR NEW.seq <> OLD.seq + 1 "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: a chain head only advances'); END"
))
_SQLITE_TRIGGERS[f"{HEAD_TABLE}_no_delete"] = (HEAD_TABLE, (
    f"CREATE TRIGGER {HEAD_TABLE}_no_delete BEFORE DELETE ON {HEAD_TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: DELETE on {HEAD_TABLE}'); END"
))

_PG_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = '{HEAD_TABLE}' THEN
        IF NEW.chain = OLD.chain AND NEW.seq = OLD.seq + 1 THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION '{MESSAGE}: % on %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END
$$
"""
_PG_NO_DELETE_SQL = f"""
CREATE OR REPLACE FUNCTION {PG_NO_DELETE_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{NO_DELETE_MESSAGE}: DELETE on %', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END
$$
"""
_PG_TRIGGERS: dict[str, tuple[str, str]] = {
    **{f"{t}_append_only": (t, "UPDATE OR DELETE") for t in APPEND_ONLY_TABLES},
    f"{HEAD_TABLE}_advance_only": (HEAD_TABLE, "UPDATE OR DELETE"),
}


def _pg_triggers() -> dict[str, tuple[str, str, str]]:
    """name -> (table, events, function)."""
    found = {name: (table, events, PG_FUNCTION) for name, (table, events) in _PG_TRIGGERS.items()}
    found.update({f"{t}_no_delete": (t, "DELETE", PG_NO_DELETE_FUNCTION)
                  for t in no_delete_tables()})
    return found


def _sqlite_triggers() -> dict[str, tuple[str, str]]:
    """name -> (table, SQL)."""
    found = dict(_SQLITE_TRIGGERS)
    found.update({f"{t}_no_delete": (t, f"CREATE TRIGGER {t}_no_delete BEFORE DELETE ON {t} BEGIN "
                                        f"SELECT RAISE(ABORT, '{NO_DELETE_MESSAGE}: DELETE on {t}'); END")
                  for t in no_delete_tables()})
    return found


def trigger_names(connection: BaseDatabaseWrapper) -> list[str]:
    """The names of the guard triggers on this connection's backend (of existing tables)."""
    tables = set(connection.introspection.table_names())
    if connection.vendor == "postgresql":
        return sorted(n for n, (t, _e, _f) in _pg_triggers().items() if t in tables)
    if connection.vendor == "sqlite":
        return sorted(n for n, (t, _sql) in _sqlite_triggers().items() if t in tables)
    return []


def install(connection: BaseDatabaseWrapper) -> None:
    """Create (or re-create) the guard triggers of the tables that exist. Other backends are
    left unguarded."""
    tables = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_PG_FUNCTION_SQL)
            cursor.execute(_PG_NO_DELETE_SQL)
            for name, (table, events, function) in _pg_triggers().items():
                if table not in tables:
                    continue
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
                cursor.execute(
                    f"CREATE TRIGGER {name} BEFORE {events} ON {table} "
                    f"FOR EACH ROW EXECUTE FUNCTION {function}()"
                )
        elif connection.vendor == "sqlite":
            for name, (table, sql) in _sqlite_triggers().items():
                if table not in tables:
                    continue
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
                cursor.execute(sql)


def uninstall(connection: BaseDatabaseWrapper) -> None:
    """Drop the guard triggers (migration rollback, and SQLite ``flush``)."""
    tables = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for name, (table, _events, _function) in _pg_triggers().items():
                if table in tables:
                    cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            cursor.execute(f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()")
            cursor.execute(f"DROP FUNCTION IF EXISTS {PG_NO_DELETE_FUNCTION}()")
        elif connection.vendor == "sqlite":
            for name in _sqlite_triggers():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def installed(connection: BaseDatabaseWrapper) -> list[str]:
    """The guard triggers present in the database."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname = ANY(%s)",
                [list(_pg_triggers())],
            )
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            return []
        return sorted(name for (name,) in cursor.fetchall() if name in trigger_names(connection))


def tables_exist(connection: BaseDatabaseWrapper) -> bool:
    names = set(connection.introspection.table_names())
    return {*APPEND_ONLY_TABLES, HEAD_TABLE} <= names
