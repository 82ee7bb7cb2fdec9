"""Benchmark the register's two busiest pages with 10,000 risks: the API list and the admin changelist.

Usage: ``make bench`` (SQLite, then PostgreSQL when one answers on 127.0.0.1:5432), or
``python bench/bench_register.py --database-url postgres://…``. Each run uses a throw-away database
and prints p50/p95 latency and SQL queries per request. Requests go through Django's full stack
(middleware, session auth, serializers, templates) in-process, so the figures exclude only the
HTTP server.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RISKS = 10_000
REQUESTS = 200


def setup(database_url: str) -> None:
    scratch = tempfile.mkdtemp(prefix="riskregister-bench-")
    os.environ["DATABASE_URL"] = database_url.replace("{scratch}", scratch)
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret-but-long-enough-for-hs256")
    os.environ["RISKREGISTER_VAR_DIR"] = scratch
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["DJANGO_SETTINGS_MODULE"] = "riskregister.settings"
    import django

    django.setup()
    from django.conf import settings

    # No collectstatic here: serve static files through the finders like the tests do.
    settings.STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    settings.WHITENOISE_AUTOREFRESH = True


def populate() -> None:
    from django.contrib.auth import get_user_model

    from riskregister import scoring
    from riskregister.models import Category, Component, Risk

    categories = [Category.objects.create(name=f"Category {i}", order=i) for i in range(3)]
    owners = [get_user_model().objects.create_user(f"owner{i}") for i in range(5)]
    components = list(Component.objects.all())
    risks = []
    for n in range(1, RISKS + 1):
        impact, likelihood = 1 + n % 5, 1 + (n * 7) % 5
        value = scoring.score(impact, likelihood)
        risks.append(
            Risk(
                number=n,
                code=f"R-{n}",
                title=f"Generated risk {n}",
                description="x" * 200,
                impact=impact,
                likelihood=likelihood,
                score=value,
                level=scoring.level_for(value),
                category=categories[n % 3],
                owner=owners[n % 5],
            )
        )
    Risk.objects.bulk_create(risks, batch_size=1000)
    through = Risk.components.through
    links = [
        through(risk_id=risk_id, component_id=components[(risk_id + k) % len(components)].pk)
        for risk_id in Risk.objects.values_list("pk", flat=True)
        for k in range(2)
    ]
    through.objects.bulk_create(links, batch_size=5000)
    # A running database has statistics for its tables (autovacuum); a fresh bulk load does not yet.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def measure(client, urls: list[str]) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for url in urls[:5]:  # warm caches (permissions, templates) as a running server would have
        assert client.get(url).status_code == 200, url
    timings = []
    for url in urls:
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as ctx:
        client.get(urls[len(urls) // 2])
    timings.sort()
    return {
        "p50": statistics.median(timings),
        "p95": timings[int(len(timings) * 0.95) - 1],
        "queries": len(ctx.captured_queries),
    }


def queries_for(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default="sqlite:///{scratch}/bench.sqlite3")
    args = parser.parse_args()
    setup(args.database_url)

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    database = connection.settings_dict["NAME"]
    if connection.vendor == "postgresql":
        # A throw-away database beside the named one, dropped afterwards.
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        database = connection.settings_dict["NAME"]
    else:
        old_name = None
        call_command("migrate", verbosity=0)
    try:
        started = time.perf_counter()
        populate()
        print(f"{connection.vendor} ({database}): {RISKS} risks generated in {time.perf_counter() - started:.1f}s")
        admin = get_user_model().objects.create_superuser("bench", password="bench-password")
        client = Client()
        client.force_login(admin)

        pages = RISKS // 50
        api_urls = [f"/api/v1/risks/?ordering=-score&page_size=50&page={1 + (i * 37) % pages}" for i in range(REQUESTS)]
        admin_urls = [f"/admin/riskregister/risk/?p={1 + (i * 37) % pages}" for i in range(REQUESTS)]
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
    finally:
        if old_name is not None:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
