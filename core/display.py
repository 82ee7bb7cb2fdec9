"""How figures and moments read on the admin's pages: localised, rounded for people, with units
(``1,302.9 ms``, ``2026/12/03 9:07``), never ``1302.912345`` or ``…11:07:29.200355+00:00``."""

from __future__ import annotations

import math
from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format, number_format

NOTHING = "—"


def decimals_for(value: float) -> int:
    """Enough digits to tell readings apart, no more: whole numbers stay whole, large ones lose
    their fraction, small ones keep three significant digits."""
    magnitude = abs(value)
    if magnitude == 0 or float(value).is_integer() or magnitude >= 10_000:
        return 0
    if magnitude >= 1:
        return 1
    return min(6, 2 - math.floor(math.log10(magnitude)))


def number(value: float | None, unit: str = "") -> str:
    if value is None or not math.isfinite(value):
        return NOTHING
    places = decimals_for(value)
    # Rounded here: number_format cuts a float at its last place rather than rounding it.
    shown = number_format(round(value, places), places, use_l10n=True, force_grouping=True)
    if not unit:
        return shown
    # "%" and "‰" sit against the figure; words and symbols like "ms" or "件/日" after a space.
    return f"{shown}{unit}" if unit in {"%", "‰"} else f"{shown} {unit}"


def when(moment: datetime | None) -> str:
    if moment is None:
        return NOTHING
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return date_format(moment, "SHORT_DATETIME_FORMAT")
