"""Bind the demo plan's metrics to the register's own live signals (design.md, "the register
watching itself"). Only `make run`'s bootstrap calls this, on a register it has just filled."""

from __future__ import annotations

from django.conf import settings

DEMO_SOURCES = {
    "API response time": ("http", {"measure": "latency_ms", "timeout_ms": 5000, "url": "{site}/health/detailed"}),
    "Connection success rate": ("service", {"service": "graph", "measure": "up_percent"}),
    "Memory utilization": ("host", {"measure": "memory_percent"}),
}
INTERVAL_SECONDS = 15


def bind_demo_sources() -> list[str]:
    from monitoring.models import Metric

    bound = []
    for name, (source, config) in DEMO_SOURCES.items():
        metric = Metric.objects.filter(name=name).first()
        if metric is None:
            continue
        metric.source = source
        metric.source_config = {
            k: v.format(site=settings.SITE_URL.rstrip("/")) if isinstance(v, str) else v for k, v in config.items()
        }
        metric.interval_seconds = INTERVAL_SECONDS
        metric.full_clean()
        metric.save()
        bound.append(f"{metric.key} ← {source}")
    return bound
