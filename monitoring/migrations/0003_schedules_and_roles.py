"""Beat's schedules live in the database (django-celery-beat) so the admin can change them."""

from django.db import migrations


def forwards(apps, schema_editor):
    # The role grants and beat rows this step once wrote are now kept by register.roles.sync_roles
    # and riskregister.schedules.sync after every migrate (post_migrate): a migration must not
    # import today's application code, which moves.
    pass


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0002_live_pipeline"),
        ("riskregister", "0003_risk_live_status"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
