"""Fixtures of the projection tests: both stores holding what the database holds, and helpers. The
servers themselves (graph_server, vector_server) are in tests/stores.py."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import Incident
from monitoring.models import Indicator, Metric
from projections.models import OutboxEntry
from register.models import Component, Mitigation, Risk, RiskLink


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
