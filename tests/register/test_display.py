"""How figures, colours and charts read on the admin's pages, for any value a register may hold."""

from __future__ import annotations

import math

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from core import charts, colours, display

HEX = st.from_regex(r"\A#[0-9a-fA-F]{6}\Z")


@given(HEX)
def test_a_badge_is_readable_on_any_colour(background):
    # WCAG AA for small bold text: 4.5:1. Black or white always reaches it (≥ 4.58:1 in the worst case).
    assert colours.contrast(background, colours.text_on(background)) >= 4.5


@pytest.mark.parametrize(
    ("background", "text"),
    [
        ("#c9302c", "#ffffff"),
        ("#e69a00", "#000000"),
        ("#3c8d40", "#000000"),
        ("#777777", "#000000"),
        ("#000", "#ffffff"),
        ("nonsense", "#000000"),
    ],
)
def test_the_register_s_own_colours(background, text):
    assert colours.text_on(background) == text


@pytest.mark.parametrize(
    ("value", "unit", "en", "ja"),
    [
        (1302.912345, "ms", "1,302.9 ms", "1,302.9 ms"),
        (79.0, "%", "79%", "79%"),
        (0.012345, "", "0.0123", "0.0123"),
        (123456.7, "件/日", "123,457 件/日", "123,457 件/日"),
        (-3.25, "", "-3.2", "-3.2"),
        (None, "ms", "—", "—"),
        (float("nan"), "", "—", "—"),
        (0, "ms", "0 ms", "0 ms"),
    ],
)
def test_numbers_read_rounded_with_their_unit(value, unit, en, ja):
    with translation.override("en"):
        assert display.number(value, unit) == en
    with translation.override("ja"):
        assert display.number(value, unit) == ja


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))
def test_rounding_keeps_three_significant_digits_or_more(value):
    shown = float(display.number(value).replace(",", ""))
    if abs(value) >= 1:
        assert abs(shown - value) <= 0.05 + abs(value) * 1e-9 or abs(value) >= 10_000
    elif value != 0:
        assert math.isclose(shown, value, rel_tol=5e-3, abs_tol=1e-6)


@given(
    st.floats(-1e9, 1e9, allow_nan=False),
    st.floats(0, 1e9, allow_nan=False),
)
def test_axis_ticks_cover_the_range_in_round_steps(low, span):
    high = low + span
    ticks = charts.nice_ticks(low, high)
    assert ticks == sorted(ticks) and 2 <= len(ticks) <= 20
    assert ticks[0] <= low + 1e-6 * max(1, abs(low)) and ticks[-1] >= high - 1e-6 * max(1, abs(high))


@given(st.lists(st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False)), min_size=2, max_size=40))
def test_a_chart_draws_every_value_and_its_thresholds(values):
    points = [(f"d{i}", v) for i, v in enumerate(values)]
    svg = charts.line_chart_svg(points, "ms", bands={"warning": 200.0, "critical": 400.0}, title="API <latency>")
    drawn = [v for v in values if v is not None]
    if len(drawn) < 2:
        assert svg == ""
        return
    assert svg.count("<circle") == len(drawn)  # each value, with its hover title
    assert 'class="band-warning"' in svg and 'class="band-critical"' in svg
    assert "API &lt;latency&gt;" in svg and "<latency>" not in svg
