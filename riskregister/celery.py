"""The Celery application (see the Celery docs, "First steps with Django")."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riskregister.settings")

app = Celery("riskregister")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
