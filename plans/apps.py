"""Plans: import and export of risk management plans (Markdown, ja/en) into the register, its
indicators and alert rules and the review templates — and the demo `make run` loads."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = _("Plans")
    default_auto_field = "django.db.models.BigAutoField"
