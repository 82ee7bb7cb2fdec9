"""Everything beat runs, in one table.

Beat reads its schedule from the database (django-celery-beat's ``DatabaseScheduler``) so an
operator can change a time or pause a task in the admin. This table is what a new database starts
with; ``sync`` runs after every ``migrate`` and:
- creates a missing row (by name) with the schedule below;
- points an existing row at the task named here (so a task that moved module keeps running), but
  leaves its timing and its enabled flag alone — those are the operator's.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Every:
    seconds: int


@dataclass(frozen=True)
class Crontab:
    minute: str = "0"
    hour: str = "*"
    day_of_week: str = "*"
    day_of_month: str = "*"


SCHEDULE: list[tuple[str, str, Every | Crontab]] = [
    # name                                task                                      when
    ("collect due metrics", "monitoring.tasks.collect_due_metrics", Every(10)),
    ("sweep notifications", "monitoring.tasks.sweep_notifications", Every(30)),
    ("roll up readings", "monitoring.tasks.rollup_readings", Every(3600)),
    ("flag unhealthy sources for review", "monitoring.tasks.flag_unhealthy_sources", Every(600)),
    ("forecast threshold breaches", "monitoring.tasks.forecast_breaches", Every(3600)),
    ("evaluate service level objectives", "monitoring.tasks.evaluate_slos", Every(60)),
    ("escalate incidents", "incidents.tasks.escalate_incidents", Every(60)),
    ("remind stuck incidents", "incidents.tasks.remind_stuck_incidents", Every(3600)),
    # The plan's 毎週金曜日 and 毎月1日, in the register's time zone.
    ("open weekly review", "reviews.tasks.open_weekly_review", Crontab(hour="9", day_of_week="5")),
    ("open monthly review", "reviews.tasks.open_monthly_review", Crontab(hour="9", day_of_month="1")),
    ("remind overdue reviews", "reviews.tasks.remind_overdue_reviews", Crontab(hour="10")),
    # Expiry is by date: once a day, early, so an acceptance ends the morning of its expiry date.
    ("run due acceptances", "register.tasks.run_due_acceptances", Crontab(minute="5", hour="0")),
    ("project outbox", "projections.tasks.project_outbox", Every(30)),
    ("check projections", "projections.tasks.check_projections", Every(1800)),
    ("seal the audit trail", "audit.tasks.seal_audit", Every(60)),
    ("prune the audit trail", "audit.tasks.prune_audit", Crontab(minute="15", hour="1")),
]


def sync() -> dict[str, int]:
    """Create missing rows and re-point moved tasks; returns how many rows of each it touched."""
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    created = repointed = 0
    for name, task, when in SCHEDULE:
        existing = PeriodicTask.objects.filter(name=name).first()
        if existing is not None:
            if existing.task != task:
                existing.task = task
                existing.save(update_fields=["task"])
                repointed += 1
            continue
        if isinstance(when, Every):
            interval, _ = IntervalSchedule.objects.get_or_create(every=when.seconds, period=IntervalSchedule.SECONDS)
            PeriodicTask.objects.create(name=name, task=task, interval=interval)
        else:
            crontab, _ = CrontabSchedule.objects.get_or_create(
                minute=when.minute,
                hour=when.hour,
                day_of_week=when.day_of_week,
                day_of_month=when.day_of_month,
                month_of_year="*",
                timezone=settings.TIME_ZONE,
            )
            PeriodicTask.objects.create(name=name, task=task, crontab=crontab)
        created += 1
    return {"created": created, "repointed": repointed}


def sync_after_migrate(sender, **kwargs) -> None:
    sync()
