"""`kiosk config`: show the effective configuration or the documented defaults."""

from __future__ import annotations

import json

from kiosk import config


def register(sub) -> None:
    p = sub.add_parser("config", help="print the configuration (or --defaults: the documented default file)")
    p.add_argument("--defaults", action="store_true", help="print every key with its default and meaning")
    p.set_defaults(func=run)


def run(args) -> int:
    if args.defaults:
        print(config.render_defaults(), end="")
        return 0
    cfg = config.load(args.config)
    shown = {s: {k: (list(v) if isinstance(v, tuple) else v) for k, v in t.items()} for s, t in cfg.values.items()}
    if shown["server"]["token"]:
        shown["server"]["token"] = "***"
    print(json.dumps({"file": str(cfg.path) if cfg.path else None, "data_dir": str(cfg.data_dir), **shown},
                     ensure_ascii=False, indent=2))
    return 0
