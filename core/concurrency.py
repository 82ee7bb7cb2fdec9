"""Optimistic concurrency: the version of an object is a hash of its editable fields.

Two people who open the same object and both save must not silently undo each other. Each edit
carries the version the editor started from (the admin form's hidden token, the API's ``If-Match``)
and is refused when the stored object has moved on since.

Why a hash of the stored fields rather than a version column: every path that changes a field —
a model save, ``QuerySet.update``, ``update_rows``, COPY, raw SQL, an import — changes the hash
without having to remember to bump anything, no table needs a new column, and the fields machines
write (a metric's last value, a risk's live status, the next collection time) are simply left out,
so a reading arriving between a read and a write never makes the write fail. The cost is reading
the row, which an edit does anyway.

What is hashed: the concrete fields a person can edit (``editable=True``, not the primary key) and
editable many-to-many fields, less what the model names in ``concurrency_exclude`` (fields that
machines write although a person may set them too). The values are normalised to JSON
(``DjangoJSONEncoder``) so the same row gives the same version in every process and database.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext as _

# Fields that machines write on models we do not own.
_EXCLUDED = {
    "auth.user": {"last_login"},
    "django_celery_beat.periodictask": {"last_run_at", "total_run_count"},
}


def _excluded(model) -> set[str]:
    return set(getattr(model, "concurrency_exclude", ())) | _EXCLUDED.get(model._meta.label_lower, set())


def tracked_fields(model) -> list[models.Field]:
    """The fields whose values make the version, concrete first, then many-to-many."""
    excluded = _excluded(model)
    opts = model._meta
    concrete = [f for f in opts.concrete_fields if f.editable and not f.primary_key and f.name not in excluded]
    many = [f for f in opts.many_to_many if f.editable and f.name not in excluded]
    return concrete + many


def _jsonable(value):
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def values(instance: models.Model) -> dict[str, Any]:
    """The tracked values of ``instance`` as JSON-able data (a related object by its key)."""
    out = {}
    for field in tracked_fields(type(instance)):
        if field.many_to_many:
            if instance.pk is None:
                out[field.name] = []
                continue
            out[field.name] = sorted(_jsonable(obj.pk) for obj in field.value_from_object(instance))
        else:
            out[field.name] = _jsonable(field.value_from_object(instance))
    return out


def version_of_values(data: dict[str, Any]) -> str:
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def version(instance: models.Model) -> str:
    return version_of_values(values(instance))


def locked(instance: models.Model) -> models.Model:
    """The object as stored now, its row locked until the transaction ends (PostgreSQL; SQLite's
    IMMEDIATE transactions hold the whole database already). Call inside ``transaction.atomic``."""
    return type(instance)._default_manager.select_for_update().get(pk=instance.pk)


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    before: str
    after: str

    def __str__(self) -> str:
        return f"{self.label}: {self.before} → {self.after}"


def _shown(field: models.Field, value) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if field.many_to_many or field.is_relation:
        keys = value if isinstance(value, list) else [value]
        named = {str(obj.pk): str(obj) for obj in field.related_model._default_manager.filter(pk__in=keys)}
        return ", ".join(named.get(str(key), f"#{key}") for key in keys)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "…"


def changes(model, before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    """What differs between two sets of tracked values, field by field, in words a person reads."""
    out = []
    for field in tracked_fields(model):
        if field.name in before and field.name in after and before[field.name] != after[field.name]:
            out.append(
                Change(
                    field.name,
                    str(field.verbose_name),
                    _shown(field, before[field.name]),
                    _shown(field, after[field.name]),
                )
            )
    return out


def python_value(field: models.Field, value):
    """A stored JSON value back as the model field's Python value (what a form field compares)."""
    if field.many_to_many:
        return value
    if field.is_relation:
        return value
    try:
        return field.to_python(value)
    except Exception:  # a value the field no longer reads: compared as stored
        return value
