from django.db import migrations


def seed(apps, schema_editor):
    from everychild.accounts.roles import seed_roles

    seed_roles(apps.get_model("accounts", "Role"))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
