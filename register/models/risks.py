from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core import auditing
from register import scoring, signals
from register.choices import (
    AppetiteStatus,
    Assessment,
    Level,
    LiveStatus,
    RiskStatus,
    ScoreSource,
    Treatment,
)
from register.models.appetite import status_of
from register.models.programmes import Programme
from register.models.scales import LevelBand

_in_scale = [MinValueValidator(scoring.SCALE_MIN), MaxValueValidator(scoring.SCALE_MAX)]
MAX_RISK_NUMBER = 99_999


def is_register_admin(user, obj=None) -> bool:
    """Administrators (and superusers) may change every risk — of the programmes where they
    administer, when ``obj`` is given; others only what they own."""
    return bool(user and user.is_active and user.has_perm("register.manage_all_risks", obj))


def may_change(user, permission: str, obj, *owner_ids: int | None) -> bool:
    """The object rule shared by risks and their children: the permission in the object's programme,
    and ownership (one of ``owner_ids`` is the user) unless the user administers that programme."""
    if not user or not user.is_active or not user.has_perm(permission, obj):
        return False
    return is_register_admin(user, obj) or any(owner_id is not None and owner_id == user.pk for owner_id in owner_ids)


class RiskQuerySet(models.QuerySet):
    def refresh_levels(self) -> int:
        """Re-derive the stored level after the level bands moved; one UPDATE per band."""
        changed = 0
        for band in LevelBand.objects.as_bands():
            changed += (
                self.filter(score__gte=band.min_score, score__lte=band.max_score)
                .exclude(level=band.level)
                .update(level=band.level)
            )
        return changed

    def editable_by(self, user) -> RiskQuerySet:
        """The risks ``user`` may change: every risk of the programmes they administer, their own in
        the programmes where they may change risks (one query)."""
        if user is not None and user.is_active and user.is_superuser:
            return self
        administered = Programme.objects.where(user, "register.manage_all_risks").values("pk")
        changeable = Programme.objects.where(user, "register.change_risk").values("pk")
        return self.filter(Q(programme__in=administered) | Q(owner=user, programme__in=changeable))

    def flag_for_review(self, reason: str) -> int:
        """Mark these risks "review now" with the first cause seen since their last review.

        A conditional UPDATE: a risk already flagged keeps its earlier cause (the one that came first),
        so concurrent flaggers cannot overwrite each other.
        """
        return self.filter(needs_reassessment=False).update(
            needs_reassessment=True, review_reason=reason[:300], review_flagged_at=timezone.now()
        )

    def flag_each_for_review(self, reasons: dict[int, str]) -> int:
        """``flag_for_review`` with a cause of its own for each risk (by key), in one UPDATE."""
        if not reasons:
            return 0
        cause = Case(
            *(When(pk=pk, then=Value(reason[:300])) for pk, reason in reasons.items()),
            default=F("review_reason"),
            output_field=models.CharField(),
        )
        return self.filter(pk__in=reasons, needs_reassessment=False).update(
            needs_reassessment=True, review_reason=cause, review_flagged_at=timezone.now()
        )


class Risk(models.Model):
    # Left out of the edit version (core/concurrency.py): an alert or an incident flags a risk for
    # review while someone edits it, and that must not fail the edit.
    concurrency_exclude = ("needs_reassessment",)

    # Left blank on a form when there is one programme (it is then the one); required once there are
    # several (clean). Codes and numbers are unique within a programme: P2 R-1 and PAY R-1.
    programme = models.ForeignKey(
        "register.Programme",
        verbose_name=_("programme"),
        on_delete=models.PROTECT,
        related_name="risks",
        blank=True,
    )
    code = models.CharField(_("code"), max_length=16, editable=False)
    number = models.PositiveIntegerField(
        _("number"),
        blank=True,
        # Bounded so the next number (max + 1) always fits: an unbounded number accepted at 2^63 − 1
        # made every later risk a database overflow.
        validators=[MinValueValidator(1), MaxValueValidator(MAX_RISK_NUMBER)],
        help_text=_("The risk's number in the plan; the code R-N is derived from it."),
    )
    title = models.CharField(_("title"), max_length=200)
    category = models.ForeignKey(
        "register.Category",
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="risks",
        null=True,
        blank=True,
    )
    description = models.TextField(_("description"), blank=True)
    impact_text = models.TextField(_("impact description"), blank=True)
    impact = models.PositiveSmallIntegerField(_("impact"), validators=_in_scale)
    likelihood = models.PositiveSmallIntegerField(_("likelihood"), validators=_in_scale)
    # Derived from impact × likelihood and the level bands on every save; stored so lists can filter
    # and order on them in SQL. Never accepted from input.
    score = models.PositiveSmallIntegerField(_("score"), editable=False, db_index=True)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices, editable=False, db_index=True)
    # The inherent assessment (before any mitigation) and the target (what the owner aims for once the
    # planned mitigations are done), on the same scales as the current one above. Inherent defaults
    # to the current assessment when nobody states it; a risk need not have a target.
    inherent_impact = models.PositiveSmallIntegerField(
        _("inherent impact"), null=True, blank=True, validators=_in_scale
    )
    inherent_likelihood = models.PositiveSmallIntegerField(
        _("inherent likelihood"), null=True, blank=True, validators=_in_scale
    )
    inherent_score = models.PositiveSmallIntegerField(_("inherent score"), null=True, editable=False)
    target_impact = models.PositiveSmallIntegerField(_("target impact"), null=True, blank=True, validators=_in_scale)
    target_likelihood = models.PositiveSmallIntegerField(
        _("target likelihood"), null=True, blank=True, validators=_in_scale
    )
    target_score = models.PositiveSmallIntegerField(_("target score"), null=True, editable=False)
    treatment = models.CharField(
        _("treatment"), max_length=16, choices=Treatment.choices, blank=True, default=Treatment.UNDECIDED
    )
    treatment_rationale = models.TextField(_("treatment rationale"), blank=True)
    treatment_counterparty = models.CharField(
        _("counterparty"),
        max_length=200,
        blank=True,
        help_text=_("Who carries the risk for a transfer: an insurer, a vendor, another team."),
    )
    treatment_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("treatment decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    treatment_decided_at = models.DateTimeField(_("treatment decided at"), null=True, blank=True, editable=False)
    # Derived from the score and the category's appetite on every save and whenever an appetite
    # changes; stored so lists filter on it and a move outside is noticed once.
    appetite_status = models.CharField(
        _("appetite"),
        max_length=16,
        choices=AppetiteStatus.choices,
        blank=True,
        default=AppetiteStatus.NONE,
        editable=False,
        db_index=True,
    )
    stated_level = models.CharField(
        _("stated level"),
        max_length=16,
        choices=Level.choices,
        blank=True,
        help_text=_("The level the plan states; the importer warns when it disagrees with the computed one."),
    )
    status = models.CharField(_("status"), max_length=16, choices=RiskStatus.choices, default=RiskStatus.OPEN)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        related_name="owned_risks",
        null=True,
        blank=True,
    )
    components = models.ManyToManyField(
        "register.Component",
        verbose_name=_("components"),
        related_name="risks",
        blank=True,
    )
    next_review_date = models.DateField(_("next review"), null=True, blank=True)
    # The worst live state of the risk's monitored indicators. Stored (not computed per request) so
    # lists can filter on it; only the monitoring pipeline writes it, in the transaction that
    # evaluates the reading that changed it.
    live_status = models.CharField(
        _("live status"),
        max_length=16,
        choices=LiveStatus.choices,
        blank=True,
        default="",
        editable=False,
        db_index=True,
    )
    needs_reassessment = models.BooleanField(
        _("needs re-assessment"),
        default=False,
        help_text=_(
            "Review now: set when an indicator turns critical, a source stays unhealthy or an incident is"
            " linked; the next review lists the risk first and completing it clears the flag."
        ),
    )
    review_reason = models.CharField(_("review cause"), max_length=300, blank=True, editable=False)
    review_flagged_at = models.DateTimeField(_("flagged for review"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    DERIVED_FIELDS = ("code", "score", "level", "inherent_score", "target_score", "appetite_status")
    # What an ended acceptance or a move outside appetite writes while the risk is being saved.
    CONSEQUENCE_FIELDS = (
        "treatment",
        "treatment_decided_by",
        "treatment_decided_at",
        "status",
        "needs_reassessment",
        "review_reason",
        "review_flagged_at",
    )
    # Each assessment's (impact, likelihood) fields, in the order the score history lists them.
    ASSESSMENT_FIELDS = {
        Assessment.INHERENT: ("inherent_impact", "inherent_likelihood"),
        Assessment.CURRENT: ("impact", "likelihood"),
        Assessment.TARGET: ("target_impact", "target_likelihood"),
    }

    history = HistoricalRecords(excluded_fields=["updated_at", "live_status"])
    objects = RiskQuerySet.as_manager()

    class Meta:
        verbose_name = _("risk")
        verbose_name_plural = _("risks")
        ordering = ["number"]
        permissions = [("manage_all_risks", _("Can change every risk, not only owned ones"))]
        constraints = [
            models.CheckConstraint(condition=Q(impact__gte=1, impact__lte=5), name="risk_impact_1_5"),
            models.CheckConstraint(condition=Q(likelihood__gte=1, likelihood__lte=5), name="risk_likelihood_1_5"),
            models.CheckConstraint(condition=Q(score=F("impact") * F("likelihood")), name="risk_score_is_product"),
            # An assessment is a pair: both axes or neither, and its score is their product.
            models.CheckConstraint(
                condition=Q(inherent_impact__isnull=True, inherent_likelihood__isnull=True, inherent_score__isnull=True)
                | Q(inherent_score=F("inherent_impact") * F("inherent_likelihood")),
                name="risk_inherent_is_pair",
            ),
            models.CheckConstraint(
                condition=Q(target_impact__isnull=True, target_likelihood__isnull=True, target_score__isnull=True)
                | Q(target_score=F("target_impact") * F("target_likelihood")),
                name="risk_target_is_pair",
            ),
            models.CheckConstraint(
                condition=Q(treatment="transfer", treatment_counterparty__gt="") | ~Q(treatment="transfer"),
                name="risk_transfer_names_counterparty",
            ),
            models.UniqueConstraint(fields=["programme", "number"], name="risk_unique_number"),
            models.UniqueConstraint(fields=["programme", "code"], name="risk_unique_code"),
        ]
        indexes = [models.Index(fields=["-score", "number"], name="risk_score_order")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def save(
        self, *args, changed_by=None, change_reason: str = "", change_source: str = ScoreSource.MANUAL, **kwargs
    ) -> None:
        user = changed_by if changed_by and changed_by.is_authenticated else None
        # The reason given for a re-score is recorded with the audit trail's entries of this save.
        with transaction.atomic(), auditing.because(change_reason):
            if self.programme_id is None:
                self.programme = Programme.objects.default()
            if not self.number:
                self.number = Risk.next_free_number(self.programme_id)
            if self.inherent_impact is None and self.inherent_likelihood is None:
                self.inherent_impact, self.inherent_likelihood = self.impact, self.likelihood
            stored = getattr(self, "_stored", {})
            creating = not stored
            if self.treatment != stored.get("treatment", Treatment.UNDECIDED) or (
                self.treatment and self.treatment_decided_at is None
            ):
                self.treatment_decided_by, self.treatment_decided_at = user, timezone.now()
            self.derive()
            before_appetite = stored.get("appetite_status", AppetiteStatus.NONE)
            self.appetite_status = status_of(self)
            super().save(*args, **kwargs)
            ScoreChange.objects.bulk_create(
                ScoreChange(
                    risk=self,
                    assessment=assessment,
                    changed_by=user,
                    old_impact=stored.get(assessment, (None, None))[0],
                    old_likelihood=stored.get(assessment, (None, None))[1],
                    new_impact=now[0],
                    new_likelihood=now[1],
                    reason=change_reason,
                    source=change_source,
                )
                for assessment, now in self.assessments().items()
                if now != stored.get(assessment, (None, None))
                and not (creating and now == (None, None))
                # A new risk's inherent assessment taken over from the current one is not a change
                # of its own: the current row says it.
                and not (creating and assessment == Assessment.INHERENT and now == (self.impact, self.likelihood))
            )
            old = stored.get(Assessment.CURRENT, (None, None))
            consequences = 0
            # The rules that follow (register/receivers.py) write in this transaction and say how much.
            if old[0] is not None and self.score > old[0] * old[1]:
                consequences += signals.wrote(signals.score_rose.send(sender=Risk, risk=self))
            if self.appetite_status == AppetiteStatus.OUTSIDE and before_appetite != AppetiteStatus.OUTSIDE:
                consequences += signals.wrote(signals.moved_outside_appetite.send(sender=Risk, risk=self))
            if consequences:
                # They wrote this row (reopened treatment, review flag): a second save of this
                # instance must not put the old values back.
                self.refresh_from_db(fields=self.CONSEQUENCE_FIELDS)
            self._remember()

    def assessments(self) -> dict[str, tuple[int | None, int | None]]:
        return {a: (getattr(self, i), getattr(self, lk)) for a, (i, lk) in self.ASSESSMENT_FIELDS.items()}

    def _remember(self) -> None:
        # What was stored, so save() can tell a re-score from any other edit and a decision from a
        # re-save, and see the appetite status move.
        self._stored = {
            **self.assessments(),
            "treatment": self.treatment,
            "appetite_status": self.appetite_status,
        }

    @classmethod
    def next_free_number(cls, programme_id: int) -> int:
        """The number a new risk of the programme gets: one past the highest, or — once a risk holds
        the highest number allowed — the lowest number free (a plan may number its risks from 90000)."""

        mine = cls.objects.filter(programme_id=programme_id)
        last = mine.select_for_update().aggregate(n=models.Max("number"))["n"] or 0
        if last < MAX_RISK_NUMBER:
            return last + 1
        expected = 1
        for number in mine.order_by("number").values_list("number", flat=True).iterator():
            if number != expected:
                return expected
            expected += 1
        raise ValidationError({"number": _("Every risk number is taken.")})

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        fields = Risk.ASSESSMENT_FIELDS.items()
        instance._stored = {
            **{a: (instance.__dict__.get(i), instance.__dict__.get(lk)) for a, (i, lk) in fields},
            "treatment": instance.__dict__.get("treatment", Treatment.UNDECIDED),
            "appetite_status": instance.__dict__.get("appetite_status", AppetiteStatus.NONE),
        }
        return instance

    def clean(self) -> None:
        errors = {}
        for field in (
            "impact",
            "likelihood",
            "inherent_impact",
            "inherent_likelihood",
            "target_impact",
            "target_likelihood",
        ):
            value = getattr(self, field)
            if value is not None and not scoring.in_scale(value):
                errors[field] = _("Must be a whole number from 1 to 5.")
        for impact, likelihood in (
            self.ASSESSMENT_FIELDS[Assessment.INHERENT],
            self.ASSESSMENT_FIELDS[Assessment.TARGET],
        ):
            if (getattr(self, impact) is None) != (getattr(self, likelihood) is None):
                missing = impact if getattr(self, impact) is None else likelihood
                errors[missing] = _("Give both impact and likelihood of this assessment, or neither.")
        if self.treatment == Treatment.TRANSFER and not self.treatment_counterparty.strip():
            errors["treatment_counterparty"] = _("A transfer names who takes the risk over.")
        if self.treatment != Treatment.TRANSFER and self.treatment_counterparty.strip():
            errors["treatment_counterparty"] = _("Only a transfer has a counterparty.")
        if self.treatment in (Treatment.AVOID, Treatment.TRANSFER) and not self.treatment_rationale.strip():
            errors["treatment_rationale"] = _("Say why the risk is avoided or transferred.")
        if self.number is not None and self.number < 1:
            errors["number"] = _("Must be 1 or more.")
        if self.programme_id is None:
            try:
                self.programme = Programme.objects.default()
            except Programme.Ambiguous:
                errors["programme"] = _("Choose the programme this risk belongs to.")
        elif self.programme.is_archived:
            errors["programme"] = _("This programme is archived: its register is read-only.")
        if self.category_id and self.programme_id and self.category.programme_id != self.programme_id:
            errors["category"] = _("This category belongs to another programme.")
        if (
            not self.number
            and self._state.adding
            and self.programme_id is not None
            and Risk.objects.filter(programme_id=self.programme_id).count() >= MAX_RISK_NUMBER
        ):
            errors["number"] = _("Every risk number is taken.")
        if errors:
            raise ValidationError(errors)

    def full_clean(self, exclude=None, validate_unique=True, validate_constraints=True) -> None:
        # Derived fields are computed, not validated: fill them in when the inputs allow it and leave
        # them out of field/constraint validation so a bad impact reports on "impact", not "score".
        if scoring.in_scale(self.impact) and scoring.in_scale(self.likelihood):
            self.derive()
        exclude = set(exclude or ()) | set(self.DERIVED_FIELDS)
        super().full_clean(exclude=exclude, validate_unique=validate_unique, validate_constraints=validate_constraints)

    def derive(self) -> None:
        """Fill in the derived fields (code, scores, level) from the ones people edit."""
        self.score = scoring.score(self.impact, self.likelihood)
        self.level = LevelBand.objects.level_for(self.score)
        for prefix in ("inherent", "target"):
            impact, likelihood = getattr(self, f"{prefix}_impact"), getattr(self, f"{prefix}_likelihood")
            both = scoring.in_scale(impact) and scoring.in_scale(likelihood)
            setattr(self, f"{prefix}_score", scoring.score(impact, likelihood) if both else None)
        if self.number:
            self.code = f"R-{self.number}"

    @property
    def inherent_level(self) -> str:
        return LevelBand.objects.level_for(self.inherent_score) if self.inherent_score else ""

    @property
    def target_level(self) -> str:
        return LevelBand.objects.level_for(self.target_score) if self.target_score else ""

    @property
    def level_disagrees(self) -> bool:
        return bool(self.stated_level) and self.stated_level != self.level

    def is_editable_by(self, user) -> bool:
        return may_change(user, "register.change_risk", self, self.owner_id)


class ScoreChange(models.Model):
    """One re-scoring of a risk: who, when, from what to what, why, and through which path."""

    risk = models.ForeignKey(Risk, verbose_name=_("risk"), on_delete=models.CASCADE, related_name="score_changes")
    assessment = models.CharField(
        _("assessment"), max_length=16, choices=Assessment.choices, default=Assessment.CURRENT, db_index=True
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True, db_index=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    old_impact = models.PositiveSmallIntegerField(_("old impact"), null=True, blank=True)
    old_likelihood = models.PositiveSmallIntegerField(_("old likelihood"), null=True, blank=True)
    # Empty when a target was cleared.
    new_impact = models.PositiveSmallIntegerField(_("new impact"), null=True, blank=True)
    new_likelihood = models.PositiveSmallIntegerField(_("new likelihood"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    source = models.CharField(_("source"), max_length=16, choices=ScoreSource.choices)

    class Meta:
        verbose_name = _("score change")
        verbose_name_plural = _("score history")
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.old_score or '–'} → {self.new_score}"

    @property
    def old_score(self) -> int | None:
        if self.old_impact is None or self.old_likelihood is None:
            return None
        return self.old_impact * self.old_likelihood

    @property
    def new_score(self) -> int | None:
        if self.new_impact is None or self.new_likelihood is None:
            return None
        return self.new_impact * self.new_likelihood


class RiskLink(models.Model):
    """One risk making another more likely ("causes / caused by"): the graph's CAUSES edges."""

    cause = models.ForeignKey(Risk, verbose_name=_("cause"), on_delete=models.CASCADE, related_name="effect_links")
    effect = models.ForeignKey(Risk, verbose_name=_("effect"), on_delete=models.CASCADE, related_name="cause_links")
    note = models.CharField(_("note"), max_length=300, blank=True)
    inhibits = models.BooleanField(
        _("inhibits"),
        default=True,
        help_text=_(
            "While an immediate-priority alert of the cause fires, new alerts of the effect are inhibited:"
            " recorded and shown, not notified (the effect is a consequence, not a second page)."
        ),
    )

    class Meta:
        verbose_name = _("risk link")
        verbose_name_plural = _("risk links")
        ordering = ["cause__number", "effect__number"]
        constraints = [
            models.UniqueConstraint(fields=["cause", "effect"], name="risklink_unique"),
            models.CheckConstraint(condition=~Q(cause=F("effect")), name="risklink_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.cause.code} → {self.effect.code}"

    def clean(self) -> None:
        if self.cause_id and self.cause_id == self.effect_id:
            raise ValidationError(_("A risk cannot cause itself."))
