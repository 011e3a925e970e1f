"""`kiosk` command line (docs/architecture.md "Commands"). Every command: --help, one clear line on error, JSON where said.

Commands live in small modules; each has register(subparsers) and sets `func(args) -> int`.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from assets.texts import t
from kiosk import __version__
from kiosk.config import ConfigError
from kiosk.fonts import FontError
from sync.catalog import CatalogError

COMMAND_MODULES = (
    "kiosk.cmd_run",
    "kiosk.cmd_config",
    "kiosk.cmd_sync",
    "kiosk.cmd_voice",
    "kiosk.cmd_intent",
    "kiosk.update",
)


class CommandError(Exception):
    """A failure to report as one line, exit status 1."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description=t("cli.description"))
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    parser.add_argument("--config", metavar="FILE",
                        help="configuration file (default: $KIOSK_CONFIG, else ~/.config/xingfu-kiosk/kiosk.toml)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ConfigError, CatalogError, FontError, CommandError) as exc:
        print(f"kiosk: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # `python -m kiosk.cli`: run the importable module, not a second copy
    from kiosk.cli import main as _main

    sys.exit(_main())
