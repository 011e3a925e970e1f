"""A throwaway PostgreSQL cluster from Debian's packages, for running the server tests a second time.

    python -m tests.pg start DIR   -> prints a DATABASE_URL (cluster in DIR, socket in DIR, loopback port)
    python -m tests.pg stop DIR

PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` user (runuser).
fsync is off: the data is thrown away, and the suite must stay fast.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path


def pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


def _as_owner(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(root: Path, *, durable: bool = False) -> str:
    """`durable`: fsync on (benchmarks); tests run without it."""
    bin_dir = pg_bin()
    if bin_dir is None:
        raise SystemExit("tests.pg: PostgreSQL is not installed (scripts/setup --test installs it)")
    root.mkdir(parents=True, exist_ok=True)
    data, port = root / "data", _free_port()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    subprocess.run(_as_owner([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                              "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]),
                   check=True, capture_output=True, text=True)
    opts = f"-h 127.0.0.1 -p {port} -k {root}"
    if not durable:
        opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    (root / "opts").write_text(opts)
    ctl(root, "start")
    subprocess.run(_as_owner([str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
                              "community"]), check=True, capture_output=True, text=True)
    return f"postgresql://postgres@127.0.0.1:{port}/community"


def ctl(root: Path, action: str) -> None:
    """Start or stop (immediately, like a crash) the cluster made by start(); its data stays."""
    bin_dir = pg_bin()
    cmd = [str(bin_dir / "pg_ctl"), "-D", str(root / "data"), "-w", "-t", "60"]
    if action == "start":
        cmd += ["-o", (root / "opts").read_text(), "-l", str(root / "log"), "start"]
    else:
        cmd += ["-m", "immediate", "stop"]
    subprocess.run(_as_owner(cmd), check=True, capture_output=True, text=True)


def create_database(url: str, name: str) -> str:
    """A fresh database in the cluster at `url` (for tests that run a server subprocess each)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + "/" + name


def stop(root: Path) -> None:
    bin_dir = pg_bin()
    if bin_dir and (root / "data").exists():
        subprocess.run(_as_owner([str(bin_dir / "pg_ctl"), "-D", str(root / "data"), "-m", "immediate", "-w", "stop"]),
                       capture_output=True, text=True)
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("start", "stop"):
        print("usage: python -m tests.pg start|stop DIR", file=sys.stderr)
        sys.exit(2)
    try:
        if sys.argv[1] == "start":
            print(start(Path(sys.argv[2])))
        else:
            stop(Path(sys.argv[2]))
    except subprocess.CalledProcessError as exc:
        print(f"tests.pg: {' '.join(exc.cmd[:4])}... failed: {(exc.stderr or '').strip().splitlines()[-1:]}", file=sys.stderr)
        sys.exit(1)
