"""Issue 11.7 (last sentence): a bad Host header is one warning line in the real server's log, no traceback."""

from __future__ import annotations

import socket

from tests.sync.realserver import running


def test_a_bad_host_header_is_one_warning_line(tmp_path):
    with running(tmp_path, kiosk=False) as srv:
        with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n")
            answer = b""
            while chunk := s.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 400")
    log = (tmp_path / "logs" / "community-server.log").read_text(encoding="utf-8")
    lines = [line for line in log.splitlines() if "evil.example" in line]
    assert len(lines) == 1 and " WARNING django.security.DisallowedHost: " in lines[0], log
    assert "Traceback" not in log and " ERROR " not in log
