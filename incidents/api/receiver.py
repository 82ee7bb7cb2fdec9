"""POST /api/v1/integrations/alertmanager/ — the Alertmanager webhook receiver."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import Kind
from audit.receivers import record
from core import auditing
from core.api import parsers
from incidents import alertmanager
from incidents.models import IntegrationToken

MAX_BODY = 1024 * 1024  # Alertmanager groups are small; anything this big is not one.


ORGANISATION = object()  # the settings' token, and a token of no programme: the whole organisation


def token_scope(header: str):
    """What a bearer token may reach: its programme, ``ORGANISATION``, or None (no valid token)."""
    if not header.startswith("Bearer "):
        return None
    raw = header.removeprefix("Bearer ").strip()
    if not raw:
        return None
    expected = settings.ALERTMANAGER_WEBHOOK_TOKEN
    if expected and hmac.compare_digest(raw.encode(), expected.encode()):
        return ORGANISATION
    token = (
        IntegrationToken.objects.filter(token_hash=IntegrationToken.digest(raw), active=True)
        .select_related("programme")
        .first()
    )
    if token is None:
        return None
    IntegrationToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    # The trail names the token: for its use, and as the actor of what the delivery writes.
    auditing.identify(f"integration:{token.name}")
    actor = f"integration:{token.name}"
    record(Kind.TOKEN, actor=actor, table=IntegrationToken._meta.db_table, object_pk=str(token.pk))
    return token.programme or ORGANISATION


class AlertmanagerReceiver(APIView):
    """Alertmanager webhook v4. Auth: ``Authorization: Bearer <integration token>``."""

    # Our own bearer tokens, not JWTs or sessions.
    authentication_classes: list = []
    permission_classes: list = []

    @extend_schema(
        request=dict,
        responses={
            200: dict,
            400: OpenApiResponse(description="malformed payload"),
            401: OpenApiResponse(description="wrong or missing token"),
            413: OpenApiResponse(description="body too large"),
        },
    )
    def post(self, request):
        scope = token_scope(request.META.get("HTTP_AUTHORIZATION", ""))
        if scope is None:
            return Response(
                {"detail": "a valid integration token is required"},
                status=status.HTTP_401_UNAUTHORIZED,
                headers={"WWW-Authenticate": "Bearer"},
            )
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if length > MAX_BODY:
            return Response(
                {"detail": f"body larger than {MAX_BODY} bytes"}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
            )
        try:
            body = request.body
        except RequestDataTooBig:  # a chunked upload announces no length: Django stops it at its limit
            return Response(
                {"detail": f"body larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes"},
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        try:
            payload = parsers.loads(body or b"null")
        except (parsers.TooDeep, parsers.HasNul) as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        except (ValueError, UnicodeDecodeError):
            return Response({"detail": "the body is not JSON"}, status=status.HTTP_400_BAD_REQUEST)
        try:
            result = alertmanager.receive(payload, None if scope is ORGANISATION else scope)
        except alertmanager.PayloadError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(result)
