from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from register import scoring
from register.choices import Axis, Level

_in_scale = [MinValueValidator(scoring.SCALE_MIN), MaxValueValidator(scoring.SCALE_MAX)]
_in_score = [MinValueValidator(scoring.SCORE_MIN), MaxValueValidator(scoring.SCORE_MAX)]


class ScaleBandQuerySet(models.QuerySet):
    def for_programme(self, programme) -> ScaleBandQuerySet:
        """The bands a programme scores by: its own, else those of the nearest programme above it
        that has its own, else the organisation's (two queries)."""
        ancestors = programme.ancestor_ids() if programme is not None else []
        owners = set(self.filter(programme_id__in=ancestors).values_list("programme_id", flat=True).distinct())
        for programme_id in ancestors:  # nearest first
            if programme_id in owners:
                return self.filter(programme_id=programme_id)
        return self.filter(programme__isnull=True)


class ScaleBand(models.Model):
    """A labelled band of the impact or likelihood scale (the plan's 低 1–2 / 中 3–4 / 高 5).

    Without a programme a band is the organisation's; a programme that defines its own bands scores
    by them, and so do the programmes under it that define none (ScaleBandQuerySet.for_programme).
    """

    programme = models.ForeignKey(
        "register.Programme",
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("Empty: the organisation's scale, for every programme that defines none of its own."),
    )
    axis = models.CharField(_("axis"), max_length=16, choices=Axis.choices)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    label = models.CharField(_("label"), max_length=60)
    min_value = models.PositiveSmallIntegerField(_("from"), validators=_in_scale)
    max_value = models.PositiveSmallIntegerField(_("to"), validators=_in_scale)
    description = models.TextField(_("description"), blank=True)

    objects = ScaleBandQuerySet.as_manager()

    class Meta:
        verbose_name = _("scale band")
        verbose_name_plural = _("scale bands")
        ordering = ["axis", "min_value"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "axis", "level"],
                condition=Q(programme__isnull=False),
                name="scaleband_unique_axis_level",
            ),
            models.UniqueConstraint(
                fields=["axis", "level"], condition=Q(programme__isnull=True), name="scaleband_unique_organisation"
            ),
            models.CheckConstraint(condition=Q(min_value__lte=F("max_value")), name="scaleband_min_lte_max"),
        ]

    def __str__(self) -> str:
        return f"{self.get_axis_display()} {self.label} ({self.min_value}–{self.max_value})"

    def clean(self) -> None:
        if self.min_value and self.max_value and self.min_value > self.max_value:
            raise ValidationError({"max_value": _("The upper bound must not be below the lower bound.")})


class LevelBandQuerySet(models.QuerySet):
    def as_bands(self) -> list[scoring.Band]:
        minimums = dict(self.values_list("level", "min_score"))
        return scoring.bands_from_minimums(minimums) if minimums else list(scoring.DEFAULT_BANDS)

    def level_for(self, score: int) -> str:
        band = self.filter(min_score__lte=score).order_by("-min_score").values_list("level", flat=True).first()
        # Before the data migration has run fall back to the defaults rather than store no level.
        return band or scoring.level_for(score)


class LevelBand(models.Model):
    """Where a level starts on the 1–25 score, and its colour; it ends where the next level starts."""

    level = models.CharField(_("level"), max_length=16, choices=Level.choices, unique=True)
    min_score = models.PositiveSmallIntegerField(_("from score"), validators=_in_score)
    colour = models.CharField(
        _("colour"),
        max_length=7,
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a hex colour such as #d9534f."))],
    )

    objects = LevelBandQuerySet.as_manager()

    class Meta:
        verbose_name = _("level band")
        verbose_name_plural = _("level bands")
        ordering = ["min_score"]

    def __str__(self) -> str:
        return f"{self.get_level_display()} ({self.min_score}–{self.max_score})"

    # Saving a band re-levels every risk: register.receivers, on post_save.

    @property
    def max_score(self) -> int:
        higher = LevelBand.objects.filter(min_score__gt=self.min_score).order_by("min_score").first()
        return higher.min_score - 1 if higher else scoring.SCORE_MAX

    def clean(self) -> None:
        if self.min_score is None or not self.level:
            return
        minimums = dict(
            LevelBand.objects.exclude(pk=self.pk).exclude(level=self.level).values_list("level", "min_score")
        )
        minimums[self.level] = self.min_score
        try:
            scoring.bands_from_minimums(minimums)
        except ValueError as exc:
            raise ValidationError({"min_score": str(exc)}) from exc
