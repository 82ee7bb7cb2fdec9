import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from riskregister import env

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("true", True), ("Yes", True), ("0", False), ("off", False), ("", False)]
)
def test_env_bool(monkeypatch, raw, expected):
    monkeypatch.setenv("FLAG", raw)
    assert env.env_bool("FLAG") is expected


def test_env_bool_refuses_typos(monkeypatch):
    monkeypatch.setenv("DEBUG", "ture")
    with pytest.raises(ImproperlyConfigured, match="DEBUG"):
        env.env_bool("DEBUG")


def test_env_int_and_choice_refuse_bad_values(monkeypatch):
    monkeypatch.setenv("N", "ten")
    with pytest.raises(ImproperlyConfigured, match="N='ten'"):
        env.env_int("N", 1)
    monkeypatch.setenv("LANGUAGE_CODE", "fr")
    with pytest.raises(ImproperlyConfigured, match="LANGUAGE_CODE"):
        env.env_choice("LANGUAGE_CODE", "en", {"en", "ja"})


def test_secret_key_is_generated_once_and_kept_private(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = env.secret_key(tmp_path / "var")
    assert len(first) > 40
    assert env.secret_key(tmp_path / "var") == first
    mode = stat.S_IMODE(os.stat(tmp_path / "var" / "secret_key").st_mode)
    assert mode == 0o600
    monkeypatch.setenv("SECRET_KEY", "from-env")
    assert env.secret_key(tmp_path / "var") == "from-env"


@pytest.mark.django_db
def test_health(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "healthy"}


@pytest.mark.django_db
def test_bootstrap_loads_the_demo_once_and_creates_one_admin(capsys, monkeypatch):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db.models import Count

    from register.models import Programme, Risk, RiskLink

    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)
    monkeypatch.delenv("DJANGO_SUPERUSER_USERNAME", raising=False)
    call_command("bootstrap")
    out = capsys.readouterr().out
    # The demo: two programmes under one organisation, linked by one risk link across them.
    assert dict(Risk.objects.values_list("programme__code").annotate(n=Count("id")).order_by()) == {"P2": 7, "PAY": 3}
    assert Programme.objects.get(code="P2").parent.code == Programme.objects.get(code="PAY").parent.code == "ORG"
    assert RiskLink.objects.filter(cause__programme__code="P2", effect__programme__code="PAY").count() == 1
    password = out.split("with password '")[1].split("'")[0]
    assert "shown only this once" in out
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(password)
    assert admin.groups.filter(name="administrator").exists()
    call_command("bootstrap")
    out = capsys.readouterr().out
    assert "exists already" in out and password not in out
    assert Risk.objects.count() == 10 and get_user_model().objects.count() == 1


@pytest.mark.django_db
def test_models_and_migrations_agree():
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def _start(tmp_path, **env_vars) -> subprocess.CompletedProcess:
    """Load the settings in a fresh process with exactly these variables (and no SECRET_KEY unless given)."""
    env = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL", "NEO4J_URI", "NEO4J_PASSWORD"}
    }
    env |= {
        "RISKREGISTER_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "riskregister.settings",
        **env_vars,
    }
    code = "import django; django.setup(); from django.conf import settings; print(len(settings.SECRET_KEY))"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT, timeout=120)


@pytest.mark.parametrize(
    ("env_vars", "refused"),
    [
        ({}, None),  # make run: embedded, key generated under var/
        ({"DATABASE_URL": "postgres://db.example/register"}, "SECRET_KEY is not set"),
        ({"DATABASE_URL": "postgres://db.example/register", "SECRET_KEY": "k" * 50}, None),
        ({"RISKREGISTER_EMBEDDED": "0"}, "SECRET_KEY is not set"),
        ({"SECRET_KEY": "k" * 50, "NEO4J_URI": "bolt://graph.example:7687"}, "NEO4J_PASSWORD is not set"),
    ],
)
def test_secrets_are_generated_only_in_the_embedded_mode(tmp_path, env_vars, refused):
    started = _start(tmp_path, **env_vars)
    if refused is None:
        assert started.returncode == 0, started.stderr
    else:
        assert started.returncode != 0 and refused in started.stderr
        assert not (tmp_path / "var" / "secret_key").exists()
