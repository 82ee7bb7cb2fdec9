"""Queues by kind of work, shown: how long a reading waits when a webhook receiver is slow.

A webhook receiver on loopback takes 3 s per delivery; eight notifications are queued, then one
collection. With one worker consuming every queue (two processes, as before the queues), the
collection waits behind the deliveries; with `make run`'s workers (collection and housekeeping on
one, notifications, projections and reports on the other) it does not. Real Redis (the bundled
redis-server), real Celery workers, a throw-away SQLite file.

Usage: ``make bench`` or ``python bench/bench_queues.py``.
"""

from __future__ import annotations

import http.server
import os
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from common import setup, throwaway_database

DELIVERY_SECONDS = 3.0
NOTIFICATIONS = 8


class SlowReceiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        time.sleep(DELIVERY_SECONDS)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def start_broker(tmp: Path) -> tuple[subprocess.Popen, str]:
    from riskregister.broker import server_command

    socket = tmp / "redis.sock"
    process = subprocess.Popen(server_command(socket), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 10
    while not socket.exists():
        if time.monotonic() > deadline:
            raise SystemExit("the bundled redis-server did not start")
        time.sleep(0.05)
    return process, f"redis+socket://{socket}"


def wait_ready(worker, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while " ready." not in worker.log.read_text(errors="replace"):
        if time.monotonic() > deadline or worker.popen.poll() is not None:
            raise SystemExit(f"a worker did not start:\n{worker.log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.2)


def reading_latency(metric, channel, label: str) -> float:
    """Queue the deliveries, then one collection: seconds until its reading is stored."""
    from monitoring.models import Reading
    from monitoring.tasks import collect_metric
    from notifications.models import Notification
    from notifications.tasks import deliver_notification

    for n in range(NOTIFICATIONS):
        note = Notification.objects.create(channel=channel, key=f"{label}-{n}", payload={"text": "bench"})
        deliver_notification.delay(note.pk)
    time.sleep(0.5)  # the deliveries are taken first, as they would be
    before = Reading.objects.filter(metric=metric).count()
    started = time.monotonic()
    collect_metric.delay(metric.pk)  # routed by app.conf.task_routes, as the register sends it
    while Reading.objects.filter(metric=metric).count() == before:
        if time.monotonic() - started > 120:
            raise SystemExit("no reading within 120 s")
        time.sleep(0.05)
    return time.monotonic() - started


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="riskregister-bench-queues-"))
    broker, redis_url = start_broker(tmp)
    os.environ["CELERY_BROKER_URL"] = redis_url  # before Django reads its settings
    os.environ["EMBEDDINGS_PRELOAD"] = "0"  # the workers start faster; nothing here embeds
    setup("sqlite:///{scratch}/bench.sqlite3")
    import redis
    from django.conf import settings

    from monitoring.models import Metric
    from notifications.models import Channel
    from riskregister.celery import app
    from tests.integration.services import start_worker

    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), SlowReceiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        with throwaway_database():
            channel = Channel.objects.create(
                name="slow receiver", kind="webhook", target=f"http://127.0.0.1:{receiver.server_port}/hook"
            )
            metric = Metric.objects.create(
                name="CPU",
                key="bench_cpu",
                unit="%",
                warning=80,
                critical=95,
                source="host",
                source_config={"measure": "cpu_percent"},
            )
            print(
                f"queues ({os.cpu_count()} cores): a reading queued behind {NOTIFICATIONS} webhook deliveries of"
                f" {DELIVERY_SECONDS:.0f} s each"
            )
            layouts = {
                "one queue, one worker (before)": (False, [("all", ["celery"])]),
                "queues by kind, one worker": (True, [("all", settings.CELERY_QUEUES_ALL)]),
                "queues by kind, make run's two workers": (
                    True,
                    [("worker", ["collection", "celery"]), ("outbound", ["notifications", "projections", "reports"])],
                ),
            }
            routes = app.conf.task_routes
            for n, (label, (routed, workers)) in enumerate(layouts.items()):
                app.conf.task_routes = routes if routed else {}
                app.amqp.flush_routes()
                vars(app.amqp).pop("router", None)  # a cached_property built from the routes
                started = [
                    start_worker(redis_url, tmp / f"{n}-{name}.log", f"{name}-{n}", queues, concurrency=2)
                    for name, queues in workers
                ]
                for worker in started:
                    wait_ready(worker)
                try:
                    seconds = reading_latency(metric, channel, f"layout-{n}")
                finally:
                    for worker in started:
                        worker.kill()
                redis.Redis(unix_socket_path=str(tmp / "redis.sock")).flushall()  # what the killed workers left
                print(f"  {label:40} reading stored {seconds:6.1f} s after it was queued")
    finally:
        broker.terminate()
        receiver.shutdown()


if __name__ == "__main__":
    main()
