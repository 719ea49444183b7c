"""A missed deadline escalates at the deadline itself: the escalation is enqueued for it when the
task is given, and the real worker runs it then (not at a daily job)."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from everychild.registry.tests.factories import VILLAGE
from everychild.reports import services
from everychild.reports.models import ReportTask, TaskState
from everychild.reports.tests.factories import HANZHONG, NOW

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("restore_signal_handlers"),
]


def run_worker() -> None:
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)


def test_the_escalation_runs_on_the_worker_at_the_deadline(teacher, units):
    with time_machine.travel(NOW, tick=False):
        filed = services.file_report(teacher, services.ReportInput(
            situations=["private_parts_injury"], happened_division_code=VILLAGE)).report
    police = ReportTask.objects.get(report=filed, receiver="police")
    queued = DBTaskResult.objects.filter(task_path="everychild.reports.tasks.escalate_task",
                                         args_kwargs__args=[str(police.pk)])
    assert queued.get().run_after == police.due_at == NOW + timedelta(hours=1)
    with time_machine.travel(NOW + timedelta(minutes=30), tick=False):
        run_worker()
    assert ReportTask.objects.get(pk=police.pk).state == TaskState.OPEN  # not before its time
    with time_machine.travel(police.due_at + timedelta(seconds=1), tick=False):
        run_worker()
    assert ReportTask.objects.get(pk=police.pk).state == TaskState.ESCALATED
    assert ReportTask.objects.filter(escalated_from=police, unit_division_code=HANZHONG).exists()
