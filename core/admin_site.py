"""The admin site: the register's main UI, with the heat map, level counts and other apps' panels on the index."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from register import extensions, scoring
from register.choices import Level, LiveStatus, RiskStatus
from register.colours import text_on


class RiskRegisterAdminSite(admin.AdminSite):
    site_header = _("riskregister")
    site_title = _("riskregister")
    index_title = _("Risk register")
    index_template = "admin/register/index.html"
    # The page's own width goes to the register (the 1366 px changelist with its filters); the
    # index is the map of the admin.
    enable_nav_sidebar = False
    # The index lists the register first, then the apps in their dependency order, people and
    # groups, and the machinery last (extensions.operations_models).
    app_order = ["register", "monitoring", "incidents", "reviews", "plans", "projections", "auth"]

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        if app_label is not None:
            return apps
        operations = {
            "name": _("Operations"),
            "app_label": "operations",
            "app_url": "",
            "has_module_perms": True,
            "models": [],
        }
        kept = []
        for app in apps:
            models = []
            for model in app["models"]:
                label = f"{app['app_label']}.{model['object_name']}".lower()
                if app["app_label"] in extensions.operations_models or label in extensions.operations_models:
                    operations["models"].append(model)
                else:
                    models.append(model)
            if models:
                kept.append({**app, "models": models})

        def rank(app):
            label = app["app_label"]
            return (self.app_order.index(label) if label in self.app_order else len(self.app_order), str(app["name"]))

        kept.sort(key=rank)
        operations["models"].sort(key=lambda m: str(m["name"]))
        return kept + ([operations] if operations["models"] else [])

    def get_urls(self):
        # Other apps' pages (extensions.add_admin_urls), e.g. the graph views, before the model URLs.
        contributed = [pattern for patterns in extensions.admin_urls.values() for pattern in patterns(self)]
        return [
            path("heatmap/", self.admin_view(self.heatmap_view), name="heatmap"),
            *contributed,
            *super().get_urls(),
        ]

    def level_counts(self) -> list[dict]:
        from register.models import LevelBand, Risk

        counts = dict(
            Risk.objects.exclude(status=RiskStatus.CLOSED).order_by().values_list("level").annotate(n=Count("id"))
        )
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

    def live_counts(self) -> list[dict]:
        """Open risks by live state, worst first (the register's headline column, counted)."""
        from register.admin import LIVE_COLOURS
        from register.models import Risk

        counts = dict(
            Risk.objects.exclude(status=RiskStatus.CLOSED).order_by().values_list("live_status").annotate(n=Count("id"))
        )
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

    def index(self, request, extra_context=None):
        from register.heatmap import heatmap
        from register.models import Risk

        extra_context = dict(extra_context or {})
        if request.user.has_perm("register.view_risk"):
            extra_context["level_counts"] = self.level_counts()
            extra_context["live_counts"] = self.live_counts()
            extra_context["heatmap"] = heatmap(Risk.objects.exclude(status=RiskStatus.CLOSED))
        # The "start here" strip: other apps' first steps (extensions.add_start_step), until all are done.
        steps = [step for step in (build(request) for build in extensions.start_steps.values()) if step]
        extra_context["start_steps"] = steps if any(not step["done"] for step in steps) else []
        # Other apps' summary panels (extensions.add_index_panel); a panel returns None to hide itself.
        panels = (build(request) for build in extensions.index_panels.values())
        extra_context["panels"] = [panel for panel in panels if panel]
        return super().index(request, extra_context)

    def heatmap_view(self, request):
        from register.choices import Assessment
        from register.heatmap import heatmap, moves, moves_svg
        from register.models import Risk

        if not request.user.has_perm("register.view_risk"):
            raise PermissionDenied
        include_closed = request.GET.get("closed") == "1"
        risks = Risk.objects.all() if include_closed else Risk.objects.exclude(status=RiskStatus.CLOSED)
        assessment = request.GET.get("assessment", Assessment.CURRENT)
        if assessment not in Assessment.values:
            assessment = Assessment.CURRENT
        grid = heatmap(risks, assessment)
        context = {
            **self.each_context(request),
            "title": _("Risk heat map"),
            "grid": grid,
            "assessment": assessment,
            "assessments": Assessment.choices,
            # Built from numbers and escaped text only (register/heatmap.py).
            "moves_svg": mark_safe(
                moves_svg(grid, moves(risks), {"likelihood": _("Likelihood"), "impact": _("Impact")})
            ),
            "has_appetite": any(cell.appetite for row in grid for cell in row),
            "likelihoods": range(scoring.SCALE_MIN, scoring.SCALE_MAX + 1),
            "include_closed": include_closed,
            "level_counts": self.level_counts(),
        }
        return TemplateResponse(request, "admin/register/heatmap.html", context)
