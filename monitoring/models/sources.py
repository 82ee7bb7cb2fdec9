from django.db import models
from django.utils.translation import gettext_lazy as _

from monitoring.choices import BreakerState


class SourceState(models.Model):
    """The circuit breaker of one source (a Prometheus server, an HTTP host, a service)."""

    key = models.CharField(_("source"), max_length=255, unique=True)
    state = models.CharField(_("state"), max_length=16, choices=BreakerState.choices, default=BreakerState.CLOSED)
    consecutive_failures = models.PositiveIntegerField(_("consecutive failures"), default=0)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    last_failure_at = models.DateTimeField(_("last failure"), null=True, blank=True)

    class Meta:
        verbose_name = _("source state")
        verbose_name_plural = _("source states")
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.key}: {self.get_state_display()}"
