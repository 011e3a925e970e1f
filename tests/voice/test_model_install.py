"""`kiosk model install` against a real HTTP server on loopback serving archives built here:
good, truncated, wrong checksum, interrupted then resumed, copied file, not a model."""

from __future__ import annotations

import hashlib
import io
import json
import random
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kiosk.cli import main
from tests.conftest import free_port
from voice import model_install as mi


def make_archive(name="vosk-model-small-cn-0.22", marker=b"model v1", with_model=True) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        if with_model:
            z.writestr(f"{name}/am/final.mdl", marker + random.Random(1).randbytes(60_000))  # incompressible
            z.writestr(f"{name}/conf/model.conf", "--min-active=200\n")
            z.writestr(f"{name}/graph/HCLr.fst", b"\x00" * 5000)
        z.writestr(f"{name}/README", "test model\n")
    return buf.getvalue()


class Server:
    """Serves `self.body` at /model.zip with Range support; `cut_after` drops the connection once."""

    def __init__(self):
        self.body = b""
        self.cut_after: int | None = None
        self.ignore_range = False
        self.ranges: list[str | None] = []
        outer = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                rng = self.headers.get("Range")
                outer.ranges.append(rng)
                if outer.ignore_range:
                    rng = None
                start = int(rng.split("=")[1].split("-")[0]) if rng else 0
                data = outer.body[start:]
                self.send_response(206 if rng else 200)
                self.send_header("Content-Length", str(len(data)))
                if rng:
                    self.send_header("Content-Range", f"bytes {start}-{len(outer.body) - 1}/{len(outer.body)}")
                self.end_headers()
                if outer.cut_after is not None:
                    self.wfile.write(data[:outer.cut_after])
                    self.wfile.flush()
                    outer.cut_after = None
                    self.close_connection = True
                    return
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), H)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/model.zip"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


def spec(body: bytes) -> dict:
    return {"size": len(body), "sha256": hashlib.sha256(body).hexdigest()}


def test_good_archive_installs_and_status_reports_it(server, tmp_path, capsys):
    server.body = make_archive()
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[kiosk]\ndata_dir = "{tmp_path}"\n', encoding="utf-8")
    s = spec(server.body)
    assert main(["--config", str(cfg), "model", "install", "--url", server.url,
                 "--sha256", s["sha256"], "--size", str(s["size"])]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    model = tmp_path / "models" / "vosk-model-small-cn-0.22"
    assert out["installed"] and out["verified"] and out["sha256"] == s["sha256"]
    assert (model / "am" / "final.mdl").read_bytes().startswith(b"model v1")
    assert not list(model.parent.glob(".*part")) and not list(model.parent.glob(".unpack-*"))
    assert main(["--config", str(cfg), "model", "status"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["installed"] and status["source"] == server.url


def test_truncated_download_is_refused_and_kept_for_resume(server, tmp_path):
    good = make_archive()
    server.body = good[: len(good) // 2]            # the server only has half the file
    model = tmp_path / "m" / "vosk-model-small-cn-0.22"
    with pytest.raises(mi.InstallError, match="文件大小不对"):
        mi.install(model, url=server.url, **spec(good))
    assert not model.exists()
    assert mi.status(model)["partial_download_bytes"] == len(good) // 2
    server.body = good                               # the rest becomes available: resumes, not restarts
    result = mi.install(model, url=server.url, **spec(good))
    assert result["installed"] and server.ranges[-1] == f"bytes={len(good) // 2}-"


def test_wrong_checksum_is_refused_and_leaves_the_installed_model(server, tmp_path):
    model = tmp_path / "vosk-model-small-cn-0.22"
    server.body = make_archive(marker=b"model v1")
    mi.install(model, url=server.url, **spec(server.body))
    tampered = make_archive(marker=b"model v2")
    server.body = tampered
    with pytest.raises(mi.InstallError, match="校验码不对"):
        mi.install(model, url=server.url, size=len(tampered), sha256="0" * 64)
    assert (model / "am" / "final.mdl").read_bytes().startswith(b"model v1")   # old model untouched
    assert "partial_download_bytes" not in mi.status(model)                  # a wrong file is not resumed


def test_interrupted_download_resumes_with_range(server, tmp_path, capsys):
    server.body = make_archive()
    server.cut_after = 3000
    model = tmp_path / "vosk-model-small-cn-0.22"
    with pytest.raises(mi.InstallError, match="下载中断"):
        mi.install(model, url=server.url, **spec(server.body))
    assert mi.status(model)["partial_download_bytes"] == 3000
    seen = []
    result = mi.install(model, url=server.url, progress=lambda done, total: seen.append(done), **spec(server.body))
    assert result["installed"] and result["verified"]
    assert server.ranges == [None, "bytes=3000-"]
    assert seen[0] > 3000 and seen[-1] == len(server.body)


def test_install_from_a_copied_archive_replaces_the_old_model(tmp_path, capsys):
    model = tmp_path / "models" / "vosk-model-small-cn-0.22"
    for marker in (b"model v1", b"model v2"):
        body = make_archive(marker=marker)
        archive = tmp_path / "copy.zip"
        archive.write_bytes(body)
        mi.install(model, from_file=archive, **spec(body))
    assert (model / "am" / "final.mdl").read_bytes().startswith(b"model v2")
    assert [p.name for p in model.parent.iterdir()] == [model.name]   # no leftovers from the swap


def test_archive_without_a_model_is_refused(tmp_path):
    body = make_archive(with_model=False)
    archive = tmp_path / "x.zip"
    archive.write_bytes(body)
    with pytest.raises(mi.InstallError, match="final.mdl"):
        mi.install(tmp_path / "model", from_file=archive, **spec(body))
    assert not (tmp_path / "model").exists()


def test_cli_errors_are_one_line(tmp_path, capsys):
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[kiosk]\ndata_dir = "{tmp_path}"\n', encoding="utf-8")
    assert main(["--config", str(cfg), "model", "install", "--from", str(tmp_path / "missing.zip")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("kiosk: error: 找不到文件")
    # the official archive's size and checksum are what a copied file must match
    (tmp_path / "fake.zip").write_bytes(make_archive())
    assert main(["--config", str(cfg), "model", "install", "--from", str(tmp_path / "fake.zip")]) == 1
    assert "43898754" in capsys.readouterr().err
    assert mi.SIZE == 43_898_754 and mi.SHA256.startswith("3af8b0e7")


def test_a_server_that_ignores_range_restarts_the_download(server, tmp_path):
    server.body = make_archive()
    model = tmp_path / "vosk-model-small-cn-0.22"
    part = tmp_path / ".vosk-model-small-cn-0.22.zip.part"
    part.write_bytes(b"stale bytes from another file")
    server.ignore_range = True          # answers 200 with the whole file
    result = mi.install(model, url=server.url, **spec(server.body))
    assert result["installed"] and server.ranges == ["bytes=29-"] and not part.exists()


def test_cli_download_error_is_one_line(server, tmp_path, capsys):
    good = make_archive()
    server.body = good[:1000]
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[kiosk]\ndata_dir = "{tmp_path}"\n', encoding="utf-8")
    s = spec(good)
    assert main(["--config", str(cfg), "model", "install", "--url", server.url,
                 "--sha256", s["sha256"], "--size", str(s["size"])]) == 1
    err = capsys.readouterr().err.strip("\n").splitlines()
    assert len(err) == 1 and "文件大小不对" in err[0]
