"""/health/detailed: the register's own dependencies, each with status and latency."""

from __future__ import annotations

from django.http import JsonResponse

from monitoring.models import SourceState
from monitoring.sources.service import probe

REQUIRED = ("database",)
# Down, these degrade the register (no alerts delivered, no graph or search) but lose nothing.
OPTIONAL = ("redis", "graph", "vector")


def detailed(request):
    services = {}
    for name in REQUIRED + OPTIONAL:
        up, latency, error = probe(name)
        services[name] = {"status": "healthy" if up else "unhealthy", "latency_ms": round(latency, 2)}
        if error:
            services[name]["error"] = error
    if any(services[name]["status"] != "healthy" for name in REQUIRED):
        status, code = "unhealthy", 503
    elif any(services[name]["status"] != "healthy" for name in OPTIONAL):
        status, code = "degraded", 200
    else:
        status, code = "healthy", 200
    body = {"status": status, "services": services}
    if services["database"]["status"] == "healthy":
        body["sources"] = {
            s.key: {"state": s.state, "consecutive_failures": s.consecutive_failures, "last_error": s.last_error}
            for s in SourceState.objects.all()
        }
    return JsonResponse(body, status=code)
