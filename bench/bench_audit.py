"""What the audit trail costs: the same work with its triggers installed and dropped, in alternating
rounds on one database, medians.

* ingest: one evaluation tick of 1,000 metrics × 5 indicators (bench_monitoring's tick: readings,
  states, the metrics' last values — no audited column changes, so the triggers compare and write
  nothing);
* import: the seed plan (7 risks, their mitigations, indicators, metrics, review templates) into a
  new programme — every row an entry;
* bulk: ``QuerySet.update`` of 1,000 risks' titles — 1,000 entries;
* seal: chaining the entries those made.

Usage: ``make bench`` or ``python bench/bench_audit.py --database-url postgres://…``.
"""

from __future__ import annotations

import statistics
import time
from datetime import timedelta
from pathlib import Path

from bench_monitoring import INDICATORS_PER_METRIC, populate, tick
from common import database_arg, setup, throwaway_database

ROUNDS = 3
SEED = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "phase2-risk-plan.en.md"


def main() -> None:
    setup(database_arg())
    from django.db import connection
    from django.utils import timezone

    from audit import seal, triggers
    from audit.models import Entry
    from plans.files import read_plan_file
    from plans.importer import import_plan
    from register.models import Programme, Risk

    with throwaway_database():
        metrics = populate(INDICATORS_PER_METRIC)
        plan = read_plan_file(SEED)
        now = timezone.now().replace(microsecond=0)
        tick(metrics, now - timedelta(minutes=60), 100)  # the states exist
        times: dict[tuple[str, bool], list[float]] = {}
        entries: dict[tuple[str, bool], int] = {}
        minute = 59

        def measure(name: str, audited: bool, work) -> None:
            before = Entry.objects.count()
            started = time.perf_counter()
            work()
            times.setdefault((name, audited), []).append(time.perf_counter() - started)
            entries[(name, audited)] = Entry.objects.count() - before

        for run in range(ROUNDS):
            for audited in (True, False):
                (triggers.install if audited else triggers.uninstall)()
                minute -= 1
                measure("ingest tick", audited, lambda m=minute: tick(metrics, now - timedelta(minutes=m), 120))
                code = f"B{run}{int(audited)}"
                programme = Programme.objects.create(code=code, name=code)
                measure("import the seed plan", audited, lambda p=programme: import_plan(plan, programme=p))
                measure(
                    "update 1,000 risks' titles",
                    audited,
                    lambda r=run: Risk.objects.filter(number__lte=1000).update(title=f"renamed {r}"),
                )
        triggers.install()
        started = time.perf_counter()
        sealed = seal.seal()
        sealing = time.perf_counter() - started

        print(f"{connection.vendor}: the audit trail's cost, {ROUNDS} rounds each, medians")
        for name in ("ingest tick", "import the seed plan", "update 1,000 risks' titles"):
            on, off = statistics.median(times[(name, True)]), statistics.median(times[(name, False)])
            print(
                f"  {name:<30} audited {on:7.3f} s   not {off:7.3f} s   {on / off - 1:+6.0%}"
                f"   ({entries[(name, True)]} entries)"
            )
        print(f"  seal {sealed} entries: {sealing:.2f} s ({sealed / sealing:.0f} entries/s)")


if __name__ == "__main__":
    main()
