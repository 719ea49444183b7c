"""Capabilities of the case-management issue for roles seeded before it: child directors may be
caseworkers, county officers move children between counties, and supervisors and county
officers record allowances."""

from django.db import migrations

ADDED = {
    "case.manage": ("child_director",),
    "child.transfer": ("civil_affairs_officer",),
    "benefit.record": ("child_supervisor", "civil_affairs_officer"),
}


def add(apps, schema_editor):
    from everychild.accounts.roles import add_capabilities

    role_model = apps.get_model("accounts", "Role")
    for capability, roles in ADDED.items():
        add_capabilities(role_model, capability, roles)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_reporting_capabilities")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
