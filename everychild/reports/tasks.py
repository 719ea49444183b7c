"""Reporting work for the queue: a task's escalation, enqueued for its deadline."""

from django_tasks import task


@task()
def escalate_task(task_id: str) -> bool:
    """At a task's deadline: escalate it one level up if it is still open."""
    from everychild.reports.services import escalate

    return escalate(task_id)
