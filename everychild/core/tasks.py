"""Background work through the django-tasks API (database backend by default, Redis/RQ by
settings). Work with a deadline is enqueued to run at that time, not left to a daily job."""

from datetime import datetime
from typing import Any

from django_tasks import task
from django_tasks.base import Task, TaskResult

from everychild.core.tick import run_tick


def enqueue_at(work: Task, when: datetime, *args: Any, **kwargs: Any) -> TaskResult:
    """Enqueue ``work`` to run no earlier than ``when``."""
    return work.using(run_after=when).enqueue(*args, **kwargs)


@task()
def tick() -> dict[str, object]:
    """The periodic jobs, as a task (so a deployment may schedule them through the queue)."""
    return {name: str(result) for name, result in run_tick().items()}
