"""core.bulk.update_rows against the real database (SQLite and PostgreSQL runs of make test):
whatever the values — NULLs first, JSON, dates, text with quotes and non-Latin script — each row gets
its own, only the named fields change, and other rows are left alone."""

from datetime import UTC, datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.bulk import update_rows
from monitoring.models import Metric
from register.models import Programme

FIELDS = ("last_value", "last_status", "last_collected_at", "config_error", "source_config", "enabled")
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)
VALUES = {
    "last_value": st.none() | st.floats(allow_nan=False, allow_infinity=False, width=32),
    "last_status": st.sampled_from(["", "normal", "warning", "critical", "no_data"]),
    "last_collected_at": st.none()
    | st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)).map(
        lambda d: d.replace(microsecond=0)
    ),
    "config_error": TEXT,
    # No NUL in keys either: jsonb stores none (the API refuses them, core/api/parsers.py).
    "source_config": st.dictionaries(TEXT.map(lambda t: t[:5]), st.none() | st.integers() | TEXT, max_size=3)
    # A JSON document may be a bare string, number, boolean or list too: still JSON, never SQL text.
    | TEXT
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.booleans()
    | st.lists(st.integers(min_value=-9, max_value=9), max_size=2),
    "enabled": st.booleans(),
}
ROW = st.fixed_dictionaries(VALUES)


def metric(n: int, programme: Programme) -> Metric:
    return Metric(programme=programme, name=f"m{n}", key=f"m{n}", source="push", warning=200, critical=500)


def unsaved_metrics(rows: list[dict], fields) -> list[Metric]:
    """Metric m0, m1, … each with the ``fields`` of its row (bulk writes skip save(): the rows name
    their programme themselves)."""
    programme = Programme.objects.default()
    return [
        Metric(
            programme=programme,
            name=f"m{n}",
            key=f"m{n}",
            source="push",
            warning=200,
            critical=500,
            **{f: row[f] for f in fields},
        )
        for n, row in enumerate(rows)
    ]


def assert_stored(stored: Metric, row: dict, fields) -> None:
    for field in fields:
        expected, got = row[field], getattr(stored, field)
        if field == "last_value" and expected is not None:
            assert got == pytest.approx(expected, rel=1e-6)  # a float4-wide value through a float8 column
        else:
            assert got == expected, field


class Rollback(Exception):
    pass


@pytest.mark.django_db(transaction=False)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(ROW, min_size=1, max_size=12), fields=st.sets(st.sampled_from(FIELDS), min_size=1), data=st.data())
def test_each_row_gets_its_own_values_and_nothing_else_changes(rows, fields, data):
    fields = sorted(fields)
    chunk = data.draw(st.integers(1, 5), label="batch size")
    try:
        with transaction.atomic():
            programme = Programme.objects.default()
            metrics = Metric.objects.bulk_create([metric(n, programme) for n in range(len(rows) + 1)])
            bystander, targets = metrics[0], metrics[1:]
            before = {f: getattr(Metric.objects.get(pk=bystander.pk), f) for f in FIELDS}
            untouched = {m.pk: {f: getattr(m, f) for f in FIELDS if f not in fields} for m in targets}
            for target, row in zip(targets, rows, strict=True):
                for field, value in row.items():
                    setattr(target, field, value)
            assert update_rows(targets, fields, batch_size=chunk) == len(targets)
            for target, row in zip(targets, rows, strict=True):
                stored = Metric.objects.get(pk=target.pk)
                assert_stored(stored, row, fields)
                assert {f: getattr(stored, f) for f in untouched[target.pk]} == untouched[target.pk]
            assert {f: getattr(Metric.objects.get(pk=bystander.pk), f) for f in FIELDS} == before
            raise Rollback
    except Rollback:
        pass


@pytest.mark.django_db
@pytest.mark.parametrize(("rows", "batch_size", "statements"), [(0, 500, 0), (1, 500, 1), (7, 3, 3), (1200, 500, 3)])
def test_one_statement_per_batch(rows, batch_size, statements):
    programme = Programme.objects.default()
    metrics = Metric.objects.bulk_create([metric(n, programme) for n in range(rows)])
    for m in metrics:
        m.last_value = m.pk * 1.5
    with CaptureQueriesContext(connection) as queries:
        assert update_rows(metrics, ["last_value"], batch_size=batch_size) == rows
    assert len(queries) == statements
    assert sorted(Metric.objects.values_list("last_value", flat=True)) == sorted(m.pk * 1.5 for m in metrics)


@pytest.mark.django_db
def test_insert_rows_writes_every_row_and_a_duplicate_writes_none():
    from django.db import IntegrityError

    from core.bulk import insert_rows
    from monitoring.models import Reading

    metric = Metric.objects.create(name="m", key="m", source="push", warning=200, critical=500)
    at = datetime(2026, 1, 1, tzinfo=UTC)
    fields = ["metric", "observed_at", "value", "status", "detail", "slot"]
    rows = [
        Reading(metric=metric, observed_at=at.replace(minute=n), value=v, status="normal", detail=d, slot=s)
        for n, (v, d, s) in enumerate([(1.5, "", None), (None, "タイムアウト 'x'", at), (-0.0, "a\tb\nc\\", None)])
    ]
    assert insert_rows(rows, fields) == 3
    stored = list(Reading.objects.order_by("observed_at").values_list("value", "detail", "slot"))
    assert stored == [(1.5, "", None), (None, "タイムアウト 'x'", at), (-0.0, "a\tb\nc\\", None)]
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows([Reading(metric=metric, observed_at=at.replace(minute=9), status="normal"), rows[0]], fields)
    assert Reading.objects.count() == 3


@pytest.mark.django_db(transaction=False)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(ROW, min_size=1, max_size=12), fields=st.sets(st.sampled_from(FIELDS), min_size=1))
def test_inserted_rows_read_back_as_given(rows, fields):
    """insert_rows (COPY on PostgreSQL: numbers and text as they are, times, JSON and the rest
    prepared by their fields) stores what ``bulk_create`` would, whatever the values."""
    from core.bulk import insert_rows

    columns = [f.name for f in Metric._meta.concrete_fields if not f.primary_key]  # the table has no defaults
    try:
        with transaction.atomic():
            objs = unsaved_metrics(rows, fields)
            assert insert_rows(objs, columns) == len(rows)
            for n, row in enumerate(rows):
                stored = Metric.objects.get(key=f"m{n}")
                assert_stored(stored, row, fields)
            raise Rollback
    except Rollback:
        pass


@pytest.mark.django_db(transaction=False)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(ROW, min_size=1, max_size=12), fields=st.sets(st.sampled_from(FIELDS), min_size=1))
def test_created_rows_get_their_own_keys_and_read_back_as_given(rows, fields):
    """create_rows (unnest … RETURNING on PostgreSQL, bulk_create on SQLite): each object gets the
    key of the row that holds its values, and the row holds what it was given."""
    from core.bulk import create_rows

    try:
        with transaction.atomic():
            objs = unsaved_metrics(rows, fields)
            create_rows(objs, batch_size=5)
            assert len({m.pk for m in objs}) == len(objs) and all(not m._state.adding for m in objs)
            for n, (obj, row) in enumerate(zip(objs, rows, strict=True)):
                stored = Metric.objects.get(pk=obj.pk)
                assert stored.key == f"m{n}"
                assert_stored(stored, row, fields)
            raise Rollback
    except Rollback:
        pass


@pytest.mark.django_db
def test_create_rows_takes_keys_of_objects_created_before_and_brings_one_to_one_keys():
    from core.bulk import create_rows
    from monitoring.models import Alert, AlertTransition, Indicator, IndicatorState
    from register.models import Risk

    risk = Risk.objects.create(title="r", impact=2, likelihood=2)
    metric = Metric.objects.create(name="m", key="m", source="push", warning=200, critical=500)
    indicators = [Indicator.objects.create(risk=risk, name=f"i{n}", metric=metric, order=n) for n in range(3)]
    # A model keyed by a one-to-one field: the key is the object's own.
    states = create_rows([IndicatorState(indicator=i, for_count=n + 1) for n, i in enumerate(indicators)])
    assert [s.pk for s in states] == [i.pk for i in indicators]
    assert [s.for_count for s in IndicatorState.objects.order_by("indicator__order")] == [1, 2, 3]
    now = datetime(2026, 1, 1, tzinfo=UTC)
    alerts = [
        Alert(indicator=i, metric=metric, dedup_key=f"indicator:{i.pk}", title=i.name, started_at=now)
        for i in indicators
    ]
    # Transitions built while their alerts had no key yet, as evaluation builds them.
    transitions = [AlertTransition(alert=a, at=now, event="pending", to_state="pending", reason="") for a in alerts]
    create_rows(alerts)
    create_rows(transitions)
    assert [t.alert_id for t in transitions] == [a.pk for a in alerts]
    assert list(AlertTransition.objects.order_by("pk").values_list("alert__title", flat=True)) == ["i0", "i1", "i2"]
    with pytest.raises(ValueError, match="already have a key"):
        create_rows([Alert(pk=alerts[0].pk + 100, dedup_key="x", title="x")])
