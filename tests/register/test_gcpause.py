"""The collector is paused for bulk requests and always runs again afterwards."""

from __future__ import annotations

import gc
import threading

import pytest

from core.gcpause import collection_paused, without_collection


@pytest.fixture(autouse=True)
def collector_on():
    gc.enable()
    yield
    gc.enable()  # whatever a failing test left


def test_pauses_nest():
    with collection_paused():
        assert not gc.isenabled()
        with collection_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_an_error_inside_still_ends_the_pause():
    @without_collection
    def failing():
        assert not gc.isenabled()
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        failing()
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    with collection_paused():
        pass
    assert not gc.isenabled()


def test_overlapping_pauses_in_threads_end_with_the_last():
    first_in, second_in, first_out, second_may_leave = (threading.Event() for _ in range(4))
    seen = {}

    def first():
        with collection_paused():
            first_in.set()
            second_in.wait(5)
        seen["after first"] = gc.isenabled()
        first_out.set()

    def second():
        first_in.wait(5)
        with collection_paused():
            second_in.set()
            second_may_leave.wait(5)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    first_out.wait(5)
    still_paused = not gc.isenabled()
    second_may_leave.set()
    for thread in threads:
        thread.join(5)
    assert seen["after first"] is False and still_paused
    assert gc.isenabled()


@pytest.mark.django_db
def test_a_push_runs_with_the_collector_paused(api_as, administrator, monkeypatch):
    from monitoring.intake import push

    during = []

    def store(items, metrics=None):
        during.append(gc.isenabled())
        return {"received": 0, "created": 0, "duplicates": 0}

    monkeypatch.setattr(push, "store", store)
    response = api_as(administrator).post("/api/v1/readings/", [{"metric": "m", "value": 1}], format="json")
    assert response.status_code == 201
    assert during == [False]
    assert gc.isenabled()
