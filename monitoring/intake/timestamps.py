"""Reading a moment from outside: a reading's time, a range query, an Alertmanager time.

Django's ``parse_datetime`` returns None for what does not look like a date-time but raises for one
that looks right and cannot exist (``2026-02-30``, hour 25); every caller got that as a 500.
``parse_instant`` turns both into None, so each caller answers with its own 400.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime


def parse_instant(raw, *, zone_required: bool = False) -> datetime | None:
    """An aware datetime, or None when ``raw`` is not a string naming a real moment. A time without a
    zone is taken in the register's time zone, unless ``zone_required`` (RFC 3339 senders)."""
    if not isinstance(raw, str):
        return None
    try:
        parsed = parse_datetime(raw.strip())
    except (ValueError, OverflowError):
        return None
    if parsed is None:
        return None
    if timezone.is_naive(parsed):
        if zone_required:
            return None
        try:
            parsed = timezone.make_aware(parsed)
        except (ValueError, OverflowError):  # datetime.min/max cannot move to another zone
            return None
    return parsed
