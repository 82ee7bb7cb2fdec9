"""Projections: the outbox that mirrors the register into a Bolt graph (cascade, blast radius) and a
Chroma vector store (semantic search, similar incidents, duplicates), with consistency checks."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectionsConfig(AppConfig):
    name = "projections"
    verbose_name = _("Projections (graph and search)")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from projections import outbox

        outbox.connect_signals()
