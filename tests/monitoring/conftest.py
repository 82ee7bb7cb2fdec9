import pytest

from monitoring.models import Indicator, IndicatorState, Metric
from notifications.models import Channel
from register.models import Risk


@pytest.fixture
def risk(db):
    risk = Risk(title="API latency", impact=4, likelihood=3)
    risk.save()
    return risk


@pytest.fixture
def latency(db):
    """A pushed metric with the plan's API response-time bands: < 200 normal, 200-500 warning, > 500 critical."""
    return Metric.objects.create(
        name="API response time",
        key="api-latency",
        unit="ms",
        direction="higher_is_worse",
        warning=200,
        critical=500,
        source="push",
    )


@pytest.fixture
def indicator(risk, latency):
    indicator = Indicator.objects.create(risk=risk, name="API response time", metric=latency)
    IndicatorState.objects.create(indicator=indicator, for_count=2, keep_count=2, nodata_count=3)
    return indicator


@pytest.fixture
def webhook(receiver, db):
    return Channel.objects.create(name="ops hook", kind="webhook", target=receiver.url, immediate=True, watch=True)
