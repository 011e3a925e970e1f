from __future__ import annotations

import subprocess
import sys
import tomllib

import pytest

from kiosk import config


def test_defaults_are_documented_and_valid():
    cfg = config.parse({})
    assert cfg["server"]["url"] == "http://127.0.0.1:8700"
    assert cfg["kiosk"]["idle_warning_s"] >= 20
    text = config.render_defaults()
    again = config.parse(tomllib.loads(text))   # the documented file loads to the same values
    assert again.values == cfg.values


@pytest.mark.parametrize("data, expected", [
    ({"server": {"urll": "x"}}, "unknown key server.urll"),
    ({"sever": {}}, "unknown section [sever]"),
    ({"server": {"url": "ftp://x"}}, "server.url = 'ftp://x': must be an http"),
    ({"post": {"code": "wjz"}}, "post.code"),
    ({"kiosk": {"idle_timeout_s": 5}}, "kiosk.idle_timeout_s = 5: must be between"),
    ({"kiosk": {"idle_warning_s": 10}}, "kiosk.idle_warning_s"),
    ({"kiosk": {"admin_pin": 1234}}, "kiosk.admin_pin"),
    ({"screen": {"width": "1920"}}, "screen.width"),
    ({"screen": {"fullscreen": "yes"}}, "screen.fullscreen"),
    ({"voice": {"volume": 2}}, "voice.volume"),
    ({"post": {"buildings": []}}, "post.buildings"),
    ({"kiosk": {"timezone": "Mars/Base"}}, "kiosk.timezone"),
    ({"server": {"public_url": "phone"}}, "server.public_url"),
    ({"server": {"discover_interfaces": ["wlan0"]}}, "server.discover_interfaces"),
])
def test_bad_values_are_rejected_with_the_key_named(data, expected):
    with pytest.raises(config.ConfigError) as err:
        config.parse(data, "kiosk.toml")
    assert expected in str(err.value)


def test_file_lookup_order(tmp_path, monkeypatch):
    a = tmp_path / "a.toml"
    a.write_text('[post]\ncode = "AB1"\n', encoding="utf-8")
    b = tmp_path / "b.toml"
    b.write_text('[post]\ncode = "CD2"\n', encoding="utf-8")
    monkeypatch.setenv("KIOSK_CONFIG", str(b))
    assert config.load(a)["post"]["code"] == "AB1"          # --config wins
    assert config.load()["post"]["code"] == "CD2"           # then $KIOSK_CONFIG
    monkeypatch.delenv("KIOSK_CONFIG")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert config.load().path is None                       # default path missing: defaults
    with pytest.raises(config.ConfigError, match="config file not found"):
        config.load(tmp_path / "missing.toml")


def test_write_config_refuses_bad_values_and_keeps_the_file(tmp_path):
    p = tmp_path / "k.toml"
    config.write_config(p, {"server": {"token": "abc"}})
    with pytest.raises(config.ConfigError):
        config.write_config(p, {"server": {"url": "nope"}})
    assert config.load(p)["server"]["token"] == "abc"


def test_cli_reports_a_bad_config_in_one_line(tmp_path):
    p = tmp_path / "k.toml"
    p.write_text("[kiosk]\nidle_timeout_s = -1\n", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "kiosk.cli", "--config", str(p), "config"],
                       capture_output=True, text=True)
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1 and "kiosk.idle_timeout_s" in r.stderr
