from django.db import models
from django.utils.translation import gettext_lazy as _


class PlanImportState(models.TextChoices):
    PREVIEWED = "previewed", _("previewed")
    APPLIED = "applied", _("applied")
