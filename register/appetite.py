"""Where a risk sits against the appetite of its category (or the programme's default).

One rule, used by the risk's save, by a new appetite version (which re-judges every risk it covers)
and by the importer: the score measured (current, or target when the appetite says so and the risk
has one) against ``appetite`` and ``tolerance``. A risk that moves outside flags its review and
tells its owner, whichever of the two moved.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from register import notices
from register.choices import AppetiteBasis, AppetiteStatus


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


def version_for(category_id: int | None, in_force: dict):
    return in_force.get(category_id) if category_id in in_force else in_force.get(None)


def status_of(risk, in_force: dict | None = None) -> str:
    from register.models import Appetite

    if in_force is None:
        in_force = Appetite.objects.filter(Q(category_id=risk.category_id) | Q(category__isnull=True)).in_force()
    version = version_for(risk.category_id, in_force)
    if version is None:
        return AppetiteStatus.NONE
    return judge(measured_score(risk, version.basis), version.appetite, version.tolerance)


def refresh(risks=None) -> dict[str, int]:
    """Re-judge risks (default: all) after an appetite changed; returns how many moved to each status.

    Writes only the risks whose status changed, and tells the owners of those that moved outside.
    """
    from register.models import Appetite, Risk

    in_force = Appetite.objects.in_force()
    risks = Risk.objects.all() if risks is None else risks
    moved: dict[str, list[int]] = {}
    outside = []
    for risk in risks.only(
        "pk", "category_id", "score", "target_score", "appetite_status", "owner_id", "code", "title"
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
    the programme-wide one — all, since categories without their own fall back to it)."""
    from register.models import Risk

    covered = (
        Risk.objects.all() if version.category_id is None else Risk.objects.filter(category_id=version.category_id)
    )
    return refresh(covered)


def moved_outside(risks: Iterable) -> None:
    from register.models import Risk

    for risk in risks:
        cause = _("outside appetite: score %(score)s") % {"score": risk.score}
        Risk.objects.filter(pk=risk.pk).flag_for_review(cause)
        notices.tell_owner(
            risk,
            key=("outside", timezone.now().strftime("%Y%m%dT%H%M%S")),
            headline=_("Outside appetite"),
            text=_("%(risk)s moved outside the risk appetite (score %(score)s).") % {"risk": risk, "score": risk.score},
        )
