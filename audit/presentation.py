"""An entry in words: which fields changed, before and after, and rows for export."""

from __future__ import annotations

from audit.models import Entry

EXPORT_FIELDS = [
    "id",
    "at",
    "kind",
    "actor",
    "actor_id",
    "table",
    "object_pk",
    "before",
    "after",
    "ip",
    "user_agent",
    "request_id",
    "reason",
]


def changes(entry: Entry) -> list[tuple[str, str, str]]:
    before, after = entry.before or {}, entry.after or {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    keys = sorted(set(before) | set(after))
    return [
        (key, _shown(before.get(key)), _shown(after.get(key)))
        for key in keys
        if entry.kind != "update" or before.get(key) != after.get(key)
    ]


def changed_fields(entry: Entry) -> list[str]:
    if entry.kind != "update":
        return []
    return [key for key, _before, _after in changes(entry)]


def _shown(value) -> str:
    if value is None:
        return "—"
    text = str(value)
    return text if len(text) <= 200 else text[:197] + "…"


def export_rows(queryset):
    for entry in queryset.iterator(chunk_size=2000):
        yield {name: getattr(entry, name) for name in EXPORT_FIELDS} | {"at": entry.at.isoformat()}
