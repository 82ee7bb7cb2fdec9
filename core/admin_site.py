"""The admin site: the app list in the apps' order, the machinery under *Operations*, and the
index's dashboard made of what the apps contribute (``core.extensions``)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core import extensions
from core.admin_concurrency import ConditionalEdits


class RiskRegisterAdminSite(admin.AdminSite):
    site_header = _("riskregister")
    site_title = _("riskregister")
    index_title = _("Risk register")
    index_template = "admin/core/index.html"
    # The page's own width goes to the register (the 1366 px changelist with its filters); the
    # index is the map of the admin.
    enable_nav_sidebar = False

    def register(self, model_or_iterable, admin_class=None, **options):
        # Every admin edits conditionally (core/admin_concurrency.py): mixed in here, once, so no
        # admin can be registered without it.
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, ConditionalEdits):
            bases, attrs = (ConditionalEdits, admin_class), {"__module__": admin_class.__module__}
            admin_class = type(admin_class.__name__, bases, attrs)
        super().register(model_or_iterable, admin_class, **options)

    @property
    def app_order(self) -> list[str]:
        # The register first, then the apps in their dependency order (settings.RISKREGISTER_APPS,
        # written once), people and groups, and the machinery last (extensions.operations_models).
        return [app for app in settings.RISKREGISTER_APPS if app != "core"] + ["auth"]

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

        order = self.app_order

        def rank(app):
            label = app["app_label"]
            return (order.index(label) if label in order else len(order), str(app["name"]))

        kept.sort(key=rank)
        operations["models"].sort(key=lambda m: str(m["name"]))
        return kept + ([operations] if operations["models"] else [])

    def get_urls(self):
        # The apps' pages (extensions.add_admin_urls), e.g. the heat map and the graph views, before
        # the model URLs.
        contributed = [pattern for patterns in extensions.admin_urls.values() for pattern in patterns(self)]
        return [*contributed, *super().get_urls()]

    def index(self, request, extra_context=None):
        extra_context = dict(extra_context or {})
        # The apps' own cards (extensions.add_index_card): the register's counts and heat map first.
        cards = (build(request) for build in extensions.index_cards.values())
        extra_context["index_cards"] = [card for card in cards if card]
        # The "start here" strip: the apps' first steps (extensions.add_start_step), until all are done.
        steps = [step for step in (build(request) for build in extensions.start_steps.values()) if step]
        extra_context["start_steps"] = steps if any(not step["done"] for step in steps) else []
        # The apps' summary panels (extensions.add_index_panel); a panel returns None to hide itself.
        panels = (build(request) for build in extensions.index_panels.values())
        extra_context["panels"] = [panel for panel in panels if panel]
        return super().index(request, extra_context)
