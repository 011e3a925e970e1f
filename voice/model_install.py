"""`kiosk model install|status`: fetch, verify and unpack the Vosk Chinese model.

Download resumes a broken transfer (HTTP Range on the kept .part file), the archive must have the
published size and SHA-256 before anything is unpacked, and the model folder is swapped in with one
rename, so a post never ends up with half a model. `--from FILE` installs a copied archive.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import requests

from assets.texts import t

NAME = "vosk-model-small-cn-0.22"
URL = f"https://alphacephei.com/vosk/models/{NAME}.zip"
SIZE = 43_898_754
SHA256 = "3af8b0e7e0f835ae9d414ce5df580237a3cfb08d586c9fbbb0f7ff29ad5b14ba"
MARKER = ".installed.json"
CHUNK = 1 << 16


class InstallError(RuntimeError):
    """One line saying what went wrong and what to do."""


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def download(url: str, part: Path, size: int, *, timeout: float = 30.0,
             progress: Callable[[int, int], None] | None = None) -> Path:
    """Fetch `url` into `part`, continuing from what `part` already holds."""
    part.parent.mkdir(parents=True, exist_ok=True)
    have = part.stat().st_size if part.exists() else 0
    if have > size:
        part.unlink()
        have = 0
    if have == size:
        return part
    headers = {"Range": f"bytes={have}-"} if have else {}
    try:
        with requests.get(url, headers=headers, stream=True, timeout=timeout) as r:
            if r.status_code == 416:          # server says we already have it all
                return part
            if r.status_code not in (200, 206):
                raise InstallError(t("model_install.http_failed", status=r.status_code, url=url))
            mode = "ab" if r.status_code == 206 else "wb"   # 200: the server ignored Range, start over
            have = have if r.status_code == 206 else 0
            expected = have + int(r.headers.get("Content-Length", size - have))
            r.raw.enforce_content_length = False   # keep the bytes that did arrive; we check the length ourselves
            with open(part, mode) as f:
                try:
                    for block in r.iter_content(CHUNK):
                        f.write(block)
                        have += len(block)
                        if progress:
                            progress(have, size)
                finally:
                    f.flush()
                    os.fsync(f.fileno())
            if have < expected:
                raise requests.ConnectionError("connection closed early")
    except requests.RequestException as exc:
        raise InstallError(t("model_install.interrupted", size=have, error=type(exc).__name__)) from None
    return part


def verify(archive: Path, size: int, sha256: str) -> None:
    actual = archive.stat().st_size
    if actual != size:
        raise InstallError(t("model_install.wrong_size", size=actual, want=size))
    digest = _sha256(archive)
    if digest != sha256:
        raise InstallError(t("model_install.wrong_hash", digest=digest[:16]))


def unpack(archive: Path, model_dir: Path, meta: dict) -> Path:
    """Extract next to `model_dir`, check it is a Vosk model, then swap it in with a rename."""
    parent = model_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".unpack-", dir=parent))
    try:
        try:
            with zipfile.ZipFile(archive) as z:
                for info in z.infolist():
                    target = (work / info.filename).resolve()
                    if not target.is_relative_to(work.resolve()):
                        raise InstallError(t("model_install.unsafe_path", path=info.filename))
                z.extractall(work)
        except zipfile.BadZipFile:
            raise InstallError(t("model_install.not_zip", path=archive)) from None
        found = [p.parent.parent for p in work.rglob("am/final.mdl")]
        if len(found) != 1:
            raise InstallError(t("model_install.no_model"))
        root = found[0]
        (root / MARKER).write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
        old = None
        if model_dir.exists():
            old = parent / f".old-{model_dir.name}-{os.getpid()}"
            os.replace(model_dir, old)
        os.replace(root, model_dir)
        if old:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return model_dir


def install(model_dir: Path, *, url: str = URL, size: int = SIZE, sha256: str = SHA256,
            from_file: Path | None = None, progress: Callable[[int, int], None] | None = None,
            timeout: float = 30.0) -> dict:
    model_dir = Path(model_dir)
    if from_file:
        archive = Path(from_file)
        if not archive.is_file():
            raise InstallError(t("model_install.missing", path=archive))
        verify(archive, size, sha256)
    else:
        archive = model_dir.parent / f".{model_dir.name}.zip.part"
        download(url, archive, size, timeout=timeout, progress=progress)
        try:
            verify(archive, size, sha256)
        except InstallError:
            if archive.stat().st_size >= size:   # complete but wrong: resuming cannot fix it
                archive.unlink()
            raise
    meta = {"name": NAME if sha256 == SHA256 else model_dir.name, "sha256": sha256, "size": size,
            "source": str(from_file) if from_file else url, "installed_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    unpack(archive, model_dir, meta)
    if not from_file:
        archive.unlink()
    return status(model_dir)


def status(model_dir: Path) -> dict:
    model_dir = Path(model_dir)
    marker = model_dir / MARKER
    out = {"path": str(model_dir), "installed": (model_dir / "am" / "final.mdl").is_file()}
    if out["installed"]:
        out["bytes"] = sum(p.stat().st_size for p in model_dir.rglob("*") if p.is_file())
        out["verified"] = False
        if marker.is_file():
            meta = json.loads(marker.read_text(encoding="utf-8"))
            out.update(verified=True, sha256=meta.get("sha256"), source=meta.get("source"),
                       installed_at=meta.get("installed_at"))
    part = model_dir.parent / f".{model_dir.name}.zip.part"
    if part.exists():
        out["partial_download_bytes"] = part.stat().st_size
    return out
