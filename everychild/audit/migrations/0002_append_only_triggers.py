"""Database triggers: audit events and checkpoints are never updated or deleted, and a chain
head only ever advances by one event. See everychild/audit/guards.py for the SQL."""

from django.db import migrations


def install(apps, schema_editor):
    from everychild.audit import guards

    guards.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    from everychild.audit import guards

    guards.uninstall(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(install, uninstall, elidable=False),
    ]
