from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from register import scoring
from register.models import InProgramme
from reviews.choices import Effectiveness, EvidenceKind, ReviewKind, ReviewStatus

_IN_SCALE = [MinValueValidator(scoring.SCALE_MIN), MaxValueValidator(scoring.SCALE_MAX)]


class ReviewTemplate(InProgramme):
    """A programme's weekly checklist or monthly review steps (from its plan); each of its reviews
    starts as a copy."""

    kind = models.CharField(_("kind"), max_length=16, choices=ReviewKind.choices)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("review template")
        verbose_name_plural = _("review templates")
        ordering = ["kind"]
        constraints = [models.UniqueConstraint(fields=["programme", "kind"], name="reviewtemplate_unique_kind")]

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
    evidence = models.CharField(_("evidence"), max_length=16, choices=EvidenceKind.choices, default=EvidenceKind.MANUAL)
    metrics = models.ManyToManyField(
        "monitoring.Metric",
        verbose_name=_("metrics"),
        blank=True,
        related_name="+",
        help_text=_("Their trend over the period (p95 this period vs the last) is shown with the item."),
    )

    class Meta:
        verbose_name = _("review template item")
        verbose_name_plural = _("review template items")
        ordering = ["template", "order"]
        constraints = [models.UniqueConstraint(fields=["template", "order"], name="reviewitem_unique_order")]

    def __str__(self) -> str:
        return f"{self.section}: {self.text}" if self.section else self.text


class Review(InProgramme):
    """One programme's weekly or monthly review of one period; its items are copied from the
    programme's template, its re-assessments are the programme's risks (and those of the
    programmes under it)."""

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
    reminded_on = models.DateField(_("last reminder"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-period_start", "kind"]
        constraints = [models.UniqueConstraint(fields=["programme", "kind", "period"], name="review_unique_period")]
        permissions = [("complete_review", _("Can complete a review and apply its re-assessments"))]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period}"

    @property
    def is_locked(self) -> bool:
        return self.status == ReviewStatus.COMPLETED

    def programme_ids(self) -> list[int]:
        """The programmes the review covers: its own and every one under it (one query, kept)."""
        if "_programme_ids" not in self.__dict__:
            from register.models import Programme

            self._programme_ids = list(Programme.objects.subtree([self.programme_id]).values_list("pk", flat=True))
        return self._programme_ids

    def get_period(self):
        from reviews.periods import parse_period

        return parse_period(self.kind, self.period)

    def is_overdue(self, today=None) -> bool:
        from django.utils import timezone

        return not self.is_locked and self.due_date < (today or timezone.localdate())


class _RowOfReview(models.Model):
    """A row a reviewer edits while the review is open; a completed review is locked."""

    class Meta:
        abstract = True

    def clean(self) -> None:
        super().clean()
        if self.review_id and self.review.is_locked:
            raise ValidationError(_("This review is completed already; its rows cannot change."))


class ReviewItem(_RowOfReview):
    review = models.ForeignKey(Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField(_("order"))
    section = models.CharField(_("section"), max_length=120, blank=True)
    text = models.CharField(_("text"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    done = models.BooleanField(_("done"), default=False)
    note = models.TextField(_("note"), blank=True)
    evidence_kind = models.CharField(
        _("evidence"), max_length=16, choices=EvidenceKind.choices, default=EvidenceKind.MANUAL
    )
    metrics = models.ManyToManyField("monitoring.Metric", verbose_name=_("metrics"), blank=True, related_name="+")
    # Figures computed from readings, alerts and incidents when the review opened (or was refreshed);
    # kept so the report shows what the reviewer saw.
    evidence = models.JSONField(_("evidence"), default=dict, blank=True, editable=False)

    class Meta:
        verbose_name = _("review item")
        verbose_name_plural = _("review items")
        ordering = ["review", "order"]
        constraints = [models.UniqueConstraint(fields=["review", "order"], name="reviewitemrow_unique_order")]

    def __str__(self) -> str:
        return self.text


class Reassessment(_RowOfReview):
    """One open risk in a monthly review: its scores now, the proposed ones and why."""

    review = models.ForeignKey(Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="reassessments")
    risk = models.ForeignKey(
        "register.Risk", verbose_name=_("risk"), on_delete=models.CASCADE, related_name="reassessments"
    )
    current_impact = models.PositiveSmallIntegerField(_("current impact"))
    current_likelihood = models.PositiveSmallIntegerField(_("current likelihood"))
    proposed_impact = models.PositiveSmallIntegerField(
        _("proposed impact"), null=True, blank=True, validators=_IN_SCALE
    )
    proposed_likelihood = models.PositiveSmallIntegerField(
        _("proposed likelihood"), null=True, blank=True, validators=_IN_SCALE
    )
    proposed_target_impact = models.PositiveSmallIntegerField(
        _("proposed target impact"), null=True, blank=True, validators=_IN_SCALE
    )
    proposed_target_likelihood = models.PositiveSmallIntegerField(
        _("proposed target likelihood"), null=True, blank=True, validators=_IN_SCALE
    )
    rationale = models.TextField(_("rationale"), blank=True)
    flagged = models.BooleanField(
        _("flagged"),
        default=False,
        help_text=_('The risk was flagged "review now" when the review opened.'),
    )
    flag_reason = models.CharField(_("cause"), max_length=300, blank=True)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True, editable=False)

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

    @property
    def proposed_target(self) -> tuple[int, int] | None:
        if self.proposed_target_impact is None and self.proposed_target_likelihood is None:
            return None
        return (self.proposed_target_impact, self.proposed_target_likelihood)

    def clean(self) -> None:
        super().clean()
        errors = {}
        target = (self.proposed_target_impact, self.proposed_target_likelihood)
        if (target[0] is None) != (target[1] is None):
            missing = "proposed_target_impact" if target[0] is None else "proposed_target_likelihood"
            errors[missing] = _("Give both impact and likelihood of the target, or neither.")
        if (self.changes or self.proposed_target) and not self.rationale.strip():
            errors["rationale"] = _("Say why the score changes.")
        if errors:
            raise ValidationError(errors)


class MitigationEvaluation(_RowOfReview):
    """Monthly step 3: is a mitigation working? Rated by the reviewer against before/after evidence."""

    review = models.ForeignKey(
        Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="mitigation_evaluations"
    )
    mitigation = models.ForeignKey(
        "register.Mitigation", verbose_name=_("mitigation"), on_delete=models.CASCADE, related_name="evaluations"
    )
    rating = models.CharField(_("rating"), max_length=16, choices=Effectiveness.choices, default=Effectiveness.NOT_YET)
    note = models.TextField(_("note"), blank=True)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True, editable=False)

    class Meta:
        verbose_name = _("mitigation effectiveness")
        verbose_name_plural = _("mitigation effectiveness")
        ordering = ["review", "mitigation__risk__number", "mitigation__number"]
        constraints = [models.UniqueConstraint(fields=["review", "mitigation"], name="mitigationevaluation_unique")]

    def __str__(self) -> str:
        return f"{self.mitigation.risk.code} {self.mitigation}"


class ReviewAction(_RowOfReview):
    """Monthly step 4: a process improvement, with an owner and a due date."""

    review = models.ForeignKey(Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="actions")
    text = models.CharField(_("improvement"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="review_actions",
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    done = models.BooleanField(_("done"), default=False)

    class Meta:
        verbose_name = _("process improvement")
        verbose_name_plural = _("process improvements")
        ordering = ["review", "due_date", "pk"]

    def __str__(self) -> str:
        return self.text


class ReviewReport(models.Model):
    """The rendered report of a review, kept with it (re-rendered on demand, replaced in place)."""

    review = models.OneToOneField(Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="report")
    html = models.TextField(_("HTML"))
    pdf = models.BinaryField(_("PDF"), null=True, blank=True)
    rendered_at = models.DateTimeField(_("rendered"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("review report")
        verbose_name_plural = _("review reports")

    def __str__(self) -> str:
        return f"{self.review}"


class ReportSubscription(models.Model):
    """Who receives review reports by email."""

    email = models.EmailField(_("email"))
    kind = models.CharField(
        _("reviews"),
        max_length=16,
        choices=ReviewKind.choices,
        blank=True,
        help_text=_("Empty: weekly and monthly."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("report subscription")
        verbose_name_plural = _("report subscriptions")
        ordering = ["email"]
        constraints = [models.UniqueConstraint(fields=["email", "kind"], name="reportsubscription_unique")]

    def __str__(self) -> str:
        return self.email
