"""A loopback HTTP server that answers like a broken network would: a test double of the community server
for the client's failure handling (the real server is exercised in test_e2e*)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sync import protocol


def ack_all(items):
    return 200, {"protocol": 1, "results": [{"uuid": i["uuid"], "status": "created", "receipt": i.get("receipt")}
                                            for i in items]}


class FaultServer:
    """`script(path, body) -> (status, body_or_bytes, headers)`; records every submit batch."""

    def __init__(self):
        self.batches: list[list[dict]] = []
        self.auth: list[str] = []
        self.script = lambda path, body: (200, {"protocol": 1, "results": [], "events": [], "cursor": 0,
                                                "more": False, "ok": True}, {})
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def _answer(self, body):
                outer.auth.append(self.headers.get("Authorization", ""))
                if self.path.startswith(protocol.SUBMIT_PATH) and isinstance(body, dict):
                    outer.batches.append(body.get("items", []))
                status, out, headers = outer.script(self.path.split("?")[0], body)
                data = out if isinstance(out, bytes) else json.dumps(out).encode()
                self.send_response(status)
                ctype = headers.pop("Content-Type", "text/html" if isinstance(out, bytes) else "application/json")
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self._answer(json.loads(raw))

            def do_GET(self):
                self._answer(None)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def slow(seconds):
    def script(path, body):
        time.sleep(seconds)
        return 200, {"protocol": 1, "results": []}, {}
    return script
