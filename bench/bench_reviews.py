"""Benchmark reviews: opening the monthly review of 1,000 risks (each with an indicator, 30 days of
hourly rollups for its metric, a done mitigation, alert episodes and incidents), and rendering its
report to HTML and PDF.

Usage: ``make bench`` or ``python bench/bench_reviews.py --database-url postgres://…``.
"""

from __future__ import annotations

import time
from datetime import timedelta

from common import analyze, database_arg, programme_id, setup, throwaway_database

RISKS = 1_000
DAYS = 30


def populate() -> str:
    from django.utils import timezone

    from incidents.models import Incident
    from monitoring.models import Alert, Indicator, Metric, ReadingRollup
    from register.models import Mitigation, Programme, Risk
    from reviews.evidence import Window
    from reviews.models import ReviewTemplate, ReviewTemplateItem
    from reviews.periods import period_containing

    month = period_containing("monthly", timezone.localdate() - timedelta(days=45))
    start = Window(month).start
    programme = Programme.objects.default()
    Risk.objects.bulk_create(
        Risk(
            programme=programme,
            number=n,
            code=f"R-{n}",
            title=f"リスク {n}",
            impact=1 + n % 5,
            likelihood=1 + n // 5 % 5,
            score=(1 + n % 5) * (1 + n // 5 % 5),
            level="medium",
        )
        for n in range(1, RISKS + 1)
    )
    risks = list(Risk.objects.order_by("number"))
    metrics = Metric.objects.bulk_create(
        Metric(
            programme_id=programme_id(),
            name=f"metric {n}",
            key=f"m{n}",
            unit="ms",
            warning=200,
            critical=500,
            source="push",
        )
        for n in range(RISKS)
    )
    Indicator.objects.bulk_create(
        Indicator(risk=risk, name=f"indicator {risk.number}", metric=metric)
        for risk, metric in zip(risks, metrics, strict=True)
    )
    Mitigation.objects.bulk_create(
        Mitigation(risk=risk, number=1, title="fix", status="done", done_on=month.start + timedelta(days=15))
        for risk in risks
    )
    for n, metric in enumerate(metrics):
        # The month; for the metrics the checklist binds, the month before too (the trend compares them).
        first = -31 * 24 if n < 5 else 0
        ReadingRollup.objects.bulk_create(
            ReadingRollup(
                metric=metric,
                hour=start + timedelta(hours=h),
                count=60,
                minimum=100,
                maximum=300,
                average=100 + h % 200,
            )
            for h in range(first, DAYS * 24)
        )
    Alert.objects.bulk_create(
        Alert(
            indicator_id=indicator_id,
            metric_id=metric_id,
            dedup_key=f"b{indicator_id}",
            state="resolved",
            severity="warning",
            fired_at=start + timedelta(days=3),
            resolved_at=start + timedelta(days=3, hours=2),
            title="x",
        )
        for indicator_id, metric_id in Indicator.objects.values_list("pk", "metric_id")[: RISKS // 2]
    )
    for n in range(100):
        Incident.objects.create(title=f"incident {n}", detected_at=start + timedelta(hours=n)).risks.add(risks[n])
    template = ReviewTemplate.objects.create(kind="monthly", name="monthly")
    for order, kind in enumerate(["risks", "metric", "incidents", "alerts"], start=1):
        item = ReviewTemplateItem.objects.create(template=template, order=order, text=kind, evidence=kind)
        if kind == "metric":
            item.metrics.set(metrics[:5])
    return month.label


def main() -> None:
    setup(database_arg())
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reviews import reports
    from reviews.actions import open_review

    with throwaway_database():
        label = populate()
        analyze()
        import collections
        import os

        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            if os.environ.get("BENCH_PROFILE"):
                import cProfile

                cProfile.runctx('open_review("monthly", label)', globals(), locals(), sort="cumtime")
                return
            review, _ = open_review("monthly", label)
            opened = time.perf_counter() - started
        if os.environ.get("BENCH_SHOW_QUERIES"):
            shapes = collections.Counter(q["sql"][:90] for q in queries.captured_queries)
            for sql, n in shapes.most_common(5):
                print(n, sql)
        print(f"{connection.vendor}: monthly review of {RISKS:,} risks, {DAYS} days of hourly rollups per metric")
        print(f"  open (rows + evidence)   {opened * 1000:8.1f} ms   {len(queries)} queries")
        print(
            f"  rows: {review.reassessments.count():,} re-assessments, "
            f"{review.mitigation_evaluations.count():,} mitigation ratings"
        )
        started = time.perf_counter()
        html = reports.render_html(review)
        rendered_html = time.perf_counter() - started
        started = time.perf_counter()
        pdf = reports.render_pdf(html)
        rendered_pdf = time.perf_counter() - started
        print(f"  report HTML              {rendered_html * 1000:8.1f} ms   {len(html):,} bytes")
        print(f"  report PDF               {rendered_pdf * 1000:8.1f} ms   {len(pdf):,} bytes")


if __name__ == "__main__":
    main()
