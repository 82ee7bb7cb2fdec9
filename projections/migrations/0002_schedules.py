"""Beat drains the outbox every 30 s (a sweep behind the after-commit trigger) and checks the
projections every 30 minutes."""

from django.db import migrations


def forwards(apps, schema_editor):
    # The role grants and beat rows this step once wrote are now kept by register.roles.sync_roles
    # and riskregister.schedules.sync after every migrate (post_migrate): a migration must not
    # import today's application code, which moves.
    pass


class Migration(migrations.Migration):
    dependencies = [
        ("projections", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
