import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitoring.alerting.thresholds import Range, Threshold, ThresholdError, parse_bound, parse_condition, parse_rule


@pytest.mark.parametrize(
    ("text", "kind", "operator", "value", "unit"),
    [
        ("応答時間が400msを超えた場合にアラート", "threshold", ">", 400, "ms"),
        ("接続失敗率が5%を超えた場合", "threshold", ">", 5, "%"),
        ("メモリ使用率が80%を超えた場合", "threshold", ">", 80, "%"),
        ("認証失敗率が10%を超えた場合", "threshold", ">", 10, "%"),
        ("CI失敗率が20%を超えた場合", "threshold", ">", 20, "%"),
        ("レビュー待ち時間が24時間を超えた場合", "threshold", ">", 24, "h"),
        ("データ不整合が検出された場合", "event", "", None, ""),
        ("Alert when response time exceeds 400ms", "threshold", ">", 400, "ms"),
        ("When review wait time exceeds 24 hours", "threshold", ">", 24, "h"),
        ("When a data inconsistency is detected", "event", "", None, ""),
        ("When throughput falls below 200 req/s", "threshold", "<", 200, "req/s"),
        ("稼働率が99.5%未満になった場合", "threshold", "<", 99.5, "%"),
        ("エラー率が1%以上の場合", "threshold", ">=", 1, "%"),
        ("> 400 ms", "threshold", ">", 400, "ms"),
        ("<= 30 min", "threshold", "<=", 30, "min"),
        ("Ask the team lead", "manual", "", None, ""),
    ],
)
def test_parse_rule(text, kind, operator, value, unit):
    rule = parse_rule(text)
    assert rule.kind == kind
    if kind == "threshold":
        assert rule.threshold == Threshold(operator, value, unit)
    else:
        assert rule.threshold is None


def test_parse_rule_names_the_subject_for_matching_indicators():
    assert parse_rule("接続失敗率が5%を超えた場合").subject == "接続失敗率"
    assert parse_rule("When the connection failure rate exceeds 5%").subject == "connection failure rate"


def test_empty_rule_is_an_error():
    with pytest.raises(ThresholdError):
        parse_rule("   ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("< 200ms", Threshold("<", 200, "ms")),
        ("> 500 req/s", Threshold(">", 500, "req/s")),
        ("> 99.5%", Threshold(">", 99.5, "%")),
        ("≤ 5 ％", Threshold("<=", 5, "%")),
        ("200-500ms", Range(200, 500, "ms")),
        ("99–99.5%", Range(99, 99.5, "%")),
        ("8 to 24 hours", Range(8, 24, "h")),
    ],
)
def test_parse_bound(text, expected):
    assert parse_bound(text) == expected


@pytest.mark.parametrize("text", ["fast", "500-200ms", "~200", "> lots", ""])
def test_parse_bound_rejects_what_it_cannot_read(text):
    with pytest.raises(ThresholdError):
        parse_bound(text)


def test_parse_condition():
    assert parse_condition("システム稼働率 < 99%") == ("システム稼働率", Threshold("<", 99, "%"))
    assert parse_condition("API response time > 200ms") == ("API response time", Threshold(">", 200, "ms"))
    assert parse_condition("データベース接続失敗") == ("データベース接続失敗", None)


@given(
    st.sampled_from([">", ">=", "<", "<="]),
    st.decimals(min_value=0, max_value=100000, places=2, allow_nan=False),
    st.sampled_from(["", "ms", "%", "h", "req/s", "s", "min"]),
)
def test_a_threshold_reads_back_as_itself(operator, value, unit):
    threshold = Threshold(operator, float(value), unit)
    assert parse_bound(str(threshold)) == threshold


@pytest.mark.parametrize(
    ("rule", "indicator", "complement"),
    [
        ("接続失敗率が5%を超えた場合", "接続成功率", True),
        ("When the authentication failure rate exceeds 10%", "Authentication success rate", True),
        ("CI失敗率が20%を超えた場合", "CI成功率", True),
        ("メモリ使用率が80%を超えた場合", "メモリ使用率", False),
        ("When the error rate exceeds 5%", "Error rate", False),
        ("応答時間が400msを超えた場合", "API応答時間", False),
    ],
)
def test_rules_on_the_opposite_rate(rule, indicator, complement):
    from monitoring.alerting.thresholds import speaks_of_complement

    assert speaks_of_complement(parse_rule(rule), indicator) is complement


@pytest.mark.parametrize(
    ("unit", "direction", "value", "met"),
    [
        # A consistency or success rate (higher is better): the event is a shortfall from 100 %.
        ("%", "lower_is_worse", 100.0, False),
        ("%", "lower_is_worse", 99.95, True),
        ("%", "lower_is_worse", 0.0, True),
        (" % ", "lower_is_worse", 100.0, False),
        # An error rate or a count (higher is worse): any occurrence above 0.
        ("%", "higher_is_worse", 0.0, False),
        ("%", "higher_is_worse", 0.1, True),
        ("件", "lower_is_worse", 0.0, False),
        ("件", "lower_is_worse", 2.0, True),
        ("", "higher_is_worse", 1.0, True),
    ],
)
def test_an_event_rule_means_what_it_says_on_its_metric(unit, direction, value, met):
    from monitoring.models import Indicator, Metric

    metric = Metric(name="m", key="m", unit=unit, direction=direction)
    indicator = Indicator(name="データ整合性率", rule_text="データ不整合が検出された場合")
    indicator.apply_rule_text()
    assert indicator.rule_kind == "event"
    assert indicator.rule_is_met(value, metric) is met


def test_the_import_says_how_it_reads_an_event_rule_on_a_rate(db):
    from pathlib import Path

    from plans.files import read_plan_file
    from plans.importer import import_plan

    demo = Path(__file__).resolve().parents[2] / "plans" / "demo" / "plan.md"
    report = import_plan(read_plan_file(demo))
    (warning,) = [w for w in report.warnings if "event rule" in w]
    assert warning.startswith("R-4:") and "below 100 %" in warning
