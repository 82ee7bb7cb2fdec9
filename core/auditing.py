"""Who is writing: the context the audit trail's database triggers record with each change.

The trail (the ``audit`` app) is written by triggers in the database, so that every path — a model
save, ``QuerySet.update``, ``update_rows``, COPY, raw SQL, a data migration — is captured alike.
A trigger cannot see Python, so the actor is handed to the database:

* on PostgreSQL as the setting ``riskregister.audit`` (JSON), set by an execute wrapper before a
  write: for the session in autocommit, once per change of context (a connection reused by another
  request or task is set again before it writes); inside a transaction for that transaction only,
  before each write statement, because a rollback would silently undo a session-level setting made
  there;
* on SQLite as an application function ``rr_audit(key)`` registered on every connection, which
  reads the context of the thread that is writing. A connection made outside the application (the
  ``sqlite3`` shell) has no such function, so its writes to audited tables fail — on SQLite a write
  that bypasses the application is refused rather than recorded.

The context is a ``ContextVar``: a request (``riskregister.middleware.AuditContextMiddleware``), a
Celery task (``riskregister.celery``) and a management command (``manage.py``) each set their own.
A request's actor is read when the write happens, so a user that DRF authenticates from a token
inside the view is the one recorded.
"""

from __future__ import annotations

import contextlib
import json
from contextvars import ContextVar

from django.db.backends.signals import connection_created

from core import version

SETTING = "riskregister.audit"
_context: ContextVar[dict | None] = ContextVar("riskregister_audit", default=None)
FIELDS = ("actor", "actor_id", "ip", "user_agent", "request_id", "reason")


def _request_actor(request) -> tuple[str, int | None]:
    user = getattr(request, "user", None)
    token = getattr(request, "auth", None)
    if user is not None and getattr(user, "is_authenticated", False):
        how = "token" if token is not None else "user"  # DRF sets request.auth for token authentication
        return f"{how}:{user.get_username()}", user.pk
    return "anonymous", None


def current() -> dict:
    """The context of this thread or task, its actor resolved now."""
    context = _context.get()
    if context is None:
        return {"actor": "system"}
    out = dict(context)
    request = out.pop("request", None)
    named = out.pop("as", None)
    if named is not None:
        out["actor"] = named
    elif request is not None:
        out["actor"], out["actor_id"] = _request_actor(request)
    return out


def identify(actor: str) -> None:
    """Name who is acting for the rest of this request when it is not a user (an integration token
    a view checked itself)."""
    context = _context.get()
    if context is not None:
        context["as"] = actor


@contextlib.contextmanager
def acting(actor: str | None = None, *, request=None, reason: str = "", **extra):
    """Writes inside are recorded as ``actor``'s (or the request's user's)."""
    context = {"actor": actor or "system", **extra}
    if request is not None:
        meta = request.META
        context.update(
            request=request,
            ip=meta.get("REMOTE_ADDR", ""),
            user_agent=meta.get("HTTP_USER_AGENT", "")[:300],
            request_id=meta.get("HTTP_X_REQUEST_ID", "")[:64],
        )
    if reason:
        context["reason"] = reason[:500]
    token = _context.set(context)
    try:
        yield context
    finally:
        _context.reset(token)


@contextlib.contextmanager
def because(reason: str):
    """The reason a person gave for the writes inside (a re-score's), recorded with them."""
    if not reason:
        yield
        return
    token = _context.set({**(_context.get() or {"actor": "system"}), "reason": reason[:500]})
    try:
        yield
    finally:
        _context.reset(token)


def start(actor: str) -> object:
    """Set the context until :func:`stop` (Celery's prerun/postrun signals cannot use ``with``)."""
    return _context.set({"actor": actor})


def stop(token) -> None:
    with contextlib.suppress(ValueError):  # a token from another context: leave it
        _context.reset(token)


def _serialised() -> str:
    return json.dumps(current(), ensure_ascii=False, default=str, sort_keys=True)


def apply(connection) -> None:
    """Hand the context to ``connection`` before a write that bypasses the execute wrapper (COPY)."""
    if connection.vendor != "postgresql":
        return
    value = _serialised()
    if connection.in_atomic_block:
        # Inside a transaction a rollback (of it or of a savepoint) would undo a setting made here,
        # and no hook says so: set it for this transaction only, before each write, and leave the
        # session's value (and what we know of it) untouched.
        with connection.connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, %s, true)", [SETTING, value])
        return
    if getattr(connection, "_audit_context", None) == value:
        return
    connection._audit_context = None  # set again if the statement below fails
    with connection.connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, false)", [SETTING, value])
    connection._audit_context = value


def _wrap(execute, sql, params, many, context):
    if version.is_write(sql):
        apply(context["connection"])
    return execute(sql, params, many, context)


def _sqlite_context(key: str):
    value = current().get(key)
    return value if value is None or isinstance(value, int | str) else str(value)


def watch(*, connection, **kwargs) -> None:
    if connection.vendor == "postgresql":
        connection._audit_context = None  # a new session has no setting
        if _wrap not in connection.execute_wrappers:
            connection.execute_wrappers.append(_wrap)
    elif connection.vendor == "sqlite":
        connection.connection.create_function("rr_audit", 1, _sqlite_context)


connection_created.connect(watch, dispatch_uid="core.auditing.watch")


def watch_open_connections() -> None:
    """Connections opened before this module was imported (none, normally) get the watch too."""
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        if connection.connection is not None:
            watch(connection=connection)
