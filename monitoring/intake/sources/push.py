"""Pushed readings: external systems POST them to /api/v1/readings/; nothing is polled."""

from monitoring.intake.sources.base import NoData


def config_errors(config: dict) -> list[str]:
    return [] if not config else ["pushed metrics take no configuration"]


def breaker_key(metric) -> None:
    return None


def collect(metric) -> NoData:
    return NoData("pushed metric: readings arrive through the API")
