from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from riskregister import scoring
from riskregister.choices import ReviewKind

_IN_SCALE = [MinValueValidator(scoring.SCALE_MIN), MaxValueValidator(scoring.SCALE_MAX)]


class ReviewTemplate(models.Model):
    """The plan's weekly checklist or monthly review steps; the reviews issue instantiates these."""

    kind = models.CharField(_("kind"), max_length=16, choices=ReviewKind.choices, unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("review template")
        verbose_name_plural = _("review templates")
        ordering = ["kind"]

    def __str__(self) -> str:
        return self.name


class ReviewTemplateItem(models.Model):
    template = models.ForeignKey(
        ReviewTemplate, verbose_name=_("template"), on_delete=models.CASCADE, related_name="items"
    )
    order = models.PositiveSmallIntegerField(_("order"))
    section = models.CharField(_("section"), max_length=120, blank=True)
    text = models.CharField(_("text"), max_length=300)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("review template item")
        verbose_name_plural = _("review template items")
        ordering = ["template", "order"]
        constraints = [models.UniqueConstraint(fields=["template", "order"], name="reviewitem_unique_order")]

    def __str__(self) -> str:
        return f"{self.section}: {self.text}" if self.section else self.text


class ReviewStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")


class Review(models.Model):
    """One weekly or monthly review of one period; its items are copied from the template."""

    kind = models.CharField(_("kind"), max_length=16, choices=ReviewKind.choices)
    period = models.CharField(_("period"), max_length=10, help_text=_("ISO week (2026-W48) or month (2026-11)."))
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    status = models.CharField(
        _("status"), max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.OPEN, editable=False
    )
    due_date = models.DateField(_("due date"))
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewers"), blank=True, related_name="reviews"
    )
    opened_at = models.DateTimeField(_("opened"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True, editable=False)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("completed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    summary = models.TextField(_("summary"), blank=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-period_start", "kind"]
        constraints = [models.UniqueConstraint(fields=["kind", "period"], name="review_unique_period")]
        permissions = [("complete_review", _("Can complete a review and apply its re-assessments"))]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period}"

    @property
    def is_locked(self) -> bool:
        return self.status == ReviewStatus.COMPLETED


class ReviewItem(models.Model):
    review = models.ForeignKey(Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField(_("order"))
    section = models.CharField(_("section"), max_length=120, blank=True)
    text = models.CharField(_("text"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    done = models.BooleanField(_("done"), default=False)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("review item")
        verbose_name_plural = _("review items")
        ordering = ["review", "order"]
        constraints = [models.UniqueConstraint(fields=["review", "order"], name="reviewitemrow_unique_order")]

    def __str__(self) -> str:
        return self.text


class Reassessment(models.Model):
    """One open risk in a monthly review: its scores now, the proposed ones and why."""

    review = models.ForeignKey(Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="reassessments")
    risk = models.ForeignKey(
        "riskregister.Risk", verbose_name=_("risk"), on_delete=models.CASCADE, related_name="reassessments"
    )
    current_impact = models.PositiveSmallIntegerField(_("current impact"))
    current_likelihood = models.PositiveSmallIntegerField(_("current likelihood"))
    proposed_impact = models.PositiveSmallIntegerField(
        _("proposed impact"), null=True, blank=True, validators=_IN_SCALE
    )
    proposed_likelihood = models.PositiveSmallIntegerField(
        _("proposed likelihood"), null=True, blank=True, validators=_IN_SCALE
    )
    rationale = models.TextField(_("rationale"), blank=True)
    flagged = models.BooleanField(
        _("flagged"),
        default=False,
        help_text=_("The risk was flagged for re-assessment (an incident) when the review opened."),
    )

    class Meta:
        verbose_name = _("re-assessment")
        verbose_name_plural = _("re-assessments")
        ordering = ["review", "-flagged", "-risk__score", "risk__number"]
        constraints = [models.UniqueConstraint(fields=["review", "risk"], name="reassessment_unique_risk")]

    def __str__(self) -> str:
        return f"{self.risk}"

    @property
    def changes(self) -> bool:
        impact = self.proposed_impact or self.current_impact
        likelihood = self.proposed_likelihood or self.current_likelihood
        return (impact, likelihood) != (self.current_impact, self.current_likelihood)

    def clean(self) -> None:
        if self.changes and not self.rationale.strip():
            raise ValidationError({"rationale": _("Say why the score changes.")})
