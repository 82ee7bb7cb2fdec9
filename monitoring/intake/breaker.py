"""Per-source circuit breakers (the plan's numbers: open after 5 failures in a row, half-open after 60 s).

State lives in ``SourceState`` rows so every worker process sees the same breaker.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from monitoring.choices import BreakerState
from monitoring.models import SourceState


def allow(key: str | None, now: datetime) -> bool:
    """May a call to this source go ahead? An open breaker lets exactly one trial through once it
    has cooled down (the conditional UPDATE picks the one caller that moves it to half-open)."""
    if key is None:
        return True
    state = SourceState.objects.filter(key=key).only("state", "opened_at").first()
    if state is None or state.state == BreakerState.CLOSED:
        return True
    if state.state == BreakerState.OPEN and state.opened_at <= now - timedelta(seconds=settings.BREAKER_RESET_SECONDS):
        return bool(
            SourceState.objects.filter(pk=state.pk, state=BreakerState.OPEN).update(state=BreakerState.HALF_OPEN)
        )
    return False


def record(key: str | None, ok: bool, now: datetime, error: str = "") -> None:
    if key is None:
        return
    with transaction.atomic():
        state, _ = SourceState.objects.select_for_update().get_or_create(key=key)
        if ok:
            state.state, state.consecutive_failures, state.last_success_at = BreakerState.CLOSED, 0, now
        else:
            state.consecutive_failures += 1
            state.last_error, state.last_failure_at = error[:500], now
            if state.state == BreakerState.HALF_OPEN or state.consecutive_failures >= settings.BREAKER_FAILURES:
                state.state, state.opened_at = BreakerState.OPEN, now
        state.save()


def allow_each(keys, now: datetime) -> dict[str | None, bool]:
    """``allow`` for many keys: one query for their states, plus one UPDATE per breaker moved to
    half-open. Metrics sharing a source share its answer (a half-open trial lets the batch's calls to
    that source through together, then their outcomes decide)."""
    keys = set(keys)
    answers: dict[str | None, bool] = dict.fromkeys(keys, True)
    states = SourceState.objects.filter(key__in=keys - {None}).exclude(state=BreakerState.CLOSED)
    for state in states.only("key", "state", "opened_at"):
        answers[state.key] = allow(state.key, now)
    return answers


def record_each(outcomes: list[tuple[str | None, bool, str]], now: datetime) -> None:
    """``record`` for many calls in order, (key, ok, error) each. Sources that answered and whose
    breaker is closed and clean (nearly all, nearly always) are noted with one UPDATE."""
    by_key: dict[str, list[tuple[bool, str]]] = {}
    for key, ok, error in outcomes:
        if key is not None:
            by_key.setdefault(key, []).append((ok, error))
    clean = [key for key, results in by_key.items() if all(ok for ok, _ in results)]
    noted = set(
        SourceState.objects.filter(key__in=clean, state=BreakerState.CLOSED, consecutive_failures=0).values_list(
            "key", flat=True
        )
    )
    SourceState.objects.filter(key__in=noted).update(last_success_at=now)
    for key, results in by_key.items():
        if key not in noted:
            for ok, error in results:
                record(key, ok=ok, now=now, error=error)
