"""Beat drains the outbox every 30 s (a sweep behind the after-commit trigger) and checks the
projections every 30 minutes; the check's result feeds two pushed metrics (the plan's risk 4)."""

from django.db import migrations

SCHEDULES = [
    ("project outbox", "projections.tasks.project_outbox", 30),
    ("check projections", "projections.tasks.check_projections", 1800),
]
METRICS = [
    # key, name, unit, direction, warning, critical
    ("consistency_ratio", "Projection consistency", "%", "lower_is_worse", 99.9, 99.0),
    ("sync_errors", "Projection sync errors", "count", "higher_is_worse", 1, 10),
]


def forwards(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, seconds in SCHEDULES:
        interval, _ = IntervalSchedule.objects.get_or_create(every=seconds, period="seconds")
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "interval": interval})
    Metric = apps.get_model("monitoring", "Metric")
    for key, name, unit, direction, warning, critical in METRICS:
        Metric.objects.get_or_create(
            key=key,
            defaults={
                "name": name,
                "unit": unit,
                "direction": direction,
                "warning": warning,
                "critical": critical,
                "source": "push",
                "category": "projections",
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("projections", "0001_initial"),
        ("monitoring", "0005_flag_unhealthy_sources"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
