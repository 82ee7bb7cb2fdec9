import math

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from monitoring.alerting.thresholds import Range, Threshold, parse_bound
from monitoring.models import Metric

RESPONSE = Metric(name="API応答時間", unit="ms", direction="higher_is_worse", warning=200, critical=500)
THROUGHPUT = Metric(name="スループット", unit="req/s", direction="lower_is_worse", warning=500, critical=200)


@pytest.mark.parametrize(
    ("metric", "value", "band"),
    [
        (RESPONSE, 0, "normal"),
        (RESPONSE, 199.9, "normal"),
        (RESPONSE, 200, "warning"),
        (RESPONSE, 500, "warning"),
        (RESPONSE, 500.1, "critical"),
        (RESPONSE, math.inf, "critical"),
        (THROUGHPUT, 1000, "normal"),
        (THROUGHPUT, 500.1, "normal"),
        (THROUGHPUT, 500, "warning"),
        (THROUGHPUT, 200, "warning"),
        (THROUGHPUT, 199.9, "critical"),
        (THROUGHPUT, 0, "critical"),
    ],
)
def test_classify_at_the_band_edges(metric, value, band):
    assert metric.classify(value) == band


def test_nan_is_not_a_band():
    with pytest.raises(ValueError):
        RESPONSE.classify(math.nan)


@given(st.floats(allow_nan=False), st.floats(allow_nan=False))
def test_worse_values_never_get_a_better_band(a, b):
    rank = {"normal": 0, "warning": 1, "critical": 2}
    low, high = sorted((a, b))
    assert rank[RESPONSE.classify(high)] >= rank[RESPONSE.classify(low)]
    assert rank[THROUGHPUT.classify(low)] >= rank[THROUGHPUT.classify(high)]


@pytest.mark.parametrize(
    ("direction", "warning", "critical"),
    [("higher_is_worse", 500, 200), ("lower_is_worse", 200, 500), ("higher_is_worse", 300, 300)],
)
@pytest.mark.django_db
def test_thresholds_must_point_the_way_of_the_direction(direction, warning, critical):
    metric = Metric(name="x", direction=direction, warning=warning, critical=critical)
    with pytest.raises(ValidationError) as info:
        metric.full_clean()
    assert "critical" in info.value.message_dict


@pytest.mark.parametrize("metric", [RESPONSE, THROUGHPUT])
def test_band_texts_read_back_as_the_same_bands(metric):
    texts = metric.band_texts()
    normal, warning, critical = (parse_bound(texts[k]) for k in ("normal", "warning", "critical"))
    assert isinstance(normal, Threshold) and isinstance(critical, Threshold)
    assert isinstance(warning, Range)
    assert {normal.value, critical.value} == {warning.low, warning.high} == {metric.warning, metric.critical}
    assert THROUGHPUT.band_texts() == {"normal": "> 500 req/s", "warning": "200-500 req/s", "critical": "< 200 req/s"}
