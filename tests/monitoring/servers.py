"""Small real HTTP servers on loopback for the tests: a controllable target and a webhook receiver."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Target:
    """Answers every GET with the configured status, body and delay; counts requests."""

    def __init__(self):
        self.status = 200
        self.body = b'{"status": "healthy"}'
        self.content_type = "application/json"
        self.delay = 0.0
        self.requests = 0
        target = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                target.requests += 1
                time.sleep(target.delay)
                self.send_response(target.status)
                self.send_header("Content-Type", target.content_type)
                self.send_header("Content-Length", str(len(target.body)))
                self.end_headers()
                self.wfile.write(target.body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

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

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
