"""The project package: settings, URLs (every app's admin, API and pages mounted in one place),
the Celery app, the embedded broker, beat's schedule table, wsgi/asgi and gunicorn's config.

It may import every app (it is the composition root); no app imports it except for settings.
"""

from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.db.models.signals import post_migrate


class ProjectConfig(AppConfig):
    """Installed for two things only: the migration history of the ``riskregister`` label (before
    the register, reviews and indicators moved to apps of their own, their tables were created
    here — existing databases carry it, new ones replay it), and beat's schedule table."""

    name = "riskregister"
    label = "riskregister"
    verbose_name = "riskregister"

    def ready(self) -> None:
        from django.apps import apps

        from riskregister import schedules

        # post_migrate is sent only for apps with models: hang the sync on the app whose rows it writes.
        beat = apps.get_app_config("django_celery_beat")
        post_migrate.connect(schedules.sync_after_migrate, sender=beat, dispatch_uid="riskregister.schedules")


class AdminConfig(DjangoAdminConfig):
    """The admin with the register's site class: heat map, level counts and other apps' panels."""

    default_site = "core.admin_site.RiskRegisterAdminSite"
