"""Benchmark the live pipeline: one evaluation tick of 1,000 metrics × 5 indicators, a bulk push of
10,000 readings through the API, a /metrics scrape with 1,000 risks, and the hourly time-to-breach
forecast of 1,000 threshold indicators over a week of hourly rollups each, and one SLO tick of 200
SLOs over a 30-day window.

Usage: ``make bench`` or ``python bench/bench_monitoring.py --database-url postgres://…``.
"""

from __future__ import annotations

import statistics
import time
from datetime import timedelta

from common import analyze, database_arg, programme_id, setup, throwaway_database, timed

SLOS = 200
METRICS = 1_000
INDICATORS_PER_METRIC = 5
PUSH_ITEMS = 10_000
# Pushes and COPYs in turn, each on 10 fresh metrics.
PUSH_RUNS = 5
# Metrics per record_many call in the evaluation ticks.
BATCH = 100
PROBES = 500
PROBE_MS = 10


def populate(indicators_per_metric: int) -> list:
    from monitoring.models import Indicator, Metric
    from register import scoring
    from register.models import Programme, Risk

    programme = Programme.objects.default()
    risks = [
        Risk(
            programme=programme,
            number=n,
            code=f"R-{n}",
            title=f"risk {n}",
            impact=4,
            likelihood=3,
            score=12,
            level=scoring.level_for(12),
        )
        for n in range(1, METRICS + 1)
    ]
    Risk.objects.bulk_create(risks, batch_size=1000)
    risks = list(Risk.objects.order_by("number"))
    metrics = Metric.objects.bulk_create(
        [
            Metric(
                programme_id=programme_id(),
                name=f"metric {n}",
                key=f"m{n}",
                unit="ms",
                warning=200,
                critical=500,
                source="push",
            )
            for n in range(METRICS)
        ],
        batch_size=1000,
    )
    metrics = list(Metric.objects.order_by("pk"))
    Indicator.objects.bulk_create(
        [
            Indicator(risk=risks[n], name=f"indicator {k}", metric=metric, order=k)
            for n, metric in enumerate(metrics)
            for k in range(indicators_per_metric)
        ],
        batch_size=2000,
    )
    analyze()
    return metrics


def tick(metrics, at, value, batch: int = BATCH) -> tuple[float, int]:
    """One reading for every metric, each taken a millisecond after the last as a collector would,
    recorded ``batch`` metrics per call (1: the one-metric-at-a-time path)."""
    from monitoring.intake.ingest import Batch, record_many
    from monitoring.intake.sources import Value

    def one_reading_each():
        for start in range(0, len(metrics), batch):
            record_many(
                [
                    Batch(metric.pk, [(at + timedelta(milliseconds=n), Value(value))])
                    for n, metric in enumerate(metrics[start : start + batch], start)
                ]
            )

    elapsed, count, _ = timed(one_reading_each)
    return elapsed, count


def collection_tick(now) -> None:
    """HTTP probes against a loopback server answering in PROBE_MS: one metric per task (as before)
    against COLLECTION_BATCH per task with the reads in threads (collect_metrics)."""
    from django.conf import settings

    from monitoring.intake import collection
    from monitoring.models import Metric
    from tests.monitoring.servers import Target

    target = Target()
    target.delay = PROBE_MS / 1000
    probes = Metric.objects.bulk_create(
        [
            Metric(
                programme_id=programme_id(),
                name=f"probe {n}",
                key=f"probe-{n}",
                unit="ms",
                warning=2000,
                critical=5000,
                source="http",
                source_config={"url": f"{target.url}/health/{n}", "timeout_ms": 3000},
            )
            for n in range(PROBES)
        ]
    )
    probes = list(Metric.objects.filter(source="http").order_by("pk"))
    size = settings.COLLECTION_BATCH
    try:
        elapsed, queries, _ = timed(lambda: [collection.collect(m, now - timedelta(minutes=2)) for m in probes])
        label = f"{PROBES} HTTP probes ({PROBE_MS} ms), one per task"
        print(f"  collect: {label:<46} {elapsed:6.2f} s  {queries:6d} queries  {PROBES / elapsed:6.0f} readings/s")
        slot = now - timedelta(minutes=1)

        def batched():
            for start in range(0, PROBES, size):
                collection.collect_many([(m, slot) for m in probes[start : start + size]])

        elapsed, queries, _ = timed(batched)
        label = f"{PROBES} HTTP probes ({PROBE_MS} ms), {size} per task"
        print(f"  collect: {label:<46} {elapsed:6.2f} s  {queries:6d} queries  {PROBES / elapsed:6.0f} readings/s")
        print(f"           ({settings.COLLECTION_THREADS} reads at once; at most {target.most_in_flight} seen)")
    finally:
        target.close()
        Metric.objects.filter(source="http").delete()


def copy_rows(group, now) -> float:
    """The limit to compare the push with: the same rows COPYed straight into the readings table by
    psycopg, in one transaction, no validation or evaluation (PostgreSQL only); seconds."""
    from django.db import connection, transaction

    rows = [(group[n % 10].pk, now - timedelta(seconds=n), 100 + n % 50, "normal", "", None) for n in range(PUSH_ITEMS)]
    started = time.perf_counter()
    with transaction.atomic():
        connection.ensure_connection()
        with (
            connection.connection.cursor() as cursor,
            cursor.copy(
                "COPY monitoring_reading (metric_id, observed_at, value, status, detail, slot) FROM STDIN"
            ) as sink,
        ):
            for row in rows:
                sink.write_row(row)
    return time.perf_counter() - started


def fresh_push_metrics(count: int) -> list:
    """Push metrics with no reading yet and 5 indicators each, on the bench's risks: every reading
    pushed to them is evaluated by all five (a metric's older readings would make most of a
    10,000-reading push late: stored, not evaluated)."""
    from monitoring.models import Indicator, Metric
    from register.models import Risk

    Metric.objects.bulk_create(
        [
            Metric(
                programme_id=programme_id(),
                name=f"pushed {n}",
                key=f"pushed-{n}",
                unit="ms",
                warning=200,
                critical=500,
                source="push",
            )
            for n in range(count)
        ]
    )
    metrics = list(Metric.objects.filter(key__startswith="pushed-").order_by("pk"))
    risks = list(Risk.objects.order_by("number")[:count])
    Indicator.objects.bulk_create(
        [
            Indicator(risk=risk, name=f"pushed indicator {k}", metric=metric, order=k)
            for risk, metric in zip(risks, metrics, strict=True)
            for k in range(INDICATORS_PER_METRIC)
        ]
    )
    analyze()
    return metrics


def push_against_copy(now) -> None:
    """POST /api/v1/readings/ of 10,000 readings over 10 metrics, and a COPY of as many rows, taken
    in turns so both meet the machine in the same state: five of each, on fresh metrics, medians.
    The body is encoded before the clock starts (a client's work, as building the COPY's rows is)."""
    import json

    from django.contrib.auth import get_user_model
    from django.db import connection
    from rest_framework.test import APIClient

    metrics = fresh_push_metrics(20 * PUSH_RUNS)
    user = get_user_model().objects.create_superuser("bench", password="bench-password")
    api = APIClient()
    api.force_authenticate(user)
    pushes, copies = [], []
    for run in range(PUSH_RUNS):
        keys = [m.key for m in metrics[10 * run : 10 * run + 10]]
        body = json.dumps(
            [
                {"metric": keys[n % 10], "value": 100 + n % 50, "observed_at": (now - timedelta(seconds=n)).isoformat()}
                for n in range(PUSH_ITEMS)
            ]
        )
        started = time.perf_counter()
        response = api.post("/api/v1/readings/", body, content_type="application/json")
        pushes.append(time.perf_counter() - started)
        assert response.status_code == 201, response.content[:500]
        if connection.vendor == "postgresql":
            copies.append(copy_rows(metrics[10 * (PUSH_RUNS + run) : 10 * (PUSH_RUNS + run) + 10], now))
    pushed = PUSH_ITEMS / statistics.median(pushes)
    label = f"POST /api/v1/readings/ {PUSH_ITEMS} items"
    print(
        f"  {label:<44}{statistics.median(pushes):6.2f} s   {pushed:8.0f} readings/s"
        f"   (runs: {', '.join(f'{t:.3f}' for t in pushes)} s; {INDICATORS_PER_METRIC} indicators per metric)"
    )
    if not copies:
        print("  COPY baseline: PostgreSQL only")
        return
    raw = PUSH_ITEMS / statistics.median(copies)
    label = f"COPY of the same {PUSH_ITEMS} rows (psycopg)"
    print(
        f"  {label:<44}{statistics.median(copies):6.2f} s   {raw:8.0f} rows/s"
        f"   (runs: {', '.join(f'{t:.3f}' for t in copies)} s)"
    )
    ratios = sorted(c / p for p, c in zip(pushes, copies, strict=True))
    print(
        f"  → the API stores {pushed / raw:.0%} of COPY's rate (target ≥ 25 %); run by run "
        f"{ratios[0]:.0%}–{ratios[-1]:.0%}"
    )


def main() -> None:
    setup(database_arg())
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from monitoring.models import Indicator, Metric, Reading

    with throwaway_database():
        metrics = populate(INDICATORS_PER_METRIC)
        print(f"{connection.vendor}: {METRICS} metrics × {INDICATORS_PER_METRIC} indicators")
        now = timezone.now().replace(microsecond=0)
        tick(metrics, now - timedelta(minutes=10), 100)  # first tick creates every indicator's state row
        ticks = (
            ("5 indicators, steady (all normal)", 9, 120),
            ("5 indicators, every one breaches", 8, 300),
            ("5 indicators, every one fires", 7, 300),
            ("5 indicators, every one recovers", 6, 100),
            ("5 indicators, every one resolves", 5, 100),
        )
        print(f"  one tick = one reading for each of {METRICS} metrics, {BATCH} metrics per call")
        for label, minutes, value in ticks:
            elapsed, queries = tick(metrics, now - timedelta(minutes=minutes), value)
            print(f"  tick: {label:<40} {elapsed:6.2f} s  {queries:6d} queries")
        elapsed, queries = tick(metrics, now - timedelta(minutes=4), 120, batch=1)
        label = "steady, one metric per call (before)"
        print(f"  tick: {label:<40} {elapsed:6.2f} s  {queries:6d} queries")
        # The steady tick again with one indicator per metric: the queries must not change.
        Indicator.objects.exclude(order=0).delete()
        elapsed, queries = tick(metrics, now - timedelta(minutes=3), 120)
        label = "1 indicator, steady (all normal)"
        print(f"  tick: {label:<40} {elapsed:6.2f} s  {queries:6d} queries")

        collection_tick(now)

        push_against_copy(now)

        # Scrape with 1,000 risks, 5,000 indicator states, as Prometheus does: with the bearer token.
        from django.conf import settings

        settings.METRICS_TOKEN = "bench-scrape-token"
        client = Client(HTTP_AUTHORIZATION="Bearer bench-scrape-token")
        timings = []
        for _ in range(10):
            started = time.perf_counter()
            response = client.get("/metrics")
            assert response.status_code == 200, response.status_code
            body = response.content
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        print(
            f"  GET /metrics (1,000 risks, {len(body) // 1024} KiB)       p50 {timings[5]:6.1f} ms   "
            f"max {timings[-1]:6.1f} ms"
        )
        print(f"  readings stored: {Reading.objects.count()}, metrics: {Metric.objects.count()}")

        # The hourly forecast: 1,000 threshold indicators, a week of hourly means each, rising.
        from monitoring.forecasts import breach_forecasts
        from monitoring.models import ReadingRollup

        Indicator.objects.update(rule_kind="threshold", operator=">", threshold=500, rule_text="> 500 ms")
        hour = now.replace(minute=0, second=0)
        ReadingRollup.objects.bulk_create(
            [
                ReadingRollup(
                    metric=metric, hour=hour - timedelta(hours=h), count=60, minimum=0, maximum=0, average=300 - h
                )
                for metric in metrics
                for h in range(1, 169)
            ],
            batch_size=5000,
        )
        analyze()
        elapsed, count, result = timed(lambda: breach_forecasts.refresh(now))
        print(
            f"  forecast: {result['forecast']} indicators × 168 h          {elapsed:6.2f} s  "
            f"{count / result['forecast']:5.1f} queries/indicator  ({result['crossing']} crossing)"
        )

        # SLO evaluation, one beat tick: 200 SLOs on percentage metrics read by the register, three
        # days of 5-minute readings each and hourly rollups for the rest of the 30-day window.
        from monitoring.models import SLO
        from monitoring.slos import evaluation as slo_evaluation

        slo_metrics = Metric.objects.bulk_create(
            [
                Metric(
                    programme_id=programme_id(),
                    name=f"availability {n}",
                    key=f"availability-{n}",
                    unit="%",
                    direction="lower_is_worse",
                    warning=99.5,
                    critical=99,
                    source="push",
                    armed_at=now - timedelta(days=31),
                )
                for n in range(SLOS)
            ]
        )
        Reading.objects.bulk_create(
            [
                Reading(metric=m, observed_at=now - timedelta(minutes=5 * k), value=99.9, status="normal")
                for m in slo_metrics
                for k in range(3 * 24 * 12)
            ],
            batch_size=5000,
        )
        ReadingRollup.objects.bulk_create(
            [
                ReadingRollup(
                    metric=m, hour=hour - timedelta(hours=h), count=12, minimum=99.9, maximum=99.9, average=99.9
                )
                for m in slo_metrics
                for h in range(3 * 24 + 1, 30 * 24)
            ],
            batch_size=5000,
        )
        slos = [
            SLO.objects.create(name=f"availability {n} SLO", metric=m, objective=99.5)
            for n, m in enumerate(slo_metrics)
        ]
        analyze()
        elapsed, count, _ = timed(lambda: [slo_evaluation.evaluate(s.pk, now) for s in slos])
        print(
            f"  SLO tick: {SLOS} SLOs (metric SLI, 30 d window)        {elapsed:6.2f} s  "
            f"{count / SLOS:5.1f} queries/SLO  ({elapsed / SLOS * 1000:.1f} ms each)"
        )


if __name__ == "__main__":
    main()
