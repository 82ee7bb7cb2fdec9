"""Review evidence from the register itself: score changes and new risks."""

from __future__ import annotations

from django.db.models import Count, F, Q

from register.models import Risk, ScoreChange
from reviews.evidence.window import Window


def risk_changes(window: Window) -> dict:
    changes = window.within(
        ScoreChange.objects.filter(changed_at__gte=window.start, changed_at__lt=window.end, old_impact__isnull=False),
        "risk__programme",
    ).annotate(old=F("old_impact") * F("old_likelihood"), new=F("new_impact") * F("new_likelihood"))
    return {
        "score_changes": changes.count(),
        "raised": changes.filter(new__gt=F("old")).count(),
        "lowered": changes.filter(new__lt=F("old")).count(),
        "new_risks": window.within(
            Risk.objects.filter(created_at__gte=window.start, created_at__lt=window.end), "programme"
        ).count(),
    }


def risk_score_changes(risk_ids: list[int], window: Window) -> dict[int, dict]:
    rows = (
        ScoreChange.objects.filter(risk_id__in=risk_ids, changed_at__gte=window.start, changed_at__lt=window.end)
        .filter(~Q(old_impact=None))
        .values("risk_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["risk_id"]: {"score_changes": row["n"]} for row in rows}
