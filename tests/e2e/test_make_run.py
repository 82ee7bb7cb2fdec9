"""The stack as `make run` starts it — supervisord over the Procfile, its own var/ and free ports —
used the way the README's drill uses it: a quiet first start, a store stopped and started, servers
killed with SIGKILL, the broker killed with work queued, and a clean stop.

One long test on purpose: starting the stack (the embedding model, the graph server) is what costs,
and each step starts from where the previous one left the register. Runs in the SQLite pass only
(the stack brings its own embedded SQLite whatever the suite runs on): test.sh deselects it in the
PostgreSQL pass.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.integration.services import free_port

pytestmark = pytest.mark.stack
ROOT = Path(__file__).resolve().parents[2]
TOKEN = "e2e-metrics-token"


class Stack:
    def __init__(self, tmp: Path):
        self.var = tmp / "var"
        self.web_port, self.chroma_port, self.bolt_port = free_port(), free_port(), free_port()
        self.site = f"http://127.0.0.1:{self.web_port}"
        keep = {
            k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "SECRET_KEY", "METRIC_WARMUP"))
        }
        keep.pop("EMBEDDINGS_PRELOAD", None)
        self.env = {
            **keep,
            "RISKREGISTER_VAR_DIR": str(self.var),
            "HOST": "127.0.0.1",
            "WEB_PORT": str(self.web_port),
            "SITE_URL": self.site,
            "CHROMA_URL": f"http://127.0.0.1:{self.chroma_port}",
            "NEO4J_URI": f"bolt://127.0.0.1:{self.bolt_port}",
            "NEO4J_PASSWORD": "e2e-graph-password",
            "GRAPH_HTTP_PORT": str(free_port()),
            "METRICS_TOKEN": TOKEN,
            "DJANGO_SUPERUSER_PASSWORD": "e2e-admin-password",
        }
        self.log = tmp / "stack.log"
        self.process: subprocess.Popen | None = None

    def manage(self, *args: str) -> None:
        subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, check=True, capture_output=True)

    def start(self) -> None:
        # make run's steps: migrate, collectstatic, then the supervisor.
        self.manage("migrate", "--noinput", "-v0")
        self.manage("collectstatic", "--noinput", "-v0")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "riskregister.supervise"],
            cwd=ROOT,
            env=self.env,
            stdout=open(self.log, "wb"),  # noqa: SIM115 (closed with the process)
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def ctl(self, *args: str) -> str:
        conf = str(self.var / "supervisord.conf")
        ctl = str(Path(sys.executable).parent / "supervisorctl")
        return subprocess.run([ctl, "-c", conf, *args], capture_output=True, text=True, timeout=60).stdout

    def pid(self, name: str) -> int | None:
        line = self.ctl("status", name)
        return int(line.split("pid ")[1].split(",")[0]) if "RUNNING" in line else None

    def query(self, sql: str, params=()) -> list[tuple]:
        with sqlite3.connect(self.var / "riskregister.sqlite3", timeout=20) as db:
            return list(db.execute(sql, params))

    def get(self, path: str, token: str | None = None, timeout: float = 10) -> tuple[int, bytes, float]:
        request = urllib.request.Request(self.site + path)
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.read(), time.monotonic() - started
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read(), time.monotonic() - started

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


def wait_until(what: str, check, seconds: float, stack: Stack):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(1)
    raise AssertionError(f"{what}: not within {seconds:.0f} s\n--- stack output (tail) ---\n{stack.output()[-6000:]}")


def descendants(pid: int) -> set[int]:
    found, frontier = set(), [pid]
    while frontier:
        parent = frontier.pop()
        for child in Path("/proc").glob("[0-9]*"):
            try:
                fields = (child / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == parent:
                found.add(int(child.name))
                frontier.append(int(child.name))
    return found


def process_of(pid: int, needle: str) -> int:
    """The process under ``pid`` (itself included) whose command line contains ``needle``."""
    for candidate in sorted({pid} | descendants(pid)):
        try:
            if needle in Path(f"/proc/{candidate}/cmdline").read_bytes().replace(b"\0", b" ").decode():
                return candidate
        except OSError:
            continue
    raise AssertionError(f"no {needle!r} under pid {pid}")


def live(stack: Stack, code: str) -> str:
    # The demo plan's risks are P2's (the demo's second programme, PAY, has an R-1 to R-3 too).
    return stack.query(
        "SELECT r.live_status FROM register_risk r JOIN register_programme p ON p.id = r.programme_id"
        " WHERE p.code = 'P2' AND r.code = ?",
        (code,),
    )[0][0]


def test_make_run_survives_crashes_starts_quietly_and_stops_cleanly(tmp_path):
    stack = Stack(tmp_path)
    stack.start()
    try:
        _drill(stack)
    finally:
        stack.stop()


def _drill(stack: Stack) -> None:
    started = time.monotonic()
    wait_until("the summary", lambda: "riskregister is up." in stack.output(), 240, stack)
    up_after = time.monotonic() - started
    out = stack.output()
    assert "Traceback" not in out, out[-6000:]
    assert f"{stack.site}/admin/" in out and "admin: created with the password from DJANGO_SUPERUSER_PASSWORD" in out

    # A quiet start: the demo's probes run a while, and nothing alarms about the register itself.
    wait_until(
        "the demo's metrics collected",
        lambda: stack.query("SELECT COUNT(DISTINCT metric_id) FROM monitoring_reading")[0][0] >= 4,
        60,
        stack,
    )
    time.sleep(20)
    assert stack.query("SELECT COUNT(*) FROM monitoring_alert") == [(0,)]
    assert stack.query("SELECT COUNT(*) FROM incidents_incident") == [(0,)]
    # The demo's outbox drained (the model loads at worker start, not inside the drain).
    wait_until(
        "the outbox drained",
        lambda: stack.query("SELECT COUNT(*) FROM projections_outboxentry WHERE done_at IS NULL") == [(0,)],
        60,
        stack,
    )

    # The first search after start: the web process loaded the model before it served.
    token = json.loads(
        urllib.request.urlopen(
            urllib.request.Request(
                stack.site + "/api/v1/auth/token/",
                data=json.dumps({"username": "admin", "password": "e2e-admin-password"}).encode(),
                headers={"Content-Type": "application/json"},
            ),
            timeout=10,
        ).read()
    )["access"]
    status, body, first_search = stack.get("/api/v1/search/?q=graph+connection+refused&type=risk", token=token)
    assert status == 200 and b"R-2" in body, body[:500]
    assert first_search < 3, f"the first search took {first_search:.2f} s"
    # The demo plan is English; a Japanese lead asks in Japanese.
    query = urllib.parse.quote("バックエンドサービスへの接続エラー")
    status, body, _ = stack.get(f"/api/v1/search/?q={query}&type=risk", token=token)
    assert status == 200 and json.loads(body)["results"][0]["code"] == "R-2", body[:500]
    query = urllib.parse.quote("チーズケーキの焼き方")
    status, body, _ = stack.get(f"/api/v1/search/?q={query}&type=risk", token=token)
    assert status == 200 and json.loads(body)["results"] == [], body[:500]

    # Exposure: the load balancer's page is open, the internals are not.
    status, body, _ = stack.get("/health/detailed")
    assert status == 200 and json.loads(body) == {"status": "healthy"}
    assert stack.get("/metrics")[0] == 401
    status, body, _ = stack.get("/metrics", token=TOKEN)
    assert status == 200 and b"riskregister_risk_score" in body

    # A sustained graph outage (the drill: stop the graph process): R-2 goes critical, its
    # immediate alert opens an incident; /health/detailed stays fast; the rest keeps serving.
    stopped = time.monotonic()
    assert "stopped" in stack.ctl("stop", "graph")
    wait_until("R-2 critical", lambda: live(stack, "R-2") == "critical", 60, stack)
    to_red = time.monotonic() - stopped
    wait_until(
        "an incident for R-2",
        lambda: (
            stack.query(
                "SELECT COUNT(*) FROM incidents_incident_risks ir JOIN register_risk r ON r.id = ir.risk_id"
                " JOIN register_programme p ON p.id = r.programme_id WHERE p.code = 'P2' AND r.code = 'R-2'"
            )[0][0]
            >= 1
        ),
        60,
        stack,
    )
    to_incident = time.monotonic() - stopped
    status, body, took = stack.get("/health/detailed", token=TOKEN)
    assert status == 200 and json.loads(body)["services"]["graph"]["status"] == "unhealthy"
    assert took < 2.5, f"/health/detailed took {took:.2f} s with the graph down"
    assert stack.get("/health/")[0] == 200
    restarted = time.monotonic()
    assert "started" in stack.ctl("start", "graph")
    wait_until("R-2 back to normal", lambda: live(stack, "R-2") == "normal", 90, stack)
    to_recovery = time.monotonic() - restarted

    # SIGKILL the graph server: the supervisor brings it back; web never stops answering.
    graph = stack.pid("graph")
    os.kill(process_of(graph, "ArcadeDBServer"), signal.SIGKILL)
    wait_until("the graph restarted", lambda: (stack.pid("graph") or graph) != graph, 60, stack)
    assert stack.get("/health/")[0] == 200

    # SIGKILL the worker: it comes back and collection continues, with no reading twice.
    readings_before = stack.query("SELECT COUNT(*) FROM monitoring_reading")[0][0]
    worker = stack.pid("worker")
    os.kill(process_of(worker, "celery"), signal.SIGKILL)  # the worker's main process
    wait_until("the worker restarted", lambda: (stack.pid("worker") or worker) != worker, 60, stack)
    wait_until(
        "readings after the restart",
        lambda: stack.query("SELECT COUNT(*) FROM monitoring_reading")[0][0] > readings_before + 4,
        90,
        stack,
    )
    assert stack.query(
        "SELECT COUNT(*) FROM (SELECT metric_id, slot FROM monitoring_reading WHERE slot IS NOT NULL"
        " GROUP BY metric_id, slot HAVING COUNT(*) > 1)"
    ) == [(0,)]
    assert stack.query(
        "SELECT COUNT(*) FROM (SELECT key, channel_id FROM notifications_notification"
        " WHERE channel_id IS NOT NULL GROUP BY key, channel_id HAVING COUNT(*) > 1)"
    ) == [(0,)]

    # SIGKILL the broker with tasks queued (the worker stopped, beat still queueing): the queue survives.
    import redis

    stack.ctl("stop", "worker")
    queue = redis.Redis(unix_socket_path=str(stack.var / "redis.sock"))
    # Collection has its own queue (the outbound worker keeps draining the others).
    wait_until("tasks queued", lambda: queue.llen("collection") >= 2, 60, stack)
    time.sleep(1.5)  # the append-only file is synced every second
    queued = queue.llen("collection")
    os.kill(process_of(stack.pid("broker"), "redis-server"), signal.SIGKILL)
    queue = redis.Redis(unix_socket_path=str(stack.var / "redis.sock"))
    assert wait_until("the broker back with its queue", lambda: _llen(queue), 60, stack) >= queued - 1
    stack.ctl("start", "worker")
    wait_until("the queue drained", lambda: _llen(queue) == 0 or None, 90, stack)

    # A clean stop: every process of the stack is gone.
    pids = descendants(stack.process.pid)
    stack.stop()
    assert stack.process.returncode == 0
    time.sleep(1)
    assert not [pid for pid in pids if Path(f"/proc/{pid}").exists()]
    print(
        f"\nfirst start to summary {up_after:.1f} s; first search {first_search:.2f} s; "
        f"graph stopped → R-2 critical {to_red:.1f} s, "
        f"→ incident {to_incident:.1f} s; graph started → R-2 normal {to_recovery:.1f} s; "
        f"/health/detailed with the graph down {took:.2f} s"
    )


def _llen(queue) -> int | None:
    import redis

    try:
        return queue.llen("collection")
    except redis.RedisError:
        return None
