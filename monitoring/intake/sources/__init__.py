"""Metric sources: one small module each, one interface ``collect(metric) -> Value | NoData | SourceError``.

Each module also says how its configuration is validated (``config_errors``) and which circuit
breaker a metric's calls go through (``breaker_key``; None for sources without one).
"""

from __future__ import annotations

from types import ModuleType

from monitoring.intake.sources import host, http, prometheus, push, service
from monitoring.intake.sources.base import NoData, Result, SourceError, Value

SOURCES: dict[str, ModuleType] = {
    "prometheus": prometheus,
    "http": http,
    "service": service,
    "host": host,
    "push": push,
}

__all__ = ["SOURCES", "NoData", "Result", "SourceError", "Value", "config_errors", "source_for"]


def source_for(name: str) -> ModuleType:
    return SOURCES[name]


def config_errors(source: str, config) -> list[str]:
    if source not in SOURCES:
        return [f"unknown source {source!r}"]
    if not isinstance(config, dict):
        return ["the configuration must be a JSON object"]
    return SOURCES[source].config_errors(config)
