from django.db import models
from django.utils.translation import gettext_lazy as _

from monitoring.choices import ReadingStatus


class Reading(models.Model):
    """One observation of a metric, stamped with when it was measured (``observed_at``).

    Unique per (metric, observed_at), so a repeated push writes nothing new; a collected reading
    also carries the schedule ``slot`` it was claimed for, unique per metric, so a redelivered
    collection task writes nothing new either, though it measures at another moment.
    """

    metric = models.ForeignKey(
        "monitoring.Metric", verbose_name=_("metric"), on_delete=models.CASCADE, related_name="readings"
    )
    observed_at = models.DateTimeField(_("observed at"))
    value = models.FloatField(_("value"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ReadingStatus.choices)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    slot = models.DateTimeField(_("collection slot"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("reading")
        verbose_name_plural = _("readings")
        ordering = ["-observed_at"]
        constraints = [
            models.UniqueConstraint(fields=["metric", "observed_at"], name="reading_unique_time"),
            models.UniqueConstraint(
                fields=["metric", "slot"], condition=models.Q(slot__isnull=False), name="reading_unique_slot"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric_id} @ {self.observed_at:%Y-%m-%d %H:%M:%S}: {self.value} ({self.status})"


class ReadingRollup(models.Model):
    """An hour of readings summarised; kept long after the raw readings are pruned."""

    metric = models.ForeignKey(
        "monitoring.Metric", verbose_name=_("metric"), on_delete=models.CASCADE, related_name="rollups"
    )
    hour = models.DateTimeField(_("hour"))
    count = models.PositiveIntegerField(_("count"))
    minimum = models.FloatField(_("minimum"), null=True)
    maximum = models.FloatField(_("maximum"), null=True)
    average = models.FloatField(_("average"), null=True)

    class Meta:
        verbose_name = _("hourly rollup")
        verbose_name_plural = _("hourly rollups")
        ordering = ["-hour"]
        constraints = [models.UniqueConstraint(fields=["metric", "hour"], name="rollup_unique_hour")]

    def __str__(self) -> str:
        return f"{self.metric_id} {self.hour:%Y-%m-%d %H}:00 avg {self.average}"
