"""Backups of the community server's database, taken while it serves; restore into an empty one.

A backup is a gzip'd tar of `backup.json` (engine, time, version) and the database:
`community.sqlite3` (SQLite's online backup API: a consistent copy while kiosks write) or
`pg.dump` (`pg_dump --format=custom`). Written mode 600: it holds residents' personal data.
With a passphrase the tar is sealed with AES-256-GCM under a key from scrypt (file starts with MAGIC).
The whole backup passes through memory when encrypted: a post's database is tens of megabytes.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

MAGIC = b"XFBK-ENC1\n"
SALT, NONCE = 16, 12
SCRYPT = {"n": 2**15, "r": 8, "p": 1}


class BackupError(ValueError):
    pass


def _key(passphrase: str, salt: bytes) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=32, **SCRYPT).derive(passphrase.encode())


def seal(data: bytes, passphrase: str) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    salt, nonce = secrets.token_bytes(SALT), secrets.token_bytes(NONCE)
    return MAGIC + salt + nonce + AESGCM(_key(passphrase, salt)).encrypt(nonce, data, MAGIC)


def unseal(blob: bytes, passphrase: str | None) -> bytes:
    if not blob.startswith(MAGIC):
        return blob
    if not passphrase:
        raise BackupError("备份已加密，请用 --passphrase-file 或 COMMUNITY_BACKUP_PASSPHRASE 提供口令")
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    head = len(MAGIC)
    salt, nonce = blob[head:head + SALT], blob[head + SALT:head + SALT + NONCE]
    try:
        return AESGCM(_key(passphrase, salt)).decrypt(nonce, blob[head + SALT + NONCE:], MAGIC)
    except InvalidTag:
        raise BackupError("口令不对，或备份文件已损坏") from None


def _write_private(path: Path, data: bytes) -> None:
    """Mode 600 from the first byte, then one rename: no moment where others could read it."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _db():
    from django.conf import settings

    return settings.DATABASES["default"]


def _pg_url(db: dict) -> str:
    from urllib.parse import quote

    auth = quote(db["USER"]) + (":" + quote(db["PASSWORD"]) if db["PASSWORD"] else "")
    host = db["HOST"] or "localhost"
    return f"postgresql://{auth}@{host}:{db['PORT'] or 5432}/{quote(db['NAME'])}"


def _run(cmd: list[str]) -> None:
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    except FileNotFoundError:
        raise BackupError(f"{cmd[0]} not found (apt-get install postgresql-client)") from None
    if r.returncode != 0:
        raise BackupError(f"{cmd[0]} failed: {r.stderr.strip()[-500:]}")


def backup(to: Path, passphrase: str | None = None) -> dict:
    from importlib.metadata import version

    db = _db()
    engine = "sqlite" if "sqlite" in db["ENGINE"] else "postgresql"
    meta = {"format": 1, "engine": engine, "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "version": version("xingfu-kiosk")}
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o700)
        if engine == "sqlite":
            member = Path(tmp) / "community.sqlite3"
            source = Path(db["NAME"]).resolve()
            if not source.exists():
                raise BackupError(f"no database at {source}: nothing to back up")
            src = sqlite3.connect(source.as_uri() + "?mode=ro", uri=True, timeout=30)
            dst = sqlite3.connect(member)
            try:
                src.backup(dst)   # pages copied under SQLite's own locking: consistent while serving
            finally:
                dst.close()
                src.close()
        else:
            member = Path(tmp) / "pg.dump"
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-acl", f"--file={member}",
                  f"--dbname={_pg_url(db)}"])
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:gz") as tar:
            raw = json.dumps(meta).encode()
            info = tarfile.TarInfo("backup.json")
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
            tar.add(member, member.name)
    data = buf.getvalue()
    _write_private(to, seal(data, passphrase) if passphrase else data)
    return {**meta, "file": str(to), "bytes": Path(to).stat().st_size, "encrypted": bool(passphrase)}


def _sqlite_has_data(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return False
    con = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        return con.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0] > 0
    finally:
        con.close()


def _pg_has_data(db: dict) -> bool:
    import psycopg

    with psycopg.connect(_pg_url(db)) as con:
        return con.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0] > 0


def restore(source: Path, passphrase: str | None = None, force: bool = False) -> dict:
    """Restore into the configured database; refuses one that holds tables unless `force`.

    Stop `community-server serve` first: a restore under a running server is not supported."""
    try:
        blob = Path(source).read_bytes()
    except FileNotFoundError:
        raise BackupError(f"backup file not found: {source}") from None
    data = unseal(blob, passphrase)
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o700)
        try:
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
                meta = json.load(tar.extractfile("backup.json"))
                tar.extractall(tmp, filter="data")
        except (tarfile.TarError, KeyError, EOFError, OSError, ValueError) as exc:
            raise BackupError(f"not a community-server backup, or a damaged one: {exc}") from None
        db = _db()
        engine = "sqlite" if "sqlite" in db["ENGINE"] else "postgresql"
        if meta.get("engine") != engine:
            raise BackupError(f"this backup is of a {meta.get('engine')} database; the server is set up for {engine}")
        if engine == "sqlite":
            target = Path(db["NAME"])
            if _sqlite_has_data(target) and not force:
                raise BackupError(f"{target} already holds data; restore into an empty data dir, or add --force")
            target.parent.mkdir(parents=True, exist_ok=True)
            staged = target.with_name(f".{target.name}.restore")
            shutil.copyfile(Path(tmp) / "community.sqlite3", staged)
            os.chmod(staged, 0o600)
            for suffix in ("-wal", "-shm"):   # the old database's journal must not be replayed onto the new one
                Path(str(target) + suffix).unlink(missing_ok=True)
            os.replace(staged, target)
        else:
            has = _pg_has_data(db)
            if has and not force:
                raise BackupError(f"database {db['NAME']} already holds tables; restore into an empty one, or add --force")
            _run(["pg_restore", "--no-owner", "--no-acl", "--exit-on-error", *(["--clean", "--if-exists"] if has else []),
                  f"--dbname={_pg_url(db)}", str(Path(tmp) / "pg.dump")])
    return {**meta, "restored_from": str(source)}
