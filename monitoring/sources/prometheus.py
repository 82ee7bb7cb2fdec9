"""Prometheus instant queries: ``GET {PROMETHEUS_URL}/api/v1/query?query=…``.

Values arrive as strings ("NaN", "+Inf"); an empty vector or NaN is no data; an error envelope,
a non-2xx answer, a non-JSON body (a proxy's error page) or a timeout is a source error; more than
one series for a single-valued metric is a configuration error.
"""

from __future__ import annotations

import math

import requests
from django.conf import settings

from monitoring.sources.base import NoData, Result, SourceError, Value, with_retries


def base_url(metric) -> str:
    return (metric.source_config.get("url") or settings.PROMETHEUS_URL).rstrip("/")


def config_errors(config: dict) -> list[str]:
    errors = []
    if not isinstance(config.get("query"), str) or not config["query"].strip():
        errors.append('give the PromQL expression as {"query": "…"}')
    if "url" in config and not str(config["url"]).startswith(("http://", "https://")):
        errors.append("url must start with http:// or https://")
    return errors


def breaker_key(metric) -> str:
    return f"prometheus:{base_url(metric)}"


def parse_response(status_code: int, body: str) -> Result:
    """Read an instant-query answer (separate from HTTP so it can be tested on recorded bodies)."""
    import json

    try:
        payload = json.loads(body)
    except ValueError:
        return SourceError(f"HTTP {status_code}: not JSON ({body[:80]!r})")
    if not isinstance(payload, dict):
        return SourceError(f"HTTP {status_code}: unexpected JSON")
    if payload.get("status") != "success":
        kind = payload.get("errorType", "error")
        message = f"{kind}: {payload.get('error', 'unknown error')}"
        # bad_data is PromQL the server cannot run: the metric's configuration is wrong.
        return SourceError(message, config_error=kind == "bad_data")
    if status_code >= 300:
        return SourceError(f"HTTP {status_code}")
    data = payload.get("data") or {}
    result_type, result = data.get("resultType"), data.get("result")
    if result_type == "scalar":
        samples = [result]
    elif result_type == "vector":
        if not result:
            return NoData("the query returned an empty vector")
        if len(result) > 1:
            labels = ", ".join(str(series.get("metric", {})) for series in result[:3])
            return SourceError(f"the query returned {len(result)} series, expected one: {labels}", config_error=True)
        samples = [result[0].get("value")]
    else:
        return SourceError(f"unsupported result type {result_type!r}", config_error=True)
    try:
        value = float(samples[0][1])
    except (TypeError, ValueError, IndexError):
        return SourceError(f"unreadable sample {samples[0]!r}")
    if math.isnan(value):
        return NoData("the query returned NaN")
    return Value(value)


def collect(metric) -> Result:
    url = base_url(metric)
    if not url:
        return SourceError("PROMETHEUS_URL is not set", config_error=True)
    timeout = metric.source_config.get("timeout_ms", settings.SOURCE_TIMEOUT_SECONDS * 1000) / 1000

    def attempt() -> Result:
        try:
            response = requests.get(
                f"{url}/api/v1/query", params={"query": metric.source_config["query"]}, timeout=timeout
            )
        except requests.RequestException as exc:
            return SourceError(f"{exc.__class__.__name__}: {exc}"[:300])
        return parse_response(response.status_code, response.text)

    return with_retries(attempt)
