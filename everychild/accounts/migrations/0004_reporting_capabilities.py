"""Capabilities of the reporting issue for roles seeded before it: the child's school records
(not for the police, procurators or one-stop staff: need to know), the one-stop interview, and
the routing table."""

from django.db import migrations

ADDED = {
    "child.school": ("child_director", "child_supervisor", "civil_affairs_officer", "social_worker"),
    "report.interview": ("police_officer", "procurator", "one_stop_staff"),
    "routing.manage": ("system_admin",),
}


def add(apps, schema_editor):
    from everychild.accounts.roles import add_capabilities

    role_model = apps.get_model("accounts", "Role")
    for capability, roles in ADDED.items():
        add_capabilities(role_model, capability, roles)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_seed_roles")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
