from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate

GUARDS_MIGRATION = ("audit", "0002_append_only_triggers")


def _reinstall_guards(sender: AppConfig, using: str = "default", **kwargs: object) -> None:
    """Re-create the append-only triggers after a migrate (or flush) if any is missing.

    On SQLite a migration that rebuilds an audit table drops its triggers with it.
    """
    from django.db.migrations.recorder import MigrationRecorder

    from everychild.audit import guards

    connection = connections[using]
    applied = MigrationRecorder(connection).applied_migrations()
    if GUARDS_MIGRATION not in applied or not guards.tables_exist(connection):
        return
    if guards.installed(connection) != guards.trigger_names(connection):
        guards.install(connection)


class AuditConfig(AppConfig):
    name = "everychild.audit"
    label = "audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(_reinstall_guards, sender=self,
                             dispatch_uid="everychild.audit.reinstall_guards")
