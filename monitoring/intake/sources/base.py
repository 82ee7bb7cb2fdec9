"""What a source returns, and the retry loop every polled source shares."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Value:
    value: float
    detail: str = ""


@dataclass(frozen=True)
class NoData:
    reason: str


@dataclass(frozen=True)
class SourceError:
    reason: str
    # A configuration error (bad query, two series for one value) is the metric's fault, not the
    # source's: it is shown on the metric and does not trip the circuit breaker.
    config_error: bool = False


Result = Value | NoData | SourceError


def with_retries(attempt: Callable[[], Result], retries: int | None = None, backoff: float | None = None) -> Result:
    """Retry transient source errors with exponential backoff; no data and values return at once."""
    retries = settings.SOURCE_RETRIES if retries is None else retries
    backoff = settings.SOURCE_BACKOFF_SECONDS if backoff is None else backoff
    result = attempt()
    for n in range(retries):
        if not isinstance(result, SourceError) or result.config_error:
            return result
        time.sleep(backoff * 2**n)
        result = attempt()
    return result
