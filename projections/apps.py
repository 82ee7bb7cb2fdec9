"""Projections: the outbox that mirrors the register into a Bolt graph (cascade, blast radius) and a
Chroma vector store (semantic search, similar incidents, duplicates), with consistency checks."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectionsConfig(AppConfig):
    name = "projections"
    verbose_name = _("Projections (graph and search)")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from celery.signals import worker_process_init
        from django.conf import settings
        from django.core import checks
        from django.db.models.signals import post_migrate

        from projections import embeddings, outbox

        checks.register(embeddings.check_settings)
        outbox.connect_signals()
        post_migrate.connect(outbox.enqueue_unseen, sender=self, dispatch_uid="projections.enqueue_unseen")
        if settings.EMBEDDINGS_PRELOAD:
            # The model loads when a worker process starts, outside every task's time limit (the first
            # drain used to die on the soft limit while loading the model).
            worker_process_init.connect(embeddings.preload, weak=False, dispatch_uid="projections.preload")
