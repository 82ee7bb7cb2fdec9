"""Benchmark the projections against the real servers (ArcadeDB's Bolt server and Chroma, started
here on free ports): projecting 10,000 risks with 30,000 CAUSES links through the outbox, cascade
and blast-radius p95 at that size, semantic search p95 over 10,000 incidents, a full rebuild.

Usage: ``make bench`` or ``python bench/bench_projections.py [--database-url postgres://…]``.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from common import analyze, database_arg, percentiles, programme_id, setup, throwaway_database

RISKS = 10_000
LINKS = 30_000
INCIDENTS = 10_000
COMPONENTS = 50
QUERIES = 100
WORDS = [
    "graph",
    "database",
    "connection",
    "timeout",
    "sync",
    "vector",
    "index",
    "memory",
    "leak",
    "worker",
    "crash",
    "token",
    "expiry",
    "login",
    "latency",
    "spike",
    "deploy",
    "rollback",
    "queue",
    "backlog",
    "disk",
    "full",
    "certificate",
    "renewal",
    "cache",
    "eviction",
    "schema",
    "migration",
    "lock",
    "contention",
    "replica",
    "lag",
    "rate",
    "limit",
]


RARE_WORDS = ["Kubernetes", "ChromaDB", "JWT", "Grafana", "Istio", "TLS", "Kafka", "OAuth", "DNS", "S3"]
JAPANESE_QUERIES = [
    "データベース接続の失敗",
    "メモリリークでワーカーが落ちた",
    "証明書の期限切れ",
    "キューの滞留で通知が遅れた",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait(check, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{what} did not start")


def start_servers(tmp: Path):
    from django.conf import settings

    from projections import graph, servers, vectors

    bolt, http, chroma = free_port(), free_port(), free_port()
    settings.NEO4J_URI, settings.NEO4J_USER = f"bolt://127.0.0.1:{bolt}", "root"
    settings.NEO4J_PASSWORD, settings.NEO4J_DATABASE = "bench-only-password", "riskregister"
    settings.CHROMA_URL = f"http://127.0.0.1:{chroma}"
    (tmp / "graph").mkdir()
    log = (tmp / "servers.log").open("wb")
    processes = [
        subprocess.Popen(
            servers.graph_command(tmp / "graph", settings.NEO4J_PASSWORD, bolt, http, "riskregister"),
            cwd=tmp / "graph",
            stdout=log,
            stderr=subprocess.STDOUT,
        ),
        subprocess.Popen(servers.vector_command(tmp / "chroma", chroma), stdout=log, stderr=subprocess.STDOUT),
    ]
    wait(lambda: graph.ping(), "the Bolt server")
    wait(lambda: urllib.request.urlopen(f"{settings.CHROMA_URL}/api/v2/heartbeat", timeout=2).status == 200, "Chroma")
    vectors.reset()
    return processes


def sentence(rng: random.Random, n: int = 8) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def populate(rng: random.Random) -> None:
    from incidents.models import Incident
    from register.models import Component, Programme, Risk, RiskLink

    programme = Programme.objects.default()
    Risk.objects.bulk_create(
        Risk(
            programme=programme,
            number=n,
            code=f"R-{n}",
            title=f"risk {n}: {sentence(rng, 5)}",
            description=sentence(rng, 12),
            impact=1 + n % 5,
            likelihood=1 + n // 5 % 5,
            score=(1 + n % 5) * (1 + n // 5 % 5),
            level="medium",
        )
        for n in range(1, RISKS + 1)
    )
    ids = list(Risk.objects.values_list("pk", flat=True))
    pairs = set()
    while len(pairs) < LINKS:
        a, b = rng.sample(ids, 2)
        pairs.add((a, b))
    RiskLink.objects.bulk_create(RiskLink(cause_id=a, effect_id=b) for a, b in pairs)
    components = Component.objects.bulk_create(Component(name=f"component {n}") for n in range(COMPONENTS))
    through = Risk.components.through
    through.objects.bulk_create(
        through(risk_id=pk, component_id=components[rng.randrange(COMPONENTS)].pk) for pk in ids
    )
    Incident.objects.bulk_create(
        Incident(
            programme_id=programme_id(),
            title=f"incident {n}: {sentence(rng, 6)}",
            root_cause=sentence(rng, 10),
            status="closed",
        )
        for n in range(INCIDENTS)
    )


def enqueue_all(entity: str, model) -> int:
    """What the signal receivers write for each change (bulk_create sends no signals)."""
    from projections.documents import GRAPH_ENTITIES, VECTOR_ENTITIES
    from projections.models import OutboxEntry

    pks = list(model.objects.values_list("pk", flat=True))
    OutboxEntry.objects.bulk_create(
        (
            OutboxEntry(
                entity=entity,
                object_id=pk,
                graph_done=entity not in GRAPH_ENTITIES,
                vector_done=entity not in VECTOR_ENTITIES,
            )
            for pk in pks
        ),
        batch_size=2000,
    )
    return len(pks)


def drain_timed() -> float:
    from projections import outbox

    started = time.perf_counter()
    while True:
        result = outbox.drain(batch=2000)
        if result["failed"]:
            raise SystemExit(f"drain failed: {result}")
        if not result["rows"]:
            return time.perf_counter() - started


def timed(fn, args) -> tuple[float, float]:
    timings = []
    for arg in args:
        started = time.perf_counter()
        fn(arg)
        timings.append((time.perf_counter() - started) * 1000)
    return percentiles(timings)


def main() -> None:
    setup(database_arg())
    from django.core.management import call_command
    from django.db import connection

    from incidents.models import Incident
    from projections import consistency, documents, embeddings, outbox, queries
    from register.models import Component, Risk

    rng = random.Random(7)
    tmp = Path(tempfile.mkdtemp(prefix="riskregister-bench-stores-"))
    processes = start_servers(tmp)
    try:
        with throwaway_database():
            populate(rng)
            analyze()
            embeddings.encoder()  # loaded once per worker process; not part of the throughput
            print(
                f"{connection.vendor}: projections of {RISKS:,} risks, {LINKS:,} links, {INCIDENTS:,} incidents"
                f" ({os.cpu_count()} cores; model {embeddings.current().id})"
            )
            n = enqueue_all("risk", Risk)
            seconds = drain_timed()
            print(f"  outbox → graph + Chroma, risks          {n / seconds:8.0f} entities/s ({seconds:.1f} s)")
            n = enqueue_all("incident", Incident) + enqueue_all("component", Component)
            seconds = drain_timed()
            print(f"  outbox → graph + Chroma, incidents etc. {n / seconds:8.0f} entities/s ({seconds:.1f} s)")
            started = time.perf_counter()
            outbox.apply_graph("risk", None)
            seconds = time.perf_counter() - started
            print(f"  graph only, re-project all risks        {RISKS / seconds:8.0f} entities/s ({seconds:.1f} s)")
            started = time.perf_counter()
            embeddings.embed([d.text for d in documents.risk_documents()])
            seconds = time.perf_counter() - started
            print(f"  embeddings only, all risks              {RISKS / seconds:8.0f} texts/s ({seconds:.1f} s)")
            risk_ids = rng.sample(list(Risk.objects.values_list("pk", flat=True)), QUERIES)
            p50, p95 = timed(lambda pk: queries.cascade(pk, 4), risk_ids)
            reached = sum(len(queries.cascade(pk, 4)["reached"]) for pk in risk_ids[:10]) / 10
            print(f"  cascade (4 hops, ~{reached:.0f} risks reached)  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")
            component_ids = list(Component.objects.values_list("pk", flat=True)[:QUERIES])
            p50, p95 = timed(queries.blast_radius, component_ids)
            print(f"  blast radius (~{RISKS // COMPONENTS} risks each)    p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")
            p50, p95 = timed(lambda q: queries.search(q, "incident", 10), [sentence(rng, 6) for _ in range(QUERIES)])
            print(f"  hybrid search, {INCIDENTS:,} incidents      p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")
            # The slow path: words no near document has, so the store is asked for one (a lookup).
            rare = [f"{rng.choice(RARE_WORDS)} {rng.choice(RARE_WORDS)} outage" for _ in range(QUERIES)]
            p50, p95 = timed(lambda q: queries.search(q, "incident", 10), rare)
            print(f"  … with a word lookup                    p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")
            p50, p95 = timed(lambda q: queries.search(q, "incident", 10), JAPANESE_QUERIES * (QUERIES // 4))
            print(f"  … Japanese queries                      p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")
            started = time.perf_counter()
            call_command("rebuild_projections", stdout=open("/dev/null", "w"))  # noqa: SIM115
            print(f"  full rebuild                            {time.perf_counter() - started:8.1f} s")
            started = time.perf_counter()
            report = consistency.check()
            print(
                f"  consistency check                       {time.perf_counter() - started:8.1f} s "
                f"({'consistent' if report.consistent else report.summary()})"
            )
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
