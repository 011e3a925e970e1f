"""The real `community-server serve` as a subprocess on a loopback port, killable with SIGKILL and
restartable on the same port and database; and a loopback proxy that can misbehave between the kiosk
and that server (the server still does the real work)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

from tests.conftest import free_port


def serve_in_thread(handler: type[BaseHTTPRequestHandler]) -> tuple[ThreadingHTTPServer, str]:
    """A threading HTTP server on a free loopback port, serving from a daemon thread: (server, its url)."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


class RealServer:
    def __init__(self, data: Path, database_url: str | None = None, log_level: str = "WARNING"):
        self.data = data
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = ""
        self.env = {**os.environ, "COMMUNITY_DATA_DIR": str(data), "COMMUNITY_LOG_LEVEL": log_level}
        self.env.pop("DATABASE_URL", None)
        if database_url:
            self.env["DATABASE_URL"] = database_url
        self.proc: subprocess.Popen | None = None
        self.starts = 0
        self.serve_args: list[str] = []   # more `serve` options, e.g. --no-advertise

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "server.cli", *args], env=self.env, capture_output=True,
                              text=True, timeout=120, check=check)

    def cli_json(self, *args: str):
        return json.loads(self.cli(*args, "--json").stdout)

    def start(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--port", str(self.port),
                                      "--threads", "4", *self.serve_args], env=self.env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.starts += 1
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"community-server serve exited with {self.proc.returncode}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.05)
        raise RuntimeError("community-server serve did not come up in 60 s")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def setup_post_and_kiosk(self, code: str = "WJZ1") -> str:
        self.cli("add-post", "--code", code, "--name", "王家庄")
        return self.cli_json("add-kiosk", "--post", code)["token"]

    def stored(self) -> list[dict]:
        return self.cli_json("requests")


@contextmanager
def running(data: Path, database_url: str | None = None, *, kiosk: bool = True,
            log_level: str = "WARNING") -> Iterator[RealServer]:
    """A started server (with post WJZ1 and a kiosk whose token is `.token`, unless kiosk=False), stopped after."""
    srv = RealServer(data, database_url, log_level)
    if kiosk:
        srv.token = srv.setup_post_and_kiosk()
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


class Proxy:
    """Forwards to `upstream`; `fault(path, n)` picks what happens to the n-th call:
    None (pass), "500" (Retry-After: 0, not forwarded), "html" (captive-portal page, not forwarded),
    "drop" (connection closed, not forwarded), "late" (forwarded — the server stores it — then the answer is
    withheld past the kiosk's timeout), "hold" (forwarded, then the answer waits for `release`)."""

    def __init__(self, upstream: str):
        self.upstream = upstream
        self.fault = lambda path, n: None
        self.calls = 0
        self.forwarded = threading.Event()   # set when a "hold" call has the server's answer
        self.release = threading.Event()
        self.late_s = 3.0
        outer = self
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _send(self, status: int, data: bytes, ctype: str, extra: dict | None = None):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                try:
                    self.wfile.write(data)
                except OSError:
                    pass

            def _handle(self, method: str):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)) if method == "POST" else None
                with lock:
                    outer.calls += 1
                    n = outer.calls
                what = outer.fault(self.path, n)
                if what == "500":
                    return self._send(500, b"Internal Server Error", "text/plain", {"Retry-After": "0"})
                if what == "html":
                    return self._send(200, "<html><body>请先登录上网认证</body></html>".encode(), "text/html; charset=utf-8")
                if what == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return None
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("authorization", "content-type", "accept")}
                try:
                    r = requests.request(method, outer.upstream + self.path, data=body, headers=headers, timeout=30)
                except requests.RequestException:
                    return self._send(502, b"bad gateway", "text/plain")
                if what == "late":
                    time.sleep(outer.late_s)
                elif what == "hold":
                    outer.forwarded.set()
                    outer.release.wait(60)
                return self._send(r.status_code, r.content, r.headers.get("Content-Type", "application/octet-stream"))

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

        self.httpd, self.url = serve_in_thread(Handler)

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
