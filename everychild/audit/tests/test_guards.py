"""No code path updates or deletes an audit event: the ORM refuses, and the database refuses
whatever the ORM is bypassed with."""

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from everychild.audit import guards
from everychild.audit.models import AppendOnlyError, AuditEvent, ChainHead, Checkpoint
from everychild.audit.services import checkpoint_heads, record
from everychild.audit.verify import verify_all

from .conftest import YANG, YANG_VILLAGE

pytestmark = pytest.mark.django_db


def test_the_triggers_are_installed_by_migrations():
    assert guards.installed(connection) == guards.trigger_names(connection)
    assert len(guards.installed(connection)) >= 3


def test_saving_an_existing_event_is_refused(two_chains):
    event = AuditEvent.objects.get(chain=YANG, seq=1)
    event.reason = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.save(update_fields=["reason"])
    with pytest.raises(AppendOnlyError):
        event.delete()


@pytest.mark.parametrize("model", [AuditEvent, Checkpoint])
def test_querysets_refuse_update_and_delete(two_chains, model):
    checkpoint_heads()
    rows = model.objects.filter(chain=YANG)
    with pytest.raises(AppendOnlyError):
        rows.update(chain="000000")
    with pytest.raises(AppendOnlyError):
        rows.delete()
    with pytest.raises(AppendOnlyError):
        model.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        model.objects.bulk_update(list(rows), ["chain"])
    with pytest.raises(AppendOnlyError):
        model.objects.update_or_create(pk=rows[0].pk, defaults={"chain": "000000"})
    assert verify_all() == []


def test_saving_an_existing_checkpoint_is_refused(two_chains):
    checkpoint_heads()
    checkpoint = Checkpoint.objects.first()
    with pytest.raises(AppendOnlyError):
        checkpoint.save()
    with pytest.raises(AppendOnlyError):
        checkpoint.delete()


@pytest.mark.parametrize("sql", [
    "UPDATE audit_auditevent SET reason = 'x'",
    "UPDATE audit_auditevent SET hash = hash",
    "DELETE FROM audit_auditevent",
    "DELETE FROM audit_auditevent WHERE seq = 5",
    "UPDATE audit_checkpoint SET seq = 1",
    "DELETE FROM audit_checkpoint",
    "DELETE FROM audit_chainhead",
    "UPDATE audit_chainhead SET seq = seq - 1",
    "UPDATE audit_chainhead SET hash = 'x'",
    "UPDATE audit_chainhead SET seq = seq + 2",
])
def test_the_database_refuses_raw_updates_and_deletes(two_chains, sql):
    checkpoint_heads()
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql)
    assert verify_all() == []


def test_the_raw_orm_paths_are_refused_too(two_chains):
    """``_raw_delete`` and ``QuerySet._update`` skip the Python guards; the triggers do not."""
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.filter(chain=YANG)._raw_delete(connection.alias)
    with pytest.raises(IntegrityError), transaction.atomic():
        field = AuditEvent._meta.get_field("reason")
        AuditEvent.objects.filter(chain=YANG)._update([(field, None, "x")])
    assert AuditEvent.objects.filter(chain=YANG).count() == 5


def test_a_head_advances_one_event_at_a_time(two_chains):
    head = ChainHead.objects.get(chain=YANG)
    with pytest.raises(IntegrityError), transaction.atomic():
        ChainHead.objects.filter(chain=YANG).update(seq=head.seq + 3)
    record(None, "child.view", division_code=YANG_VILLAGE)
    assert ChainHead.objects.get(chain=YANG).seq == head.seq + 1


def test_migrate_reinstalls_dropped_triggers(two_chains):
    guards.uninstall(connection)
    assert guards.installed(connection) == []
    call_command("migrate", "audit", verbosity=0)
    assert guards.installed(connection) == guards.trigger_names(connection)


@pytest.mark.django_db(transaction=True)
def test_flush_still_empties_the_database():
    """Test suites flush after transactional tests; on SQLite that is DELETE FROM, which the
    triggers would refuse, so ``flush`` lifts them for the flush and puts them back."""
    record(None, "child.view", division_code=YANG_VILLAGE)
    checkpoint_heads()
    call_command("flush", interactive=False, verbosity=0)
    assert (AuditEvent.objects.count(), Checkpoint.objects.count(),
            ChainHead.objects.count()) == (0, 0, 0)
    assert guards.installed(connection) == guards.trigger_names(connection)
    record(None, "child.view", division_code=YANG_VILLAGE)
    with pytest.raises(IntegrityError):
        AuditEvent.objects.filter(chain=YANG)._raw_delete(connection.alias)
