"""`make run`'s process runner: supervisord (the PyPI package ``supervisor``) running the Procfile.

The Procfile stays the one declaration of the processes (platforms that read it still can). This
module turns it into a supervisord configuration under ``var/`` and replaces itself with
``supervisord -n``, which
- restarts a process that dies, with backoff (a quick re-death waits 1, 2, 3 … s; after 10 it gives
  up and says so), while the others keep running;
- stops everything, children and grandchildren, on Ctrl-C or SIGTERM;
- shows every process's output on the terminal, prefixed with its name (riskregister/prefixed.py).

``setup`` (not in the Procfile: it is this embedded mode's first-run step, not a service) runs once
after the broker starts: the demo plan, the first administrator, and one summary block when the
stack answers (``manage.py bootstrap --wait``).

    .venv/bin/supervisorctl -c var/supervisord.conf status        # what runs, since when
    .venv/bin/supervisorctl -c var/supervisord.conf restart worker
"""

from __future__ import annotations

import getpass
import os
import secrets
import shlex
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Start order (supervisord starts lower numbers first and stops them last).
PRIORITY = {"broker": 10, "graph": 20, "vector": 20, "web": 30, "worker": 40, "outbound": 40, "beat": 50}
SETUP = "setup"


def read_procfile(path: Path) -> list[tuple[str, str]]:
    processes = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, sep, command = line.partition(":")
        if not sep or not name.strip().isidentifier() or not command.strip():
            raise SystemExit(f"{path}:{number}: expected 'name: command', got {line!r}")
        processes.append((name.strip(), command.strip()))
    return processes


def _program(name: str, command: str, priority: int, python: str, once: bool = False) -> str:
    if not any(op in command for op in ("&&", "||", ";", "|", "&")) and not command.startswith("exec "):
        # The server itself, not a shell, is the wrapper's child: it then dies with the wrapper.
        command = f"exec {command}"
    wrapped = shlex.join([python, "-m", "riskregister.prefixed", name, "--", "sh", "-c", command])
    lines = [
        f"[program:{name}]",
        # supervisord expands %(...)s in its values: a literal % in a command must be doubled.
        f"command={wrapped.replace('%', '%%')}",
        f"directory={ROOT}",
        f"priority={priority}",
        "autostart=true",
        f"autorestart={'false' if once else 'true'}",
        f"startsecs={0 if once else 3}",
        "startretries=10",
        "stopasgroup=true",
        "killasgroup=true",
        "stopwaitsecs=15",
        "redirect_stderr=true",
        "stdout_logfile=/dev/stdout",
        "stdout_logfile_maxbytes=0",
    ]
    return "\n".join(lines)


def config(processes: list[tuple[str, str]], var_dir: Path, python: str, setup: str | None) -> str:
    # A fresh secret for supervisorctl's socket each start (the socket is 0700 already; without one
    # supervisord warns on every start), and the current user named so it does not warn about root.
    secret = secrets.token_urlsafe(16)
    sections = [
        "[supervisord]",
        "nodaemon=true",
        f"user={getpass.getuser()}",
        f"logfile={var_dir / 'log' / 'supervisord.log'}",
        f"pidfile={var_dir / 'supervisord.pid'}",
        f"childlogdir={var_dir / 'log'}",
        # Its own notices (a process exited, restarted, gave up) stay on the terminal.
        "loglevel=info",
        "",
        "[unix_http_server]",
        f"file={var_dir / 'supervisor.sock'}",
        "chmod=0700",
        "username=riskregister",
        f"password={secret}",
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "",
        "[supervisorctl]",
        f"serverurl=unix://{var_dir / 'supervisor.sock'}",
        "username=riskregister",
        f"password={secret}",
        "",
    ]
    for name, command in processes:
        sections += [_program(name, command, PRIORITY.get(name, 60), python), ""]
    if setup:
        sections += [_program(SETUP, setup, 999, python, once=True), ""]
    return "\n".join(sections)


def main(argv: list[str]) -> None:
    var_dir = Path(os.environ.get("RISKREGISTER_VAR_DIR", ROOT / "var")).resolve()
    (var_dir / "log").mkdir(parents=True, exist_ok=True)
    procfile = Path(argv[1]) if len(argv) > 1 else ROOT / "Procfile"
    processes = read_procfile(procfile)
    python = sys.executable
    setup = None
    if os.environ.get("RISKREGISTER_SETUP", "1") == "1":
        setup = f"exec {shlex.quote(python)} manage.py bootstrap --wait"
    path = var_dir / "supervisord.conf"
    path.touch(mode=0o600)
    path.chmod(0o600)  # it holds supervisorctl's password
    path.write_text(config(processes, var_dir, python, setup))
    os.environ["PREFIX_WIDTH"] = str(max(len(name) for name, _ in [*processes, (SETUP, "")]) + 1)
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    supervisord = str(Path(python).parent / "supervisord")
    os.execv(supervisord, [supervisord, "-n", "-c", str(path)])


if __name__ == "__main__":
    main(sys.argv)
