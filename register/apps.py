"""The register: scales, level bands, categories, components, risks with their assessments and score
history, links, mitigations, strategies, treatment, acceptances and appetite, roles and the heat map —
the core every other app builds on."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class RegisterConfig(AppConfig):
    name = "register"
    verbose_name = _("Risk register")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core import extensions
        from register import dashboard, receivers, roles, visibility

        receivers.connect()
        # How each of the register's programme-scoped models reaches its programme.
        for label, path in {
            "register.programme": "pk",
            "register.membership": "programme",
            "register.risk": "programme",
            "register.mitigation": "risk__programme",
            "register.scorechange": "risk__programme",
            "register.riskacceptance": "risk__programme",
            "register.risklink": "cause__programme",
            "register.category": "programme",
            "register.strategy": "programme",
            "register.appetite": "programme",
        }.items():
            visibility.add_path(label, path)

        extensions.add_index_card("register", dashboard.index_cards, order=10)
        extensions.add_index_panel("register.portfolio", dashboard.portfolio_panel, order=5)
        extensions.add_admin_urls("heatmap", dashboard.admin_urls)

        roles.grant(roles.RISK_OWNER, "register", ["change_risk"])
        roles.grant(
            roles.RISK_OWNER,
            "register",
            [f"{action}_{model}" for action in ("add", "change", "delete") for model in ("mitigation", "risklink")],
        )
        # Owners request acceptances of their risks; reviewers (a different person) approve them.
        roles.grant(roles.RISK_OWNER, "register", ["add_riskacceptance"])
        roles.grant(roles.REVIEWER, "register", ["approve_riskacceptance"])
        # After every migrate: the role groups and their permissions, for the models that exist now.
        post_migrate.connect(roles.sync_roles_after_migrate, sender=self, dispatch_uid="register.sync_roles")
