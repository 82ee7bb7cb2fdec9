"""Benchmark SLO evaluation against a real Prometheus: 200 SLOs whose SLIs are good/total counter
pairs with three days of history (backfilled with promtool at a 1-minute resolution), one beat tick
evaluating all of them. Each SLO costs one Prometheus query (every window in one expression) and a
handful of database queries; the figures say how many and how long.

Usage: ``make bench`` or ``python bench/bench_slos.py [--database-url postgres://…]``. Needs the
``prometheus`` and ``promtool`` binaries (Debian package ``prometheus``; ``make test`` installs it).
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from common import analyze, database_arg, setup, throwaway_database, timed

SLOS = 200
MINUTES = 3 * 24 * 60


def openmetrics(end: int) -> str:
    lines = []
    for family, good in (("bench_requests", False), ("bench_good", True)):
        lines.append(f"# TYPE {family} counter")
        for n in range(SLOS):
            errors = 0.001 * (n % 20)  # 0 … 1.9 % errors: some SLOs burn, most do not
            total = 0.0
            for minute in range(MINUTES, -1, -1):
                total += 100 * (1 - errors) if good else 100
                lines.append(f'{family}_total{{slo="{n}"}} {total:.1f} {end - minute * 60}')
    lines.append("# EOF")
    return "\n".join(lines) + "\n"


def start_prometheus(tmp: Path, end: int) -> tuple[subprocess.Popen, str]:
    import requests

    (tmp / "history.om").write_text(openmetrics(end))
    started = time.perf_counter()
    subprocess.run(
        ["promtool", "tsdb", "create-blocks-from", "openmetrics", str(tmp / "history.om"), str(tmp / "data")],
        check=True,
        capture_output=True,
    )
    print(f"  backfill: {SLOS * 2} series × {MINUTES + 1} samples in {time.perf_counter() - started:.1f} s")
    (tmp / "prometheus.yml").write_text("global: {}\n")
    process = subprocess.Popen(
        [
            "prometheus",
            f"--config.file={tmp / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp / 'data'}",
            "--web.listen-address=127.0.0.1:19099",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    url = "http://127.0.0.1:19099"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            answer = requests.get(f"{url}/api/v1/query", params={"query": "count(bench_requests_total)"}, timeout=2)
            if answer.json()["data"]["result"][0]["value"][1] == str(SLOS):
                return process, url
        except (requests.RequestException, ValueError, KeyError, IndexError):
            pass
        time.sleep(0.5)
    process.terminate()
    raise SystemExit("bench_slos: Prometheus did not load the backfilled series within 120 s")


def main() -> None:
    if not (shutil.which("prometheus") and shutil.which("promtool")):
        print("bench_slos: no prometheus/promtool binaries (Debian package 'prometheus'); skipped")
        return
    setup(database_arg())
    import os

    from django.db import connection

    from monitoring.models import SLO, Alert
    from monitoring.slos import evaluation as slo_evaluation

    with throwaway_database(), tempfile.TemporaryDirectory() as scratch:
        end = int(time.time())
        print(f"{connection.vendor}: {SLOS} SLOs on Prometheus counters (cores: {os.cpu_count()})")
        process, url = start_prometheus(Path(scratch), end)
        try:
            slos = [
                SLO.objects.create(
                    name=f"bench {n}",
                    objective=99.5,
                    sli_kind="prometheus",
                    good_query=f'bench_good_total{{slo="{n}"}}',
                    total_query=f'bench_requests_total{{slo="{n}"}}',
                    prometheus_url=url,
                )
                for n in range(SLOS)
            ]
            analyze()
            at = datetime.fromtimestamp(end, UTC)
            each = []

            def tick():
                for slo in slos:
                    started = time.perf_counter()
                    slo_evaluation.evaluate(slo.pk, at)
                    each.append(time.perf_counter() - started)

            elapsed, queries, _ = timed(tick)
        finally:
            process.terminate()
            process.wait(timeout=30)
        each.sort()
        p95 = each[int(len(each) * 0.95) - 1]
        print(
            f"  SLO tick: {SLOS} SLOs × 8 windows (5m … 30d)     {elapsed:6.2f} s  "
            f"{queries / SLOS:5.1f} DB queries/SLO  1 Prometheus query/SLO  "
            f"p50 {statistics.median(each) * 1000:.0f} ms  p95 {p95 * 1000:.0f} ms"
        )
        firing = list(Alert.objects.filter(state="firing").values_list("priority", flat=True))
        print(f"  burning: {firing.count('immediate')} paged, {firing.count('watch')} ticketed")


if __name__ == "__main__":
    main()
