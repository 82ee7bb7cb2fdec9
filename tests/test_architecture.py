"""The apps' dependency order, written once: an app may import the apps before it, never after.

An AST walk over every module of every app (tests excepted) — imports inside functions count too,
since a lazy import is still a dependency. ``riskregister`` (the project package) may import every
app; no app imports it except ``riskregister.settings``/``env`` (settings are everyone's).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Lowest first. Read as: plans may import reviews, incidents, monitoring and register.
ORDER = ["register", "monitoring", "incidents", "reviews", "plans", "projections"]
PROJECT = "riskregister"
PROJECT_MODULES_ANY_APP_MAY_USE = {"riskregister.settings", "riskregister.env"}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def violations(app: str) -> list[str]:
    allowed = set(ORDER[: ORDER.index(app) + 1])
    found = []
    for path in sorted((ROOT / app).rglob("*.py")):
        for line, module in imported_modules(path):
            top = module.split(".")[0]
            if top == PROJECT and module not in PROJECT_MODULES_ANY_APP_MAY_USE:
                found.append(f"{path.relative_to(ROOT)}:{line} imports {module} (the project package)")
            elif top in ORDER and top not in allowed:
                found.append(f"{path.relative_to(ROOT)}:{line} imports {module} ({top} is above {app})")
    return found


@pytest.mark.parametrize("app", ORDER)
def test_app_imports_only_apps_below_it(app):
    assert violations(app) == []


def test_every_app_is_in_the_order_and_installed(settings):
    packages = {p.parent.name for p in ROOT.glob("*/apps.py")} - {PROJECT}
    assert packages == set(ORDER)
    installed = [name.split(".")[0] for name in settings.INSTALLED_APPS if name.split(".")[0] in ORDER]
    assert installed == ORDER, "INSTALLED_APPS lists the apps in the dependency order"


def test_the_check_catches_an_upward_import(tmp_path, monkeypatch):
    # The test itself must be able to fail: plant an upward import in a copy of the register.
    fake = tmp_path / "register"
    fake.mkdir()
    (fake / "leak.py").write_text("def f():\n    from incidents.models import Incident\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    assert violations("register") == ["register/leak.py:2 imports incidents.models (incidents is above register)"]
