"""Queues by kind of work: every task is routed where some `make run` worker consumes it, and the
worker that collects readings consumes nothing that can be slow (deliveries, reports, drains)."""

from __future__ import annotations

import shlex

import pytest
from django.conf import settings

from riskregister import supervise
from riskregister.celery import app


def consumed() -> dict[str, set[str]]:
    """Procfile worker name -> the queues it consumes."""
    found = {}
    for name, command in supervise.read_procfile(supervise.ROOT / "Procfile"):
        words = shlex.split(command)
        if "worker" in words and "celery" in words[0]:
            found[name] = set(words[words.index("--queues") + 1].split(","))
    return found


def ours() -> list[str]:
    app.loader.import_default_modules()
    return sorted(name for name in app.tasks if not name.startswith("celery."))


def queue_of(task: str) -> str:
    route = app.amqp.router.route({}, task)
    return route["queue"].name


def test_every_task_goes_to_a_queue_a_worker_consumes():
    queues = set().union(*consumed().values())
    assert queues == set(settings.CELERY_QUEUES_ALL)
    assert {task: queue_of(task) for task in ours() if queue_of(task) not in queues} == {}


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("monitoring.tasks.collect_metric", "collection"),
        ("monitoring.tasks.collect_metrics", "collection"),
        ("monitoring.tasks.collect_due_metrics", "collection"),
        ("monitoring.tasks.evaluate_slo", "collection"),
        ("monitoring.tasks.deliver_notification", "notifications"),
        ("projections.tasks.project_outbox", "projections"),
        ("reviews.tasks.send_review_report", "reports"),
        ("monitoring.tasks.rollup_readings", "celery"),
        ("incidents.tasks.escalate_incidents", "celery"),
    ],
)
def test_routes(task, queue):
    assert task in ours()
    assert queue_of(task) == queue


def test_collection_shares_no_worker_with_slow_work():
    slow = {"notifications", "projections", "reports"}
    for name, queues in consumed().items():
        if "collection" in queues:
            assert not queues & slow, name


def test_a_worker_started_without_queues_consumes_them_all():
    """A deployment that still runs a plain `celery worker` (the README before the queues) keeps
    collecting: with the queues declared, a worker without --queues consumes every one."""
    assert set(app.amqp.queues) == set(settings.CELERY_QUEUES_ALL)
