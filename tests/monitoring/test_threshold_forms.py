"""Thresholds and bands for any unit and every way of writing a number, a range or a comparison
(monitoring/alerting/thresholds.py). Units are never a reason to refuse a plan."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitoring.alerting.thresholds import Range, Threshold, ThresholdError, parse_bound, parse_condition, parse_rule

BOUNDS = [
    # free units, kept as written
    ("< 50/min", Threshold("<", 50, "/min")),
    ("> 500 req/min", Threshold(">", 500, "req/min")),
    ("< 3/h", Threshold("<", 3, "/h")),
    ("> 10件/日", Threshold(">", 10, "件/日")),
    ("< 2回/週", Threshold("<", 2, "回/週")),
    ("> 8 GB", Threshold(">", 8, "GB")),
    ("< 20 MB/s", Threshold("<", 20, "MB/s")),
    ("> 5件", Threshold(">", 5, "件")),
    ("< 3 人日", Threshold("<", 3, "人日")),
    ("> 13 pt", Threshold(">", 13, "pt")),
    ("< 7", Threshold("<", 7, "")),
    # known units in their normal form
    ("< 200ミリ秒", Threshold("<", 200, "ms")),
    ("> 2 seconds", Threshold(">", 2, "s")),
    ("> 500 rps", Threshold(">", 500, "req/s")),
    ("> 99.5%", Threshold(">", 99.5, "%")),
    # numbers
    ("> 1,000 req/min", Threshold(">", 1000, "req/min")),
    ("> 1 000 件", Threshold(">", 1000, "件")),
    ("< 12,5 %", Threshold("<", 12.5, "%")),
    ("> -5 ℃", Threshold(">", -5, "℃")),
    # full width
    ("＞　１２０ｍｓ", Threshold(">", 120, "ms")),
    ("＜９９．５％", Threshold("<", 99.5, "%")),
    ("≧ 1,000件", Threshold(">=", 1000, "件")),
    ("≦ 5 ％", Threshold("<=", 5, "%")),
    # comparison words, ja and en, before and after the number
    ("200ms以上", Threshold(">=", 200, "ms")),
    ("5%以下", Threshold("<=", 5, "%")),
    ("10件超", Threshold(">", 10, "件")),
    ("50件未満", Threshold("<", 50, "件")),
    ("at least 5 GB", Threshold(">=", 5, "GB")),
    ("no more than 3/h", Threshold("<=", 3, "/h")),
    ("more than 500 req/s", Threshold(">", 500, "req/s")),
    ("less than 1%", Threshold("<", 1, "%")),
    ("5% or more", Threshold(">=", 5, "%")),
    # ranges
    ("200-500ms", Range(200, 500, "ms")),
    ("200–500 ms", Range(200, 500, "ms")),
    ("200〜500件", Range(200, 500, "件")),
    ("200～500/min", Range(200, 500, "/min")),
    ("200 to 500 req/min", Range(200, 500, "req/min")),
    ("200から500件", Range(200, 500, "件")),
    ("200から500件まで", Range(200, 500, "件")),
    ("100-300/min", Range(100, 300, "/min")),
    ("99–99.5%", Range(99, 99.5, "%")),
    ("1,000-2,000 件", Range(1000, 2000, "件")),
    ("８０～９０％", Range(80, 90, "%")),
]


@pytest.mark.parametrize(("text", "expected"), BOUNDS)
def test_a_band_reads_in_any_unit_and_form(text, expected):
    assert parse_bound(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("fast", "no number"),
        ("< fast", "no number"),
        ("", "no number"),
        ("500-200ms", "runs backwards"),
        ("200ms-500s", "two units"),
        ("> 5 averyveryverylongunitname", "longer than 20"),
    ],
)
def test_a_band_is_refused_only_for_what_is_really_wrong(text, message):
    with pytest.raises(ThresholdError, match=message):
        parse_bound(text)


@pytest.mark.parametrize(
    ("text", "operator", "value", "unit"),
    [
        ("エラーが50件/日を超えた場合", ">", 50, "件/日"),
        ("待ち時間が８時間以上の場合", ">=", 8, "h"),
        ("Alert when throughput drops below 1,000 req/min", "<", 1000, "req/min"),
        ("When the queue exceeds 200 jobs", ">", 200, "jobs"),
        ("稼働率が99.5％未満になった場合", "<", 99.5, "%"),
    ],
)
def test_an_early_warning_rule_reads_free_units(text, operator, value, unit):
    rule = parse_rule(text)
    assert rule.kind == "threshold"
    assert (rule.threshold.operator, rule.threshold.value, rule.threshold.unit) == (operator, value, unit)


def test_an_alert_condition_keeps_its_unit():
    assert parse_condition("ジョブ失敗 > 3回/日") == ("ジョブ失敗", Threshold(">", 3, "回/日"))


# Generated bands: any number format × any unit text × any way of comparing.
UNITS = st.sampled_from(["", "ms", "%", "/min", "req/min", "件/日", "回/週", "GB", "MB/s", "件", "人日", "pt", "jobs"])
PREFIX = st.sampled_from(
    [(">", ">"), ("<", "<"), (">=", ">="), ("≥", ">="), ("≦", "<="), ("＞", ">"), ("at least", ">=")]
)
SUFFIX = st.sampled_from([("以上", ">="), ("以下", "<="), ("超", ">"), ("未満", "<"), ("or more", ">=")])


def written(value: int, style: str) -> str:
    if style == "comma" and value >= 1000:
        return f"{value:,}"
    if style == "space" and value >= 1000:
        return f"{value:,}".replace(",", " ")
    if style == "fullwidth":
        return str(value).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    return str(value)


@given(
    value=st.integers(min_value=0, max_value=999_999),
    style=st.sampled_from(["plain", "comma", "space", "fullwidth"]),
    unit=UNITS,
    compare=st.one_of(PREFIX.map(lambda p: ("prefix", *p)), SUFFIX.map(lambda s: ("suffix", *s))),
    gap=st.sampled_from(["", " "]),
)
def test_generated_bands_read_back_exactly(value, style, unit, compare, gap):
    where, word, symbol = compare
    number = written(value, style)
    if where == "prefix":
        text = f"{word}{' ' if any(c.isalpha() for c in word) else gap}{number}{gap}{unit}"
    else:
        text = f"{number}{gap}{unit}{' ' if word.isascii() else ''}{word}"
    assert parse_bound(text) == Threshold(symbol, value, unit), text


@given(
    low=st.integers(min_value=0, max_value=5000),
    span=st.integers(min_value=0, max_value=5000),
    unit=UNITS,
    separator=st.sampled_from(["-", "–", "〜", "～", " to ", "から"]),
)
def test_generated_ranges_read_back_exactly(low, span, unit, separator):
    text = f"{low}{separator}{low + span}{unit}"
    assert parse_bound(text) == Range(low, low + span, unit), text
