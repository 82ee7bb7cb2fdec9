from django.conf import settings
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from monitoring.alerting import state_machine as sm
from monitoring.choices import AlertKind, AlertState, Band, Priority, ReadingStatus
from notifications.models import Notification

OPEN_STATES = (AlertState.PENDING, AlertState.FIRING, AlertState.RECOVERING)


class IndicatorState(models.Model):
    """The alert state machine of one indicator: its settings and where it stands now."""

    indicator = models.OneToOneField(
        "monitoring.Indicator",
        verbose_name=_("indicator"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="live",
    )
    # Settings (design.md §4).
    for_count = models.PositiveSmallIntegerField(_("fire after breaches"), default=2)
    keep_count = models.PositiveSmallIntegerField(_("resolve after OKs"), default=2)
    nodata_count = models.PositiveSmallIntegerField(_("source alert after failures"), default=3)
    clear_threshold = models.FloatField(
        _("clear threshold"),
        null=True,
        blank=True,
        help_text=_("Hysteresis: once firing, a value counts as OK only past this threshold."),
    )
    flap_limit = models.PositiveSmallIntegerField(
        _("flap limit"),
        default=4,
        help_text=_("More firings than this within an hour mark the alert flapping and hold its notifications."),
    )
    # Where the machine stands.
    phase = models.CharField(_("phase"), max_length=16, default="normal")
    severity = models.CharField(_("severity"), max_length=16, choices=Band.choices, blank=True)
    breaches = models.PositiveIntegerField(default=0)
    oks = models.PositiveIntegerField(default=0)
    unhealthy = models.PositiveIntegerField(default=0)
    source_alerting = models.BooleanField(default=False)
    fire_times = models.JSONField(default=list, blank=True)
    # The indicator's reading of the latest value (its early-warning rule included); the value itself
    # and its time are the metric's (last_value, last_collected_at).
    last_status = models.CharField(_("last status"), max_length=16, choices=ReadingStatus.choices, blank=True)
    # When the indicator's threshold will be crossed at the current trend (monitoring/forecasts/forecast.py),
    # refreshed hourly by monitoring.tasks.forecast_breaches: Forecast.as_dict() plus "computed_at".
    forecast = models.JSONField(_("time-to-breach forecast"), default=dict, blank=True, editable=False)

    class Meta:
        verbose_name = _("indicator state")
        verbose_name_plural = _("indicator states")

    def __str__(self) -> str:
        return f"{self.indicator}: {self.phase}"

    # The fields the pure state machine (monitoring/alerting/state_machine.py) reads and writes, plus the last
    # observation; ``machine_state``/``apply`` are the only places that map one onto the other.
    MACHINE_FIELDS = ("phase", "severity", "breaches", "oks", "unhealthy", "source_alerting", "fire_times")
    STORED_FIELDS = (*MACHINE_FIELDS, "last_status")

    def machine_state(self) -> sm.State:
        return sm.State(
            **{name: getattr(self, name) for name in self.MACHINE_FIELDS} | {"fire_times": tuple(self.fire_times)}
        )

    def machine_config(self) -> sm.Config:
        return sm.Config(
            for_count=self.for_count,
            keep_count=self.keep_count,
            nodata_count=self.nodata_count,
            flap_limit=self.flap_limit,
        )

    def apply(self, machine: sm.State, observed: str) -> None:
        """Take the machine's new state and the observation that led to it (not saved here)."""
        for name in self.MACHINE_FIELDS:
            setattr(self, name, getattr(machine, name))
        self.fire_times = list(machine.fire_times)
        self.last_status = observed

    def stored(self) -> tuple:
        """The stored fields as a hashable tuple: equal tuples mean one UPDATE can write both states."""
        return tuple(tuple(v) if isinstance(v, list) else v for v in (getattr(self, f) for f in self.STORED_FIELDS))


class Alert(models.Model):
    """One episode of an indicator breaching (or its source failing), from pending to resolved."""

    kind = models.CharField(_("kind"), max_length=16, choices=AlertKind.choices, default=AlertKind.BREACH)
    indicator = models.ForeignKey(
        "monitoring.Indicator",
        verbose_name=_("indicator"),
        on_delete=models.CASCADE,
        related_name="alerts",
        null=True,
        blank=True,
    )
    metric = models.ForeignKey(
        "monitoring.Metric",
        verbose_name=_("metric"),
        on_delete=models.CASCADE,
        related_name="alerts",
        null=True,
        blank=True,
    )
    slo = models.ForeignKey(
        "monitoring.SLO",
        verbose_name=_("service level objective"),
        on_delete=models.CASCADE,
        related_name="alerts",
        null=True,
        blank=True,
    )
    dedup_key = models.CharField(_("deduplication key"), max_length=255)
    state = models.CharField(_("state"), max_length=16, choices=AlertState.choices, default=AlertState.PENDING)
    severity = models.CharField(_("severity"), max_length=16, choices=Band.choices, blank=True)
    priority = models.CharField(_("priority"), max_length=16, choices=Priority.choices, default=Priority.WATCH)
    title = models.CharField(_("title"), max_length=300)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    last_value = models.FloatField(_("last value"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    fired_at = models.DateTimeField(_("fired"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    flapping = models.BooleanField(_("flapping"), default=False)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    silenced_until = models.DateTimeField(_("silenced until"), null=True, blank=True)
    silence_reason = models.CharField(_("silence reason"), max_length=300, blank=True)
    # Inhibition along the risk graph (monitoring/alerting/inhibition.py): the firing immediate alert of a risk
    # that causes this one; set while it lasts, cleared when this alert is announced without one.
    inhibited_by = models.ForeignKey(
        "self",
        verbose_name=_("inhibited by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inhibits",
    )

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-started_at"]
        constraints = [
            # One open episode per key: a re-fire while open continues it instead of opening another.
            models.UniqueConstraint(
                fields=["dedup_key"], condition=Q(state__in=OPEN_STATES), name="alert_one_open_per_key"
            ),
        ]
        indexes = [models.Index(fields=["state", "priority"], name="alert_state_priority")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def is_silenced(self, now=None) -> bool:
        return self.silenced_until is not None and self.silenced_until > (now or timezone.now())


class AlertTransitionQuerySet(models.QuerySet):
    def notifications(self):
        """The messages these transitions owe, as one query (their keys built in SQL)."""
        keys = self.annotate(
            notification_key=Concat(Value(f"{AlertTransition.NOTIFICATION_SUBJECT}:"), Cast("pk", models.CharField()))
        ).values("notification_key")
        return Notification.objects.filter(key__in=keys)


class AlertTransition(models.Model):
    """Every change of an alert's state, with the reason. The messages it owes are notifications
    keyed ``alert-transition:<pk>`` (monitoring.alerting.alert_messages renders them at delivery)."""

    NOTIFICATION_SUBJECT = "alert-transition"

    alert = models.ForeignKey(Alert, verbose_name=_("alert"), on_delete=models.CASCADE, related_name="transitions")
    at = models.DateTimeField(_("at"))
    event = models.CharField(_("event"), max_length=20)
    from_state = models.CharField(_("from"), max_length=16, blank=True)
    to_state = models.CharField(_("to"), max_length=16)
    severity = models.CharField(_("severity"), max_length=16, blank=True)
    value = models.FloatField(_("value"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500)

    objects = AlertTransitionQuerySet.as_manager()

    class Meta:
        verbose_name = _("alert transition")
        verbose_name_plural = _("alert transitions")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.event}: {self.from_state or '–'} → {self.to_state}"

    @property
    def notification_key(self) -> str:
        return f"{self.NOTIFICATION_SUBJECT}:{self.pk}"

    @property
    def notifications(self):
        """The messages this transition owes (one per channel that accepted it)."""
        return Notification.objects.filter(key=self.notification_key)
