"""Background work on the database backend (django-tasks-db): a real queue and a real worker."""

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus, task_backends
from django_tasks.exceptions import InvalidTaskError
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from everychild.audit.models import Checkpoint
from everychild.audit.services import record
from everychild.core.tasks import enqueue_at, tick

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("restore_signal_handlers"),
]


def run_worker() -> None:
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)


def test_the_database_backend_is_the_default():
    assert isinstance(task_backends["default"], DatabaseBackend)
    assert isinstance(task_backends["db"], DatabaseBackend)


def test_the_tick_task_runs_on_the_database_worker():
    record(None, "test.tick", division_code="610723001212")  # a head the tick has not seen

    result = tick.enqueue()

    assert result.status == TaskResultStatus.READY
    assert uuid.UUID(str(result.id)).version == 7  # ids come from uuid_utils.compat.uuid7
    assert DBTaskResult.objects.filter(id=result.id, status="READY").exists()
    run_worker()
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL, result.errors
    assert result.return_value["checkpoint_heads"] == "1"
    assert Checkpoint.objects.filter(chain="610723").count() == 1
    assert len(result.worker_ids) == 1


def test_enqueue_at_runs_the_work_when_it_is_due():
    now = timezone.now()
    later = enqueue_at(tick, now + timedelta(hours=1))
    overdue = enqueue_at(tick, now - timedelta(minutes=5))

    assert later.task.run_after == now + timedelta(hours=1)
    assert overdue.task.run_after is None  # a deadline already past runs at once
    run_worker()
    later.refresh()
    overdue.refresh()
    assert overdue.status == TaskResultStatus.SUCCESSFUL
    assert later.status == TaskResultStatus.READY  # not before its time

    with time_machine.travel(now + timedelta(hours=1, seconds=1), tick=True):
        run_worker()
    later.refresh()
    assert later.status == TaskResultStatus.SUCCESSFUL
    assert later.started_at >= now + timedelta(hours=1)


def test_enqueue_at_refuses_a_naive_time():
    with pytest.raises(InvalidTaskError):
        enqueue_at(tick, timezone.now().replace(tzinfo=None) + timedelta(hours=1))
    assert not DBTaskResult.objects.exists()
