from django.db import models
from django.utils.translation import gettext_lazy as _


class Direction(models.TextChoices):
    HIGHER_IS_WORSE = "higher_is_worse", _("Higher is worse")
    LOWER_IS_WORSE = "lower_is_worse", _("Lower is worse")


class Band(models.TextChoices):
    NORMAL = "normal", _("Normal")
    WARNING = "warning", _("Warning")
    CRITICAL = "critical", _("Critical")


class Priority(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediate response")
    WATCH = "watch", _("Watch")
