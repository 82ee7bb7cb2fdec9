"""Prometheus instant queries: ``GET {PROMETHEUS_URL}/api/v1/query?query=…``.

Values arrive as strings ("NaN", "+Inf"); an empty vector or NaN is no data; an error envelope,
a non-2xx answer, a non-JSON body (a proxy's error page) or a timeout is a source error; more than
one series for a single-valued metric is a configuration error.

Metrics on the same server are read with **one query per group** (``collect_group``): each metric's
expression is tagged with a label of its own by ``label_replace`` and the tagged vectors are joined
with ``or`` (their label sets differ by the tag, so none hides another), then the answer is split by
the tag and each part read as its own instant query would be. An expression that cannot take part
— a scalar, PromQL the server rejects — makes the server refuse the whole group; the group is then
read one query per metric, so each metric gets its own answer and the wrong one its own error.
"""

from __future__ import annotations

import math

import requests
from django.conf import settings

from monitoring.intake.sources.base import NoData, Result, SourceError, Value, with_retries


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
    except (TypeError, ValueError, IndexError, OverflowError):
        return SourceError(f"unreadable sample {samples[0]!r}")
    if math.isnan(value):
        return NoData("the query returned NaN")
    return Value(value)


TAG = "riskregister_metric"


def grouped_query(queries: list[str]) -> str:
    # A newline after each expression ends a trailing PromQL comment before the parenthesis.
    return " or ".join(f'label_replace(({query}\n), "{TAG}", "{n}", "", "")' for n, query in enumerate(queries))


def parse_group(status_code: int, body: str, count: int) -> list[Result] | SourceError:
    """Split a grouped answer into each metric's result, as ``parse_response`` reads one alone; a
    SourceError when the group as a whole failed (``config_error``: the server refused the query)."""
    import json

    try:
        payload = json.loads(body)
    except ValueError:
        payload = None
    if not isinstance(payload, dict) or payload.get("status") != "success" or status_code >= 300:
        whole = parse_response(status_code, body)
        return whole if isinstance(whole, SourceError) else SourceError(f"HTTP {status_code}")
    data = payload.get("data")
    if not isinstance(data, dict) or data.get("resultType") != "vector" or not isinstance(data.get("result"), list):
        return SourceError("the grouped query was not answered with a vector", config_error=True)
    parts: dict[str, list] = {}
    for series in data["result"]:
        if not isinstance(series, dict):
            continue
        labels = dict(series.get("metric") or {})
        parts.setdefault(str(labels.pop(TAG, "")), []).append({**series, "metric": labels})
    return [
        parse_response(status_code, json.dumps({"status": "success", "data": {"resultType": "vector", "result": part}}))
        for part in (parts.get(str(n), []) for n in range(count))
    ]


def collect_group(metrics: list) -> list[Result]:
    """Each metric's result, read with one query for all (all on the server of the first)."""
    if len(metrics) == 1:
        return [collect(metrics[0])]
    url = base_url(metrics[0])
    if not url:
        return [SourceError("PROMETHEUS_URL is not set", config_error=True)] * len(metrics)
    timeout = max(m.source_config.get("timeout_ms", settings.SOURCE_TIMEOUT_SECONDS * 1000) for m in metrics) / 1000
    query = grouped_query([m.source_config["query"] for m in metrics])
    answer: list[Result] | SourceError = SourceError("not read")

    def attempt() -> Result:
        nonlocal answer
        try:
            # POST: fifty expressions outgrow a URL.
            response = requests.post(f"{url}/api/v1/query", data={"query": query}, timeout=timeout)
        except requests.RequestException as exc:
            answer = SourceError(f"{exc.__class__.__name__}: {exc}"[:300])
        else:
            answer = parse_group(response.status_code, response.text, len(metrics))
        return answer if isinstance(answer, SourceError) else Value(0)

    with_retries(attempt)
    if isinstance(answer, SourceError):
        if answer.config_error:
            return [collect(metric) for metric in metrics]  # one of them is wrong: each alone says which
        return [answer] * len(metrics)
    return answer


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
