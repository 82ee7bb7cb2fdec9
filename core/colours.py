"""Text that stays readable on a colour somebody chose (a level band, a live state): WCAG 2's
relative luminance and contrast ratio, so a badge or heat-map cell passes axe's colour-contrast
check whatever colour the register's bands are given."""

from __future__ import annotations

import re

DARK, LIGHT = "#000000", "#ffffff"
_HEX = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


def luminance(colour: str) -> float:
    """WCAG relative luminance of ``#rgb`` or ``#rrggbb`` (anything else counts as mid grey)."""
    match = _HEX.match(colour.strip())
    if not match:
        colour = "#777777"
        match = _HEX.match(colour)
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def text_on(background: str) -> str:
    """Black or white, whichever reads better on ``background`` (always ≥ 4.58 : 1)."""
    return DARK if contrast(background, DARK) >= contrast(background, LIGHT) else LIGHT
