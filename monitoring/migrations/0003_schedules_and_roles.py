"""Beat's schedules live in the database (django-celery-beat) so the admin can change them."""

from django.db import migrations

SCHEDULES = [
    ("collect due metrics", "monitoring.tasks.collect_due_metrics", 10),
    ("sweep notifications", "monitoring.tasks.sweep_notifications", 30),
    ("roll up readings", "monitoring.tasks.rollup_readings", 3600),
]


def forwards(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, seconds in SCHEDULES:
        interval, _ = IntervalSchedule.objects.get_or_create(every=seconds, period="seconds")
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "interval": interval})

    from riskregister.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0002_live_pipeline"),
        ("riskregister", "0003_risk_live_status"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
