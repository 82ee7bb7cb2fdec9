"""The register's part of the admin: its cards on the index (open risks by level with a small heat
map, live status) and the heat map page, contributed to the admin site through ``core.extensions``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from core.colours import text_on
from register import scoring, visibility
from register.admin import LIVE_COLOURS
from register.choices import Assessment, Level, LiveStatus, RiskStatus
from register.heatmap import heatmap, moves, moves_svg
from register.models import LevelBand, Risk


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


def admin_urls(site) -> list:
    return [path("heatmap/", site.admin_view(lambda request: heatmap_view(site, request)), name="heatmap")]
