"""Beat drains the outbox every 30 s (a sweep behind the after-commit trigger) and checks the
projections every 30 minutes."""

from django.db import migrations

SCHEDULES = [
    ("project outbox", "projections.tasks.project_outbox", 30),
    ("check projections", "projections.tasks.check_projections", 1800),
]


def forwards(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, seconds in SCHEDULES:
        interval, _ = IntervalSchedule.objects.get_or_create(every=seconds, period="seconds")
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "interval": interval})


class Migration(migrations.Migration):
    dependencies = [
        ("projections", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
