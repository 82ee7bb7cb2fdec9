"""The real Bolt graph server (ArcadeDB from arcadedb-embedded, or the Neo4j that NEO4J_TEST_URI
names) and the real Chroma server, started once per session on free ports. Registered for every
test by tests/conftest.py: the projection tests and the API fuzz run use the same servers."""

from __future__ import annotations

import os
import urllib.request

import pytest
from django.test import override_settings

from projections import graph, servers, vectors
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
