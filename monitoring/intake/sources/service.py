"""Connectivity probes of the register's own dependencies (the plan's risk 2, 接続成功率).

``service``: ``database`` (a round trip on Django's connection), ``redis`` (PING on REDIS_URL),
``graph`` (a Bolt handshake and ``RETURN 1`` on NEO4J_URI) or ``vector`` (Chroma's heartbeat on
CHROMA_URL); ``measure``: ``latency_ms`` (default), ``up`` (1/0) or ``up_percent`` (100/0); for the
last two a failure is a 0, not an error.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db import connections

from monitoring.intake.sources.base import Result, SourceError, Value

SERVICES = ("database", "redis", "graph", "vector")


def config_errors(config: dict) -> list[str]:
    errors = []
    if config.get("service") not in SERVICES:
        errors.append(f"service must be one of {', '.join(SERVICES)}")
    if config.get("measure", "latency_ms") not in ("latency_ms", "up", "up_percent"):
        errors.append("measure must be latency_ms, up or up_percent")
    return errors


def breaker_key(metric) -> str:
    return f"service:{metric.source_config['service']}"


def redis_client_url(url: str) -> str:
    """kombu spells a unix socket ``redis+socket:///path``; redis-py wants ``unix:///path``."""
    if url.startswith("redis+socket://"):
        return "unix://" + url[len("redis+socket://") :]
    return url


def _ping(service: str, timeout: float) -> None:
    if service == "database":
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
        return
    if service == "graph":
        _ping_graph(timeout)
        return
    if service == "vector":
        import requests

        response = requests.get(f"{settings.CHROMA_URL.rstrip('/')}/api/v2/heartbeat", timeout=timeout)
        response.raise_for_status()
        return
    import redis

    client = redis.Redis.from_url(
        redis_client_url(settings.REDIS_URL),
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
    )
    try:
        client.ping()
    finally:
        client.close()


def _ping_graph(timeout: float) -> None:
    from neo4j import GraphDatabase

    with GraphDatabase.driver(
        settings.NEO4J_URI,
        auth=(settings.NEO4J_USER, settings.NEO4J_PASSWORD),
        connection_timeout=timeout,
        connection_acquisition_timeout=timeout,
        max_connection_pool_size=1,
        # A probe reports what it sees now; the driver would otherwise retry a refused connection for 30 s.
        max_transaction_retry_time=0,
    ) as driver:
        driver.execute_query("RETURN 1 AS one", database_=settings.NEO4J_DATABASE)


def probe(service: str, timeout: float | None = None) -> tuple[bool, float, str]:
    """(up, latency in ms, error) — shared with /health/detailed, which passes a shorter timeout."""
    started = time.perf_counter()
    try:
        _ping(service, settings.SOURCE_TIMEOUT_SECONDS if timeout is None else timeout)
    except Exception as exc:  # every driver raises its own classes; any failure means down
        return False, (time.perf_counter() - started) * 1000, f"{exc.__class__.__name__}: {exc}"[:300]
    return True, (time.perf_counter() - started) * 1000, ""


def collect(metric) -> Result:
    up, latency, error = probe(metric.source_config["service"])
    measure = metric.source_config.get("measure")
    if measure in ("up", "up_percent"):
        # A failed probe is a data point here (0 / 0 %), which is what a success-rate band judges.
        return Value((100.0 if measure == "up_percent" else 1.0) if up else 0.0, error)
    if not up:
        return SourceError(error)
    return Value(round(latency, 3))
