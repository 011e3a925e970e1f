"""`kiosk run`: open the kiosk window."""

from __future__ import annotations

import logging

from kiosk import config, kivyenv, logs


def register(sub) -> None:
    p = sub.add_parser("run", help="open the kiosk (full screen unless --windowed)")
    p.add_argument("--windowed", action="store_true", help="a window instead of full screen (to try it on a desktop)")
    p.add_argument("--size", metavar="WxH", help="window size with --windowed, e.g. 1280x720")
    p.set_defaults(func=run)


def _window_size(cfg, args) -> tuple[int, int]:
    if args.size:
        try:
            w, h = (int(x) for x in args.size.lower().split("x"))
        except ValueError:
            raise config.ConfigError(f"--size {args.size!r}: expected WIDTHxHEIGHT, e.g. 1280x720") from None
        return w, h
    return cfg["screen"]["width"], cfg["screen"]["height"]


def run(args) -> int:
    cfg = config.load(args.config)
    logs.setup(cfg.data_dir / "logs", "kiosk", cfg["kiosk"]["log_level"], cfg["kiosk"]["timezone"])
    from kiosk.fonts import resolve_font, resolve_symbol_font

    resolve_font(cfg["kiosk"]["font"] or None)   # fail before any window opens
    resolve_symbol_font()
    fullscreen = cfg["screen"]["fullscreen"] and not args.windowed
    kivyenv.prepare(cfg.data_dir, fullscreen=fullscreen, size=_window_size(cfg, args),
                    log_level=cfg["kiosk"]["log_level"], debounce_ms=cfg["kiosk"]["touch_debounce_ms"])
    from kiosk.app import KioskApp
    from kiosk.wiring import build_services

    services = build_services(cfg)
    logging.getLogger(__name__).info("kiosk starting, post %s, server %s", cfg["post"]["code"], cfg["server"]["url"])
    KioskApp(services).run()
    return 0
