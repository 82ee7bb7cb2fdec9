"""Admin pages for the graph and search, links to them from the risk, component and incident pages,
the outbox, and the duplicate check on new risks."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from core import extensions
from incidents.models import Incident
from projections import diagram, documents, embeddings, graph, queries, vectors
from projections.models import OutboxEntry
from register import visibility
from register.models import Component, Risk

STORE_ERRORS = (graph.GraphUnavailable, vectors.VectorUnavailable)


def _page(request, template, title, permission, **context):
    if not request.user.has_perm(permission):
        raise PermissionDenied
    return TemplateResponse(
        request, f"admin/projections/{template}.html", {**admin.site.each_context(request), "title": title, **context}
    )


def _unavailable(exc) -> str:
    return _("The graph or search store is unavailable (%(error)s). The register works; try again later.") % {
        "error": exc
    }


def cascade_view(request, pk: int):
    risk = get_object_or_404(visibility.scope(Risk.objects.all(), request.user), pk=pk)
    raw = request.GET.get("hops", "4")
    hops = max(1, min(int(raw), queries.MAX_HOPS)) if raw.isascii() and raw.isdigit() else 4
    context = {"hops": hops, "back": {"url": reverse("admin:register_risk_change", args=[pk]), "label": risk.code}}
    try:
        seen = visibility.programme_filter(request.user)
        result = queries.cascade(pk, hops, seen)
        context.update(
            result=result, diagram=diagram.cascade_svg(result), ranking=queries.systemic_ranking(hops, 10, seen)
        )
    except STORE_ERRORS as exc:
        context["error"] = _unavailable(exc)
    return _page(request, "cascade", _("Cascade of %(risk)s") % {"risk": risk}, "register.view_risk", **context)


def blast_radius_view(request, pk: int):
    component = get_object_or_404(Component, pk=pk)
    context = {"back": {"url": reverse("admin:register_component_change", args=[pk]), "label": component.name}}
    try:
        context["result"] = queries.blast_radius(pk, visibility.programme_filter(request.user))
    except STORE_ERRORS as exc:
        context["error"] = _unavailable(exc)
    title = _("Blast radius of %(component)s") % {"component": component}
    return _page(request, "blast_radius", title, "register.view_risk", **context)


KINDS = [("risk", _("Risks")), ("incident", _("Incidents")), ("mitigation", _("Mitigations"))]
FOUND_BY = {
    "code": _("code"),
    "words": _("words"),
    "meaning": _("meaning"),
    "words+meaning": _("words and meaning"),
}
_CHANGE_URL = {
    "risk": "register_risk_change",
    "incident": "incidents_incident_change",
    "mitigation": "register_mitigation_change",
}


def search_view(request):
    q = request.GET.get("q", "").strip()[:1000]
    kind = request.GET.get("type", "risk")
    kind = kind if kind in dict(KINDS) else "risk"
    context = {"q": q, "kind": kind, "kinds": KINDS, "results": []}
    if q:
        try:
            results = queries.search(q, kind, 20, visibility.programme_filter(request.user))
        except STORE_ERRORS as exc:
            context["error"] = _unavailable(exc)
        else:
            for r in results:
                r["url"] = reverse(f"admin:{_CHANGE_URL[kind]}", args=[documents.split_key(r["key"])[1]])
                r["found_by"] = FOUND_BY.get(r.get("match"), "")
            context["results"] = results
            context["threshold"] = embeddings.search_threshold()
    return _page(request, "search", _("Search"), "register.view_risk", **context)


def incident_view(request, pk: int):
    incident = get_object_or_404(visibility.scope(Incident.objects.all(), request.user), pk=pk)
    context = {"back": {"url": reverse("admin:incidents_incident_change", args=[pk]), "label": str(incident)}}
    seen = visibility.programme_filter(request.user)
    try:
        context.update(
            similar=queries.similar_incidents(pk, programmes=seen),
            suggested=queries.suggested_risks(pk, programmes=seen),
            path=queries.incident_path(pk),
        )
    except STORE_ERRORS as exc:
        context["error"] = _unavailable(exc)
    return _page(
        request, "incident", _("Like %(incident)s") % {"incident": incident}, "incidents.view_incident", **context
    )


def admin_urls(site) -> list:
    return [
        path("graph/risk/<int:pk>/", site.admin_view(cascade_view), name="graph_cascade"),
        path("graph/component/<int:pk>/", site.admin_view(blast_radius_view), name="graph_blast_radius"),
        path("graph/incident/<int:pk>/", site.admin_view(incident_view), name="graph_incident"),
        path("search/", site.admin_view(search_view), name="search"),
    ]


def risk_tools(request, risk) -> list[tuple[str, str]]:
    tools = [(reverse("admin:graph_cascade", args=[risk.pk]), _("Cascade"))] if risk is not None else []
    return [*tools, (reverse("admin:search"), _("Search"))]


def component_tools(request, component) -> list[tuple[str, str]]:
    if component is None:
        return []
    return [(reverse("admin:graph_blast_radius", args=[component.pk]), _("Blast radius"))]


def incident_tools(request, incident) -> list[tuple[str, str]]:
    if incident is None:
        return []
    return [(reverse("admin:graph_incident", args=[incident.pk]), _("Similar incidents"))]


# Pages under the admin, and links to them from the pages of the register and the incidents app
# (their admins stay unaware of this app).
extensions.add_admin_urls("projections.pages", admin_urls)
extensions.add_object_tools("register.risk", "projections.graph", risk_tools)
extensions.add_object_tools("register.component", "projections.graph", component_tools)
extensions.add_object_tools("incidents.incident", "projections.graph", incident_tools)


def find_duplicates(title: str, description: str, programmes: list[int] | None = None) -> list[dict]:
    try:
        hits = queries.possible_duplicates(title, description, programmes=programmes)
    except vectors.VectorUnavailable:
        return []  # the search store being down must not block registering a risk
    # The risk's key, so the form lists only risks its user may see.
    return [{**hit, "pk": documents.split_key(hit["key"])[1]} for hit in hits]


extensions.add_duplicate_finder("projections.semantic", find_duplicates)


@admin.register(OutboxEntry)
class OutboxEntryAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "entity",
        "object_id",
        "created_at",
        "graph_done",
        "vector_done",
        "attempts",
        "done_at",
        "last_error",
    ]
    list_filter = ["entity", "graph_done", "vector_done", ("done_at", admin.EmptyFieldListFilter)]
    readonly_fields = [f.name for f in OutboxEntry._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def projection_panel(request):
    if not request.user.has_perm("projections.view_outboxentry"):
        return None
    backlog = OutboxEntry.objects.filter(done_at__isnull=True).count()
    failing = OutboxEntry.objects.filter(done_at__isnull=True, attempts__gt=0).count()
    return {
        "title": _("Graph and search projections"),
        "columns": [_("waiting changes"), _("retrying"), ""],
        "rows": [(backlog, failing, "")],
    }


extensions.add_index_panel("projections.backlog", projection_panel, order=30)
extensions.add_operations_models("projections.outboxentry")
