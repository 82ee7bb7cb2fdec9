"""The API's JSON representations, cached in Redis under the register's version.

A risk's detail costs ~40 ms of ORM and serializer work and a page of fifty ~35 ms (cProfile,
bench/bench_api.py); most reads repeat while nothing changes. A cached answer is stored with the
version it was built under (``core/version.py``) and served only while that is still the
version: any committed write, by any path, makes it a miss. One round trip asks for both.

Authentication, permissions, content negotiation and throttling still run on every request (DRF's
``initial()`` comes before ``list``/``retrieve``); only the building of the body is skipped. Keys
hold the user, the language, the day (proposals look back a number of days), the accepted media
type and the absolute URL (the pagination links are absolute). Only JSON 200s of GET are stored.
"""

from __future__ import annotations

import contextlib
import hashlib

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone, translation

from core import version

PREFIX = "riskregister:api:repr:"


def _key(request) -> str | None:
    if request.method != "GET" or getattr(request.accepted_renderer, "format", None) != "json":
        return None
    parts = [
        str(request.user.pk),
        translation.get_language() or "",
        timezone.localdate().isoformat(),
        request.accepted_media_type or "",
        request.build_absolute_uri(),
    ]
    return PREFIX + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _read(key: str) -> tuple[bytes, bytes | None]:
    """(the current version, what is stored under ``key`` or None)."""

    def operation(redis_client):
        pipe = redis_client.pipeline(transaction=False)
        version.current(pipe)
        pipe.get(key)
        _, current, stored = pipe.execute()
        return current, stored

    return version.call(operation)


class CachedReads:
    """A viewset mixin: ``list`` and ``retrieve`` answered from the cache while the register is
    unchanged. For views whose answer depends only on what the key holds and on the database, and
    whose object permissions let every reader of the list read its items (as ``ModelPermissions``
    does for safe methods)."""

    def _from_cache(self, request):
        self._cache_pending = None
        key = _key(request)
        if key is None:
            return None
        try:
            current, stored = _read(key)
        except version.Unavailable:
            return None
        parts = stored.split(b"\n", 3) if stored is not None else []
        if len(parts) == 4 and parts[0] == current:
            response = HttpResponse(parts[3], content_type=parts[1].decode("latin-1"))
            if parts[2]:
                response["ETag"] = parts[2].decode("latin-1")  # the edit version (core/api/conditional.py)
            return response
        self._cache_pending = (key, current)
        return None

    def list(self, request, *args, **kwargs):
        return self._from_cache(request) or super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        return self._from_cache(request) or super().retrieve(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        pending = getattr(self, "_cache_pending", None)
        if pending is not None and response.status_code == 200:
            key, built_under = pending
            response.render()
            etag = response.get("ETag", "").encode("latin-1")
            value = b"\n".join([built_under, response["Content-Type"].encode(), etag, response.content])
            with contextlib.suppress(version.Unavailable):  # served all the same, just not stored
                version.call(lambda redis_client: redis_client.set(key, value, ex=settings.API_CACHE_SECONDS))
        return response
