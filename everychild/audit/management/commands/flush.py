"""Django's ``flush``, which on SQLite would trip the audit log's append-only triggers.

PostgreSQL flushes with TRUNCATE, which row triggers never see. SQLite flushes with
``DELETE FROM``, so there the triggers are dropped for the flush and put back afterwards
(test suites flush after every transactional test). Emptying the whole database is an
operator's act outside the application; the HMAC checkpoints, not the triggers, are what
would show it.
"""

from django.core.management.commands import flush
from django.db import connections

from everychild.audit import guards


class Command(flush.Command):
    def handle(self, **options: object) -> None:
        connection = connections[str(options["database"])]
        if connection.vendor != "sqlite" or not guards.tables_exist(connection):
            return super().handle(**options)
        guards.uninstall(connection)
        try:
            return super().handle(**options)
        finally:
            guards.install(connection)
