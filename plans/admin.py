"""The plan import page (upload → preview of every change → apply), the record of imports, and the
register's export as a workbook — all under the admin, linked from its index."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from core import extensions
from core.api.serializers import MAX_KEY
from plans import actions
from plans.choices import PlanImportState
from plans.document import PlanError
from plans.models import PlanImport
from plans.sheet_export import tables_from_register
from plans.spreadsheets import write_csv_zip, write_xlsx
from register import visibility
from register.admin_programmes import ProgrammeScoped
from register.models import Programme

ENTITY_LABELS = {
    "scale_bands": _("scale bands"),
    "categories": _("categories"),
    "risks": _("risks"),
    "mitigations": _("mitigations"),
    "indicators": _("indicators"),
    "strategies": _("strategies"),
    "metrics": _("metrics"),
    "alert_rules": _("alert rules"),
    "slos": _("service level objectives"),
    "review_templates": _("review templates"),
    "review_items": _("review checklist items"),
    "acceptances": _("risk acceptances"),
    "appetite": _("risk appetite"),
}
PREVIEW = "plans.add_planimport"
APPLY = "plans.apply_planimport"


def _entity_models() -> dict:
    from monitoring.models import SLO, AlertRule, Indicator, Metric
    from register.models import Appetite, Category, Mitigation, Risk, RiskAcceptance, ScaleBand, Strategy
    from reviews.models import ReviewTemplate, ReviewTemplateItem

    return {
        "scale_bands": ScaleBand,
        "categories": Category,
        "risks": Risk,
        "mitigations": Mitigation,
        "indicators": Indicator,
        "strategies": Strategy,
        "metrics": Metric,
        "alert_rules": AlertRule,
        "slos": SLO,
        "review_templates": ReviewTemplate,
        "review_items": ReviewTemplateItem,
        "acceptances": RiskAcceptance,
        "appetite": Appetite,
    }


def _field_label(model, name: str) -> str:
    try:
        return capfirst(model._meta.get_field(name).verbose_name)
    except (FieldDoesNotExist, AttributeError):
        return name


def _shown_change(change: dict, models: dict) -> dict:
    """A change as the page shows it: the kind and each field by the names the admin uses for them."""
    model = models.get(change["entity"])
    fields = [
        {"label": _field_label(model, name), "old": old, "new": new}
        for name, (old, new) in (change.get("fields") or {}).items()
    ]
    return {**change, "label": ENTITY_LABELS.get(change["entity"], change["entity"]), "fields": fields}


def report_context(report: dict) -> dict:
    counts = report.get("counts") or {}
    changes = report.get("changes") or []
    models = _entity_models()
    return {
        "rows": [
            {"label": ENTITY_LABELS.get(entity, entity), **outcome}
            for entity, outcome in counts.items()
            if any(outcome.values())
        ],
        "changes": [_shown_change(change, models) for change in changes],
        "more_changes": report.get("more_changes", 0),
        "warnings": report.get("warnings") or [],
    }


def render_report(report: dict) -> str:
    return render_to_string("admin/plans/_report.html", report_context(report))


def _record_id(text: str | None) -> int:
    """A record's key from a form or the query string; anything else names no record (404, not a 500)."""
    if not text or not (text.isascii() and text.isdigit()) or int(text) > MAX_KEY:
        raise Http404
    return int(text)


def import_view(request):
    if not request.user.has_perm(PREVIEW):
        raise PermissionDenied
    can_apply = request.user.has_perm(APPLY)
    # The programmes this user may import into; the form asks which only when there are several.
    programmes = list(Programme.objects.where(request.user, PREVIEW).order_by("code"))
    context = {
        **admin.site.each_context(request),
        "title": _("Import a plan"),
        "programmes": programmes,
        "can_apply": can_apply,
        "max_mb": actions.MAX_PLAN_BYTES // 2**20,
        "errors": [],
    }
    if request.method == "POST" and request.POST.get("action") == "apply":
        if not can_apply:
            raise PermissionDenied
        seen = visibility.scope(PlanImport.objects.defer("content"), request.user)
        record = get_object_or_404(seen, pk=_record_id(request.POST.get("record")))
        try:
            record = actions.apply(request.user, record.pk)
        except actions.StalePreview as exc:
            context.update(record=record, stale=str(exc), report=report_context(record.report))
            return TemplateResponse(request, "admin/plans/import.html", context, status=409)
        except PlanError as exc:
            context.update(record=record, errors=actions.problems_of(exc))
            return TemplateResponse(request, "admin/plans/import.html", context, status=400)
        totals = record.summary
        messages.success(
            request,
            _("Imported %(name)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
            % {"name": record.file_name, **totals},
        )
        return redirect(reverse("admin:plans_planimport_change", args=[record.pk]))
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["errors"] = [{"text": _("Choose a file to preview.")}]
            return TemplateResponse(request, "admin/plans/import.html", context, status=400)
        if upload.size > actions.MAX_PLAN_BYTES:
            context["errors"] = [{"text": _("The file is larger than %(mb)d MB.") % {"mb": context["max_mb"]}}]
            return TemplateResponse(request, "admin/plans/import.html", context, status=400)
        chosen = None
        if len(programmes) > 1 or request.POST.get("programme"):
            chosen = next((p for p in programmes if p.code == request.POST.get("programme")), None)
            if chosen is None:
                context["errors"] = [{"text": _("Choose the programme to import into.")}]
                return TemplateResponse(request, "admin/plans/import.html", context, status=400)
        elif programmes:
            chosen = programmes[0]
        record, errors = actions.preview(request.user, upload.name, upload.read(), chosen)
        if record is None:
            context.update(errors=errors, file_name=upload.name)
            return TemplateResponse(request, "admin/plans/import.html", context, status=400)
        # Post/redirect/get: reloading the preview page does not upload again.
        return redirect(f"{reverse('admin:plans_import')}?preview={record.pk}")
    if "preview" in request.GET:
        record = get_object_or_404(
            visibility.scope(PlanImport.objects.defer("content"), request.user),
            pk=_record_id(request.GET["preview"]),
            state=PlanImportState.PREVIEWED,
        )
        context.update(record=record, report=report_context(record.report))
    return TemplateResponse(request, "admin/plans/import.html", context)


EXPORTS = {
    "xlsx": (write_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "csv": (write_csv_zip, "application/zip", "zip"),
}


def export_view(request):
    if not request.user.has_perm("register.view_risk"):
        raise PermissionDenied
    kind = request.GET.get("format", "xlsx")
    if kind not in EXPORTS:
        kind = "xlsx"
    language = request.GET.get("language") or getattr(request, "LANGUAGE_CODE", "en")[:2]
    language = language if language in {"ja", "en"} else "en"
    write, content_type, extension = EXPORTS[kind]
    # One programme's register, of those this user sees: the one named, or their only one; with
    # several to choose from, the page asks which.
    visible = visibility.visible_programmes(request.user).order_by("code")
    code = request.GET.get("programme")
    if code:
        chosen = visible.filter(code=code).first()
        if chosen is None:
            raise Http404(_("No programme %(code)s that you can see.") % {"code": code})
    elif not Programme.objects.exists():
        chosen = None  # a new register: the empty workbook to start from
    else:
        candidates = list(visible[:2])
        if len(candidates) != 1:
            context = {
                **admin.site.each_context(request),
                "title": _("Download the register"),
                "programmes": visible,
                "format": kind,
                "language": language,
            }
            return TemplateResponse(request, "admin/plans/export_choose.html", context)
        chosen = candidates[0]
    response = HttpResponse(write(tables_from_register(language, chosen)), content_type=content_type)
    stamp = timezone.localdate().isoformat()
    name = f"risk-register-{chosen.code}-{stamp}" if chosen else f"risk-register-{stamp}"
    response["Content-Disposition"] = f'attachment; filename="{name}.{extension}"'
    return response


def admin_urls(site) -> list:
    return [
        path("plans/import/", site.admin_view(import_view), name="plans_import"),
        path("plans/export/", site.admin_view(export_view), name="plans_export"),
    ]


extensions.add_admin_urls("plans.pages", admin_urls)


@admin.register(PlanImport)
class PlanImportAdmin(ProgrammeScoped, admin.ModelAdmin):
    list_display = ["file_name", "programme", "state", "created_by", "created_at", "applied_by", "applied_at", "totals"]
    list_filter = ["state", "file_format"]
    list_select_related = ["created_by", "applied_by"]
    search_fields = ["file_name", "checksum"]
    fields = [
        "programme",
        "file_name",
        "file_format",
        "size",
        "checksum",
        "state",
        "created_by",
        "created_at",
        "applied_by",
        "applied_at",
        "report_html",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        # The uploaded file is read only when it is applied: lists never load it.
        return super().get_queryset(request).defer("content")

    @admin.display(description=_("created / updated / unchanged"))
    def totals(self, obj: PlanImport) -> str:
        t = obj.summary
        return f"{t['created']} / {t['updated']} / {t['unchanged']}"

    @admin.display(description=_("report"))
    def report_html(self, obj: PlanImport) -> str:
        return render_report(obj.report)

    def has_add_permission(self, request):
        return False  # uploads go through the import page, which previews first

    def has_change_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "import_url": reverse("admin:plans_import")}
        return super().changelist_view(request, extra_context)


def import_panel(request):
    if not request.user.has_perm(PREVIEW):
        return None
    # Every index view shows this: never load the stored files or reports for it.
    applied = visibility.scope(PlanImport.objects.filter(state=PlanImportState.APPLIED), request.user)
    last = applied.only("pk", "file_name").first()
    link = format_html('<a href="{}">{}</a>', reverse("admin:plans_import"), _("Import a plan…"))
    export = format_html(
        '<a href="{}?format=xlsx">{}</a>', reverse("admin:plans_export"), _("Download the register (.xlsx)")
    )
    when = (
        format_html('<a href="{}">{}</a>', reverse("admin:plans_planimport_change", args=[last.pk]), last.file_name)
        if last
        else _("none yet")
    )
    return {"title": _("Plans"), "columns": [_("last import"), "", ""], "rows": [(when, link, export)]}


extensions.add_index_panel("plans.import", import_panel, order=5)


def import_step(request):
    """Start here: a register filled from a plan (or by hand)."""
    if not request.user.has_perm(PREVIEW):
        return None
    from register.models import Risk

    return {"label": _("Import your risk plan"), "url": reverse("admin:plans_import"), "done": Risk.objects.exists()}


extensions.add_start_step("plans.import", import_step, order=10)
