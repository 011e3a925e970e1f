"""Offline update bundle on the real parts: keys and bundles made by the real `community-server bundle-key` /
`bundle`, applied by the real `kiosk update` in a subprocess, read back by the kiosk's own lesson loader.
Tampering (a flipped byte, a truncated copy, another key, a smuggled member) is refused with a Chinese
message and leaves the kiosk's data dir byte for byte as it was."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from kiosk import config as kconfig
from sync.bundle import installed_dir
from sync.lessons import LESSONS_DIR, load_lessons

MODEL = "vosk-model-small-cn-0.22"


def server_cli(tmp_path, *args, check=True):
    env = {**os.environ, "COMMUNITY_DATA_DIR": str(tmp_path / "srv")}
    return subprocess.run([sys.executable, "-m", "server.cli", *args], env=env, capture_output=True, text=True,
                          timeout=120, check=check)


def kiosk_cli(cfg: Path, *args, check=False):
    env = {**os.environ, "KIOSK_CONFIG": str(cfg)}
    return subprocess.run([sys.executable, "-m", "kiosk.cli", *args], env=env, capture_output=True, text=True,
                          timeout=120, check=check)


def lesson_v(tmp_path, version: int) -> Path:
    d = tmp_path / f"lessons-v{version}"
    d.mkdir()
    text = (LESSONS_DIR / "font_size.toml").read_text(encoding="utf-8").replace("version = 1", f"version = {version}", 1)
    (d / "font_size.toml").write_text(text, encoding="utf-8")
    return d


def fake_model(tmp_path, marker: str) -> Path:
    """A folder shaped like a Vosk model; the bundle treats a model as opaque files."""
    m = tmp_path / f"model-{marker}" / MODEL
    (m / "am").mkdir(parents=True)
    (m / "am" / "final.mdl").write_bytes(marker.encode() * 1000)
    (m / "conf").mkdir()
    (m / "conf" / "model.conf").write_text(f"# {marker}\n")
    return m


def tree(root: Path) -> dict:
    """Every path under root with its content hash or link target: 'nothing changed' made checkable."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if p.is_symlink():
            out[rel] = "-> " + os.readlink(p)
        elif p.is_file():
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
        else:
            out[rel] = "dir"
    return out


@pytest.fixture
def post(tmp_path):
    server_cli(tmp_path, "bundle-key", "--out", str(tmp_path / "community-bundle"))
    data = tmp_path / "kiosk-data"
    data.mkdir()
    (data / "bundle-key.pub").write_bytes((tmp_path / "community-bundle.pub").read_bytes())
    cfg = tmp_path / "kiosk.toml"
    kconfig.write_config(cfg, {"kiosk": {"data_dir": str(data)}})
    return tmp_path, data, cfg


def make_bundle(tmp_path, name: str, *args) -> Path:
    out = tmp_path / name
    server_cli(tmp_path, "bundle", "--out", str(out), "--key", str(tmp_path / "community-bundle.key"), *args)
    return out


def test_key_is_private(post):
    tmp_path, _, _ = post
    assert oct((tmp_path / "community-bundle.key").stat().st_mode & 0o777) == "0o600"
    again = server_cli(tmp_path, "bundle-key", "--out", str(tmp_path / "community-bundle"), check=False)
    assert again.returncode == 1 and "exists" in again.stderr


def test_apply_update_and_roll_back(post):
    tmp_path, data, cfg = post
    catalog = tmp_path / "extra.toml"
    catalog.write_text('# catalog additions\n', encoding="utf-8")
    b1 = make_bundle(tmp_path, "b1.zip", "--lessons", str(lesson_v(tmp_path, 2)), "--catalog", str(catalog),
                     "--model", str(fake_model(tmp_path, "one")), "--label", "一月")
    r = kiosk_cli(cfg, "update", "--from", str(b1))
    assert r.returncode == 0, r.stderr
    assert "更新已完成" in r.stdout
    assert load_lessons(data / "lessons", installed_dir(data, "lessons"))["font_size"].version == 2
    assert (data / "models" / MODEL / "am" / "final.mdl").read_bytes().startswith(b"one")
    assert (installed_dir(data, "catalog") / "extra.toml").exists()
    from screens.lesson_session import LessonService  # what the kiosk's lesson screens read
    assert LessonService(SimpleNamespace(config=kconfig.load(cfg))).lessons["font_size"].version == 2

    # a second bundle with only a lesson: the model comes along from the release before
    b2 = make_bundle(tmp_path, "b2.zip", "--lessons", str(lesson_v(tmp_path, 3)))
    assert kiosk_cli(cfg, "update", "--from", str(b2)).returncode == 0
    assert load_lessons(data / "lessons", installed_dir(data, "lessons"))["font_size"].version == 3
    assert (data / "models" / MODEL / "conf" / "model.conf").read_text() == "# one\n"

    # a third with a new model, then back
    b3 = make_bundle(tmp_path, "b3.zip", "--model", str(fake_model(tmp_path, "two")))
    assert kiosk_cli(cfg, "update", "--from", str(b3)).returncode == 0
    assert (data / "models" / MODEL / "conf" / "model.conf").read_text() == "# two\n"
    assert load_lessons(data / "lessons", installed_dir(data, "lessons"))["font_size"].version == 3
    r = kiosk_cli(cfg, "update", "--rollback")
    assert r.returncode == 0 and "已退回" in r.stdout
    assert (data / "models" / MODEL / "conf" / "model.conf").read_text() == "# one\n"
    assert len(list((data / "bundle" / "releases").iterdir())) == 2   # current and previous; older ones removed


def test_model_installed_by_hand_is_kept_and_comes_back(post):
    tmp_path, data, cfg = post
    hand = data / "models" / MODEL
    hand.mkdir(parents=True)
    (hand / "README").write_text("installed by kiosk voice install")
    assert kiosk_cli(cfg, "update", "--from", str(make_bundle(tmp_path, "m.zip", "--model",
                                                                 str(fake_model(tmp_path, "new"))))).returncode == 0
    assert (hand / "conf" / "model.conf").read_text() == "# new\n"
    assert (data / "models" / f"{MODEL}.before-update" / "README").exists()


def refused(cfg: Path, data: Path, bundle: Path, *words: str) -> None:
    before = tree(data)
    r = kiosk_cli(cfg, "update", "--from", str(bundle))
    assert r.returncode == 1, r.stdout
    assert "未做任何更改" in r.stderr or "找不到" in r.stderr, r.stderr
    for w in words:
        assert w in r.stderr, r.stderr
    assert tree(data) == before


def test_tampered_truncated_or_foreign_bundles_change_nothing(post):
    tmp_path, data, cfg = post
    good = make_bundle(tmp_path, "good.zip", "--lessons", str(lesson_v(tmp_path, 2)),
                       "--model", str(fake_model(tmp_path, "one")))
    assert kiosk_cli(cfg, "update", "--from", str(good)).returncode == 0   # a release exists: more to lose
    blob = good.read_bytes()

    # one byte flipped in the model's data, in the manifest, anywhere: every position tried here is refused
    with zipfile.ZipFile(good) as z:
        offsets = {i.filename: i.header_offset for i in z.infolist()}
    for target in (f"model/{MODEL}/am/final.mdl", "manifest.json", "manifest.sig"):
        flipped = bytearray(blob)
        flipped[offsets[target] + 30 + len(target) + 5] ^= 0x01   # inside the member's data, past its header
        bad = tmp_path / "flipped.zip"
        bad.write_bytes(bytes(flipped))
        refused(cfg, data, bad)

    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(blob[: len(blob) // 2])
    refused(cfg, data, truncated, "不完整")

    # signed with another community's key
    server_cli(tmp_path, "bundle-key", "--out", str(tmp_path / "other"))
    foreign = tmp_path / "foreign.zip"
    server_cli(tmp_path, "bundle", "--out", str(foreign), "--key", str(tmp_path / "other.key"),
               "--lessons", str(lesson_v(tmp_path, 9)))
    refused(cfg, data, foreign, "签名不对")

    # a member slipped in beside a genuine manifest and signature
    smuggled = tmp_path / "smuggled.zip"
    smuggled.write_bytes(blob)
    with zipfile.ZipFile(smuggled, "a") as z:
        z.writestr("lessons/evil.json", json.dumps({"id": "evil"}))
    refused(cfg, data, smuggled, "对不上")

    # not a zip at all, and a missing file
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"\x00" * 4096)
    refused(cfg, data, junk, "损坏")
    refused(cfg, data, tmp_path / "absent.zip", "找不到")

    # the kiosk still runs the good release
    assert load_lessons(data / "lessons", installed_dir(data, "lessons"))["font_size"].version == 2


def test_first_update_with_a_bad_member_leaves_no_trace(post):
    tmp_path, data, cfg = post
    good = make_bundle(tmp_path, "good.zip", "--model", str(fake_model(tmp_path, "one")))
    with zipfile.ZipFile(good) as z:
        member = z.getinfo(f"model/{MODEL}/conf/model.conf")
    blob = bytearray(good.read_bytes())
    blob[member.header_offset + 30 + len(member.filename) + 2] ^= 0x01   # signature intact, the member not
    bad = tmp_path / "bad.zip"
    bad.write_bytes(bytes(blob))
    refused(cfg, data, bad)
    assert not (data / "bundle").exists()


def test_no_public_key_no_update(post):
    tmp_path, data, cfg = post
    (data / "bundle-key.pub").unlink()
    b = make_bundle(tmp_path, "b.zip", "--lessons", str(lesson_v(tmp_path, 2)))
    before = tree(data)
    r = kiosk_cli(cfg, "update", "--from", str(b))
    assert r.returncode == 1 and "公钥" in r.stderr
    assert tree(data) == before


def test_bad_lesson_never_makes_a_bundle(post):
    tmp_path, _, _ = post
    d = tmp_path / "bad"
    d.mkdir()
    (d / "font_size.toml").write_text('id = "font_size"\n', encoding="utf-8")
    r = server_cli(tmp_path, "bundle", "--out", str(tmp_path / "x.zip"), "--key", str(tmp_path / "community-bundle.key"),
                   "--lessons", str(d), check=False)
    assert r.returncode == 1 and "font_size" in r.stderr
    assert not (tmp_path / "x.zip").exists()
