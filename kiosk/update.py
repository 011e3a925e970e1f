"""`kiosk update --from FILE` / `kiosk update --rollback`: apply a signed offline bundle (sync.bundle).

<data_dir>/bundle/releases/<id>/   one folder per applied bundle (lessons/, catalog/, model/, wheel/)
<data_dir>/bundle/current          symlink to the release in use; `previous` to the one before
A release is complete: what a bundle does not carry is hard-linked from the release before it.
Applying stages into a new folder and switches `current` with one rename, so a power cut leaves
either the old or the new release, never a mix. The speech model is reached through
<data_dir>/models/<name> -> ../bundle/current/model/<name>.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

from assets.texts import t
from kiosk import config
from sync.bundle import BundleError, extract_verified, read_manifest

PUBLIC_KEY_NAME = "bundle-key.pub"


def register(sub) -> None:
    p = sub.add_parser("update", help="apply an offline update bundle (USB stick), or go back to the previous one")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--from", dest="source", metavar="FILE", help="bundle made by `community-server bundle`")
    g.add_argument("--rollback", action="store_true", help="go back to the release before the current one")
    p.add_argument("--key", metavar="FILE", help=f"public key (default: <data_dir>/{PUBLIC_KEY_NAME})")
    p.set_defaults(func=run)


def run(args) -> int:
    from kiosk.cli import CommandError

    cfg = config.load(args.config)
    try:
        if args.rollback:
            release = rollback(cfg.data_dir)
            print(t("update.rolled_back", release=release.name))
        else:
            release = apply(cfg.data_dir, Path(args.source), Path(args.key) if args.key else None)
            print(t("update.done", release=release.name))
    except BundleError as exc:
        raise CommandError(str(exc)) from None
    return 0


def _root(data_dir: Path) -> Path:
    return Path(data_dir) / "bundle"


def _target(link: Path) -> Path | None:
    return link.parent / os.readlink(link) if link.is_symlink() else None


def _point(link: Path, target: Path) -> None:
    """Make `link` a symlink to `target` (relative) with one atomic rename."""
    tmp = link.with_name(f".{link.name}.{secrets.token_hex(4)}")
    os.symlink(os.path.relpath(target, link.parent), tmp)
    os.replace(tmp, link)


def _inherit(old: Path | None, new: Path) -> None:
    """Hard-link what the bundle did not bring from the release before (wheels excepted: installed once)."""
    if old is None:
        return
    for folder in ("lessons", "catalog", "model"):
        src = old / folder
        if not src.is_dir():
            continue
        if folder == "model" and (new / "model").is_dir():
            continue   # a new model replaces the old one whole
        for p in src.iterdir():
            dst = new / folder / p.name
            if dst.exists():
                continue
            dst.parent.mkdir(parents=True, exist_ok=True)
            if p.is_dir():
                shutil.copytree(p, dst, copy_function=os.link)
            else:
                os.link(p, dst)


def _link_models(data_dir: Path) -> None:
    """<data_dir>/models/<name> follows the current release; a model installed by hand is kept aside."""
    current = _root(data_dir) / "current" / "model"
    models = Path(data_dir) / "models"
    if current.is_dir():
        models.mkdir(parents=True, exist_ok=True)
        for m in current.iterdir():
            link = models / m.name
            if link.exists() and not link.is_symlink():
                link.rename(models / f"{m.name}.before-update")
            _point(link, _root(data_dir) / "current" / "model" / m.name)
    if models.is_dir():   # after a rollback to a release without that model: the hand-installed one again
        for kept in models.glob("*.before-update"):
            link = models / kept.name.removesuffix(".before-update")
            if link.is_symlink() and not link.exists():
                link.unlink()
                kept.rename(link)


def _install_wheels(release: Path) -> None:
    wheels = sorted((release / "wheel").glob("*.whl"))
    if not wheels:
        return
    r = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--force-reinstall",
                        "--disable-pip-version-check", "-q", *map(str, wheels)], capture_output=True, text=True)
    if r.returncode != 0:
        raise BundleError(t("update.install_failed", output=(r.stderr or r.stdout).strip()[-300:]))


def apply(data_dir: Path, source: Path, public_key: Path | None = None) -> Path:
    root = _root(data_dir)
    key = public_key or Path(data_dir) / PUBLIC_KEY_NAME
    read_manifest(source, key)   # a foreign or broken bundle is refused before any folder is made
    releases = root / "releases"
    releases.mkdir(parents=True, exist_ok=True)
    staging = releases / f".staging-{secrets.token_hex(4)}"
    try:
        manifest = extract_verified(source, key, staging)
        old = _target(root / "current")
        _inherit(old, staging)
        _install_wheels(staging)
        release = releases / f"{time.strftime('%Y%m%d-%H%M%S')}-{manifest['created_at'][:10]}-{secrets.token_hex(3)}"
        staging.rename(release)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        for d in (releases, root):   # a first update that failed leaves no trace either
            if d.is_dir() and not any(d.iterdir()):
                d.rmdir()
        raise
    if old is not None:
        _point(root / "previous", old)
    _point(root / "current", release)
    _link_models(data_dir)
    keep = {p.resolve() for p in (root / "current", root / "previous") if p.exists()}
    for p in releases.iterdir():   # two releases are enough to fall back to; the disk is small
        if p.resolve() not in keep and not p.name.startswith("."):
            shutil.rmtree(p, ignore_errors=True)
    return release


def rollback(data_dir: Path) -> Path:
    root = _root(data_dir)
    previous, current = _target(root / "previous"), _target(root / "current")
    if previous is None or not previous.is_dir():
        raise BundleError(t("update.nothing_to_roll_back"))
    _install_wheels(previous)
    _point(root / "current", previous)
    if current is not None:
        _point(root / "previous", current)
    _link_models(data_dir)
    return previous
