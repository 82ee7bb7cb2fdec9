"""A database made by the code before the apps were split migrates forward with every row.

The commit before the split is checked out (``git archive``) into a temporary folder; its own
``manage.py`` builds and fills a database (fill_before_split.py), then today's ``manage.py migrate``
carries it forward. Compared before and after, with the moved tables mapped to their new names:
every table's rows, every group's and user's permissions, the content types (none stale, none
duplicated), beat's rows (re-pointed at the moved tasks), history and admin log entries — and the
migrated register still answers through today's models and permission checks.

Runs on the database the suite runs on: a SQLite file in the SQLite pass, a fresh PostgreSQL
database in the PostgreSQL pass.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
# The last commit with the register, its reviews and indicators inside the riskregister app.
BEFORE_SPLIT = "b69b14f77d2451197ea039dcefe345d853f4bde9"
MOVED = {
    "register": [
        "category",
        "component",
        "levelband",
        "scaleband",
        "risk",
        "risk_components",
        "historicalrisk",
        "risklink",
        "scorechange",
        "mitigation",
        "historicalmitigation",
        "strategy",
    ],
    "reviews": [
        "reviewtemplate",
        "reviewtemplateitem",
        "reviewtemplateitem_metrics",
        "review",
        "review_reviewers",
        "reviewitem",
        "reviewitem_metrics",
        "reassessment",
        "mitigationevaluation",
        "reviewaction",
        "reviewreport",
        "reportsubscription",
    ],
    "monitoring": ["indicator", "historicalindicator"],
}
NEW_TABLE = {f"riskregister_{name}": f"{app}_{name}" for app, names in MOVED.items() for name in names}
# Moved again since: channels and notifications from monitoring to notifications (the floors).
NEW_TABLE |= {f"monitoring_{name}": f"notifications_{name}" for name in ("channel", "notification")}
NEW_LABEL = {(name.split("_")[0]): app for app, names in MOVED.items() for name in names}


def tree_at(commit: str, tmp_path: Path) -> Path:
    """The project as it was at ``commit``, unpacked into a temporary folder."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        if os.environ.get("CI") == "true":
            pytest.fail("the forward-migration tests need git and the repository's history")
        # Outside CI a checkout without history (an unpacked archive) cannot run this; CI's clone can.
        pytest.skip("no git history here to check out an earlier commit")
    archive = tmp_path / "before.tar"
    subprocess.run(["git", "archive", "-o", str(archive), commit], cwd=ROOT, check=True)
    tree = tmp_path / "before"
    with tarfile.open(archive) as tar:
        tar.extractall(tree, filter="data")
    return tree


class Database:
    """A scratch database of the suite's vendor, reached by URL (for the subprocesses) and by DB-API."""

    def __init__(self, tmp_path: Path):
        self.vendor = connection.vendor
        if self.vendor == "sqlite":
            self.path = tmp_path / "register.sqlite3"
            self.url = f"sqlite:///{self.path}"
        else:
            import psycopg

            db = settings.DATABASES["default"]
            self.name = f"riskregister_fwd_{uuid.uuid4().hex[:8]}"
            self.server = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
            with psycopg.connect(f"{self.server}/postgres", autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{self.name}"')
            self.url = f"{self.server}/{self.name}"

    def query(self, sql: str, params=()) -> list[tuple]:
        if self.vendor == "sqlite":
            with sqlite3.connect(self.path) as db:
                return list(db.execute(sql.replace("%s", "?"), params))
        import psycopg

        with psycopg.connect(self.url) as db:
            return list(db.execute(sql, params))

    def tables(self) -> list[str]:
        if self.vendor == "sqlite":
            sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        else:
            sql = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        return sorted(row[0] for row in self.query(sql))

    def drop(self) -> None:
        if self.vendor != "sqlite":
            import psycopg

            with psycopg.connect(f"{self.server}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def snapshot(db: Database) -> dict:
    counts = {table: db.query(f'SELECT COUNT(*) FROM "{table}"')[0][0] for table in db.tables()}
    perms = """SELECT {who}, ct.app_label, p.codename FROM {link} x
               JOIN auth_permission p ON p.id = x.permission_id
               JOIN django_content_type ct ON ct.id = p.content_type_id {join}"""
    groups = db.query(
        perms.format(who="g.name", link="auth_group_permissions", join="JOIN auth_group g ON g.id = x.group_id")
    )
    users = db.query(
        perms.format(who="u.username", link="auth_user_user_permissions", join="JOIN auth_user u ON u.id = x.user_id")
    )
    return {
        "counts": counts,
        "granted": sorted(groups + users),
        "content_types": sorted(db.query("SELECT app_label, model FROM django_content_type")),
        "permissions": sorted(
            db.query(
                "SELECT ct.app_label, p.codename FROM auth_permission p"
                " JOIN django_content_type ct ON ct.id = p.content_type_id"
            )
        ),
        "beat": dict(db.query("SELECT name, task FROM django_celery_beat_periodictask")),
        "risks": sorted(db.query("SELECT code, impact, likelihood, score, level FROM riskregister_risk"))
        if "riskregister_risk" in counts
        else sorted(db.query("SELECT code, impact, likelihood, score, level FROM register_risk")),
        "log": sorted(
            db.query(
                "SELECT ct.app_label, ct.model, l.object_repr FROM django_admin_log l"
                " JOIN django_content_type ct ON ct.id = l.content_type_id"
            )
        ),
    }


# Models added after the split: their tables arrive empty, and their content types, permissions and
# role grants are the only additions allowed; everything that was there must be there unchanged.
ADDED_SINCE_SPLIT = {
    "plans": ["planimport"],
    "register": ["riskacceptance", "historicalriskacceptance", "appetite", "programme", "membership"],
    "monitoring": ["slo"],
    "audit": ["entry", "seal"],
}
# Beat rows of tasks added since: created by the schedule sync after migrate.
ADDED_BEAT = {
    "run due acceptances",
    "forecast threshold breaches",
    "evaluate service level objectives",
    "seal the audit trail",
    "prune the audit trail",
}


def _added(app_label: str, model_or_codename: str) -> bool:
    return any(
        app_label == app and (model_or_codename == model or model_or_codename.endswith("_" + model))
        for app, models in ADDED_SINCE_SPLIT.items()
        for model in models
    )


def without_added(rows, app_at: int = 0, name_at: int = 1) -> list:
    return sorted(row for row in rows if not _added(row[app_at], row[name_at]))


def relabel(app_label: str, model_or_codename: str) -> str:
    """The label a row of the riskregister app has after the split."""
    if app_label == "monitoring" and model_or_codename.split("_")[-1] in {"channel", "notification"}:
        return "notifications"
    if app_label != "riskregister":
        return app_label
    model = model_or_codename.split("_", 1)[-1] if "_" in model_or_codename else model_or_codename
    return NEW_LABEL.get(model, "reviews" if model_or_codename == "complete_review" else "register")


def run(tree: Path, db: Database, tmp_path: Path, *args: str, stdin: str | None = None) -> str:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "riskregister.settings",
        "DATABASE_URL": db.url,
        "RISKREGISTER_VAR_DIR": str(tmp_path / f"var-{tree.name}"),
        "SECRET_KEY": "forward-migration-test-key-long-enough-for-hs256",
        # No broker: after-commit triggers are lost, which the outbox rows make harmless.
        "CELERY_BROKER_URL": "memory://",
        "REDIS_URL": "memory://",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=tree,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, (
        f"{' '.join(args)} failed in {tree}:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
    )
    return result.stdout


def test_a_register_from_before_the_split_migrates_forward_with_every_row_and_permission(tmp_path):
    tree = tree_at(BEFORE_SPLIT, tmp_path)
    db = Database(tmp_path)
    try:
        run(tree, db, tmp_path, "migrate", "--noinput", "-v0")
        fill = (ROOT / "tests" / "riskregister" / "fill_before_split.py").read_text()
        assert "filled" in run(tree, db, tmp_path, "shell", stdin=fill)
        before = snapshot(db)
        assert before["counts"]["riskregister_risk"] >= 7 and before["counts"]["riskregister_reassessment"] >= 1

        run(ROOT, db, tmp_path, "migrate", "--noinput", "-v0")
        after = snapshot(db)

        # Every row, in the table of its new name. Bookkeeping tables change by design: the
        # applied-migrations list grows, beat's change marker is written when a task is re-pointed,
        # and the outbox gains a row for each entity a migration created that it never had.
        bookkeeping = {"django_migrations", "django_celery_beat_periodictasks", "projections_outboxentry"}
        # The audit trail arrives with its triggers installed after migrate: it holds what the role
        # and schedule sync wrote then (its own test checks what it records).
        bookkeeping |= {"audit_entry", "audit_seal"}
        assert after["counts"]["audit_entry"] > 0 and "audit_entry" not in before["counts"]
        assert after["counts"]["projections_outboxentry"] >= before["counts"]["projections_outboxentry"]
        # Tables of models added since arrive empty; their permissions and grants are the only additions.
        added_tables = {f"{app}_{model}" for app, models in ADDED_SINCE_SPLIT.items() for model in models}
        # Programmes: the register's risks all went into one, its role groups (and the user granted a
        # register permission directly) its members — checked below.
        programmes = {t: after["counts"].pop(t) for t in ("register_programme", "register_membership")}
        added_tables -= set(programmes) | {"audit_entry", "audit_seal"}  # bookkeeping, above
        assert programmes["register_programme"] == 1 and programmes["register_membership"] >= 6
        assert {t: after["counts"].pop(t) for t in added_tables} == dict.fromkeys(added_tables, 0)
        added_permissions = len([p for p in after["permissions"] if _added(*p)])
        added_grants = len([g for g in after["granted"] if _added(g[1], g[2])])
        bookkeeping |= {"auth_permission", "django_content_type", "auth_group_permissions"}
        # Beat gains a row per task added since (and at most a schedule each).
        beat_rows, schedules = "django_celery_beat_periodictask", "django_celery_beat_crontabschedule"
        assert after["counts"][beat_rows] == before["counts"][beat_rows] + len(ADDED_BEAT)
        assert (
            before["counts"][schedules] <= after["counts"][schedules] <= before["counts"][schedules] + len(ADDED_BEAT)
        )
        bookkeeping |= {beat_rows, schedules}
        assert after["counts"]["auth_permission"] == before["counts"]["auth_permission"] + added_permissions
        assert after["counts"]["auth_group_permissions"] == before["counts"]["auth_group_permissions"] + added_grants
        expected = {NEW_TABLE.get(table, table): n for table, n in before["counts"].items() if table not in bookkeeping}
        assert {table: n for table, n in after["counts"].items() if table not in bookkeeping} == expected
        assert not [t for t in after["counts"] if t.startswith("riskregister_")]
        # Every grant, under the moved models' new app labels; no content type stale or doubled.
        assert without_added(after["granted"], 1, 2) == sorted(
            (who, relabel(app, code), code) for who, app, code in before["granted"]
        )
        assert without_added(after["content_types"]) == sorted(
            (relabel(app, model), model) for app, model in before["content_types"]
        )
        assert without_added(after["permissions"]) == sorted(
            (relabel(app, code), code) for app, code in before["permissions"]
        )
        assert after["log"] == sorted((relabel(a, m), m, r) for a, m, r in before["log"])
        assert after["risks"] == before["risks"]
        # Beat keeps every row, each now naming a task that exists.
        assert set(after["beat"]) == set(before["beat"]) | ADDED_BEAT
        assert {task for task in after["beat"].values() if task.startswith("riskregister.")} == set()

        checks = run(ROOT, db, tmp_path, "shell", stdin=AFTER_CHECKS)
        assert checks.strip().splitlines()[-1] == "ok", checks
    finally:
        db.drop()


# Run by today's code on the migrated database: the rows answer through today's models and rules.
AFTER_CHECKS = """
from celery import current_app
from django.contrib.auth.models import User
from django.contrib.admin.models import LogEntry
from django_celery_beat.models import PeriodicTask
from monitoring.models import Indicator, Reading
from register.models import Risk
from reviews.models import Review
import riskregister.celery

olga, rita = User.objects.get(username="olga"), User.objects.get(username="rita")
from register.models import Membership, Programme
default = Programme.objects.get()
assert default.code == "DEFAULT" and default.risks.count() == Risk.objects.count()
assert set(Membership.objects.filter(group__isnull=False).values_list("role", flat=True)) >= {"risk owner", "reviewer"}
r1 = Risk.objects.get(code="R-1")
assert r1.is_editable_by(olga) and not Risk.objects.get(code="R-2").is_editable_by(olga)
assert olga.has_perm("register.change_risk") and olga.has_perm("monitoring.change_indicator")
assert olga.has_perm("reviews.view_review") and rita.has_perm("reviews.complete_review")
assert r1.history.count() >= 2 and r1.score_changes.filter(source="review").exists()
assert Review.objects.filter(status="completed").count() == 1
assert Indicator.objects.filter(risk=r1).exists() and Indicator.history.exists()
assert Reading.objects.count() == 5
assert LogEntry.objects.get().get_edited_object() == r1
# Register 0004: every risk started where it is (inherent = current), with no new history rows.
assert all((r.inherent_impact, r.inherent_likelihood, r.inherent_score) == (r.impact, r.likelihood, r.score)
           for r in Risk.objects.all())
assert not r1.score_changes.exclude(assessment="current").exists() and r1.target_score is None
current_app.loader.import_default_modules()
missing = [t.task for t in PeriodicTask.objects.all() if t.task not in current_app.tasks]
assert not missing, missing
print("ok")
"""
