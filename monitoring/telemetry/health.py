"""/health/detailed: the register's own dependencies, each with status and latency.

Every store is probed at once, each with HEALTH_TIMEOUT_SECONDS (1 s by default), so the page
answers in about that time with any store down — a load balancer or the demo's own probe never
waits on a store that is starting or gone. Anonymous callers get the overall status only; the
per-service detail (internal URLs, connection errors) needs a logged-in user or the metrics token
(``monitoring.telemetry.access``).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.http import JsonResponse

from monitoring.intake.sources.service import probe
from monitoring.models import SourceState
from monitoring.telemetry.access import may_read_internals

REQUIRED = ("database",)
# Down, these degrade the register (no alerts delivered, no graph or search) but lose nothing.
OPTIONAL = ("redis", "graph", "vector")
_pool = ThreadPoolExecutor(max_workers=len(OPTIONAL), thread_name_prefix="health")


def _entry(result: tuple[bool, float, str]) -> dict:
    up, latency, error = result
    entry = {"status": "healthy" if up else "unhealthy", "latency_ms": round(latency, 2)}
    if error:
        entry["error"] = error
    return entry


def detailed(request):
    timeout = settings.HEALTH_TIMEOUT_SECONDS
    # The stores in threads; the database here (Django's connections belong to their thread).
    pending = {name: _pool.submit(probe, name, timeout) for name in OPTIONAL}
    services = {"database": _entry(probe("database", timeout))}
    for name, future in pending.items():
        services[name] = _entry(future.result())
    if any(services[name]["status"] != "healthy" for name in REQUIRED):
        status, code = "unhealthy", 503
    elif any(services[name]["status"] != "healthy" for name in OPTIONAL):
        status, code = "degraded", 200
    else:
        status, code = "healthy", 200
    if not may_read_internals(request):
        return JsonResponse({"status": status}, status=code)
    body = {"status": status, "services": services}
    if services["database"]["status"] == "healthy":
        body["sources"] = {
            s.key: {"state": s.state, "consecutive_failures": s.consecutive_failures, "last_error": s.last_error}
            for s in SourceState.objects.all()
        }
    return JsonResponse(body, status=code)
