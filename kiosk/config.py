"""Kiosk configuration: one TOML file, documented defaults, strict validation.

Where the file comes from: ``--config FILE``, else ``$KIOSK_CONFIG``, else
``$XDG_CONFIG_HOME/xingfu-kiosk/kiosk.toml`` (``~/.config/xingfu-kiosk/kiosk.toml``).
A missing default file means "all defaults"; a missing file that was named explicitly is an error.
Unknown keys and bad values are rejected with the key named, so a typo never silently
falls back to a default at a post with nobody to read logs.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assets.texts import t
from sync import codes


class ConfigError(ValueError):
    pass


def default_config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "xingfu-kiosk" / "kiosk.toml"


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "xingfu-kiosk"


def _url(v: Any) -> str:
    if not isinstance(v, str) or not re.match(r"^https?://[^\s/]+", v):
        raise ValueError("must be an http:// or https:// address")
    return v.rstrip("/")


def _str(v: Any) -> str:
    if not isinstance(v, str):
        raise ValueError("must be a string")
    return v


def _post_code(v: Any) -> str:
    if not codes.valid_post_code(v):
        raise ValueError(f"must be {codes.POST_CODE_RULE}")
    return v


def _pin(v: Any) -> str:
    if not isinstance(v, str) or not re.fullmatch(r"[0-9]{4,8}", v):
        raise ValueError("must be 4 to 8 digits, as a quoted string")
    return v


def _num(lo: float, hi: float, kind: type = float):
    def check(v: Any):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or (kind is int and not isinstance(v, int)):
            raise ValueError(f"must be a{'n integer' if kind is int else ' number'}")
        if not lo <= v <= hi:
            raise ValueError(f"must be between {lo} and {hi}")
        return kind(v)
    return check


def _bool(v: Any) -> bool:
    if not isinstance(v, bool):
        raise ValueError("must be true or false")
    return v


def _choice(*options: str):
    def check(v: Any) -> str:
        if v not in options:
            raise ValueError(f"must be one of {', '.join(options)}")
        return v
    return check


def _str_list(v: Any) -> tuple[str, ...]:
    if not isinstance(v, list) or not v or not all(isinstance(x, str) and x.strip() for x in v):
        raise ValueError("must be a non-empty list of strings")
    return tuple(x.strip() for x in v)


def _ipv4_list(v: Any) -> tuple[str, ...]:
    import ipaddress

    if not isinstance(v, list):
        raise ValueError("must be a list of IPv4 addresses")
    try:
        return tuple(str(ipaddress.IPv4Address(x)) for x in v)
    except (ValueError, TypeError):
        raise ValueError("must be a list of IPv4 addresses, e.g. [\"192.168.1.31\"]") from None


def _timezone(v: Any) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(_str(v))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("must be a time zone name such as Asia/Shanghai") from None
    return v


def _path(v: Any) -> str:
    return str(Path(_str(v)).expanduser()) if v else ""


# section -> key -> (default, validator, documentation). This table is the documentation:
# `kiosk config --defaults` prints it as a commented TOML file.
SCHEMA: dict[str, dict[str, tuple[Any, Any, str]]] = {
    "server": {
        "url": ("http://127.0.0.1:8700", _url, "community server address"),
        "token": ("", _str, "kiosk token printed once by `community-server add-kiosk`"),
        "public_url": ("", lambda v: _url(v) if v else "", "address phones reach the server at, for QR codes; empty = url"),
        "timeout_s": (10.0, _num(1, 120), "seconds before one HTTP call gives up"),
        "sync_interval_s": (15.0, _num(1, 3600), "seconds between sync rounds when all is well"),
        "discover_interfaces": ([], _ipv4_list, "this kiosk's addresses on which the admin screen looks for "
                                "the server (mDNS), e.g. [\"192.168.1.31\"]; empty = every network"),
    },
    "post": {
        "code": ("WJZ1", _post_code, "post code; receipt codes start with it"),
        "name": (t("config.post_name"), _str, "shown in large type on the home screen"),
        "buildings": (t("config.buildings").split("、"), _str_list, "building picker"),
        "units": (t("config.units").split("、"), _str_list, "unit picker"),
        "floors": (7, _num(1, 40, int), "highest floor, for the room picker"),
        "rooms_per_floor": (2, _num(1, 12, int), "rooms per floor, for the room picker"),
        "phone": ("", lambda v: _str(v).strip(), "the post's phone number, printed on the slip; empty = not printed"),
    },
    "kiosk": {
        "data_dir": ("", _path, "outbox, logs, models, Kivy home; empty = ~/.local/share/xingfu-kiosk"),
        "font": ("", _path, "font file; empty = find a Simplified Chinese font"),
        "idle_timeout_s": (90.0, _num(20, 3600), "seconds without a touch before the idle warning"),
        "idle_warning_s": (25.0, _num(20, 300), "seconds the idle warning stays before reset (>= 20)"),
        "request_idle_s": (180.0, _num(180, 3600), "seconds without a touch before the warning while a request is "
                           "half entered (>= 3 minutes: slow hands, a phone number looked up)"),
        "admin_pin": ("2580", _pin, "PIN of the admin screen (long-press the top-left corner)"),
        "teacher_pin": ("1234", _pin, "PIN of class mode"),
        "touch_debounce_ms": (400, _num(0, 2000, int), "taps closer than this on one button count once"),
        "timezone": ("Asia/Shanghai", _timezone, "clock on screen and kiosk-local times"),
        "log_level": ("info", _choice("debug", "info", "warning", "error"), "log level"),
    },
    "screen": {
        "width": (1920, _num(640, 7680, int), "screen width in pixels"),
        "height": (1080, _num(480, 4320, int), "screen height in pixels"),
        "diagonal_inches": (21.5, _num(7, 100), "physical diagonal, so sizes hold in millimetres"),
        "fullscreen": (True, _bool, "false = a window (for trying it on a desktop)"),
    },
    "printer": {
        "device": ("", lambda v: _str(v).strip(), "slip printer: usb:VID:PID, tcp://HOST[:PORT], serial:/dev/ttyUSB0[:BAUD] "
                   "or a device/file path such as /dev/usb/lp0; empty = no printer"),
    },
    "voice": {
        "enabled": (True, _bool, "false = touch only"),
        "model_dir": ("", _path, "Vosk model folder; empty = <data_dir>/models/vosk-model-small-cn-0.22"),
        "microphone": ("", _str, "input device name or index; empty = system default"),
        "tts_voice": ("cmn-latn-pinyin", _str, "espeak-ng voice"),
        "speech_rate": (150, _num(60, 400, int), "words per minute"),
        "volume": (0.9, _num(0, 1), "0.0 to 1.0"),
        "max_utterance_s": (10.0, _num(2, 60), "longest recording of one push-to-talk"),
        "end_silence_s": (1.0, _num(0.3, 5), "silence that ends an utterance"),
        "share_unplaced": (False, _bool, "true = send what the kiosk could not understand (text only, digits and "
                           "names removed) to the post's cadres to label; off unless the post turns it on"),
    },
}


@dataclass(frozen=True)
class Config:
    values: dict[str, dict[str, Any]]
    path: Path | None

    def __getitem__(self, section: str) -> dict[str, Any]:
        return self.values[section]

    @property
    def data_dir(self) -> Path:
        return Path(self.values["kiosk"]["data_dir"] or default_data_dir())

    @property
    def public_url(self) -> str:
        return self.values["server"]["public_url"] or self.values["server"]["url"]

    @property
    def model_dir(self) -> Path:
        v = self.values["voice"]["model_dir"]
        return Path(v) if v else self.data_dir / "models" / "vosk-model-small-cn-0.22"


def parse(data: dict, source: str = "<config>", path: Path | None = None) -> Config:
    values: dict[str, dict[str, Any]] = {s: {k: d for k, (d, _, _) in keys.items()} for s, keys in SCHEMA.items()}
    for section, table in data.items():
        if section not in SCHEMA:
            raise ConfigError(f"{source}: unknown section [{section}] (known: {', '.join(SCHEMA)})")
        if not isinstance(table, dict):
            raise ConfigError(f"{source}: [{section}] must be a table")
        for key, raw in table.items():
            if key not in SCHEMA[section]:
                raise ConfigError(f"{source}: unknown key {section}.{key}")
            try:
                values[section][key] = SCHEMA[section][key][1](raw)
            except ValueError as exc:
                raise ConfigError(f"{source}: {section}.{key} = {raw!r}: {exc}") from None
    for section, keys in SCHEMA.items():  # defaults go through the same checks
        for key, (_, check, _) in keys.items():
            if values[section][key] is SCHEMA[section][key][0]:
                values[section][key] = check(values[section][key])
    return Config(values, path)


def load(path: str | Path | None = None) -> Config:
    explicit = path or os.environ.get("KIOSK_CONFIG")
    p = Path(explicit).expanduser() if explicit else default_config_path()
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        if explicit:
            raise ConfigError(f"config file not found: {p}") from None
        return parse({}, "defaults")
    except OSError as exc:
        raise ConfigError(f"cannot read config file {p}: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML: {exc}") from None
    return parse(data, str(p), p)


def render_defaults() -> str:
    """The documented default file, for `kiosk config --defaults` and the README."""
    import tomli_w

    lines = [t("config.file_header")]
    for section, keys in SCHEMA.items():
        lines.append(f"\n[{section}]")
        for key, (default, _, doc) in keys.items():
            lines.append(f"# {doc}")
            lines.append(tomli_w.dumps({key: default}).rstrip("\n"))   # key by key, each under its comment
    return "\n".join(lines) + "\n"


def write_config(path: Path, updates: dict[str, dict[str, Any]]) -> None:
    """Merge `updates` into the file at `path` (validated first), written atomically."""
    import tomli_w

    current: dict[str, dict[str, Any]] = {}
    if path.exists():
        current = tomllib.loads(path.read_text(encoding="utf-8"))
    for section, table in updates.items():
        current.setdefault(section, {}).update(table)
    parse(current, str(path))  # refuse to write something that would not load
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(tomli_w.dumps(current))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def keep_public_url(config: Config, url: str) -> bool:
    """The server's public address for QR links (in each heartbeat answer): kept in memory at once, so the next
    slip and screen use it, and in the config file, so QR codes made offline after a restart use it too.
    -> whether it changed. Without a config file, or when it cannot be written (logged), the address holds until
    the kiosk restarts, and the first heartbeat after that brings it again."""
    import logging

    url = _url(url)
    if url == config.values["server"]["public_url"]:
        return False
    config.values["server"]["public_url"] = url
    if config.path is not None:
        try:
            write_config(config.path, {"server": {"public_url": url}})
        except (ConfigError, OSError) as exc:
            logging.getLogger(__name__).warning("public_url %s not written to %s: %s", url, config.path, exc)
    return True
