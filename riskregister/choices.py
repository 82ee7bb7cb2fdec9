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


class RuleKind(models.TextChoices):
    NONE = "", _("No rule")
    THRESHOLD = "threshold", _("Threshold")
    EVENT = "event", _("Any occurrence")
    MANUAL = "manual", _("Manual (not machine-readable)")


class Operator(models.TextChoices):
    GT = ">", ">"
    GTE = ">=", "≥"
    LT = "<", "<"
    LTE = "<=", "≤"


class ReviewKind(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")


class LiveStatus(models.TextChoices):
    """The worst state of a risk's monitored indicators; set by the monitoring pipeline."""

    NONE = "", _("Not monitored")
    NORMAL = "normal", _("Normal")
    UNKNOWN = "unknown", _("No data")
    WARNING = "warning", _("Warning")
    CRITICAL = "critical", _("Critical")


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
