"""``everychild tick``: the periodic jobs, each idempotent (a second run changes nothing)."""

from collections.abc import Callable

from django.conf import settings
from django.utils.module_loading import import_string


def jobs() -> dict[str, Callable[[], object]]:
    return {path.rsplit(".", 1)[-1]: import_string(path) for path in settings.EVERYCHILD_TICK_JOBS}


def run_tick() -> dict[str, object]:
    """Run every periodic job once; return what each reported."""
    return {name: job() for name, job in jobs().items()}
