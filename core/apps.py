"""The floor every app builds on, with no models of its own: the API's base classes and DRF
defaults, the bulk/version/commit/collector helpers, the extension registry, display and chart
helpers, admin mixins and the admin site (docs/architecture.md lists each module)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from core import auditing, version  # noqa: F401  (watch every connection's writes)

        auditing.watch_open_connections()
        from core.api import strict

        strict.apply()
