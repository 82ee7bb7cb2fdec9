"""Start real processes for integration tests: Celery workers and beat, Prometheus.

With CI=true a component that cannot start fails the test; elsewhere it is skipped with the reason.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))


def unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and {reason}")
    # Only outside CI: a developer without root (no apt-get) still runs the rest of the suite.
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url() -> str:
    """The test database, spelled for a child process's DATABASE_URL."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def celery_env(redis_url: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": redis_url,
        "REDIS_URL": redis_url,
        "CELERY_VISIBILITY_TIMEOUT": "5",
        "SOURCE_RETRIES": "0",
        "PYTHONUNBUFFERED": "1",
    }


class Process:
    def __init__(self, args: list[str], env: dict, log: Path, cwd: Path = ROOT):
        self.log = log
        self.handle = open(log, "ab")  # noqa: SIM115 (closed in stop())
        self.popen = subprocess.Popen(
            args, cwd=cwd, env=env, stdout=self.handle, stderr=subprocess.STDOUT, start_new_session=True
        )

    def kill(self, sig=signal.SIGKILL) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, sig)
        self.popen.wait(timeout=30)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.kill(signal.SIGTERM)
        self.handle.close()

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


def start_worker(
    redis_url: str, log: Path, name: str = "w1", queues: list[str] | None = None, concurrency: int = 1
) -> Process:
    """A worker for every queue (or those given)."""
    from django.conf import settings

    return Process(
        [
            CELERY,
            "-A",
            "riskregister",
            "worker",
            "--queues",
            ",".join(queues or settings.CELERY_QUEUES_ALL),
            "--concurrency",
            str(concurrency),
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"{name}@%h",
        ],
        celery_env(redis_url),
        log,
    )


def start_beat(redis_url: str, log: Path, tmp: Path) -> Process:
    return Process(
        [CELERY, "-A", "riskregister", "beat", "--loglevel", "INFO", "--pidfile", str(tmp / "beat.pid")],
        celery_env(redis_url),
        log,
    )


def wait_for(predicate, timeout: float, what: str, process: Process | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.25)
    details = f"\n--- process output ---\n{process.output()}" if process else ""
    raise AssertionError(f"timed out after {timeout}s waiting for {what}{details}")


def prometheus_binary() -> str:
    path = shutil.which("prometheus")
    if path is None:
        unavailable("the prometheus binary is not installed (Debian package 'prometheus'; make test installs it)")
    return path


def use_broker(url: str, **transport_options) -> None:
    """Point this process's Celery app at ``url``. Earlier tests may have queued (and failed) through
    the default broker, leaving the app holding pools bound to it: forget them, so the next send takes
    the pool kombu keeps for ``url`` (not closed: another test may be using it)."""
    from riskregister.celery import app

    app.conf.broker_url = url
    if transport_options:
        app.conf.broker_transport_options = transport_options
    app._pool = None
    app.amqp._producer_pool = None
