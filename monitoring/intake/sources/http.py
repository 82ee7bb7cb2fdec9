"""HTTP probes of a URL such as a service's /health/detailed.

``measure``: ``latency_ms`` (default), ``up`` (1 or 0; a refused connection is a 0, not an error),
``status_code``, or ``json_value`` (the number at ``json_field``). ``json_field`` with ``expect``
makes "up" also require e.g. ``status == "healthy"``.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import requests
from django.conf import settings

from monitoring.intake.sources.base import Result, SourceError, Value, with_retries

MEASURES = ("latency_ms", "up", "status_code", "json_value")


def config_errors(config: dict) -> list[str]:
    errors = []
    url = config.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")) or not urlsplit(url).netloc:
        errors.append('give the URL to probe as {"url": "http(s)://…"}')
    if config.get("measure", "latency_ms") not in MEASURES:
        errors.append(f"measure must be one of {', '.join(MEASURES)}")
    if config.get("measure") == "json_value" and not config.get("json_field"):
        errors.append("json_value needs json_field")
    timeout = config.get("timeout_ms", 1)
    if not isinstance(timeout, int) or isinstance(timeout, bool) or not 1 <= timeout <= 60000:
        errors.append("timeout_ms must be an integer from 1 to 60000")
    return errors


def breaker_key(metric) -> str:
    parts = urlsplit(metric.source_config["url"])
    return f"http:{parts.scheme}://{parts.netloc}"


def _field(payload, path: str):
    for part in path.split("."):
        if not isinstance(payload, dict) or part not in payload:
            return None
        payload = payload[part]
    return payload


def collect(metric) -> Result:
    config = metric.source_config
    measure = config.get("measure", "latency_ms")
    timeout = config.get("timeout_ms", settings.SOURCE_TIMEOUT_SECONDS * 1000) / 1000

    def attempt() -> Result:
        started = time.perf_counter()
        try:
            response = requests.get(config["url"], timeout=timeout)
        except requests.RequestException as exc:
            if measure == "up":
                return Value(0.0, f"down: {exc.__class__.__name__}")
            return SourceError(f"{exc.__class__.__name__}: {exc}"[:300])
        latency = (time.perf_counter() - started) * 1000
        healthy = response.ok
        field_value = None
        if config.get("json_field"):
            try:
                field_value = _field(response.json(), config["json_field"])
            except ValueError:
                field_value = None
            if "expect" in config:
                healthy = healthy and field_value == config["expect"]
        if measure == "up":
            return Value(1.0 if healthy else 0.0, f"HTTP {response.status_code}")
        if measure == "status_code":
            return Value(float(response.status_code))
        if not response.ok:
            return SourceError(f"HTTP {response.status_code}")
        if measure == "json_value":
            try:
                return Value(float(field_value))
            except (TypeError, ValueError, OverflowError):  # OverflowError: an integer no float holds
                return SourceError(f"{config['json_field']} is not a number: {field_value!r}", config_error=True)
        return Value(round(latency, 3), f"HTTP {response.status_code}")

    return with_retries(attempt, retries=0 if measure == "up" else None)
