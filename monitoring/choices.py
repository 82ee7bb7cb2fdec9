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


class Source(models.TextChoices):
    PROMETHEUS = "prometheus", _("Prometheus query")
    HTTP = "http", _("HTTP probe")
    SERVICE = "service", _("Service probe")
    HOST = "host", _("Host statistics")
    PUSH = "push", _("Pushed readings")


class ReadingStatus(models.TextChoices):
    NORMAL = "normal", _("Normal")
    WARNING = "warning", _("Warning")
    CRITICAL = "critical", _("Critical")
    NO_DATA = "no_data", _("No data")
    ERROR = "error", _("Error")


class BreakerState(models.TextChoices):
    CLOSED = "closed", _("Closed")
    OPEN = "open", _("Open")
    HALF_OPEN = "half_open", _("Half-open")


class AlertKind(models.TextChoices):
    BREACH = "breach", _("Threshold breach")
    SOURCE = "source", _("Source unhealthy")
    BURN_RATE = "burn_rate", _("Error budget burn")


# The kinds of alert that speak about a risk: they open incidents, flag reviews and inhibit (or are
# inhibited) along the risk graph. A source alert speaks about the source.
RISK_ALERT_KINDS = (AlertKind.BREACH, AlertKind.BURN_RATE)


class SLIKind(models.TextChoices):
    METRIC = "metric", _("A percentage metric of the register")
    PROMETHEUS = "prometheus", _("Good (or bad) and all events from Prometheus")


class SLIMeasures(models.TextChoices):
    GOOD = "good", _("Percent good (availability, success rate)")
    BAD = "bad", _("Percent bad (error rate)")


class AlertState(models.TextChoices):
    PENDING = "pending", _("Pending")
    FIRING = "firing", _("Firing")
    RECOVERING = "recovering", _("Recovering")
    RESOLVED = "resolved", _("Resolved")
    CANCELLED = "cancelled", _("Cancelled")


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
