"""The API's representation cache (core/api/cache.py, core/version.py) against a real Redis
and committed writes: a read after a write — by whatever path wrote it — never returns what was
there before, a hit is the same answer the database would give, and a Redis that does not answer
costs nothing but speed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from core import version
from core.bulk import insert_rows, update_rows
from monitoring.intake.ingest import record_readings
from monitoring.intake.sources.base import Value
from monitoring.models import Indicator, IndicatorState, Metric, Reading
from register import roles
from register.models import Mitigation, Risk
from tests.conftest import make_user
from tests.integration.services import database_url, use_broker

ROOT = Path(__file__).resolve().parents[2]
RISKS = "/api/v1/risks/"
DETAIL = "/api/v1/risks/R-1/"
LIST = "/api/v1/risks/?page_size=50"

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def cache_on(settings, redis_url):
    use_broker(redis_url)  # committed writes queue real tasks (the outbox's drain); nobody runs them here
    settings.API_CACHE_URL = redis_url
    version.client().flushdb()
    return redis_url


@pytest.fixture
def register(db):
    risk = Risk(title="API latency", impact=4, likelihood=3)
    risk.save()
    Risk(title="Database failover", impact=5, likelihood=2).save()
    return risk


@pytest.fixture
def reader(db):
    client = APIClient()
    client.force_authenticate(make_user("root", superuser=True))
    return client


def stored_entries() -> int:
    return sum(1 for _ in version.client().scan_iter("riskregister:api:repr:*"))


def fresh(client: APIClient, url: str, settings) -> bytes:
    """What the database says now, the cache bypassed."""
    saved = settings.API_CACHE_URL
    settings.API_CACHE_URL = ""
    try:
        return client.get(url).content
    finally:
        settings.API_CACHE_URL = saved


def test_a_hit_is_the_same_answer_without_building_it(cache_on, register, reader, settings):
    for url in (DETAIL, LIST, RISKS + "?ordering=-score&search=latency"):
        with CaptureQueriesContext(connection) as miss:
            first = reader.get(url)
        with CaptureQueriesContext(connection) as hit:
            second = reader.get(url)
        # Counted now: the captured list is read from the connection's log, which the next request clears.
        building, serving = len(miss), len(hit)
        assert first.status_code == second.status_code == 200
        assert second.content == first.content == fresh(reader, url, settings)
        assert second["Content-Type"] == first["Content-Type"] == "application/json"
        assert building > 0 and serving == 0, url  # force_authenticate: nothing left to ask the database
    assert stored_entries() == 3


def test_keys_hold_the_user_the_language_and_the_url(cache_on, register, reader):
    reader.get(DETAIL)
    reader.get(DETAIL, HTTP_ACCEPT_LANGUAGE="ja")
    reader.get(DETAIL + "?format=json")
    other = APIClient()
    other.force_authenticate(make_user("victor", roles.VIEWER))
    other.get(DETAIL)
    assert stored_entries() == 4


def test_permissions_still_run_on_a_hit(cache_on, register, reader):
    assert reader.get(DETAIL).status_code == 200
    outsider = APIClient()
    outsider.force_authenticate(make_user("oscar"))
    assert outsider.get(DETAIL).status_code == 403
    assert APIClient().get(DETAIL).status_code == 401


def test_only_json_200s_are_stored(cache_on, register, reader):
    assert reader.get("/api/v1/risks/R-404/").status_code == 404
    assert reader.get(RISKS + "?page=9").status_code == 404
    assert reader.get(DETAIL, HTTP_ACCEPT="text/html").status_code == 200  # the browsable API
    assert stored_entries() == 0


def _api_patch(risk, reader):
    assert reader.patch(DETAIL, {"title": "Changed by the API"}, format="json").status_code == 200


def _model_save(risk, reader):  # what the admin's change form calls
    risk.refresh_from_db()
    risk.title = "Changed by save()"
    risk.save()


def _queryset_update(risk, reader):
    Risk.objects.filter(pk=risk.pk).update(title="Changed by update()")


def _update_rows(risk, reader):
    risk.refresh_from_db()
    risk.title = "Changed by update_rows"
    update_rows([risk], ["title"])


def _mitigation_added(risk, reader):  # another table the detail shows
    Mitigation.objects.create(risk=risk, number=risk.mitigations.count() + 1, title="Add a read replica")


def _in_a_transaction(risk, reader):
    with transaction.atomic():
        Risk.objects.filter(pk=risk.pk).update(title="First")
        with transaction.atomic():
            Risk.objects.filter(pk=risk.pk).update(title="Changed in a savepoint")


def _rolled_back_savepoint_then_write(risk, reader):
    # The savepoint that registered the bump is rolled back; the outer write must still bump.
    with transaction.atomic():
        try:
            with transaction.atomic():
                Risk.objects.filter(pk=risk.pk).update(title="Rolled back")
                raise RuntimeError
        except RuntimeError:
            pass
        Risk.objects.filter(pk=risk.pk).update(title="Changed after a rolled-back savepoint")


def _deleted(risk, reader):
    Risk.objects.filter(pk=risk.pk).delete()


def _raw_sql(risk, reader):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE register_risk SET title = %s WHERE id = %s", ["Changed by raw SQL", risk.pk])


def _another_process(risk, reader):
    # A worker or management command: a process of its own, with its own connections.
    code = (
        "from register.models import Risk; "
        f"Risk.objects.filter(pk={risk.pk}).update(title='Changed by another process')"
    )
    env = {**os.environ, "API_CACHE_URL": reader.cache_url, "DATABASE_URL": database_url()}
    subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True, timeout=60)


WRITES = [
    _api_patch,
    _model_save,
    _queryset_update,
    _update_rows,
    _mitigation_added,
    _in_a_transaction,
    _rolled_back_savepoint_then_write,
    _deleted,
    _raw_sql,
    _another_process,
]


@pytest.mark.parametrize("write", WRITES, ids=lambda f: f.__name__.strip("_"))
def test_a_read_after_a_write_sees_the_write(cache_on, register, reader, settings, write):
    reader.cache_url = cache_on
    for url in (DETAIL, LIST):
        reader.get(url)
        assert reader.get(url).content == fresh(reader, url, settings)  # a hit
    before = {url: reader.get(url).content for url in (DETAIL, LIST)}
    write(register, reader)
    for url in (DETAIL, LIST):
        after = reader.get(url)
        assert after.content == fresh(reader, url, settings)
        # The list does not show mitigations; every write here changes the detail.
        if url == DETAIL or write is not _mitigation_added:
            assert after.content != before[url], f"{write.__name__} left {url} as it was"


def test_a_rolled_back_transaction_changes_nothing_and_keeps_the_cache(cache_on, register, reader):
    reader.get(DETAIL)
    stored = version.client().get(version.KEY)
    with pytest.raises(RuntimeError), transaction.atomic():
        Risk.objects.filter(pk=register.pk).update(title="Never committed")
        raise RuntimeError
    assert version.client().get(version.KEY) == stored
    with CaptureQueriesContext(connection) as hit:
        reader.get(DETAIL)
    assert len(hit) == 0


def test_readings_and_their_evaluation_move_the_version(cache_on, register, reader, settings):
    """The live block of an indicator: the push path's COPY (PostgreSQL) and the evaluation's bulk
    writes."""
    metric = Metric.objects.create(name="latency", key="latency", unit="ms", warning=200, critical=500, source="push")
    indicator = Indicator.objects.create(risk=register, name="latency", metric=metric)
    IndicatorState.objects.create(indicator=indicator, for_count=1, keep_count=1, nodata_count=3)
    now = datetime.now(UTC).replace(microsecond=0)
    for step, value in enumerate([100.0, 900.0, 120.0]):
        reader.get(DETAIL)
        record_readings(Metric.objects.get(pk=metric.pk), [(now - timedelta(minutes=10 - step), Value(value))])
        assert reader.get(DETAIL).content == fresh(reader, DETAIL, settings)
        assert reader.get(DETAIL).json()["indicators"][0]["live"]["value"] == value


def test_a_copy_alone_moves_the_version(cache_on, register, reader):
    metric = Metric.objects.create(name="latency", key="latency", unit="ms", warning=200, critical=500, source="push")
    reader.get(DETAIL)
    stored = version.client().get(version.KEY)
    reading = Reading(metric=metric, observed_at=datetime.now(UTC), value=1.0, status="normal", detail="")
    insert_rows([reading], ["metric", "observed_at", "value", "status", "detail"])
    assert version.client().get(version.KEY) != stored


@pytest.mark.parametrize(
    ("sql", "moves"),
    [
        ("SELECT 1", False),
        ("  select count(*) from register_risk", False),
        ("\nSELECT title FROM register_risk WHERE id > %s", False),
        ("UPDATE register_risk SET title = title WHERE id < %s", True),
        ("/* a comment first */ UPDATE register_risk SET title = title WHERE id < %s", True),
        ("WITH x AS (SELECT 1) UPDATE register_risk SET title = title WHERE id < %s", True),
    ],
)
def test_only_statements_that_may_write_move_the_version(cache_on, register, sql, moves):
    version.client().set(version.KEY, 1000)
    with connection.cursor() as cursor:
        cursor.execute(sql, [0] if "%s" in sql else None)
    assert version.client().get(version.KEY) == (b"1001" if moves else b"1000")


OPERATIONS = st.lists(
    st.tuples(st.sampled_from(["read", "title", "impact", "mitigation", "new risk"]), st.integers(1, 5)),
    min_size=1,
    max_size=12,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_any_sequence_of_reads_and_writes_reads_what_the_database_holds(
    cache_on, register, reader, settings, operations
):
    django_settings = settings
    for operation, n in operations:
        risk = Risk.objects.order_by("number").first()
        if operation == "title":
            reader.patch(f"{RISKS}{risk.code}/", {"title": f"Title {n} {time.monotonic_ns()}"}, format="json")
        elif operation == "impact":
            Risk.objects.filter(pk=risk.pk).update(impact=n, score=n * F("likelihood"))
        elif operation == "mitigation":
            Mitigation.objects.create(risk=risk, number=risk.mitigations.count() + 1, title=f"Mitigation {n}")
        elif operation == "new risk":
            Risk(title=f"Risk {n}", impact=n, likelihood=n).save()
        for url in (f"{RISKS}{risk.code}/", LIST, f"{RISKS}?ordering=-score&page_size={n}"):
            assert reader.get(url).content == fresh(reader, url, django_settings), (operation, url)


@pytest.fixture
def own_redis(tmp_path):
    from riskregister import broker

    socket_path = tmp_path / "redis.sock"
    process = broker.start(socket_path)
    yield process, f"redis+socket://{socket_path}"
    process.send_signal(signal.SIGCONT)
    process.terminate()
    process.wait(timeout=10)


def test_a_redis_that_does_not_answer_costs_speed_not_correctness(own_redis, settings, register, reader):
    process, url = own_redis
    settings.API_CACHE_URL = url
    settings.API_CACHE_TIMEOUT = 0.2
    reader.get(DETAIL)
    assert stored_entries() == 1
    process.send_signal(signal.SIGSTOP)  # answers nothing, as a hung or unreachable server
    try:
        started = time.monotonic()
        Risk.objects.filter(pk=register.pk).update(title="Written while Redis hung")  # the bump fails: owed
        during = reader.get(DETAIL)
        assert during.status_code == 200 and during.json()["title"] == "Written while Redis hung"
        for _ in range(20):  # backing off: no request waits on Redis again
            reader.get(DETAIL)
        assert time.monotonic() - started < 2.0
    finally:
        process.send_signal(signal.SIGCONT)
    version._down_until = 0.0  # the back-off is over
    after = reader.get(DETAIL)  # the owed bump is paid before the read: the entry cached before is old
    assert after.json()["title"] == "Written while Redis hung"


def test_an_entry_that_is_not_ours_is_a_miss(cache_on, register, reader, settings):
    reader.get(DETAIL)
    for key in version.client().scan_iter("riskregister:api:repr:*"):
        version.client().set(key, b"garbage without the two header lines")
    assert reader.get(DETAIL).content == fresh(reader, DETAIL, settings)


def test_an_unreadable_cache_url_fails_no_write_and_no_read(settings, register, reader):
    settings.API_CACHE_URL = "ftp://not-a-redis"
    Risk.objects.filter(pk=register.pk).update(title="Written with a broken cache URL")
    with transaction.atomic():
        Risk.objects.filter(pk=register.pk).update(title="And in a transaction")
    assert reader.get(DETAIL).json()["title"] == "And in a transaction"
