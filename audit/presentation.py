"""An entry in words: which fields changed, before and after, and rows for export."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

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


def recent(obj, limit: int = 10):
    """An object's last entries as a small table: when, who, what (the fields, not their values)."""
    entries = list(Entry.objects.filter(table=obj._meta.db_table, object_pk=str(obj.pk)).order_by("-id")[:limit])
    if not entries:
        return _("Nothing recorded yet.")
    rows = [
        (
            entry.at.strftime("%Y-%m-%d %H:%M"),
            entry.actor,
            entry.get_kind_display(),
            ", ".join(changed_fields(entry)) or "—",
            entry.reason or "",
        )
        for entry in entries
    ]
    return format_html(
        "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
        _("at"),
        _("by"),
        _("kind"),
        _("fields"),
        _("reason"),
        format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
    )
