"""CPU and memory utilisation of the machine running the worker (psutil)."""

from __future__ import annotations

import psutil

from monitoring.intake.sources.base import Result, Value

MEASURES = ("cpu_percent", "memory_percent")


def config_errors(config: dict) -> list[str]:
    return [] if config.get("measure") in MEASURES else [f"measure must be one of {', '.join(MEASURES)}"]


def breaker_key(metric) -> None:
    return None


def collect(metric) -> Result:
    if metric.source_config["measure"] == "cpu_percent":
        return Value(psutil.cpu_percent(interval=0.2))
    return Value(psutil.virtual_memory().percent)
