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
