"""Requests refused before any view reads them."""

from __future__ import annotations

from django.http import HttpResponseBadRequest, JsonResponse

from core import auditing

_MESSAGE = "NUL characters (%00) are not allowed in a URL."


class RefuseNulMiddleware:
    """A NUL in the path or the query string can only be a mistake or a probe, and PostgreSQL refuses
    it in any text it is compared with: ``?search=%00`` in the API or the admin, a key in a URL,
    reached the database as a DataError — a 500. Refused here with a 400, for every page at once."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": _MESSAGE}, status=400)
            return HttpResponseBadRequest(_MESSAGE)
        return self.get_response(request)


class AuditContextMiddleware:
    """Every write a request makes is recorded with who made it, from where, and its request id
    (``core/auditing.py``); a refusal (403) is recorded too, as a denied entry."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with auditing.acting(request=request):
            response = self.get_response(request)
            if response.status_code == 403:
                from audit.receivers import record

                context = auditing.current()
                record(
                    "denied",
                    request,
                    actor=context.get("actor", ""),
                    actor_id=context.get("actor_id"),
                    method=request.method,
                    path=request.path[:300],
                )
        return response
