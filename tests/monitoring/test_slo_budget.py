"""Error-budget arithmetic against the SRE Workbook's worked examples ("Alerting on SLOs")."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitoring.slos import budget as slo
from monitoring.slos.sources import SLIError, events_over, parse_ratios, ratio_query

DAY, HOUR, MINUTE = 86400, 3600, 60
THIRTY_DAYS = 30 * DAY


# The workbook's table 5-8 for a 99.9 % SLO over 30 days: budget spent, long window, burn rate.
@pytest.mark.parametrize(
    ("spent", "window", "factor"),
    [(0.02, HOUR, 14.4), (0.05, 6 * HOUR, 6.0), (0.10, DAY, 3.0), (0.10, 3 * DAY, 1.0)],
)
def test_the_workbooks_burn_rates_follow_from_budget_spent(spent, window, factor):
    assert slo.factor_for(spent, window, THIRTY_DAYS) == pytest.approx(factor)
    assert slo.budget_spent(factor, window, THIRTY_DAYS) == pytest.approx(spent)


@pytest.mark.parametrize(
    ("objective", "error_ratio", "burn"),
    [
        (99.9, 0.001, 1.0),  # exactly the budget: spent at the end of the window
        (99.9, 0.0144, 14.4),  # the page threshold
        (99.9, 1.0, 1000.0),  # a full outage: the budget is gone in 43 minutes
        (99.5, 0.005, 1.0),
        (99.5, 0.01, 2.0),
        (99.0, 0.0, 0.0),
    ],
)
def test_burn_rate(objective, error_ratio, burn):
    assert slo.burn_rate(error_ratio, objective) == pytest.approx(burn)


def test_a_full_outage_of_a_three_nines_slo_empties_the_budget_in_43_minutes():
    assert slo.time_to_exhaustion(1000.0, THIRTY_DAYS) == pytest.approx(43.2 * MINUTE)
    assert slo.time_to_exhaustion(0.0, THIRTY_DAYS) is None


def test_the_page_fires_on_a_full_outage_within_a_minute():
    # The workbook's detection time for the 14.4× / 1 h rule at 100 % errors: 0.864 minutes.
    detection = slo.DEFAULT_WINDOWS[0].factor * slo.error_budget(99.9) * HOUR / 1.0
    assert detection == pytest.approx(0.864 * MINUTE)


def test_budget_remaining_is_what_the_window_has_not_spent():
    assert slo.budget_remaining(0.0025, 99.5) == pytest.approx(0.5)
    assert slo.budget_remaining(0.01, 99.5) == pytest.approx(-1.0)  # overspent twice over


@pytest.mark.parametrize("objective", [0, 100, -1, 101])
def test_an_objective_must_leave_a_budget(objective):
    with pytest.raises(ValueError):
        slo.error_budget(objective)


@pytest.mark.parametrize(
    ("burns", "expected"),
    [
        ({HOUR: 15, 300: 15}, {"immediate": HOUR, "watch": None}),
        ({HOUR: 15, 300: 2}, {"immediate": None, "watch": None}),  # the burning stopped: the short window says so
        ({HOUR: 2, 300: 50}, {"immediate": None, "watch": None}),  # a blip: the long window is not significant
        ({6 * HOUR: 7, 1800: 7}, {"immediate": 6 * HOUR, "watch": None}),
        ({DAY: 3.5, 7200: 4}, {"immediate": None, "watch": DAY}),
        ({3 * DAY: 1.2, 6 * HOUR: 1.1}, {"immediate": None, "watch": 3 * DAY}),
        ({HOUR: None, 300: 99}, {"immediate": None, "watch": None}),  # no traffic is no alert
        ({}, {"immediate": None, "watch": None}),
    ],
)
def test_the_default_table_fires_only_when_both_windows_burn(burns, expected):
    fired = slo.firing(burns, slo.DEFAULT_WINDOWS)
    assert {p: (row.long if row else None) for p, row in fired.items()} == expected


@given(st.dictionaries(st.sampled_from(slo.windows_needed(slo.DEFAULT_WINDOWS)), st.floats(0, 1e4)), st.floats(1, 100))
def test_burning_faster_never_silences_an_alert(burns, scale):
    before = slo.firing(burns, slo.DEFAULT_WINDOWS)
    after = slo.firing({w: b * scale for w, b in burns.items()}, slo.DEFAULT_WINDOWS)
    for priority, row in before.items():
        assert row is None or after[priority] is not None


@given(st.integers(1, 10_000), st.sampled_from("smhdw"))
def test_durations_round_trip(n, unit):
    seconds = slo.parse_duration(f"{n}{unit}")
    assert slo.parse_duration(slo.format_duration(seconds)) == seconds


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ({"long": "5m", "short": "1h", "factor": 2, "priority": "watch"}, "shorter"),
        ({"long": "1h", "short": "5m", "factor": 0, "priority": "watch"}, "factor"),
        ({"long": "1h", "short": "5m", "factor": "14", "priority": "watch"}, "factor"),
        ({"long": "1h", "short": "5m", "factor": math.inf, "priority": "watch"}, "factor"),
        ({"long": "1h", "short": "5m", "factor": 2, "priority": "page"}, "priority"),
        ({"long": "an hour", "short": "5m", "factor": 2, "priority": "watch"}, "duration"),
        ({"long": "1h", "short": "5m", "factor": 2, "priority": "watch", "for": "2m"}, "unknown"),
        ("1h/5m", "object"),
    ],
)
def test_a_wrong_alert_window_is_named(row, problem):
    with pytest.raises(ValueError, match=problem):
        slo.read_windows([slo.DEFAULT_WINDOWS[0].as_dict(), row])
    with pytest.raises(ValueError, match="alert window 2"):
        slo.read_windows([slo.DEFAULT_WINDOWS[0].as_dict(), row])


def test_the_default_table_reads_back():
    assert slo.read_windows(slo.default_windows()) == list(slo.DEFAULT_WINDOWS)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('http_requests_total{code!~"5.."}', 'sum(increase(http_requests_total{code!~"5.."}[1h]))'),
        ("requests_total", "sum(increase(requests_total[1h]))"),
        ("sum(rate(errors_total[{{.window}}]))", "sum(sum(rate(errors_total[1h])))"),
        ("sum(rate(errors_total[{{ .window }}])) by (job)", "sum(sum(rate(errors_total[1h])) by (job))"),
        ("sum(rate(errors_total[1m]))", "sum(avg_over_time((sum(rate(errors_total[1m])))[1h:]))"),
    ],
)
def test_each_window_is_aggregated_by_prometheus(query, expected):
    assert events_over(query, HOUR) == expected


def test_one_query_labels_every_window():
    query = ratio_query("good_total", "", "all_total", [300, HOUR])
    five, hour = (
        f"label_replace(1 - (sum(increase(good_total[{w}]))) / (sum(increase(all_total[{w}]))),"
        f' "window", "{w}", "", "")'
        for w in ("5m", "1h")
    )
    assert query == f"{five} or {hour}"
    assert "1 - " not in ratio_query("", "bad_total", "all_total", [300])


def test_an_answer_is_read_per_window():
    body = (
        '{"status":"success","data":{"resultType":"vector","result":['
        '{"metric":{"window":"5m"},"value":[1,"0.02"]},'
        '{"metric":{"window":"1h"},"value":[1,"NaN"]},'
        '{"metric":{"window":"1d"},"value":[1,"-0.0001"]}]}}'
    )
    assert parse_ratios(200, body, [300, HOUR, DAY, 3 * DAY]) == {300: 0.02, HOUR: None, DAY: 0.0, 3 * DAY: None}


@pytest.mark.parametrize(
    "body", ['{"status":"error","errorType":"bad_data","error":"parse error"}', "<html>proxy</html>", "[1]"]
)
def test_a_failed_answer_is_an_error_saying_why(body):
    with pytest.raises(SLIError):
        parse_ratios(400, body, [300])


@pytest.mark.parametrize(
    ("name", "category", "unit", "direction", "warning", "expected"),
    [
        ("システム稼働率", "可用性", "%", "lower_is_worse", 99.5, (99.5, "good")),
        ("エラー率", "可用性", "%", "higher_is_worse", 1, (99.0, "bad")),
        ("Connection success rate", "Availability", "%", "lower_is_worse", 99.5, (99.5, "good")),
        ("Checkout error rate", "Payments", "%", "higher_is_worse", 0.5, (99.5, "bad")),
        ("ログイン失敗率", "認証", "%", "higher_is_worse", 5, (95.0, "bad")),
        ("Uptime", "", "%", "lower_is_worse", 99.9, (99.9, "good")),
        ("ヘルスチェック応答", "可用性", "%", "lower_is_worse", 99, (99.0, "good")),  # the category decides
        ("CPU使用率", "リソース", "%", "higher_is_worse", 70, None),  # a usage, not a rate of events
        ("Memory utilization", "Availability", "%", "higher_is_worse", 80, None),
        ("接続プール使用率", "可用性", "%", "lower_is_worse", 30, None),
        ("Queue depth share", "Availability", "%", "higher_is_worse", 10, None),
        ("API応答時間", "パフォーマンス", "ms", "higher_is_worse", 200, None),  # not a percentage
        ("エラー率", "可用性", "%", "lower_is_worse", 1, None),  # an error rate where lower is worse: not an SLO
        ("稼働率", "可用性", "%", "lower_is_worse", 100, None),  # leaves no budget
    ],
)
def test_which_plan_metrics_state_an_slo(name, category, unit, direction, warning, expected):
    assert slo.objective_from_bands(name, category, unit, direction, warning) == expected
