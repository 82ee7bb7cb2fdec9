"""The apps' dependency order, and no import circle inside an app.

The order is written once, in ``settings.RISKREGISTER_APPS`` (lowest first): an app may import the
apps before it, never after. An AST walk over every module of every app (migrations and tests
excepted) — imports inside functions count too, since a lazy import is still a dependency.
``riskregister`` (the project package) may import every app; no app imports it except
``riskregister.settings``/``env`` (settings are everyone's).

Inside an app, the modules' imports form no circle: a strongly connected component of more than one
module is a pair (or more) of halves that point at each other, whichever of them imports lazily.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
ORDER = list(settings.RISKREGISTER_APPS)
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


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def module_graph(app: str, root: Path | None = None) -> dict[str, set[str]]:
    """Each module of the app (migrations aside) → the modules of the same app it imports.

    ``from pkg import name`` points at ``pkg.name`` when that is a module, else at ``pkg`` (whose
    ``__init__`` runs); relative imports are resolved against the importing module's package.
    """
    root = root or ROOT
    modules = {
        _module_name(root, path): path
        for path in sorted((root / app).rglob("*.py"))
        if "migrations" not in path.relative_to(root).parts
    }
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    parts = parts[: len(parts) - node.level + 1]
                    base = ".".join(parts + ([node.module] if node.module else []))
                targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
            else:
                continue
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found)


@pytest.mark.parametrize("app", ORDER)
def test_app_imports_only_apps_below_it(app):
    assert violations(app) == []


@pytest.mark.parametrize("app", [*ORDER, PROJECT])
def test_no_import_circle_inside_the_app(app):
    assert circles(module_graph(app)) == []


def test_every_app_is_in_the_order_and_installed():
    packages = {p.parent.name for p in ROOT.glob("*/apps.py")} - {PROJECT}
    assert packages == set(ORDER)
    installed = [name.split(".")[0] for name in settings.INSTALLED_APPS if name.split(".")[0] in ORDER]
    assert installed == ORDER, "INSTALLED_APPS lists the apps in the dependency order"


def test_the_admin_index_lists_the_apps_in_the_order():
    from django.contrib import admin

    assert admin.site.app_order == [app for app in ORDER if app != "core"] + ["auth"]


def test_the_check_catches_an_upward_import(tmp_path, monkeypatch):
    # The test itself must be able to fail: plant an upward import in a copy of the register.
    fake = tmp_path / "register"
    fake.mkdir()
    (fake / "leak.py").write_text("def f():\n    from incidents.models import Incident\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    assert violations("register") == ["register/leak.py:2 imports incidents.models (incidents is above register)"]


def test_the_check_catches_a_planted_circle(tmp_path):
    # Two halves that point at each other, one lazily and one relatively through a package whose
    # __init__ re-exports; a third module that only imports them is not part of the circle.
    app = tmp_path / "app"
    (app / "models").mkdir(parents=True)
    (app / "__init__.py").write_text("")
    (app / "models" / "__init__.py").write_text("from app.models.risks import Risk\n")
    (app / "models" / "risks.py").write_text("class Risk:\n    def f(self):\n        from app import rules\n")
    (app / "rules.py").write_text("from .models import Risk\n")
    (app / "admin.py").write_text("from app import rules\nfrom app.models import Risk\n")
    assert circles(module_graph("app", tmp_path)) == [["app.models", "app.models.risks", "app.rules"]]
    (app / "models" / "risks.py").write_text("class Risk:\n    pass\n")
    assert circles(module_graph("app", tmp_path)) == []
