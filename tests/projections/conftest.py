"""The real Bolt graph server (ArcadeDB from arcadedb-embedded, or the Neo4j that NEO4J_TEST_URI
names) and the real Chroma server, started once per session on free ports."""

from __future__ import annotations

import os
import urllib.request
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from incidents.models import Incident
from monitoring.models import Indicator, Metric
from projections import graph, servers, vectors
from projections.models import OutboxEntry
from register.models import Component, Mitigation, Risk, RiskLink
from tests.integration.services import Process, free_port, unavailable, wait_for

PASSWORD = "test-only-graph-password"


class Server:
    def __init__(self, process: Process | None, **urls):
        self.process = process
        self.__dict__.update(urls)


def _graph_ready() -> bool:
    graph.reset()
    try:
        graph.ping()
        return True
    except graph.GraphUnavailable:
        return False


def start_graph(tmp, bolt_port: int, http_port: int) -> Process:
    root = tmp / "graph"
    root.mkdir(exist_ok=True)
    command = servers.graph_command(root, PASSWORD, bolt_port, http_port, "riskregister")
    # ArcadeDB writes log/arcadedb.log.* relative to its working directory: keep them in tmp.
    return Process(command, dict(os.environ), tmp / "graph.log", cwd=root)


@pytest.fixture(scope="session")
def graph_server(tmp_path_factory):
    # Session-wide settings, restored when the session's servers stop.
    uri = os.environ.get("NEO4J_TEST_URI")
    if uri:  # the conformance run against a real Neo4j
        with override_settings(
            NEO4J_URI=uri,
            NEO4J_USER=os.environ.get("NEO4J_TEST_USER", "neo4j"),
            NEO4J_PASSWORD=os.environ.get("NEO4J_TEST_PASSWORD", ""),
            NEO4J_DATABASE=os.environ.get("NEO4J_TEST_DATABASE", "neo4j"),
        ):
            wait_for(_graph_ready, 30, f"the Bolt server at {uri}")
            yield Server(None, uri=uri)
        graph.reset()
        return
    try:
        servers.arcadedb_home()
    except ImportError:
        unavailable("arcadedb-embedded is not installed (requirements.txt)")
    tmp = tmp_path_factory.mktemp("graph")
    bolt_port, http_port = free_port(), free_port()
    with override_settings(
        NEO4J_URI=f"bolt://127.0.0.1:{bolt_port}",
        NEO4J_USER="root",
        NEO4J_PASSWORD=PASSWORD,
        NEO4J_DATABASE="riskregister",
    ):
        yield from _run_graph(tmp, bolt_port, http_port)
    graph.reset()


def _run_graph(tmp, bolt_port: int, http_port: int):
    process = start_graph(tmp, bolt_port, http_port)
    server = Server(process, tmp=tmp, bolt_port=bolt_port, http_port=http_port)
    try:
        wait_for(_graph_ready, 90, "the ArcadeDB Bolt server", process)
    except AssertionError as exc:
        process.stop()
        unavailable(str(exc))
    yield server
    graph.reset()
    server.process.stop()


def restart_graph(server: Server) -> None:
    server.process = start_graph(server.tmp, server.bolt_port, server.http_port)
    wait_for(_graph_ready, 90, "the restarted ArcadeDB Bolt server", server.process)


def _vector_ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture(scope="session")
def vector_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("chroma")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with override_settings(CHROMA_URL=url):
        vectors.reset()
        process = Process(servers.vector_command(tmp / "data", port), dict(os.environ), tmp / "chroma.log")
        try:
            wait_for(lambda: _vector_ready(url), 60, "the Chroma server", process)
        except AssertionError as exc:
            process.stop()
            unavailable(str(exc))
        yield Server(process, url=url)
        vectors.reset()
        process.stop()


@pytest.fixture
def stores(graph_server, vector_server, db):
    """Both stores holding what the database holds (the metrics migrations create are there before
    any outbox existed), and an empty outbox, at the start of each test."""
    from django.core.management import call_command

    call_command("rebuild_projections", stdout=open(os.devnull, "w"))  # noqa: SIM115
    yield graph_server, vector_server
    OutboxEntry.objects.all().delete()


def drain_all() -> dict:
    from projections import outbox

    total = {"rows": 0, "projected": 0, "failed": 0}
    while True:
        result = outbox.drain()
        for k in total:
            total[k] += result[k]
        if not result["rows"] or result["failed"]:
            return total


def make_risk(title, impact, likelihood, **fields):
    risk = Risk(title=title, impact=impact, likelihood=likelihood, **fields)
    risk.save()
    return risk


@pytest.fixture
def chain(stores):
    """A → B → C → D, A → E, B → E (scores 12, 6, 4, 20, 9); F stands alone."""
    a = make_risk("ChromaDB–Neo4j sync error", 4, 3)
    b = make_risk("Database connection error", 3, 2)
    c = make_risk("API latency", 2, 2)
    d = make_risk("Memory growth", 5, 4)
    e = make_risk("Auth outage", 3, 3)
    f = make_risk("Team coordination", 1, 1)
    for cause, effect in [(a, b), (b, c), (c, d), (a, e), (b, e)]:
        RiskLink.objects.create(cause=cause, effect=effect)
    graph_component = Component.objects.create(name="Graph cluster (test)")
    a.components.add(graph_component)
    b.components.add(graph_component)
    metric = Metric.objects.create(name="Bolt latency", key="bolt", unit="ms", warning=100, critical=500, source="push")
    Indicator.objects.create(risk=a, name="bolt latency", metric=metric)
    Mitigation.objects.create(
        risk=a, number=1, title="Retry with backoff", status="done", done_on=timezone.localdate() - timedelta(days=10)
    )
    Mitigation.objects.create(
        risk=a, number=2, title="Nightly consistency check", status="done", done_on=timezone.localdate()
    )
    incident = Incident.objects.create(title="Graph sync lag", detected_at=timezone.now() - timedelta(days=2))
    incident.risks.add(a)
    Incident.objects.create(title="Old closed", status="closed").risks.add(b)
    drain_all()
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "component": graph_component, "incident": incident}
