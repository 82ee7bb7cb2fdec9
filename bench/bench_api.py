"""API throughput over HTTP: wrk against gunicorn with two workers, as `make run` serves.

The demo plan plus 10,000 generated risks on a throw-away PostgreSQL database; wrk (Debian's package,
installed by `make bench`) with 2 threads and 8 connections for 10 s per endpoint, a bearer token as
an API client sends. The load generator shares the machine's cores with gunicorn and PostgreSQL, so
the figures are what one machine does with everything on it.

Each endpoint is measured twice: with the representation cache off (every request builds its answer
from PostgreSQL) and on (a redis-server, the one `make run` embeds, on a socket of its own; the
register does not change during the run, so after the warm-up pass every read is a hit).

Usage: ``make bench`` or ``python bench/bench_api.py --database-url postgres://…``.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from common import ROOT, analyze, database_arg, generated_risk, setup, throwaway_database

RISKS = 10_000
SECONDS = 10
CONNECTIONS = 8
# wrk prints 50/75/90/99 % with --latency; p95 comes from this script.
REPORT = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %.1f %.1f\\n", summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000))
end
"""
ENDPOINTS = [
    ("risk detail", "/api/v1/risks/R-1/", "≥ 500 req/s, p95 < 50 ms"),
    ("risk list, 50 a page", "/api/v1/risks/?page_size=50", "≥ 300 req/s, p95 < 50 ms"),
    ("/health/", "/health/", "≥ 1,500 req/s"),
]


def populate() -> None:
    from django.contrib.auth import get_user_model

    from plans.demo.organisation import HERE
    from plans.files import read_plan_file
    from plans.importer import import_plan
    from register.models import Category, Programme, Risk

    import_plan(read_plan_file(HERE / "plan.md"), source_name="demo plan")
    programme = Programme.objects.default()
    category = Category.objects.first()
    owners = [get_user_model().objects.create_user(f"owner{i}") for i in range(5)]
    first = (Risk.objects.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    risks = [generated_risk(n, category, owners[n % 5], programme) for n in range(first, first + RISKS)]
    Risk.objects.bulk_create(risks, batch_size=1000)
    analyze()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"gunicorn did not answer {url} within {seconds} s")
        time.sleep(0.3)


def wrk(url: str, token: str, script: Path) -> tuple[float, float, float, int]:
    """(requests/s, p50 ms, p95 ms, failed requests)."""
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "-s", str(script), "-H", f"Authorization: Bearer {token}"]
        + [url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    requests, bad_status, socket_errors, p50, p95 = re.search(r"RESULT (\S+) (\S+) (\S+) (\S+) (\S+)", out).groups()
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return rate, float(p50), float(p95), int(bad_status) + int(socket_errors)


def serve(env: dict, port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "riskregister.wsgi", "--config", "riskregister/gunicorn.py"]
        + ["--bind", f"127.0.0.1:{port}", "--workers", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("bench_api: wrk is not installed (make bench installs Debian's package)")
    database_url = database_arg()
    setup(database_url)
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from rest_framework_simplejwt.tokens import AccessToken

    from riskregister import broker

    with throwaway_database():
        populate()
        user = get_user_model().objects.create_superuser("bench", password="bench-password")
        token = str(AccessToken.for_user(user))
        # A member of one programme: every list and detail goes through the visibility rule.
        from register import roles
        from register.models import Membership, Programme

        member = get_user_model().objects.create_user("member", password="bench-password")
        Membership.objects.create(programme=Programme.objects.default(), user=member, role=roles.VIEWER)
        member_token = str(AccessToken.for_user(member))
        db = settings.DATABASES["default"]
        url = (
            f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
            if connection.vendor == "postgresql"
            else f"sqlite:///{db['NAME']}"
        )
        connection.close()
        scratch = Path(tempfile.mkdtemp(prefix="riskregister-bench-api-"))
        redis = broker.start(scratch / "redis.sock")
        script = scratch / "report.lua"
        script.write_text(REPORT)
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "ALLOWED_HOSTS": "127.0.0.1",
            "EMBEDDINGS_PRELOAD": "false",
            "PROMETHEUS_MULTIPROC_DIR": tempfile.mkdtemp(prefix="riskregister-bench-prom-"),
        }
        print(
            f"{connection.vendor}: API over HTTP, gunicorn 2 workers, wrk -t2 -c{CONNECTIONS} -d{SECONDS}s, "
            f"{os.cpu_count()} cores shared with the load generator and the database"
        )
        try:
            cached = f"redis+socket://{scratch / 'redis.sock'}"
            for cache, cache_url, who, bearer in (
                ("cache off", "", "", token),
                ("cache off", "", "member of one programme", member_token),
                ("cache on", cached, "", token),
            ):
                port = free_port()
                server = serve({**env, "API_CACHE_URL": cache_url}, port)
                try:
                    wait_for(f"http://127.0.0.1:{port}/health/")
                    for label, path, target in ENDPOINTS:
                        if (cache == "cache on" or who) and not path.startswith("/api/"):
                            continue  # /health/ is neither cached nor scoped: measured once
                        wrk(f"http://127.0.0.1:{port}{path}", bearer, script)  # warm: connections, caches
                        rate, p50, p95, failed = wrk(f"http://127.0.0.1:{port}{path}", bearer, script)
                        print(
                            f"  {label:<22} {cache:<9} {rate:7.0f} req/s   p50 {p50:6.1f} ms   p95 {p95:6.1f} ms"
                            f"   {failed} failed   (target {target}){'   as a ' + who if who else ''}"
                        )
                finally:
                    server.terminate()
                    server.wait(timeout=30)
        finally:
            redis.terminate()
            redis.wait(timeout=10)
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
