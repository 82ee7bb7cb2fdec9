from django.db import models
from django.utils.translation import gettext_lazy as _


class Severity(models.TextChoices):
    HIGH = "high", _("High — escalate at once")
    MEDIUM = "medium", _("Medium — handle in the team")
    LOW = "low", _("Low — next sprint")


class Status(models.TextChoices):
    DETECTED = "detected", _("Detected")
    ASSESSED = "assessed", _("Assessed")
    ESCALATED = "escalated", _("Escalated")
    ASSIGNED = "assigned", _("Assigned")
    BACKLOGGED = "backlogged", _("Backlogged")
    INVESTIGATING = "investigating", _("Root-cause analysis")
    FIXING = "fixing", _("Fixing")
    TESTING = "testing", _("Testing")
    DEPLOYING = "deploying", _("Deploying")
    RESOLVED = "resolved", _("Resolved")
    REVIEWING = "reviewing", _("Post-incident review")
    CLOSED = "closed", _("Closed")
    DECLINED = "declined", _("Declined (false positive)")
    MERGED = "merged", _("Merged")


class Source(models.TextChoices):
    ALERT = "alert", _("Register alert")
    ALERTMANAGER = "alertmanager", _("Alertmanager")
    MANUAL = "manual", _("Manual")
    API = "api", _("API")


class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    STATUS = "status", _("Status changed")
    SEVERITY = "severity", _("Severity changed")
    ASSIGNMENT = "assignment", _("Assignment")
    LINK = "link", _("Linked")
    NOTE = "note", _("Note")
    ALERT_FIRED = "alert_fired", _("Alert fired")
    ALERT_RESOLVED = "alert_resolved", _("Alert resolved")
    NOTIFICATION_SENT = "notification_sent", _("Notification sent")
    NOTIFICATION_FAILED = "notification_failed", _("Notification failed")
