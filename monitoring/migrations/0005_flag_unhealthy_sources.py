"""Beat checks every 10 minutes for sources unhealthy long enough to flag their risk for review."""

from django.db import migrations


def forwards(apps, schema_editor):
    # The role grants and beat rows this step once wrote are now kept by register.roles.sync_roles
    # and riskregister.schedules.sync after every migrate (post_migrate): a migration must not
    # import today's application code, which moves.
    pass


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0004_generic_notifications"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
