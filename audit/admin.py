"""The trail in the admin: searchable by object, person, time and kind, read-only for everyone, with
CSV and JSON export, and a link from each risk's page to its own entries."""

from __future__ import annotations

import csv
import json

from django.contrib import admin
from django.http import HttpResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from audit import presentation
from audit.models import Entry
from core import extensions


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    list_display = ["id", "at", "kind", "actor", "table", "object_pk", "changed", "ip", "reason"]
    list_filter = ["kind", "table"]
    search_fields = ["=object_pk", "actor", "=request_id", "reason", "ip"]
    date_hierarchy = "at"
    list_per_page = 50
    show_full_result_count = False  # a count of a trail of millions costs more than the page
    actions = ["export_csv", "export_json"]
    # Every stored field, with the changes as a table after the object they belong to.
    readonly_fields = [*presentation.EXPORT_FIELDS[:7], "changes", *presentation.EXPORT_FIELDS[7:]]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        # ?table=…&object_pk=… come from the risk page's link; list_filter offers table alone.
        object_pk = request.GET.get("object_pk")
        return queryset.filter(object_pk=object_pk) if object_pk else queryset

    def lookup_allowed(self, lookup, value, request=None):
        return lookup in {"object_pk", "actor_id"} or super().lookup_allowed(lookup, value, request)

    @admin.display(description=_("changed"))
    def changed(self, entry):
        return ", ".join(presentation.changed_fields(entry))[:120]

    @admin.display(description=_("changes"))
    def changes(self, entry):
        rows = presentation.changes(entry)
        if not rows:
            return "—"
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("field"),
            _("before"),
            _("after"),
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
        )

    @admin.action(description=_("Export the selected entries as CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="audit.csv"'
        response.write("\ufeff")  # Excel reads UTF-8 with its mark
        writer = csv.writer(response)
        writer.writerow(presentation.EXPORT_FIELDS)
        for row in presentation.export_rows(queryset.order_by("id")):
            writer.writerow(
                [json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v for v in row.values()]
            )
        return response

    @admin.action(description=_("Export the selected entries as JSON"), permissions=["view"])
    def export_json(self, request, queryset):
        rows = list(presentation.export_rows(queryset.order_by("id")))
        response = HttpResponse(json.dumps(rows, ensure_ascii=False, default=str), content_type="application/json")
        response["Content-Disposition"] = 'attachment; filename="audit.json"'
        return response


def _trail_link(request, obj):
    if obj is None or not request.user.has_perm("audit.view_entry"):
        return []
    url = reverse("admin:audit_entry_changelist") + f"?table={obj._meta.db_table}&object_pk={obj.pk}"
    return [(url, _("Audit trail"))]


# Listed under Operations, with the machinery: it is the auditors', not the register's day-to-day.
extensions.add_operations_models("audit")

for label in ("register.risk", "incidents.incident"):
    extensions.add_object_tools(label, "audit.trail", _trail_link, order=90)
