"""Pausing CPython's cyclic garbage collector around one bulk request.

A push of 10,000 readings allocates a few hundred thousand objects (the parsed body, the readings,
their rows) that all live until the response. The collector, at its default thresholds (700, 10,
10), counted them as they came and scanned the growing heap again and again: a quarter to a third of
the push's time in bench/bench_monitoring.py. Nothing in that work needs the collector: its objects
form no reference cycles and are freed by reference counting as before; a cycle made meanwhile is
collected by the first collection after the pause.

Pauses nest and may overlap across threads: the collector runs again when the last one ends, and
stays off if it was off before the first began.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import threading

_lock = threading.Lock()
_pauses = 0
_was_enabled = False


@contextlib.contextmanager
def collection_paused():
    global _pauses, _was_enabled
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()


def without_collection(func):
    """Decorate a function (a view's handler) to run with the collector paused."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with collection_paused():
            return func(*args, **kwargs)

    return wrapper
