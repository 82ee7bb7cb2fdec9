"""Give the role groups their incident permissions."""

from django.db import migrations


def forwards(apps, schema_editor):
    from riskregister.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial"), ("monitoring", "0003_schedules_and_roles")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
