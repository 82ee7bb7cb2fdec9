"""Benchmark the register's two busiest pages with 10,000 risks: the API list and the admin changelist.

Usage: ``make bench`` (SQLite, then PostgreSQL when one answers on 127.0.0.1:5432), or
``python bench/bench_register.py --database-url postgres://…``. Each run uses a throw-away database
and prints p50/p95 latency and SQL queries per request. Requests go through Django's full stack
(middleware, session auth, serializers, templates) in-process, so the figures exclude only the
HTTP server.
"""

from __future__ import annotations

import time

from common import analyze, database_arg, generated_risk, measure, setup, throwaway_database

RISKS = 10_000
REQUESTS = 200


def populate() -> None:
    from django.contrib.auth import get_user_model

    from register.models import Category, Component, Programme, Risk

    categories = [Category.objects.create(name=f"Category {i}", order=i) for i in range(3)]
    owners = [get_user_model().objects.create_user(f"owner{i}") for i in range(5)]
    components = list(Component.objects.all())
    programme = Programme.objects.default()
    risks = [generated_risk(n, categories[n % 3], owners[n % 5], programme) for n in range(1, RISKS + 1)]
    Risk.objects.bulk_create(risks, batch_size=1000)
    through = Risk.components.through
    links = [
        through(risk_id=risk_id, component_id=components[(risk_id + k) % len(components)].pk)
        for risk_id in Risk.objects.values_list("pk", flat=True)
        for k in range(2)
    ]
    through.objects.bulk_create(links, batch_size=5000)
    analyze()


def queries_for(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def main() -> None:
    setup(database_arg())
    from django.contrib.auth import get_user_model
    from django.test import Client

    with throwaway_database() as connection:
        started = time.perf_counter()
        populate()
        print(f"{connection.vendor}: {RISKS} risks generated in {time.perf_counter() - started:.1f}s")
        admin = get_user_model().objects.create_superuser("bench", password="bench-password")
        client = Client()
        client.force_login(admin)
        pages = RISKS // 50
        api_urls = [f"/api/v1/risks/?ordering=-score&page_size=50&page={1 + (i * 37) % pages}" for i in range(REQUESTS)]
        admin_urls = [f"/admin/register/risk/?p={1 + (i * 37) % pages}" for i in range(REQUESTS)]
        for name, urls in (
            ("GET /api/v1/risks/ (50/page, -score)", api_urls),
            ("admin risk changelist (50/page)", admin_urls),
        ):
            result = measure(client, urls)
            print(
                f"  {name:<40} p50 {result['p50']:6.1f} ms   p95 {result['p95']:6.1f} ms   "
                f"queries/request {result['queries']}"
            )
        sizes = {
            size: queries_for(client, f"/api/v1/risks/?ordering=-score&page_size={size}") for size in (10, 50, 200)
        }
        print("  API queries by page size: " + ", ".join(f"{k}→{v}" for k, v in sizes.items()))


if __name__ == "__main__":
    main()
