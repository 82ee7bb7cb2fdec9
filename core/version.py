"""The register's version: a number in Redis that moves after every committed write to the database.

The API's representation cache (``core/api/cache.py``) keys what it stores by this version, so a
write, by any path, makes every cached representation a miss. The writes are seen where they cannot
be forgotten: a database ``execute_wrapper`` on every connection of every process (web, workers,
management commands) watches for INSERT, UPDATE, DELETE and the rest, and the one write that skips
Django's cursor (``core.bulk.insert_rows``' COPY) calls :func:`note_write` itself. A model
method, a ``QuerySet.update()``, ``update_rows`` and raw SQL are all covered alike.

The bump happens *after commit* (immediately in autocommit): bumped earlier, a reader could cache
the old rows under the new version. A reader reads the version *before* it reads the database, so
whatever it stores is at least as new as the version it is stored under.

When Redis does not answer, the cache is bypassed for ``BACKOFF`` seconds (requests are served from
the database) and a bump that failed is owed: the next bump or read of this process pays it first.
Cached entries also expire after ``API_CACHE_SECONDS``, which bounds what a write made while this
process could not reach Redis could leave behind.
"""

from __future__ import annotations

import logging
import re
import time
from functools import lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.db.backends.signals import connection_created

from core import commits

logger = logging.getLogger(__name__)

KEY = "riskregister:api:version"
BACKOFF = 5.0
# The first word of a statement that changes nothing. Any other statement — INSERT, UPDATE, DELETE,
# DDL, a data-modifying WITH, one that starts with a comment — moves the version: a needless bump
# costs a cache miss, a missed one a stale answer.
_READS = frozenset(
    {"SELECT", "SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT", "SET", "SHOW", "PRAGMA", "EXPLAIN"}
)
_VERB = re.compile(r"\s*(\w+)")

_down_until = 0.0
_owed = False


class Unavailable(Exception):
    """Redis did not answer (or the cache is off): serve from the database."""


def enabled() -> bool:
    return bool(settings.API_CACHE_URL)


@lru_cache(maxsize=1)
def client():
    """One client (a connection pool) per process. ``redis+socket://`` is how Celery and the
    embedded broker spell a unix socket; redis-py calls it ``unix://``."""
    import redis

    url = settings.API_CACHE_URL
    if url.startswith("redis+socket://"):
        url = "unix://" + url.removeprefix("redis+socket://")
    timeout = settings.API_CACHE_TIMEOUT
    return redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)


def _reset(*, setting, **kwargs) -> None:
    global _down_until, _owed
    if setting.startswith("API_CACHE"):
        client.cache_clear()
        _down_until, _owed = 0.0, False


setting_changed.connect(_reset)


def call(operation):
    """Run ``operation(redis_client)``; :class:`Unavailable` while Redis is off or backing off."""
    global _down_until
    if not enabled() or time.monotonic() < _down_until:
        raise Unavailable
    import redis

    try:
        if _owed:
            _bump(client())
        return operation(client())
    except (redis.RedisError, OSError, ValueError) as error:
        # ValueError: an API_CACHE_URL redis-py cannot read. Said in the log, never to the request
        # (a bump runs after a commit: raising there would fail a write that happened).
        if not isinstance(error, redis.RedisError | OSError):
            logger.warning("API cache off: %s", error)
        _down_until = time.monotonic() + BACKOFF
        raise Unavailable from error


def current(pipe) -> None:
    """Queue the version's read on a pipeline (a first reader starts it from the clock, so a
    version never repeats one from before Redis lost its keys)."""
    pipe.set(KEY, time.time_ns(), nx=True)
    pipe.get(KEY)


def _bump(redis_client) -> None:
    global _owed
    pipe = redis_client.pipeline(transaction=False)
    pipe.set(KEY, time.time_ns(), nx=True)
    pipe.incr(KEY)
    pipe.execute()
    _owed = False


def bump() -> None:
    """Move the version now (what a committed write calls)."""
    global _owed
    try:
        call(_bump)
    except Unavailable:
        _owed = enabled()


def note_write(connection) -> None:
    """A write went through ``connection``: bump the version once it is committed."""
    if not enabled():
        return
    # Robust: a bump runs after the commit, and must never fail a write that happened.
    commits.on_commit_once(bump, robust=True, connection=connection)


def is_write(sql: str) -> bool:
    verb = _VERB.match(sql)
    return verb is None or verb.group(1).upper() not in _READS


def _watch(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    if is_write(sql):
        note_write(context["connection"])
    return result


def watch(*, connection, **kwargs) -> None:
    """Watch a new connection's statements (``connection_created``; idempotent: a wrapper object
    outlives its reconnects)."""
    if _watch not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch)


connection_created.connect(watch, dispatch_uid="core.version.watch")
