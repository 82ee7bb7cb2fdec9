"""Incidents: the plan's response flow (対応的対策 1), linked to risks and alerts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents.choices import EventKind, Severity, Source, Status
from register.models import InProgramme

FINAL_STATES = (Status.CLOSED, Status.DECLINED, Status.MERGED)


class Incident(InProgramme):
    """Something that went wrong, in one programme: its risks are that programme's (an incident
    that hits several teams is opened in the programme above them)."""

    # Left out of the edit version (core/concurrency.py): alerts attach to an open incident as they fire.
    concurrency_exclude = ("alerts",)

    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    severity = models.CharField(
        _("severity"),
        max_length=8,
        choices=Severity.choices,
        blank=True,
        help_text=_(
            "High: major delay or loss of a critical function; medium: moderate delay, limited "
            "function; low: minor. When unsure, pick the higher."
        ),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DETECTED, editable=False
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.MANUAL)
    dedup_key = models.CharField(_("deduplication key"), max_length=255, blank=True, db_index=True)
    detected_at = models.DateTimeField(_("detected"), default=timezone.now)
    impact_started_at = models.DateTimeField(_("impact started"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True, editable=False)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True, editable=False)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)
    # When each status was first entered (ISO times), for MTTA/MTTR and "stuck" reminders.
    status_times = models.JSONField(_("status times"), default=dict, blank=True, editable=False)
    commander = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("commander"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="commanded_incidents",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_incidents",
    )
    responders = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("responders"), blank=True, related_name="incidents_responded"
    )
    risks = models.ManyToManyField("register.Risk", verbose_name=_("risks"), blank=True, related_name="incidents")
    alerts = models.ManyToManyField("monitoring.Alert", verbose_name=_("alerts"), blank=True, related_name="incidents")
    root_cause = models.TextField(_("root cause"), blank=True)
    contributing_factors = models.TextField(_("contributing factors"), blank=True)
    fix_reference = models.CharField(_("fix (PR)"), max_length=300, blank=True)
    test_reference = models.CharField(_("test (build)"), max_length=300, blank=True)
    deploy_reference = models.CharField(_("deploy (release)"), max_length=300, blank=True)
    backlog_reference = models.CharField(_("backlog reference"), max_length=300, blank=True)
    escalation_policy = models.ForeignKey(
        "incidents.EscalationPolicy",
        verbose_name=_("escalation policy"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-detected_at"]
        constraints = [
            # One open incident per key: a repeated alert attaches instead of opening a duplicate.
            models.UniqueConstraint(
                fields=["dedup_key"],
                condition=~Q(dedup_key="") & ~Q(status__in=FINAL_STATES),
                name="incident_one_open_per_key",
            ),
        ]

    def __str__(self) -> str:
        return f"INC-{self.pk}: {self.title}" if self.pk else self.title

    @property
    def is_open(self) -> bool:
        return self.status not in FINAL_STATES


class TimelineEvent(models.Model):
    incident = models.ForeignKey(Incident, verbose_name=_("incident"), on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=24, choices=EventKind.choices)
    message = models.TextField(_("message"))
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}: {self.message[:60]}"


class Postmortem(models.Model):
    incident = models.OneToOneField(
        Incident, verbose_name=_("incident"), on_delete=models.CASCADE, related_name="postmortem"
    )
    summary = models.TextField(_("summary"), blank=True)
    impact = models.TextField(_("impact"), blank=True, help_text=_("With figures: users, duration, errors."))
    timeline = models.TextField(_("timeline"), blank=True)
    root_cause = models.TextField(_("root cause"), blank=True)
    contributing_factors = models.TextField(_("contributing factors"), blank=True)
    went_well = models.TextField(_("what went well"), blank=True)
    went_badly = models.TextField(_("what went badly"), blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        verbose_name = _("postmortem")
        verbose_name_plural = _("postmortems")

    def __str__(self) -> str:
        return f"{_('Postmortem')}: {self.incident}"

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None


class IntegrationToken(models.Model):
    """A bearer token for an integration (Alertmanager). Only its SHA-256 is stored."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    programme = models.ForeignKey(
        "register.Programme",
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
        help_text=_(
            "The alerts it sends are matched to this programme's risks (and those of the programmes under it). "
            "Empty: the whole organisation."
        ),
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("integration token")
        verbose_name_plural = _("integration tokens")

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def digest(raw: str) -> str:
        import hashlib

        return hashlib.sha256(raw.encode()).hexdigest()

    def issue(self) -> str:
        """Give this token a new secret and return it (shown once; only its hash is kept)."""
        import secrets

        raw = secrets.token_urlsafe(32)
        self.token_hash = self.digest(raw)
        return raw


class LabelMapping(models.Model):
    """Which risk an external alert belongs to, by one of its labels (the ``risk`` label needs none)."""

    label = models.CharField(_("label"), max_length=100, help_text=_("e.g. service, alertname, component"))
    value = models.CharField(_("value"), max_length=200)
    risk = models.ForeignKey(
        "register.Risk", verbose_name=_("risk"), on_delete=models.CASCADE, related_name="label_mappings"
    )

    class Meta:
        verbose_name = _("label mapping")
        verbose_name_plural = _("label mappings")
        constraints = [models.UniqueConstraint(fields=["label", "value"], name="labelmapping_unique")]

    def __str__(self) -> str:
        return f"{self.label}={self.value} → {self.risk}"


class ExternalAlert(models.Model):
    """An alert received from Alertmanager; (fingerprint, starts_at) makes repeated deliveries harmless."""

    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16)
    labels = models.JSONField(_("labels"), default=dict)
    annotations = models.JSONField(_("annotations"), default=dict)
    incident = models.ForeignKey(
        Incident,
        verbose_name=_("incident"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="external_alerts",
    )
    deliveries = models.PositiveIntegerField(_("deliveries"), default=1)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        verbose_name = _("external alert")
        verbose_name_plural = _("external alerts")
        constraints = [models.UniqueConstraint(fields=["fingerprint", "starts_at"], name="externalalert_unique")]

    def __str__(self) -> str:
        return f"{self.labels.get('alertname', self.fingerprint)} ({self.status})"


class EscalationPolicy(models.Model):
    """Who hears about a high-severity incident, and when, until someone acknowledges it."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    is_default = models.BooleanField(
        _("default"), default=False, help_text=_("Used for incidents that name no policy.")
    )
    responder_group = models.ForeignKey(
        "auth.Group",
        verbose_name=_("emergency team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        help_text=_("Its members become responders of every escalated incident."),
    )
    repeat = models.PositiveSmallIntegerField(
        _("rounds"), default=2, help_text=_("How many times the steps run while unacknowledged.")
    )
    round_minutes = models.PositiveSmallIntegerField(_("minutes between rounds"), default=15)

    class Meta:
        verbose_name = _("escalation policy")
        verbose_name_plural = _("escalation policies")

    def __str__(self) -> str:
        return self.name


class EscalationStep(models.Model):
    policy = models.ForeignKey(
        EscalationPolicy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="steps"
    )
    order = models.PositiveSmallIntegerField(_("order"))
    delay_minutes = models.PositiveSmallIntegerField(_("after (minutes)"), default=0)
    channel = models.ForeignKey(
        "notifications.Channel", verbose_name=_("channel"), on_delete=models.CASCADE, null=True, blank=True
    )
    page_commander = models.BooleanField(_("page the commander"), default=False)

    class Meta:
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation steps")
        ordering = ["policy", "order"]
        constraints = [models.UniqueConstraint(fields=["policy", "order"], name="escalationstep_unique_order")]

    def __str__(self) -> str:
        return f"{self.policy}: {self.order} (+{self.delay_minutes} min)"


class ActionItem(models.Model):
    """A follow-up from a postmortem; it can become a mitigation on the incident's risk."""

    postmortem = models.ForeignKey(
        Postmortem, verbose_name=_("postmortem"), on_delete=models.CASCADE, related_name="action_items"
    )
    title = models.CharField(_("title"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    mitigation = models.ForeignKey(
        "register.Mitigation",
        verbose_name=_("mitigation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("action item")
        verbose_name_plural = _("action items")

    def __str__(self) -> str:
        return self.title
