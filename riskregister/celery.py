"""The Celery application (see the Celery docs, "First steps with Django")."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riskregister.settings")

app = Celery("riskregister")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# Writes a task makes are recorded as the task's (core/auditing.py).
@signals.task_prerun.connect
def _audit_context(task_id=None, task=None, **kwargs):
    from core import auditing

    _audit_tokens[task_id] = auditing.start(f"task:{task.name}")


@signals.task_postrun.connect
def _audit_context_done(task_id=None, **kwargs):
    from core import auditing

    token = _audit_tokens.pop(task_id, None)
    if token is not None:
        auditing.stop(token)


_audit_tokens: dict = {}
