"""Offline update bundle: one signed zip file carried to a post on a USB stick. Shared by both sides.

Members: `manifest.json` (format, label, created_at, and per payload member its sha256 and size),
`manifest.sig` (ed25519 over the exact manifest bytes) and the payload under fixed folders:
  lessons/<id>.json|toml    lessons (sync.lessons format)
  catalog/<name>.toml       catalog additions (kept with the release; the catalog loader does not read them yet)
  model/<name>/...          a Vosk speech model folder
  wheel/<name>.whl          optionally a newer kiosk wheel
A member not in the manifest, a hash or size that differs, a bad signature, a truncated or
non-zip file: all refused before anything is written outside the staging folder.

Pure Python + `cryptography`: imports neither Kivy nor Django.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
import zlib
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from assets.texts import t

FORMAT = 1
MANIFEST, SIGNATURE = "manifest.json", "manifest.sig"
FOLDERS = ("lessons", "catalog", "model", "wheel")
MAX_MEMBERS = 20_000
CHUNK = 1 << 20


class BundleError(ValueError):
    """A bundle that must not be applied; the message is Chinese, for the cadre at the post."""


# -- keys ------------------------------------------------------------------------------------------

def generate_keys(private_path: Path, public_path: Path) -> None:
    """An ed25519 key pair: the private key (PEM, mode 600) stays with whoever makes bundles."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    public_path.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                          serialization.PublicFormat.SubjectPublicKeyInfo))


def _load_private(path: Path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise BundleError(t("bundle.private_key_unreadable", path=path, reason=exc)) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise BundleError(t("bundle.private_key_not_ed25519", path=path))
    return key


def _load_public(path: Path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = serialization.load_pem_public_key(Path(path).read_bytes())
    except FileNotFoundError:
        raise BundleError(t("bundle.public_key_missing", path=path)) from None
    except (OSError, ValueError) as exc:
        raise BundleError(t("bundle.public_key_unreadable", path=path, reason=exc)) from None
    if not isinstance(key, Ed25519PublicKey):
        raise BundleError(t("bundle.public_key_not_ed25519", path=path))
    return key


# -- making ----------------------------------------------------------------------------------------

def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def make(out: Path, key_path: Path, *, lessons: list[Path] = (), catalog: list[Path] = (),
         model: Path | None = None, wheel: Path | None = None, label: str = "") -> dict:
    """Write a signed bundle to `out` (atomically) and return its manifest."""
    from sync.lessons import load_file

    key = _load_private(key_path)
    files: dict[str, Path] = {}
    for path in lessons:
        lesson = load_file(Path(path))          # a bad lesson fails here, not at the post
        files[f"lessons/{lesson.id}{Path(path).suffix}"] = Path(path)
    for path in catalog:
        files[f"catalog/{Path(path).name}"] = Path(path)
    if model is not None:
        model = Path(model)
        if not model.is_dir():
            raise BundleError(t("bundle.model_not_folder", path=model))
        for p in sorted(model.rglob("*")):
            if p.is_file():
                files[f"model/{model.name}/{p.relative_to(model).as_posix()}"] = p
    if wheel is not None:
        files[f"wheel/{Path(wheel).name}"] = Path(wheel)
    if not files:
        raise BundleError(t("bundle.empty"))
    manifest = {"format": FORMAT, "label": label, "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "members": {name: {"sha256": _sha256(p), "size": p.stat().st_size} for name, p in files.items()}}
    raw = json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode()
    tmp = Path(out).with_name(Path(out).name + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(MANIFEST, raw)
        z.writestr(SIGNATURE, key.sign(raw))
        for name, p in files.items():
            z.write(p, name)
    os.replace(tmp, out)
    return manifest


# -- checking --------------------------------------------------------------------------------------

def _safe_name(name: str) -> bool:
    p = PurePosixPath(name)
    return (not p.is_absolute() and ".." not in p.parts and "\\" not in name and len(p.parts) >= 2
            and p.parts[0] in FOLDERS and "" not in p.parts)


def read_manifest(path: Path, public_key: Path) -> dict:
    """The manifest of a bundle whose signature holds; raises BundleError (Chinese) otherwise."""
    key = _load_public(public_key)
    try:
        with zipfile.ZipFile(path) as z:
            raw, sig = z.read(MANIFEST), z.read(SIGNATURE)
    except FileNotFoundError:
        raise BundleError(t("bundle.missing", path=path)) from None
    except KeyError:
        raise BundleError(t("bundle.unsigned")) from None
    except (zipfile.BadZipFile, OSError, EOFError, zipfile.LargeZipFile, zlib.error) as exc:
        raise BundleError(t("bundle.damaged", error=exc.__class__.__name__)) from None
    from cryptography.exceptions import InvalidSignature

    try:
        key.verify(sig, raw)
    except InvalidSignature:
        raise BundleError(t("bundle.bad_signature")) from None
    try:
        manifest = json.loads(raw)
        members = manifest["members"]
        if manifest.get("format") != FORMAT or not isinstance(members, dict) or len(members) > MAX_MEMBERS:
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise BundleError(t("bundle.unknown_format")) from None
    for name in members:
        if not _safe_name(name):
            raise BundleError(t("bundle.bad_name", name=repr(name)))
    return manifest


def extract_verified(path: Path, public_key: Path, dest: Path) -> dict:
    """Check the signature, then extract every listed member into the new folder `dest` checking its hash.

    On any failure `dest` may hold a partial copy (the caller removes it); nothing else is touched."""
    manifest = read_manifest(path, public_key)
    members = manifest["members"]
    dest.mkdir(parents=True)
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist()) - {MANIFEST, SIGNATURE}
            if names != set(members):
                raise BundleError(t("bundle.members_differ"))
            for name, want in members.items():
                target = dest / name
                target.parent.mkdir(parents=True, exist_ok=True)
                h, size = hashlib.sha256(), 0
                with z.open(name) as src, open(target, "wb") as out:
                    while chunk := src.read(CHUNK):
                        size += len(chunk)
                        if size > want["size"]:
                            break
                        h.update(chunk)
                        out.write(chunk)
                if size != want["size"] or h.hexdigest() != want["sha256"]:
                    raise BundleError(t("bundle.bad_member", name=name))
    except (zipfile.BadZipFile, OSError, EOFError, zipfile.LargeZipFile, zlib.error) as exc:
        raise BundleError(t("bundle.damaged", error=exc.__class__.__name__)) from None
    (dest / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def installed_dir(data_dir: Path, folder: str) -> Path:
    """Where the kiosk reads the applied bundle's `folder` (lessons, catalog, model, wheel)."""
    return Path(data_dir) / "bundle" / "current" / folder
