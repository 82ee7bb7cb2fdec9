"""ingest.reading_for builds readings without Model.__init__ (the push path's hottest line): they
must be what __init__ would have built, and nothing may be listening for their construction."""

from datetime import UTC, datetime

import pytest
from django.db.models.signals import post_init, pre_init

from monitoring.intake.ingest import reading_for
from monitoring.intake.sources.base import NoData, SourceError, Value
from monitoring.models import Metric, Reading


@pytest.mark.parametrize(
    "result", [Value(412.5), Value(float("nan")), NoData("empty vector"), SourceError("timeout " * 80)]
)
def test_a_built_reading_is_the_reading_init_would_build(db, result):
    metric = Metric.objects.create(name="m", key="m", unit="ms", warning=200, critical=500, source="push")
    at, slot = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    built = reading_for(metric, at, result, slot=slot)
    fields = {f.attname: getattr(built, f.attname) for f in Reading._meta.concrete_fields}
    assert set(built.__dict__) - {"_state"} == set(fields)  # every field, nothing else
    by_init = Reading(**fields)
    assert {f.attname: getattr(by_init, f.attname) for f in Reading._meta.concrete_fields} == fields
    assert built.metric is metric and built._state.adding and built._state.db is None
    built.save()  # an ordinary model instance from here on
    assert Reading.objects.get(pk=built.pk).status == built.status


def test_nothing_listens_for_a_reading_being_built():
    assert not pre_init.has_listeners(Reading) and not post_init.has_listeners(Reading)
