"""Two installable parts, each from the built wheel into a fresh venv outside the repository, dependencies from
the hashed locks: the server host gets no Kivy, vosk, sounddevice or numpy, the kiosk no Django or psycopg,
and each command works from anywhere (assets from package data, version from the installed metadata). Then the
two venvs talk: a request submitted with the kiosk's `kiosk` reaches the server's `community-server`.

The locks' files are downloaded once (hash-checked) into a wheelhouse in the user's cache; later runs install
with --no-index from it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
import requests

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
LOCKS = ROOT / "requirements"
WHEELHOUSE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "xingfu-kiosk" / "wheelhouse"
FORBIDDEN = {"server": {"kivy", "vosk", "sounddevice", "numpy"}, "kiosk": {"django", "psycopg", "psycopg-binary"}}


def run(*args, cwd: Path, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    p = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert p.returncode == 0, f"{' '.join(map(str, args))}\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}"
    return p


def outside_env(**extra: str) -> dict:
    """The caller's environment without anything that would find the repository's code or settings."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "KIOSK_CONFIG")}
    return {**env, "PIP_DISABLE_PIP_VERSION_CHECK": "1", **extra}


def install_part(part: str, wheel: Path, where: Path) -> Path:
    venv = where / f"{part}-venv"
    run(sys.executable, "-m", "venv", venv, cwd=where)
    pip = [venv / "bin" / "python", "-m", "pip", "install", "-q"]
    offline = [*pip, "--no-index", "--find-links", WHEELHOUSE, "--require-hashes", "-r", LOCKS / f"{part}.txt"]
    env = outside_env()
    if subprocess.run([str(a) for a in offline], cwd=where, env=env, capture_output=True).returncode:
        # First run on this machine (or a changed lock): fetch the lock's files, hash-checked, then offline.
        WHEELHOUSE.mkdir(parents=True, exist_ok=True)
        run(venv / "bin" / "python", "-m", "pip", "download", "-q", "--require-hashes", "-d", WHEELHOUSE,
            "-r", LOCKS / f"{part}.txt", "-r", LOCKS / "build.txt", cwd=where, env=env, timeout=900)
        run(*offline, cwd=where, env=env)
    # The project from its wheel, with the extra: everything it asks for must already be there from the lock.
    run(*pip, "--no-index", "--find-links", WHEELHOUSE, f"{wheel}[{part}]", cwd=where, env=env)
    return venv


def installed(venv: Path) -> set[str]:
    out = run(venv / "bin" / "python", "-m", "pip", "list", "--format=json", cwd=venv, env=outside_env()).stdout
    return {d["name"].lower().replace("_", "-") for d in json.loads(out)}


@pytest.fixture(scope="module")
def parts(tmp_path_factory):
    where = tmp_path_factory.mktemp("parts")   # under /tmp: outside the repository
    assert ROOT not in where.parents
    # Built from a clean copy: an in-tree build reuses build/lib, where files deleted since would linger.
    src = where / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".git", ".venv*", ".data", "artefacts", "build", "dist",
                                                             "*.egg-info", "__pycache__", ".*_cache"))
    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", where / "dist", src,
        cwd=where)
    (wheel,) = (where / "dist").glob("xingfu_kiosk-*.whl")
    return where, {part: install_part(part, wheel, where) for part in ("server", "kiosk")}


def test_each_part_installs_without_the_other_parts_libraries(parts):
    _, venvs = parts
    for part, venv in venvs.items():
        present = installed(venv)
        assert "xingfu-kiosk" in present
        assert not present & FORBIDDEN[part], f"{part} venv has {sorted(present & FORBIDDEN[part])}"
    assert FORBIDDEN["server"] <= installed(venvs["kiosk"]) and {"django", "psycopg"} <= installed(venvs["server"])


def test_both_commands_work_from_outside_the_repository_and_talk_to_each_other(parts):
    where, venvs = parts
    srv_bin, kiosk_bin = venvs["server"] / "bin", venvs["kiosk"] / "bin"
    data = where / "server-data"
    env = outside_env(COMMUNITY_DATA_DIR=str(data), ALLOWED_HOSTS="127.0.0.1")

    assert "serve" in run(srv_bin / "community-server", "--help", cwd=where, env=env).stdout
    # Nothing of the repository on the path: the code runs from the venv's site-packages.
    probe = "import assets, server, sync; print(server.__file__, sync.__file__, assets.__file__)"
    for venv in venvs.values():
        paths = run(venv / "bin" / "python", "-c", probe, cwd=where, env=env).stdout.split()
        assert all(str(venv) in p for p in paths), paths
    # The demo writes the kiosk's TOML without importing the kiosk (not installed on this host).
    cfg = where / "kiosk.toml"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    run(srv_bin / "community-server", "demo", "--kiosk-config", cfg, "--kiosk-data", where / "kiosk-data",
        "--url", url, cwd=where, env=env)
    written = tomllib.loads(cfg.read_text("utf-8"))
    assert written["server"]["url"] == url and written["server"]["token"] and written["post"]["code"] == "WJZ1"

    defaults = run(kiosk_bin / "kiosk", "config", "--defaults", cwd=where, env=env).stdout
    assert tomllib.loads(defaults)["post"]["code"] == "WJZ1"
    assert run(kiosk_bin / "kiosk", "--version", cwd=where, env=env).stdout.strip() == f"kiosk {version('xingfu-kiosk')}"
    kenv = {**env, "KIOSK_CONFIG": str(cfg)}
    receipt = json.loads(run(kiosk_bin / "kiosk", "submit", "--category", "gas_recharge", "--name", "张阿姨",
                             "--room", "3-201", "--json", cwd=where, env=kenv).stdout)["receipt"]

    serve = subprocess.Popen([srv_bin / "community-server", "serve", "--port", str(port)], cwd=where, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert serve.poll() is None, serve.stderr.read()[-3000:]
            try:
                health = requests.get(url + "/healthz", timeout=2).json()
                break
            except requests.RequestException:
                assert time.monotonic() < deadline, "community-server serve did not answer in 60 s"
                time.sleep(0.2)
        assert health["version"] == version("xingfu-kiosk") and health["database"] == "ok"
        login = requests.get(url + "/", timeout=10)   # templates and static files come from package data
        assert login.status_code == 200 and "登录" in login.text
        out = json.loads(run(kiosk_bin / "kiosk", "sync", "--once", "--json", cwd=where, env=kenv).stdout)
        assert (out["sent"], out["pending"], out["error"]) == (1, 0, "")
    finally:
        serve.terminate()
        serve.wait(10)
    stored = json.loads(run(srv_bin / "community-server", "requests", "--json", cwd=where, env=env).stdout)
    assert [r["receipt"] for r in stored] == [receipt]
