"""Small real HTTP servers on loopback for the tests: a controllable target and a webhook receiver."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Server(ThreadingHTTPServer):
    # The default backlog of 5 drops a burst of concurrent probes' connections, which then wait a
    # second for the kernel to retry them.
    request_queue_size = 128
    daemon_threads = True


class Target:
    """Answers every GET with the configured status, body and delay; counts requests, and how many it
    answered at once."""

    def __init__(self, host: str = "127.0.0.1"):
        self.status = 200
        self.body = b'{"status": "healthy"}'
        self.content_type = "application/json"
        self.delay = 0.0
        self.requests = 0
        self.in_flight = self.most_in_flight = 0  # requests being answered at once, now and at most
        lock = threading.Lock()
        target = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                with lock:
                    target.requests += 1
                    target.in_flight += 1
                    target.most_in_flight = max(target.most_in_flight, target.in_flight)
                try:
                    time.sleep(target.delay)
                finally:
                    with lock:
                        target.in_flight -= 1
                self.send_response(target.status)
                self.send_header("Content-Type", target.content_type)
                self.send_header("Content-Length", str(len(target.body)))
                self.end_headers()
                self.wfile.write(target.body)

            def log_message(self, *args):
                pass

        self.server = Server((host, 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Receiver:
    """Records every POSTed JSON body (a stand-in for Slack or any webhook consumer)."""

    def __init__(self, fail_first: int = 0):
        self.bodies: list[dict] = []
        self.headers: list[dict] = []
        self.fail_remaining = fail_first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                if receiver.fail_remaining > 0:
                    receiver.fail_remaining -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                receiver.bodies.append(json.loads(raw))
                receiver.headers.append(dict(self.headers))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
