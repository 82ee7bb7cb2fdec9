from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class RiskRegisterConfig(AppConfig):
    name = "riskregister"
    verbose_name = _("Risk register")
    default_auto_field = "django.db.models.BigAutoField"


class RiskRegisterAdminConfig(AdminConfig):
    """The admin with our site class: heat map view and level counts on the index."""

    default_site = "riskregister.admin_site.RiskRegisterAdminSite"
