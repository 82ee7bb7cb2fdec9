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


class Assessment(models.TextChoices):
    """The three assessments of a risk on the same scales (ISO 31000: before treatment, now, aimed at)."""

    INHERENT = "inherent", _("Inherent")
    CURRENT = "current", _("Current")
    TARGET = "target", _("Target")


class Treatment(models.TextChoices):
    """The decision on a risk (ISO 31000's modify / retain / avoid / share)."""

    UNDECIDED = "", _("Undecided")
    MITIGATE = "mitigate", _("Mitigate")
    ACCEPT = "accept", _("Accept")
    AVOID = "avoid", _("Avoid")
    TRANSFER = "transfer", _("Transfer")


class AcceptanceState(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")
    INVALIDATED = "invalidated", _("Invalidated")
    SUPERSEDED = "superseded", _("Superseded")


class AppetiteStatus(models.TextChoices):
    """Where a risk sits against its category's appetite (COSO: appetite, then tolerance)."""

    NONE = "", _("No appetite set")
    WITHIN = "within", _("Within appetite")
    WATCH = "watch", _("Watch (within tolerance)")
    OUTSIDE = "outside", _("Outside appetite")


class AppetiteBasis(models.TextChoices):
    CURRENT = "current", _("Current score")
    TARGET = "target", _("Target score")


class ProgrammeStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ARCHIVED = "archived", _("Archived (read-only)")


class Role(models.TextChoices):
    """A role held in a programme; its permissions are those of the role group of the same name
    (register.roles)."""

    VIEWER = "viewer", _("Viewer")
    RISK_OWNER = "risk owner", _("Risk owner")
    REVIEWER = "reviewer", _("Reviewer")
    INCIDENT_RESPONDER = "incident responder", _("Incident responder")
    ADMINISTRATOR = "administrator", _("Administrator")
    INTEGRATION = "integration", _("Integration")
