"""Background work through the django-tasks API (database backend by default, Redis/RQ by
settings). Work with a deadline is enqueued to run at that time, not left to a daily job.

Workers: ``everychild db_worker --no-reload`` for the database backend;
``everychild rqworker default --with-scheduler --job-class django_tasks_rq.Job`` for RQ (the
scheduler moves deferred jobs to the queue when they are due; without it they never run).
"""

from dataclasses import replace
from datetime import datetime
from typing import Any

from django.utils import timezone
from django_tasks import task
from django_tasks.base import Task, TaskResult
from django_tasks.exceptions import InvalidTaskError

from everychild.core.tick import run_tick


def enqueue_at(work: Task, when: datetime, *args: Any, **kwargs: Any) -> TaskResult:
    """Enqueue ``work`` to run no earlier than ``when`` (an aware datetime).

    A deadline already reached is enqueued to run now, so it does not wait on a scheduler.
    """
    if timezone.is_naive(when):
        raise InvalidTaskError("enqueue_at needs an aware datetime")
    if when <= timezone.now():
        return replace(work, run_after=None).enqueue(*args, **kwargs)
    return work.using(run_after=when).enqueue(*args, **kwargs)


@task()
def tick() -> dict[str, object]:
    """The periodic jobs, as a task (so a deployment may schedule them through the queue)."""
    results = run_tick()
    if results is None:
        return {"skipped": "another tick is running"}
    return {name: str(result) for name, result in results.items()}


@task()
def deliver_outbox() -> int:
    """Deliver the outbox now (enqueued after a commit that wrote to it)."""
    from everychild.core.outbox import deliver

    return deliver()
