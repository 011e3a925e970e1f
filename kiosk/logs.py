"""Log to stderr and to a rotating file in the data dir (kiosk and server alike)."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class ZonedFormatter(logging.Formatter):
    """Times in the kiosk's configured time zone with its offset (2026-11-29 11:42:05+0800), like the
    admin screen's clock, whatever the system's zone is."""

    def __init__(self, timezone: str = "Asia/Shanghai"):
        super().__init__(FORMAT)
        from zoneinfo import ZoneInfo

        self.tz = ZoneInfo(timezone)

    def formatTime(self, record, datefmt=None):   # noqa: N802 (logging's name)
        from datetime import datetime

        return datetime.fromtimestamp(record.created, self.tz).strftime("%Y-%m-%d %H:%M:%S%z")


def setup(log_dir: Path, name: str, level: str = "info", timezone: str = "Asia/Shanghai") -> Path:
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / f"{name}.log"
    root = logging.getLogger()
    root.setLevel(level.upper())
    for h in list(root.handlers):
        if getattr(h, "_xingfu", False):
            root.removeHandler(h)
    fmt = ZonedFormatter(timezone)
    handlers = [logging.StreamHandler(), logging.handlers.RotatingFileHandler(
        path, maxBytes=5_000_000, backupCount=5, encoding="utf-8")]
    for h in handlers:
        h.setFormatter(fmt)
        h._xingfu = True
        root.addHandler(h)
    return path
