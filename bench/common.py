"""Shared set-up for the benchmarks: Django on a throw-away database, and timing helpers."""

from __future__ import annotations

import contextlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup(database_url: str) -> None:
    scratch = tempfile.mkdtemp(prefix="riskregister-bench-")
    os.environ["DATABASE_URL"] = database_url.replace("{scratch}", scratch)
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret-but-long-enough-for-hs256")
    os.environ["RISKREGISTER_VAR_DIR"] = scratch
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["DJANGO_SETTINGS_MODULE"] = "riskregister.settings"
    # The benches measure a register in its steady state, past the start-up warm-up of its metrics.
    os.environ.setdefault("METRIC_WARMUP_SECONDS", "0")
    # No broker: the after-commit triggers (outbox drains, deliveries) are measured elsewhere.
    os.environ.setdefault("CELERY_BROKER_URL", "memory://")
    import django

    django.setup()
    from django.conf import settings

    # No collectstatic here: serve static files through the finders like the tests do.
    settings.STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    settings.WHITENOISE_AUTOREFRESH = True
    from django.test.utils import setup_test_environment

    setup_test_environment()


@contextlib.contextmanager
def throwaway_database():
    """Migrate a fresh SQLite file, or create (and afterwards drop) a PostgreSQL test database."""
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql":
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            yield connection
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
    else:
        call_command("migrate", verbosity=0)
        yield connection


def analyze() -> None:
    """A running database has statistics for its tables (autovacuum); a fresh bulk load does not yet."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def percentiles(timings: list[float]) -> tuple[float, float]:
    ordered = sorted(timings)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


def database_arg() -> str:
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="sqlite:///{scratch}/bench.sqlite3")
    return parser.parse_args().database_url


def timed(work) -> tuple[float, int, object]:
    """Run ``work()``: wall seconds, database queries, its result."""
    from django.db import connection

    count = 0

    def counter(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        result = work()
        elapsed = time.perf_counter() - started
    return elapsed, count, result


def generated_risk(n: int, category, owner, programme):
    """Risk number ``n`` of a generated register (scores spread over the 5 × 5 grid), in ``programme``."""
    from register import scoring
    from register.models import Risk

    impact, likelihood = 1 + n % 5, 1 + (n * 7) % 5
    value = scoring.score(impact, likelihood)
    return Risk(
        programme=programme,
        number=n,
        code=f"R-{n}",
        title=f"Generated risk {n}",
        description="x" * 200,
        impact=impact,
        likelihood=likelihood,
        score=value,
        level=scoring.level_for(value),
        category=category,
        owner=owner,
    )


def measure(client, urls: list[str]) -> dict:
    """GET each URL through Django's full stack: p50/p95 in ms, and the queries of one request."""
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
    p50, p95 = percentiles(timings)
    return {"p50": p50, "p95": p95, "queries": len(ctx.captured_queries)}


def programme_id() -> int:
    """The register's only programme (made when there is none): what rows written in bulk name —
    bulk writes skip ``save()``, which would fill it in."""
    from django.db import connection

    from register.models import Programme

    key = connection.settings_dict["NAME"]
    if key not in _programmes:
        _programmes[key] = Programme.objects.default().pk
    return _programmes[key]


_programmes: dict[str, int] = {}
