"""core.commits.on_commit_once: one callback per transaction, however often it is asked for."""

import pytest
from django.db import transaction

from core.commits import on_commit_once

pytestmark = pytest.mark.django_db


def test_asked_many_times_in_a_transaction_it_runs_once(django_capture_on_commit_callbacks):
    calls = []

    def callback():
        calls.append(1)

    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            on_commit_once(callback)
        with transaction.atomic():
            on_commit_once(callback)
    assert calls == [1]


def test_a_rolled_back_savepoint_that_held_it_does_not_lose_it(django_capture_on_commit_callbacks):
    calls = []

    def callback():
        calls.append(1)

    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                on_commit_once(callback)
                raise RuntimeError
        except RuntimeError:
            pass
        on_commit_once(callback)  # after the rollback dropped it: registered again
        on_commit_once(callback)
    assert calls == [1]


def test_two_callbacks_each_run_once(django_capture_on_commit_callbacks):
    calls = []

    def first():
        calls.append("first")

    def second():
        calls.append("second")

    with django_capture_on_commit_callbacks(execute=True):
        for callback in (first, second, first, second):
            on_commit_once(callback)
    assert calls == ["first", "second"]
