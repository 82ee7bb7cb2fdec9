from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from register import scoring
from register.choices import AppetiteBasis, AppetiteStatus
from register.models.programmes import InProgramme


class AppetiteQuerySet(models.QuerySet):
    def in_force(self) -> dict[tuple[int, int | None], Appetite]:
        """The latest version per programme and category (category ``None``: the programme-wide
        default), in one query."""
        latest: dict[tuple[int, int | None], Appetite] = {}
        for version in self.order_by("set_at", "pk"):
            latest[version.programme_id, version.category_id] = version
        return latest

    def by_category(self) -> dict[int | None, Appetite]:
        """The versions in force of one programme (filter to it first), by category (``None``: its
        programme-wide default)."""
        return {category_id: version for (_programme, category_id), version in self.in_force().items()}


class Appetite(InProgramme):
    """One version of the appetite of a category, or — without a category — of the whole programme.

    Versions are never edited: a change is a new version saying who set it, when and why, so the
    history of how much risk the programme was willing to take stays readable. A risk is *within*
    appetite up to ``appetite``, on *watch* up to ``tolerance`` (COSO's acceptable variation) and
    *outside* above it.
    """

    category = models.ForeignKey(
        "register.Category",
        verbose_name=_("category"),
        on_delete=models.CASCADE,
        related_name="appetite_versions",
        null=True,
        blank=True,
        help_text=_("Empty: the programme-wide appetite, for categories without their own."),
    )
    appetite = models.PositiveSmallIntegerField(
        _("appetite"), help_text=_("The highest score the programme is willing to carry without further action.")
    )
    tolerance = models.PositiveSmallIntegerField(
        _("tolerance"), help_text=_("The highest score tolerated while it is watched; above it a risk is outside.")
    )
    basis = models.CharField(
        _("measured on"),
        max_length=16,
        choices=AppetiteBasis.choices,
        default=AppetiteBasis.CURRENT,
        help_text=_("Target: judge risks by where they are going (their current score when they have no target)."),
    )
    reason = models.TextField(_("reason"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    set_at = models.DateTimeField(_("set at"), auto_now_add=True, db_index=True)

    objects = AppetiteQuerySet.as_manager()

    class Meta:
        verbose_name = _("risk appetite")
        verbose_name_plural = _("risk appetite")
        ordering = ["category__order", "category__name", "-set_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(appetite__gte=scoring.SCORE_MIN, tolerance__lte=scoring.SCORE_MAX)
                & Q(tolerance__gte=F("appetite")),
                name="appetite_within_tolerance_on_scale",
            )
        ]

    def __str__(self) -> str:
        scope = self.category.name if self.category_id else _("Programme")
        return f"{scope}: ≤ {self.appetite} / ≤ {self.tolerance}"

    def programme_from_relations(self):
        return self.category.programme if self.category_id else None

    def clean(self) -> None:
        errors = {}
        if self.category_id and self.programme_id and self.category.programme_id != self.programme_id:
            errors["category"] = _("This category belongs to another programme.")
        for field in ("appetite", "tolerance"):
            value = getattr(self, field)
            if value is not None and not scoring.SCORE_MIN <= value <= scoring.SCORE_MAX:
                errors[field] = _("Must be a score from %(low)s to %(high)s.") % {
                    "low": scoring.SCORE_MIN,
                    "high": scoring.SCORE_MAX,
                }
        if not errors and self.appetite is not None and self.tolerance is not None and self.tolerance < self.appetite:
            errors["tolerance"] = _("The tolerance cannot be below the appetite.")
        if not (self.reason or "").strip():
            errors["reason"] = _("Say why the appetite is set or changed.")
        if errors:
            raise ValidationError(errors)


# Where a risk sits against the appetite in force (register/appetite.py applies it to many risks).
def judge(score: int | None, appetite: int, tolerance: int) -> str:
    if score is None:
        return AppetiteStatus.NONE
    if score <= appetite:
        return AppetiteStatus.WITHIN
    if score <= tolerance:
        return AppetiteStatus.WATCH
    return AppetiteStatus.OUTSIDE


def measured_score(risk, basis: str) -> int | None:
    if basis == AppetiteBasis.TARGET and risk.target_score is not None:
        return risk.target_score
    return risk.score


def version_for(programme_id: int, category_id: int | None, in_force: dict):
    """The version a risk of the programme and category is judged by: its category's, else its
    programme's own default."""
    return in_force.get((programme_id, category_id)) or in_force.get((programme_id, None))


def status_of(risk, in_force: dict | None = None) -> str:
    if in_force is None:
        in_force = Appetite.objects.filter(
            Q(category_id=risk.category_id) | Q(category__isnull=True), programme_id=risk.programme_id
        ).in_force()
    version = version_for(risk.programme_id, risk.category_id, in_force)
    if version is None:
        return AppetiteStatus.NONE
    return judge(measured_score(risk, version.basis), version.appetite, version.tolerance)
