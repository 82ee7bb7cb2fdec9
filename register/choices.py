from django.db import models
from django.utils.translation import gettext_lazy as _


class Axis(models.TextChoices):
    IMPACT = "impact", _("Impact")
    LIKELIHOOD = "likelihood", _("Likelihood")


class Level(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class RiskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    MITIGATING = "mitigating", _("Mitigating")
    ACCEPTED = "accepted", _("Accepted")
    CLOSED = "closed", _("Closed")


class ScoreSource(models.TextChoices):
    IMPORT = "import", _("Plan import")
    MANUAL = "manual", _("Manual edit")
    REVIEW = "review", _("Review")


class MitigationKind(models.TextChoices):
    PREVENTIVE = "preventive", _("Preventive")
    REACTIVE = "reactive", _("Reactive")


class MitigationStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


class LiveStatus(models.TextChoices):
    """The worst state of a risk's monitored indicators; set by the monitoring pipeline."""

    NONE = "", _("Not monitored")
    NORMAL = "normal", _("Normal")
    UNKNOWN = "unknown", _("No data")
    WARNING = "warning", _("Warning")
    CRITICAL = "critical", _("Critical")
