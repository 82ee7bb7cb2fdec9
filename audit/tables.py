"""Which tables the trail watches, and which of their columns it ignores.

Every table of the register's apps, their many-to-many link tables, and people and groups — less
the rows machines write in volume, whose story is told elsewhere or is no one's act:

* readings and their hourly rollups (one per metric per interval; the metric's config is audited);
* the notification outbox and the projection outbox (queues, emptied as they are delivered);
* alerts, their transitions, indicator and source states, and Alertmanager's deliveries (the alert
  state machine's own record, written on every evaluation);
* django-simple-history's tables (a copy of audited rows) and rendered review reports (files).

Columns machines change on audited rows are ignored: an update that changes only those leaves no
entry (a reading moves a metric's last value and a risk's live status, not the register).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import models

SKIPPED = {
    "monitoring.reading",
    "monitoring.readingrollup",
    "monitoring.alert",
    "monitoring.alerttransition",
    "monitoring.indicatorstate",
    "monitoring.sourcestate",
    "notifications.notification",
    "projections.outboxentry",
    "incidents.externalalert",
    "reviews.reviewreport",
}
IGNORED_COLUMNS = {
    "register.risk": {"live_status", "updated_at"},
    "monitoring.metric": {"last_value", "last_status", "last_collected_at", "next_due_at", "armed_at", "config_error"},
    "incidents.incident": {"updated_at"},
    "incidents.integrationtoken": {"last_used_at"},
    "auth.user": {"last_login"},
}
IGNORED_LINKS = {("incidents.incident", "alerts")}  # alerts attach to incidents as they fire


@dataclass(frozen=True)
class Table:
    name: str
    pk: str
    ignored: frozenset[str]


def _models():
    labels = [*settings.RISKREGISTER_APPS, "auth"]
    for label in labels:
        if label in {"core", "audit"}:
            continue
        for model in apps.get_app_config(label).get_models():
            if model._meta.label_lower in SKIPPED or model.__name__.startswith("Historical"):
                continue
            if model._meta.proxy or not model._meta.managed:
                continue
            yield model


def audited() -> list[Table]:
    tables = {}
    for model in _models():
        opts = model._meta
        # Files kept in the database (an uploaded plan) are named by the row's other columns, not copied.
        binary = {f.column for f in opts.concrete_fields if isinstance(f, models.BinaryField)}
        ignored = frozenset(IGNORED_COLUMNS.get(opts.label_lower, set()) | binary)
        tables[opts.db_table] = Table(opts.db_table, opts.pk.column, ignored)
        for field in opts.local_many_to_many:
            through = field.remote_field.through
            if through._meta.auto_created and (opts.label_lower, field.name) not in IGNORED_LINKS:
                tables[through._meta.db_table] = Table(through._meta.db_table, through._meta.pk.column, frozenset())
    return sorted(tables.values(), key=lambda table: table.name)


def model_of(table: str):
    """The model a table holds (None for a table no model has now)."""
    for model in apps.get_models(include_auto_created=True):
        if model._meta.db_table == table:
            return model
    return None
