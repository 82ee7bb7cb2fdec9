from django.db import models
from django.utils.translation import gettext_lazy as _


class ReviewKind(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")


class EvidenceKind(models.TextChoices):
    """Where a checklist item's evidence comes from (bound metrics add their trends to any kind)."""

    MANUAL = "manual", _("Manual")
    METRIC = "metric", _("Metric trend")
    ALERTS = "alerts", _("Alerts (counts, precision)")
    INCIDENTS = "incidents", _("Incidents (counts, MTTR)")
    RISKS = "risks", _("Risks (score changes)")


class Effectiveness(models.TextChoices):
    NOT_YET = "not_yet", _("Not yet")
    EFFECTIVE = "effective", _("Effective")
    PARTIAL = "partial", _("Partial")
    INEFFECTIVE = "ineffective", _("Ineffective")


class ReviewStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
