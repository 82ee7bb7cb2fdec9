from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reviews.periods import default_period, parse_period, period_containing


@pytest.mark.parametrize(
    ("day", "label", "start", "end"),
    [
        (date(2026, 11, 27), "2026-W48", date(2026, 11, 23), date(2026, 11, 29)),  # a Friday
        (date(2026, 12, 31), "2026-W53", date(2026, 12, 28), date(2027, 1, 3)),  # ISO year 2026 has 53 weeks
        (date(2027, 1, 1), "2026-W53", date(2026, 12, 28), date(2027, 1, 3)),
        (date(2025, 12, 29), "2026-W01", date(2025, 12, 29), date(2026, 1, 4)),
    ],
)
def test_iso_weeks(day, label, start, end):
    period = period_containing("weekly", day)
    assert (period.label, period.start, period.end) == (label, start, end)
    assert parse_period("weekly", label) == period


@pytest.mark.parametrize(
    ("day", "end"),
    [
        (date(2028, 2, 10), date(2028, 2, 29)),
        (date(2026, 2, 1), date(2026, 2, 28)),
        (date(2026, 12, 31), date(2026, 12, 31)),
    ],
)
def test_month_ends(day, end):
    assert period_containing("monthly", day).end == end


def test_the_monthly_review_on_the_first_looks_back_at_the_month_just_ended():
    assert default_period("monthly", date(2026, 12, 1)).label == "2026-11"
    assert default_period("monthly", date(2027, 1, 1)).label == "2026-12"
    assert default_period("weekly", date(2026, 11, 27)).label == "2026-W48"


def test_the_local_date_decides_the_period():
    # Friday 2026-11-27 23:30 UTC is already Saturday in Tokyo, but the same ISO week;
    # 2026-11-30 20:00 UTC is Tuesday 1 December in Tokyo: another month.
    moment = datetime(2026, 11, 30, 20, 0, tzinfo=ZoneInfo("UTC"))
    assert period_containing("monthly", moment.date()).label == "2026-11"
    assert period_containing("monthly", moment.astimezone(ZoneInfo("Asia/Tokyo")).date()).label == "2026-12"


@pytest.mark.parametrize(
    ("kind", "label"),
    [
        ("weekly", "2026-48"),
        ("weekly", "2026-W54"),
        ("monthly", "2026-13"),
        ("monthly", "Nov 2026"),
        ("daily", "2026-11-01"),
    ],
)
def test_bad_labels(kind, label):
    with pytest.raises(ValueError):
        parse_period(kind, label)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)), st.sampled_from(["weekly", "monthly"]))
def test_periods_tile_the_calendar(day, kind):
    period = period_containing(kind, day)
    assert period.start <= day <= period.end
    assert period_containing(kind, period.end + timedelta(days=1)).start == period.end + timedelta(days=1)
    assert parse_period(kind, period.label) == period
