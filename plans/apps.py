"""Plans: import and export of risk management plans (Markdown in ja/en, .xlsx, .csv) into the
register, its indicators and alert rules and the review templates; the import page and API with
preview and apply, the record of imports — and the demo `make run` loads."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = _("Plans")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from register import roles, visibility

        visibility.add_path("plans.planimport", "programme")

        # Anyone who shapes the register may preview an import (a dry run changes nothing);
        # administrators apply (they hold every permission of the app), and so may an integration
        # that keeps the plan in a repository and applies it from CI.
        roles.grant(roles.REVIEWER, "plans", ["add_planimport"])
        roles.grant(roles.RISK_OWNER, "plans", ["add_planimport"])
        roles.grant(roles.INTEGRATION, "plans", ["add_planimport", "apply_planimport"])
