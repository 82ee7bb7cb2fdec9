"""Read settings from the environment, failing loudly on values we cannot use.

Modelled on healthchecks' ``hc/settings.py``: a typo in ``DEBUG=ture`` must stop the process at
start-up rather than silently run with a default nobody asked for.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no).")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer.") from exc


def env_list(name: str, default: str = "") -> list[str]:
    raw = os.environ.get(name, default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: set[str]) -> str:
    value = os.environ.get(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} must be one of {sorted(choices)}.")
    return value


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number.") from exc


def required_secret(name: str, min_length: int = 1) -> str:
    """A secret the environment must give (production): no default, no generated value."""
    value = os.environ.get(name, "")
    if len(value) < min_length:
        raise ImproperlyConfigured(
            f"{name} is not set. Set it in the environment (outside `make run`, secrets are never generated)."
        )
    return value


def secret_key(var_dir: Path) -> str:
    """SECRET_KEY from the environment, or one generated once into ``var/`` (embedded mode only)."""
    return generated_secret("SECRET_KEY", var_dir / "secret_key", 50)


def generated_secret(name: str, path: Path, size: int = 24) -> str:
    """The environment's value of ``name``, or a random one written once to ``path`` (mode 600).

    Only for the embedded mode (`make run`): a generated secret survives restarts (sessions stay
    valid) without ever being committed.
    """
    key = os.environ.get(name)
    if key:
        return key
    var_dir = path.parent
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(size)
    # O_EXCL: two processes starting together (web and a management command) must agree on one key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
