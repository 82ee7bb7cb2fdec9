"""The register's part of the admin: its cards on the index (open risks by level with a small heat
map, live status) and the heat map page, contributed to the admin site through ``core.extensions``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from core import extensions
from core.colours import text_on
from register import scoring, visibility
from register.admin import LIVE_COLOURS
from register.choices import Assessment, Level, LiveStatus, RiskStatus
from register.heatmap import heatmap, moves, moves_svg
from register.middleware import SESSION_KEY
from register.models import LevelBand, Programme, Risk


def level_counts(risks) -> list[dict]:
    counts = dict(risks.exclude(status=RiskStatus.CLOSED).order_by().values_list("level").annotate(n=Count("id")))
    colours = dict(LevelBand.objects.values_list("level", "colour"))
    return [
        {
            "level": level,
            "label": label,
            "count": counts.get(level, 0),
            "colour": colours.get(level, "#cccccc"),
            "text": text_on(colours.get(level, "#cccccc")),
        }
        for level, label in reversed(Level.choices)
    ]


def live_counts(risks) -> list[dict]:
    """Open risks by live state, worst first (the register's headline column, counted)."""
    counts = dict(risks.exclude(status=RiskStatus.CLOSED).order_by().values_list("live_status").annotate(n=Count("id")))
    shown = [LiveStatus.CRITICAL, LiveStatus.WARNING, LiveStatus.UNKNOWN, LiveStatus.NORMAL, LiveStatus.NONE]
    return [
        {
            "status": status.value,
            "label": status.label,
            "count": counts.get(status.value, 0),
            "colour": LIVE_COLOURS.get(status.value, "#dddddd"),
            "text": text_on(LIVE_COLOURS.get(status.value, "#dddddd")),
        }
        for status in shown
    ]


def index_cards(request):
    if not request.user.has_perm("register.view_risk"):
        return None
    risks = visibility.scope(Risk.objects.all(), request.user)
    context = {
        "level_counts": level_counts(risks),
        "live_counts": live_counts(risks),
        "heatmap": heatmap(risks.exclude(status=RiskStatus.CLOSED)),
    }
    return mark_safe(render_to_string("admin/register/_index_cards.html", context, request=request))


def heatmap_view(site, request):
    if not request.user.has_perm("register.view_risk"):
        raise PermissionDenied
    include_closed = request.GET.get("closed") == "1"
    risks = visibility.scope(Risk.objects.all(), request.user)
    risks = risks if include_closed else risks.exclude(status=RiskStatus.CLOSED)
    assessment = request.GET.get("assessment", Assessment.CURRENT)
    if assessment not in Assessment.values:
        assessment = Assessment.CURRENT
    grid = heatmap(risks, assessment)
    context = {
        **site.each_context(request),
        "title": _("Risk heat map"),
        "grid": grid,
        "assessment": assessment,
        "assessments": Assessment.choices,
        # Built from numbers and escaped text only (register/heatmap.py).
        "moves_svg": mark_safe(moves_svg(grid, moves(risks), {"likelihood": _("Likelihood"), "impact": _("Impact")})),
        "has_appetite": any(cell.appetite for row in grid for cell in row),
        "likelihoods": range(scoring.SCALE_MIN, scoring.SCALE_MAX + 1),
        "include_closed": include_closed,
        "level_counts": level_counts(risks),
    }
    return TemplateResponse(request, "admin/register/heatmap.html", context)


@require_POST
def select_programme(request):
    """The header's selector: remember the programme chosen (empty: all) and go back."""
    code = request.POST.get("programme", "")
    if code and Programme.objects.visible_to(request.user).filter(code=code).exists():
        request.session[SESSION_KEY] = code
    else:
        request.session.pop(SESSION_KEY, None)
    back = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return HttpResponseRedirect(back if back and safe else reverse("admin:index"))


def admin_urls(site) -> list:
    return [
        path("heatmap/", site.admin_view(lambda request: heatmap_view(site, request)), name="heatmap"),
        path("programme/", site.admin_view(select_programme), name="programme_select"),
    ]


def portfolio_panel(request):
    """The programmes this user sees, each with its open risks by level and its worst live state —
    a parent's figures rolled up from the programmes under it. Shown once there is more than one."""
    programmes = list(
        visibility.visible_programmes(request.user).order_by("code").values("pk", "code", "name", "parent_id")
    )
    if len(programmes) < 2:
        return None
    risks = visibility.scope(Risk.objects.exclude(status=RiskStatus.CLOSED), request.user)
    own: dict[int, dict[str, int]] = {p["pk"]: {} for p in programmes}
    for programme_id, level, live, n in (
        risks.order_by().values_list("programme_id", "level", "live_status").annotate(n=Count("id"))
    ):
        counts = own[programme_id]
        counts[level] = counts.get(level, 0) + n
        counts[f"live:{live}"] = counts.get(f"live:{live}", 0) + n
    children: dict[int, list[int]] = {}
    for p in programmes:
        children.setdefault(p["parent_id"], []).append(p["pk"])
    totals: dict[int, dict[str, int]] = {}

    def rolled(pk: int) -> dict[str, int]:
        if pk not in totals:
            total = dict(own[pk])
            for child in children.get(pk, []):
                for key, n in rolled(child).items():
                    total[key] = total.get(key, 0) + n
            totals[pk] = total
        return totals[pk]

    # What the other apps count per programme (open alerts, incidents, spent budgets, overdue
    # reviews), rolled up the same way: one query each.
    figures = []
    for figure in extensions.portfolio_figures.values():
        counted = figure.count(request)
        if counted is not None:
            figures.append(figure.label)
            for programme_id, n in counted.items():
                if programme_id in own:
                    own[programme_id][f"figure:{figure.label}"] = n
    by_pk = {p["pk"]: p for p in programmes}

    def depth(p: dict) -> int:
        seen, parent, level = {p["pk"]}, p["parent_id"], 0
        while parent in by_pk and parent not in seen:
            seen.add(parent)
            parent, level = by_pk[parent]["parent_id"], level + 1
        return level

    url = reverse("admin:register_risk_changelist")
    rows = []
    for p in programmes:
        counts = rolled(p["pk"])
        worst = next(
            (LiveStatus(s).label for s in (LiveStatus.CRITICAL, LiveStatus.WARNING) if counts.get(f"live:{s}")), "—"
        )
        rows.append(
            (
                format_html(
                    '{}<a href="{}?programme__id__exact={}">{}</a> {}',
                    "\u2003" * depth(p),
                    url,
                    p["pk"],
                    p["code"],
                    p["name"],
                ),
                counts.get(Level.HIGH, 0),
                counts.get(Level.MEDIUM, 0),
                counts.get(Level.LOW, 0),
                worst,
                *(counts.get(f"figure:{label}", 0) for label in figures),
            )
        )
    return {
        "title": _("Programmes"),
        "columns": [
            _("programme"),
            Level.HIGH.label,
            Level.MEDIUM.label,
            Level.LOW.label,
            _("worst live state"),
            *figures,
        ],
        "rows": rows,
    }
