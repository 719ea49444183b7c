"""Background work on the Redis backend (django-tasks-rq) against the Redis named by REDIS_URL
(CI: redis://127.0.0.1:6379/15). Each test uses a queue of its own and removes its keys."""

import time
import uuid
from datetime import timedelta

import django_rq
import pytest
import redis
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus

from conftest import skip_or_fail
from everychild.audit.services import record
from everychild.core.tasks import enqueue_at, tick

pytestmark = [
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("restore_signal_handlers"),
]


@pytest.fixture
def rq_queue(settings):
    """A queue of this test's own on the configured Redis; its keys are deleted afterwards."""
    connection = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2)
    try:
        connection.ping()
    except redis.RedisError:
        skip_or_fail(f"redis unavailable at {settings.REDIS_URL}")
    name = f"everychild-test-{uuid.uuid4().hex[:12]}"
    settings.RQ_QUEUES = {**settings.RQ_QUEUES, name: {"URL": settings.REDIS_URL}}
    settings.TASKS = {**settings.TASKS, "rq": {**settings.TASKS["rq"], "QUEUES": [name]}}
    job_ids: list[str] = []
    yield name, job_ids
    queue = django_rq.get_queue(name)
    job_ids += queue.get_job_ids() + queue.scheduled_job_registry.get_job_ids()
    keys = {key for job_id in job_ids for key in connection.scan_iter(f"rq:*{job_id}*")}
    keys |= set(connection.scan_iter(f"rq:*{name}*"))
    if keys:
        connection.delete(*keys)
    connection.srem("rq:queues", f"rq:queue:{name}")
    connection.close()


def run_worker(queue: str) -> None:
    """An RQ worker in burst mode with the scheduler, as the deployment runs it."""
    call_command("rqworker", queue, burst=True, with_scheduler=True,
                 job_class="django_tasks_rq.Job", name=f"{queue}-worker", verbosity=0)


def test_the_tick_task_runs_on_the_rq_worker(rq_queue):
    name, job_ids = rq_queue
    record(None, "test.tick", division_code="533124101201")  # a head the tick has not seen

    result = tick.using(backend="rq", queue_name=name).enqueue()
    job_ids.append(result.id)

    assert result.backend == "rq"
    assert result.status == TaskResultStatus.READY
    assert django_rq.get_queue(name).get_job_ids() == [result.id]
    run_worker(name)
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL, result.errors
    assert result.return_value["checkpoint_heads"] == "1"
    assert result.worker_ids == [f"{name}-worker"]


def test_deferred_work_waits_for_its_time_on_rq(rq_queue):
    name, job_ids = rq_queue
    on_rq = tick.using(backend="rq", queue_name=name)
    now = timezone.now()

    later = enqueue_at(on_rq, now + timedelta(hours=1))
    soon = enqueue_at(on_rq, now + timedelta(seconds=1))
    overdue = enqueue_at(on_rq, now - timedelta(minutes=5))
    job_ids += [later.id, soon.id, overdue.id]

    queue = django_rq.get_queue(name)
    assert set(queue.scheduled_job_registry.get_job_ids()) == {later.id, soon.id}
    assert queue.get_job_ids() == [overdue.id]  # past its time: queued at once

    time.sleep(max(0.0, (now + timedelta(seconds=1.1) - timezone.now()).total_seconds()))
    run_worker(name)  # the scheduler queues what is due, the worker runs it
    for result in (later, soon, overdue):
        result.refresh()
    assert overdue.status == TaskResultStatus.SUCCESSFUL, overdue.errors
    assert soon.status == TaskResultStatus.SUCCESSFUL, soon.errors
    assert later.status == TaskResultStatus.READY
    assert abs(later.task.run_after - (now + timedelta(hours=1))) < timedelta(seconds=1)
    assert queue.scheduled_job_registry.get_job_ids() == [later.id]
