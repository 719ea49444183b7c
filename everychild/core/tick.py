"""``everychild tick``: the periodic jobs, each idempotent (a second run changes nothing).

Cron (or a systemd timer), the demo's tick loop and the ``tick`` task may overlap, so one
tick runs at a time: on PostgreSQL a session advisory lock, on a SQLite file a lock file
beside it. A tick that finds another one running does nothing.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils.module_loading import import_string

try:
    import fcntl
except ImportError:  # pragma: no cover - not Unix
    fcntl = None  # type: ignore[assignment]

# The key of the tick's PostgreSQL advisory lock (any fixed bigint unique to everychild).
ADVISORY_LOCK_KEY = 0x1F6B2E4C9A3D5B71


def jobs() -> dict[str, Callable[[], object]]:
    """The periodic jobs by name (the last part of their path: names must differ)."""
    found = {path.rsplit(".", 1)[-1]: import_string(path) for path in settings.EVERYCHILD_TICK_JOBS}
    if len(found) != len(settings.EVERYCHILD_TICK_JOBS):
        raise ImproperlyConfigured("EVERYCHILD_TICK_JOBS: two jobs share a name")
    return found


@contextmanager
def _postgres_lock() -> Iterator[bool]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
        acquired = bool(cursor.fetchone()[0])
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_KEY])


@contextmanager
def _file_lock(path: str) -> Iterator[bool]:
    with open(path, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            acquired = True
        except BlockingIOError:
            acquired = False
        try:
            yield acquired
        finally:
            if acquired:
                fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def one_tick_at_a_time() -> Iterator[bool]:
    """Yield True when this process may run the tick, False when another tick is running."""
    if connection.vendor == "postgresql":
        with _postgres_lock() as acquired:
            yield acquired
    elif connection.vendor == "sqlite" and not connection.is_in_memory_db() and fcntl:
        with _file_lock(f"{connection.settings_dict['NAME']}.tick-lock") as acquired:
            yield acquired
    else:
        yield True


def run_tick() -> dict[str, object] | None:
    """Run every periodic job once; return what each reported (None: another tick is running)."""
    with one_tick_at_a_time() as acquired:
        if not acquired:
            return None
        return {name: job() for name, job in jobs().items()}
