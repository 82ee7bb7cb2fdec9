"""Who may read the register's internals: ``/metrics`` and the detail of ``/health/detailed``.

Both name every risk, indicator, internal URL and connection error, so neither is for anonymous
callers: a logged-in staff user may read them, and so may a scraper that sends
``Authorization: Bearer <METRICS_TOKEN>`` (Prometheus: ``authorization: {credentials: …}`` in the
scrape config). With no METRICS_TOKEN set, only logged-in staff may.
"""

from __future__ import annotations

import hmac

from django.conf import settings


def may_read_internals(request) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_staff:
        return True
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())
