"""Every task named in a call of core.queue (domain code queues work by name, never by importing a
task module) is a task some module registers: a misspelt name would fail only in a worker's log."""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

from notifications import outbox
from riskregister.celery import app

ROOT = Path(__file__).resolve().parent.parent


def queued_names() -> dict[str, str]:
    """Each literal task name passed to queue.send/after_commit -> where."""
    found = {}
    for app_name in settings.RISKREGISTER_APPS:
        for path in sorted((ROOT / app_name).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in {"send", "after_commit"}
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "queue"
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                ):
                    found[node.args[0].value] = f"{path.relative_to(ROOT)}:{node.lineno}"
    return found


def test_every_queued_task_name_is_a_registered_task():
    app.loader.import_default_modules()
    names = {**queued_names(), outbox.DELIVER: "notifications/outbox.py"}
    assert len(names) >= 3, names  # the scan finds the calls it is meant to check
    assert {name: where for name, where in names.items() if name not in app.tasks} == {}
