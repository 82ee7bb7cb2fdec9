"""Work to do once a transaction commits — once per transaction, however many writes ask for it."""

from __future__ import annotations

import threading

from django.db import DEFAULT_DB_ALIAS, transaction

_registered = threading.local()


def on_commit_once(func, using: str | None = None, *, robust: bool = False, connection=None) -> None:
    """``transaction.on_commit(func)``, unless ``func`` already waits for this transaction's commit
    (at once in autocommit, as ``on_commit`` does). ``connection``: a connection object rather than
    an alias — one Django opens outside ``connections`` (the server-level connection that creates a
    test database) has an alias nothing can look up.

    Asked once per write statement on hot paths (core/version.py), so the check is O(1): the
    index ``func`` was registered at is remembered, and it is still ``func``'s unless a rolled-back
    savepoint dropped it (then it is registered again)."""
    connection = connection or transaction.get_connection(using or DEFAULT_DB_ALIAS)
    alias = connection.alias
    if connection.in_atomic_block:
        seen = _registered.__dict__.setdefault("index", {})
        index = seen.get((alias, func))
        pending = connection.run_on_commit
        if index is not None and index < len(pending) and pending[index][1] is func:
            return
        seen[(alias, func)] = len(pending)
    connection.on_commit(func, robust=robust)
