"""Log to stderr and to a rotating file in the data dir (kiosk and server alike)."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup(log_dir: Path, name: str, level: str = "info") -> Path:
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / f"{name}.log"
    root = logging.getLogger()
    root.setLevel(level.upper())
    for h in list(root.handlers):
        if getattr(h, "_xingfu", False):
            root.removeHandler(h)
    fmt = logging.Formatter(FORMAT)
    handlers = [logging.StreamHandler(), logging.handlers.RotatingFileHandler(
        path, maxBytes=5_000_000, backupCount=5, encoding="utf-8")]
    for h in handlers:
        h.setFormatter(fmt)
        h._xingfu = True
        root.addHandler(h)
    return path
