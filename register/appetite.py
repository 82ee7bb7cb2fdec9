"""Where a risk sits against the appetite of its category (or the programme's default).

One rule, used by the risk's save, by a new appetite version (which re-judges every risk it covers)
and by the importer: the score measured (current, or target when the appetite says so and the risk
has one) against ``appetite`` and ``tolerance``. A risk that moves outside flags its review and
tells its owner, whichever of the two moved.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from register import notices
from register.choices import AppetiteStatus
from register.models import Appetite, Risk
from register.models.appetite import judge, measured_score, status_of, version_for

__all__ = ["adopt", "judge", "measured_score", "moved_outside", "refresh", "status_of", "version_for"]


def refresh(risks=None) -> dict[str, int]:
    """Re-judge risks (default: all) after an appetite changed; returns how many moved to each status.

    Writes only the risks whose status changed, and tells the owners of those that moved outside.
    """
    in_force = Appetite.objects.in_force()
    risks = Risk.objects.all() if risks is None else risks
    moved: dict[str, list[int]] = {}
    outside = []
    for risk in risks.only(
        "pk", "programme_id", "category_id", "score", "target_score", "appetite_status", "owner_id", "code", "title"
    ).select_related("owner"):
        status = status_of(risk, in_force)
        if status != risk.appetite_status:
            moved.setdefault(status, []).append(risk.pk)
            if status == AppetiteStatus.OUTSIDE:
                outside.append(risk)
    for status, pks in moved.items():
        Risk.objects.filter(pk__in=pks).update(appetite_status=status)
    moved_outside(outside)
    return {status: len(pks) for status, pks in moved.items()}


def adopt(version) -> dict[str, int]:
    """A new appetite version takes effect: re-judge the risks it covers (its category's, or — for
    the programme-wide one — all of its programme's, since categories without their own fall back
    to it)."""
    covered = (
        Risk.objects.filter(programme_id=version.programme_id)
        if version.category_id is None
        else Risk.objects.filter(category_id=version.category_id)
    )
    return refresh(covered)


def moved_outside(risks: Iterable) -> None:
    for risk in risks:
        cause = _("outside appetite: score %(score)s") % {"score": risk.score}
        Risk.objects.filter(pk=risk.pk).flag_for_review(cause)
        notices.tell_owner(
            risk,
            key=("outside", timezone.now().strftime("%Y%m%dT%H%M%S")),
            headline=_("Outside appetite"),
            text=_("%(risk)s moved outside the risk appetite (score %(score)s).") % {"risk": risk, "score": risk.score},
        )
