"""Scale-out across hosts: Celery workers, each in a network namespace of its own, collecting from
one register.

Hosts are network namespaces (iproute2's ``ip netns``) joined by veth pairs to a bridge made for the
run (``rrbr0``, 10.77.0.0/24). The host side of the bridge carries what the hosts share: PostgreSQL
(forwarded by socat from 10.77.0.1 to the local server), a Redis for the broker and the API cache
(the redis-server ``make run`` embeds, bound to the bridge), and the probed service — an HTTP server
that answers after a fixed ``LATENCY``, so collection is I/O-bound as it is against real services.
One namespace runs the one beat; 1, then 3 namespaces run a worker each (``--queues collection``).

10,000 HTTP metrics at a 15 s interval ask for 667 readings/s, more than the workers here can read
at this latency: each phase runs saturated, and readings stored per second are what its workers
can do. Halfway through the 3-worker phase one worker's link is cut (its veth goes down): the tasks
it had taken and not acknowledged come back from Redis to the others once the visibility timeout
passes. Afterwards the database is asked for duplicate readings (per metric and slot, per metric and
time) and duplicate notifications (per key and channel), and the workers' logs for the cut
worker's unfinished tasks and who finished them.

Traffic stays on the bridge and namespaces this script creates; they are removed at the end (and
any left by an interrupted run, at the start). Needs root, iproute2 and socat
(``scripts/install-bench-tools.sh``), and PostgreSQL. ``make bench-scale``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, analyze, programme_id, setup, throwaway_database

NET = "10.77.0"
HOST_IP = f"{NET}.1"
BRIDGE = "rrbr0"
PG_PORT, REDIS_PORT = 15432, 16390
METRICS = 10_000
INTERVAL = 15
LATENCY = 0.5  # seconds the probed service takes to answer
WATCHED = 1_000  # metrics with an indicator whose warning band the latency crosses: alerts, notifications
PHASE_SECONDS = 60
SETTLE_SECONDS = 15  # after the workers start, before the window: the first batches in flight
CUT_AFTER = 30  # seconds into the 3-worker window
AFTER_CUT = 45  # seconds the survivors run on (the visibility timeout is 20 s)
VISIBILITY = 20
HOSTS = {"beat": f"{NET}.2", "w1": f"{NET}.11", "w2": f"{NET}.12", "w3": f"{NET}.13"}


def sh(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(args, check=check, capture_output=True, text=True)


def namespace(name: str) -> str:
    return f"rrs-{name}"


def veth(name: str) -> str:
    return f"rrsv-{name}"  # the host end; ≤ 15 characters


def tear_down_network() -> None:
    for name in HOSTS:
        sh("ip", "netns", "del", namespace(name), check=False)
        sh("ip", "link", "del", veth(name), check=False)
    sh("ip", "link", "del", BRIDGE, check=False)


def build_network() -> None:
    tear_down_network()  # what an interrupted run left
    sh("ip", "link", "add", BRIDGE, "type", "bridge")
    sh("ip", "addr", "add", f"{HOST_IP}/24", "dev", BRIDGE)
    sh("ip", "link", "set", BRIDGE, "up")
    for name, address in HOSTS.items():
        ns = namespace(name)
        sh("ip", "netns", "add", ns)
        sh("ip", "link", "add", veth(name), "type", "veth", "peer", "name", "eth0", "netns", ns)
        sh("ip", "link", "set", veth(name), "master", BRIDGE, "up")
        sh("ip", "-n", ns, "addr", "add", f"{address}/24", "dev", "eth0")
        sh("ip", "-n", ns, "link", "set", "eth0", "up")
        sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "netns", "exec", ns, "ping", "-c1", "-W2", HOST_IP, check=False)


def wait_port(host: str, port: int, seconds: float = 15) -> None:
    import socket

    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection((host, port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit(f"bench_scale_out: nothing listens on {host}:{port}") from None
            time.sleep(0.1)


class Processes:
    """The run's processes, each in its own session so a stop takes its children too."""

    def __init__(self, scratch: Path):
        self.scratch = scratch
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, name: str, args: list[str], env: dict | None = None, ns: str | None = None) -> Path:
        log = self.scratch / f"{name}.log"
        command = (["ip", "netns", "exec", ns] if ns else []) + args
        self.running[name] = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=open(log, "ab"),  # noqa: SIM115 (the child holds it)
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return log

    def stop(self, name: str, sig=signal.SIGTERM, wait: float = 30) -> None:
        process = self.running.pop(name, None)
        if process is None:
            return
        try:
            # TERM to the main process only: a Celery worker then finishes its running tasks (a TERM
            # to its pool's children would kill them mid-task).
            if sig == signal.SIGKILL:
                os.killpg(process.pid, sig)
            else:
                process.send_signal(sig)
            process.wait(timeout=wait)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def stop_all(self) -> None:
        for name in list(self.running):
            self.stop(name)


def populate(target_url: str) -> None:
    from monitoring.models import Indicator, IndicatorState, Metric
    from notifications.models import Channel
    from register.models import Risk

    metrics = Metric.objects.bulk_create(
        [
            Metric(
                programme_id=programme_id(),
                name=f"probe {n}",
                key=f"probe-{n}",
                unit="ms",
                direction="higher_is_worse",
                # The first WATCHED probes warn at the service's latency; the rest stay normal.
                warning=LATENCY * 500 if n < WATCHED else 10_000,
                critical=60_000,
                interval_seconds=INTERVAL,
                source="http",
                source_config={"url": f"{target_url}/probe/{n}", "timeout_ms": 5000},
            )
            for n in range(METRICS)
        ],
        batch_size=2000,
    )
    risk = Risk(title="Service latency", impact=3, likelihood=3)
    risk.save()
    indicators = Indicator.objects.bulk_create(
        [Indicator(risk=risk, name=f"probe {m.pk}", metric=m) for m in metrics[:WATCHED]], batch_size=2000
    )
    IndicatorState.objects.bulk_create(
        [IndicatorState(indicator=i, for_count=1, keep_count=1, nodata_count=3) for i in indicators], batch_size=2000
    )
    Channel.objects.create(name="ops", kind="email", target="ops@example.org", immediate=True, watch=True)
    analyze()


def reset_schedule() -> None:
    """Every metric due now, as on a fresh start (each phase starts from the same state)."""
    from monitoring.models import Metric

    Metric.objects.update(next_due_at=None)


def readings_between(start, end) -> int:
    from monitoring.models import Reading

    return Reading.objects.filter(observed_at__gte=start, observed_at__lt=end).count()


def duplicates() -> dict[str, int]:
    from django.db import connection

    checks = {
        "readings per (metric, slot)": "SELECT count(*) FROM (SELECT metric_id, slot FROM monitoring_reading "
        "WHERE slot IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1) d",
        "readings per (metric, time)": "SELECT count(*) FROM (SELECT metric_id, observed_at FROM monitoring_reading "
        "GROUP BY 1, 2 HAVING count(*) > 1) d",
        "notifications per (key, channel)": "SELECT count(*) FROM (SELECT key, channel_id FROM "
        "notifications_notification WHERE channel_id IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1) d",
    }
    with connection.cursor() as cursor:
        out = {}
        for label, sql in checks.items():
            cursor.execute(sql)
            out[label] = cursor.fetchone()[0]
    return out


TASK_RECEIVED = re.compile(r"Task (monitoring\.tasks\.collect_metrics)\[([0-9a-f-]+)\] received")
TASK_SUCCEEDED = re.compile(
    r"Task (monitoring\.tasks\.collect_metrics)\[([0-9a-f-]+)\] succeeded.*'due': (\d+), 'collected': (\d+)"
)


def task_ids(log: Path) -> tuple[set[str], dict[str, tuple[int, int]]]:
    """The collection tasks a worker received, and those it finished with (due, collected)."""
    text = log.read_text(errors="replace")
    received = {m.group(2) for m in TASK_RECEIVED.finditer(text)}
    succeeded = {m.group(2): (int(m.group(3)), int(m.group(4))) for m in TASK_SUCCEEDED.finditer(text)}
    return received, succeeded


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/riskregister_bench")
    database_url = parser.parse_args().database_url
    if os.geteuid() != 0 or not shutil.which("ip") or not shutil.which("socat"):
        raise SystemExit("bench_scale_out: needs root, iproute2 and socat (scripts/install-bench-tools.sh)")
    os.environ["API_CACHE_URL"] = ""  # this process's writes are the set-up; the workers keep the cache
    setup(database_url)
    import redis
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from notifications.models import Notification
    from riskregister.broker import server_command
    from tests.monitoring.servers import Target

    if connection.vendor != "postgresql":
        raise SystemExit("bench_scale_out: needs PostgreSQL (the hosts share one database over the network)")
    scratch = Path(tempfile.mkdtemp(prefix="riskregister-scale-"))
    processes = Processes(scratch)
    target = None
    try:
        build_network()
        with throwaway_database():
            db = settings.DATABASES["default"]
            # A worker cut off mid-transaction leaves its session idle in that transaction (socat keeps
            # the database's side of the connection up): as production should, end such sessions.
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER DATABASE {db['NAME']} SET idle_in_transaction_session_timeout = '15s'")
            target = Target(host=HOST_IP)
            target.delay = LATENCY
            populate(target.url)
            connection.close()

            processes.start(
                "socat",
                ["socat", f"TCP-LISTEN:{PG_PORT},bind={HOST_IP},fork,reuseaddr", f"TCP:{db['HOST']}:{db['PORT']}"],
            )
            redis_args = server_command(scratch / "redis.sock", port=REDIS_PORT)
            redis_args[redis_args.index("--bind") + 1] = HOST_IP
            redis_args[redis_args.index("--appendonly") + 1] = "no"
            processes.start("redis", [*redis_args, "--protected-mode", "no"])
            wait_port(HOST_IP, PG_PORT)
            wait_port(HOST_IP, REDIS_PORT)

            env = {
                **os.environ,
                "DATABASE_URL": f"postgres://{db['USER']}@{HOST_IP}:{PG_PORT}/{db['NAME']}",
                "CELERY_BROKER_URL": f"redis://{HOST_IP}:{REDIS_PORT}/0",
                "REDIS_URL": f"redis://{HOST_IP}:{REDIS_PORT}/0",
                "API_CACHE_URL": f"redis://{HOST_IP}:{REDIS_PORT}/1",
                "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY),
                "EMBEDDINGS_PRELOAD": "0",
                "PYTHONUNBUFFERED": "1",
                "COLLECTION_THREADS": os.environ.get("COLLECTION_THREADS", "50"),
            }
            celery = [sys.executable, "-m", "celery", "-A", "riskregister"]

            def start_worker(name: str) -> Path:
                return processes.start(
                    name,
                    [
                        *celery,
                        "worker",
                        "--queues",
                        "collection",
                        "--concurrency",
                        "2",
                        "-n",
                        f"{name}@%h",
                        "-l",
                        "info",
                    ],
                    env={**env, "RISKREGISTER_VAR_DIR": str(scratch / name)},
                    ns=namespace(name),
                )

            print(
                f"scale-out: {METRICS:,} HTTP metrics every {INTERVAL} s (asks {METRICS / INTERVAL:.0f} readings/s), "
                f"the service answers in {LATENCY * 1000:.0f} ms; each worker a namespace, --concurrency 2, "
                f"{settings.COLLECTION_BATCH} metrics a task, {env['COLLECTION_THREADS']} reads at once; "
                f"{os.cpu_count()} cores shared by everything"
            )
            rates = {}
            logs = {}
            for workers in (1, 3):
                reset_schedule()
                names = [f"w{n}" for n in range(1, workers + 1)]
                for name in names:
                    logs[name] = start_worker(name)
                processes.start(
                    "beat",
                    [*celery, "beat", "-l", "info", "--schedule", str(scratch / "beat-schedule")],
                    env={**env, "RISKREGISTER_VAR_DIR": str(scratch / "beat")},
                    ns=namespace("beat"),
                )
                time.sleep(SETTLE_SECONDS)
                start = timezone.now()
                if workers == 1:
                    time.sleep(PHASE_SECONDS)
                    end = timezone.now()
                    rates[workers] = readings_between(start, end) / (end - start).total_seconds()
                else:
                    time.sleep(CUT_AFTER)
                    end = timezone.now()
                    rates[workers] = readings_between(start, end) / (end - start).total_seconds()
                    cut_at = timezone.now()
                    sh("ip", "link", "set", veth("w3"), "down")
                    time.sleep(AFTER_CUT)
                    after = readings_between(cut_at, timezone.now()) / AFTER_CUT
                processes.stop("beat")
                if workers == 3:
                    processes.stop("w3", signal.SIGKILL)  # cut off: it could not finish anything
                for name in names:
                    processes.stop(name, wait=40)
                connection.close()
                print(
                    f"  {workers} worker{'s' if workers > 1 else ''}: {rates[workers]:6.0f} readings/s "
                    f"over {(end - start).total_seconds():.0f} s"
                )
                redis.Redis(host=HOST_IP, port=REDIS_PORT).flushall()  # the next phase starts with no backlog
            print(f"  ratio 3 : 1 = {rates[3] / rates[1]:.2f} (goal ≥ 2.5)")
            print(f"  w3's link cut: the two left stored {after:.0f} readings/s over the next {AFTER_CUT} s")
            received_w3, done_w3 = task_ids(logs["w3"])
            unfinished = received_w3 - set(done_w3)
            finished_elsewhere = {}
            for name in ("w1", "w2"):
                finished_elsewhere.update(task_ids(logs[name])[1])
            redelivered = {task: finished_elsewhere[task] for task in unfinished if task in finished_elsewhere}
            print(
                f"  w3 had taken {len(unfinished)} task(s) it never finished; {len(redelivered)} of them were "
                f"finished by w1/w2 after the visibility timeout: {sum(d for d, _ in redelivered.values())} "
                f"metrics due, {sum(c for _, c in redelivered.values())} stored (a slot w3 had committed "
                f"before the cut is skipped, not stored twice)"
            )
            for label, count in duplicates().items():
                print(f"  duplicate {label}: {count}")
            print(f"  notifications: {Notification.objects.count():,} (alerts on {WATCHED:,} watched probes)")
            ticks = len(re.findall(r"Sending due task collect due metrics", (scratch / "beat.log").read_text()))
            print(f"  one beat (in {namespace('beat')}), {ticks} collection ticks sent over both phases")
            processes.stop_all()
            # Sessions of the cut worker stay open behind socat until their timeout: end them, so the
            # database can be dropped.
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            connection.close()
    finally:
        processes.stop_all()
        if target is not None:
            target.server.shutdown()
        tear_down_network()
        if os.environ.get("KEEP_LOGS"):
            print(f"  logs kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
