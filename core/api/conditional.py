"""Conditional writes in the API: an ``ETag`` on each object, ``If-Match`` honoured on PUT, PATCH
and DELETE.

The tag is the object's edit version (``core/concurrency.py``), the same the admin's forms carry:
a hash of the fields a person edits, so a reading, a live status or a collection time never moves
it and never fails a write. It is *not* the representation cache's key (``core/api/cache.py``),
which moves with every committed write.

A write names the version it started from in ``If-Match``; the row is read again under a lock and
the write is refused with 412 when it has moved on, the body holding the current representation
and — when this server issued the client's version in the last week — what changed since, field by
field. ``API_REQUIRE_IF_MATCH`` makes the header required (428 without it); by default a write
without it is unconditional, as before.
"""

from __future__ import annotations

import contextlib
import json

from django.conf import settings
from django.db import transaction
from django.utils.http import parse_etags, quote_etag
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response

from core import concurrency, version

_WRITES = {"update", "partial_update", "destroy"}
_TAGGED = {"retrieve", "create", "update", "partial_update"}
_SEEN = "riskregister:api:seen:"
_SEEN_SECONDS = 7 * 24 * 3600


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"

    def __init__(self, body: dict):
        super().__init__(body["detail"])
        self.body = body  # answered as is: APIException would turn every value into a string


class PreconditionRequired(APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = "This server requires If-Match on writes: GET the object and send its ETag."
    default_code = "precondition_required"


def etag(instance) -> str:
    return quote_etag(concurrency.version(instance))


def _seen_key(instance, tag: str) -> str:
    return f"{_SEEN}{instance._meta.label_lower}:{instance.pk}:{tag.strip(chr(34))}"


def _remember(instance, tag: str) -> None:
    """Keep the values behind an issued tag, so a later 412 can say what changed since."""
    values = json.dumps(concurrency.values(instance))
    with contextlib.suppress(version.Unavailable):  # without it a 412 lists no fields, nothing worse
        version.call(lambda redis_client: redis_client.set(_seen_key(instance, tag), values, ex=_SEEN_SECONDS))


def _recall(instance, tag: str) -> dict | None:
    try:
        stored = version.call(lambda redis_client: redis_client.get(_seen_key(instance, tag)))
    except version.Unavailable:
        return None
    return json.loads(stored) if stored else None


def _matches(header: str, current: str) -> bool:
    tags = [tag.removeprefix("W/") for tag in parse_etags(header)]
    return "*" in tags or current in tags


class ConditionalWrites:
    """A viewset mixin (before ``CachedReads`` and the viewset in the bases)."""

    def dispatch(self, request, *args, **kwargs):
        # A write runs in one transaction, so the row locked and checked is the row written.
        if request.method in {"PUT", "PATCH", "DELETE"}:
            with transaction.atomic():
                return super().dispatch(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def handle_exception(self, exc):
        if isinstance(exc, PreconditionFailed):
            return Response(exc.body, status=exc.status_code, headers={"ETag": exc.body["etag"]})
        return super().handle_exception(exc)

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        self._last_serializer = serializer
        return serializer

    def check_object_permissions(self, request, obj):
        # Every get_object calls this (DRF's, and a viewset's own lookup such as risks by code): the
        # one place to see the object a request acts on.
        super().check_object_permissions(request, obj)
        # The browsable API asks for a write's permissions on a GET (to draw its forms): only a real
        # write locks and checks.
        if self.action in _WRITES and request._request.method in {"PUT", "PATCH", "DELETE"}:
            # Read again under a lock: what is checked is what the write replaces.
            list(type(obj)._default_manager.select_for_update().filter(pk=obj.pk).values_list("pk", flat=True))
            obj.refresh_from_db()
            if self.action != "destroy":
                # A body that is wrong is a 400 whatever its version: checked first (validating
                # again in the update costs a write a few milliseconds, and writes nothing).
                partial = self.action == "partial_update"
                self.get_serializer(obj, data=request.data, partial=partial).is_valid(raise_exception=True)
            self._check_precondition(obj)
        self._versioned = obj

    def _check_precondition(self, obj) -> None:
        header = self.request.headers.get("If-Match")
        if header is None:
            if settings.API_REQUIRE_IF_MATCH:
                raise PreconditionRequired
            return
        current = etag(obj)
        if _matches(header, current):
            return
        named = [tag for tag in parse_etags(header) if tag != "*"]
        before = _recall(obj, named[0].removeprefix("W/")) if len(named) == 1 else None
        changed = concurrency.changes(type(obj), before, concurrency.values(obj)) if before else []
        raise PreconditionFailed(
            {
                "detail": _("%(object)s changed since your copy (If-Match %(yours)s); it is now %(current)s.")
                % {"object": obj, "yours": header, "current": current},
                "etag": current,
                "changed": [
                    {"field": change.field, "label": change.label, "before": change.before, "after": change.after}
                    for change in changed
                ],
                "current": self.get_serializer(obj).data,
            }
        )

    def finalize_response(self, request, response, *args, **kwargs):
        # A viewset's own perform_create may not call ours: the saved object is the serializer's.
        saved = getattr(getattr(self, "_last_serializer", None), "instance", None)
        instance = saved if self.action in {"create", "update", "partial_update"} else getattr(self, "_versioned", None)
        if instance is not None and self.action in _TAGGED and response.status_code in (200, 201):
            # Tagged before the representation cache stores the answer, so a cached read carries it.
            tag = etag(instance)
            response["ETag"] = tag
            _remember(instance, tag)
        return super().finalize_response(request, response, *args, **kwargs)
