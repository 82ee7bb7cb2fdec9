"""Benchmark the Alertmanager receiver: webhook posts/s with 50 alerts each, as first deliveries
(opening incidents), repeats (dedup on fingerprint and startsAt) and new episodes (attaching).

Usage: ``make bench`` or ``python bench/bench_incidents.py --database-url postgres://…``.
The end-to-end latency from a Prometheus value change to the incident row is printed by
``pytest tests/integration/test_alertmanager.py -s``.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

from common import database_arg, setup, throwaway_database

POSTS = 100
ALERTS_PER_POST = 50


def payload(episode: int) -> str:
    start = datetime(2026, 11, 29, tzinfo=UTC) + timedelta(minutes=episode)
    alerts = [
        {
            "status": "firing",
            "labels": {"alertname": f"Alert{n}", "risk": f"R-{1 + n % 7}", "severity": "critical"},
            "annotations": {"summary": f"alert {n}"},
            "startsAt": start.isoformat(),
            "endsAt": "0001-01-01T00:00:00Z",
            "fingerprint": f"{n:016x}",
        }
        for n in range(ALERTS_PER_POST)
    ]
    return json.dumps(
        {
            "version": "4",
            "status": "firing",
            "receiver": "bench",
            "alerts": alerts,
            "groupLabels": {},
            "commonLabels": {},
            "commonAnnotations": {},
            "truncatedAlerts": 0,
        }
    )


def run(client, token: str, bodies: list[str]) -> float:
    started = time.perf_counter()
    for body in bodies:
        response = client.post(
            "/api/v1/integrations/alertmanager/",
            data=body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert response.status_code == 200, response.content[:300]
    return time.perf_counter() - started


def main() -> None:
    setup(database_arg())
    from django.db import connection
    from django.test import Client

    from incidents.models import Incident, IntegrationToken
    from register.models import Risk

    with throwaway_database():
        for n in range(1, 8):
            Risk(title=f"risk {n}", impact=3, likelihood=3).save()
        token = IntegrationToken(name="bench")
        raw = token.issue()
        token.save()
        client = Client()
        first = run(client, raw, [payload(0)])
        repeats = run(client, raw, [payload(0)] * POSTS)
        episodes = run(client, raw, [payload(n) for n in range(1, POSTS + 1)])
        print(f"{connection.vendor}: Alertmanager receiver, {ALERTS_PER_POST} alerts per post")
        print(f"  first delivery (opens {Incident.objects.count()} incidents)   {first * 1000:8.1f} ms")
        print(
            f"  {POSTS} repeated deliveries (dedup)        {POSTS / repeats:8.1f} posts/s  "
            f"{POSTS * ALERTS_PER_POST / repeats:8.0f} alerts/s"
        )
        print(
            f"  {POSTS} new episodes (attach to open)     {POSTS / episodes:8.1f} posts/s  "
            f"{POSTS * ALERTS_PER_POST / episodes:8.0f} alerts/s"
        )
        assert Incident.objects.count() == ALERTS_PER_POST


if __name__ == "__main__":
    main()
