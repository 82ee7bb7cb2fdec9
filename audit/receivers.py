"""Sign-ins, failed sign-ins and sign-outs, written to the trail by the application (the database
sees no write for them)."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.utils import timezone

from audit.models import Entry, Kind


def record(kind: str, request=None, *, actor: str = "", actor_id=None, table: str = "", object_pk: str = "", **data):
    meta = getattr(request, "META", {}) or {}
    return Entry.objects.create(
        at=timezone.now(),
        kind=kind,
        table=table,
        object_pk=object_pk,
        after=data or None,
        actor=actor[:200],
        actor_id=actor_id,
        ip=meta.get("REMOTE_ADDR", "")[:64],
        user_agent=meta.get("HTTP_USER_AGENT", "")[:300],
        request_id=meta.get("HTTP_X_REQUEST_ID", "")[:64],
    )


def _signed_in(sender, request, user, **kwargs):
    record(Kind.SIGN_IN, request, actor=f"user:{user.get_username()}", actor_id=user.pk)


def _signed_out(sender, request, user, **kwargs):
    if user is not None:
        record(Kind.SIGN_OUT, request, actor=f"user:{user.get_username()}", actor_id=user.pk)


def _failed(sender, credentials, request=None, **kwargs):
    # The name tried, never the password (Django already masks it in ``credentials``).
    record(Kind.SIGN_IN_FAILED, request, actor=f"user:{credentials.get('username', '')}")


def connect() -> None:
    user_logged_in.connect(_signed_in, dispatch_uid="audit.signed_in")
    user_logged_out.connect(_signed_out, dispatch_uid="audit.signed_out")
    user_login_failed.connect(_failed, dispatch_uid="audit.failed")
