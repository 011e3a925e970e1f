"""`kiosk submit | sync | queue | status`: the outbox from the shell (no window, no Kivy)."""

from __future__ import annotations

import json
import os
import sys
from types import SimpleNamespace

from assets.texts import t
from kiosk import config


def _one_line_errors(fn):
    """Storage trouble (a full disk, an unwritable data dir) is one line on stderr, not a traceback."""
    import functools
    import sqlite3

    @functools.wraps(fn)
    def run(args):
        from sync.outbox import OutboxError

        try:
            rc = fn(args)
            sys.stdout.flush()      # a closed pipe shows here, inside the check below, not at exit
            return rc
        except BrokenPipeError:
            # The reader went away (`kiosk queue --json | head`): nothing is wrong with storage. Say nothing more.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
        except (OutboxError, sqlite3.Error, OSError) as exc:
            raise _fail(t("cmd_sync.storage_failed", reason=exc)) from None
    return run


def register(sub) -> None:
    p = sub.add_parser("submit", help="queue a request (the same code path as the screens)",
                       description='--json prints {"uuid": ..., "receipt": ...}')
    p.add_argument("--category", required=True, metavar="ID", help="catalog id, e.g. gas_recharge")
    for name, what in (("name", "how to address the resident"), ("building", "building"), ("unit", "unit"),
                       ("room", "room"), ("phone", "phone number"), ("text", "free text or transcript")):
        p.add_argument(f"--{name}", default="", help=what)
    p.add_argument("--channel", default="touch", choices=("touch", "voice"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_one_line_errors(cmd_submit))

    p = sub.add_parser("sync", help="send the outbox to the server and pull status changes",
                       description="--json prints counts: sent, duplicates, rejected (this round, every "
                                   "acknowledgement even when the round fails later), set_aside_reported, pending, "
                                   "rejected_total, updates, error (empty when the round succeeded)")
    p.add_argument("--once", action="store_true",
                   help="one round now (ignoring backoff), then exit; without it: a round every sync_interval_s, "
                        "one JSON line each, until Ctrl-C")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_one_line_errors(cmd_sync))

    p = sub.add_parser("queue", help="show the outbox",
                       description="--json prints counts (pending, rejected, sent, oldest_pending_s, last_sync_at, "
                                   "last_error, unreadable, damage), rejected_items (receipt, category, reason, uuid, "
                                   "kind), set_aside_items (uuid, receipt, category, kind, reason, set_aside_at, "
                                   "reported), requeued (with --retry-rejected) and items (uuid, kind, receipt, "
                                   "category, sync, state, attempts, last_error, created_at); no personal data. "
                                   "Exits 1 with the damage on stderr while a damaged outbox is not cleared")
    p.add_argument("--json", action="store_true")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--retry-rejected", action="store_true",
                   help="put rejected items back in the queue (after the cause was fixed on the server)")
    p.add_argument("--clear-damage", action="store_true",
                   help="the damaged-outbox notice was read (the damaged file stays where it was kept)")
    p.set_defaults(func=_one_line_errors(cmd_queue))

    p = sub.add_parser("find", help="find requests by the phone's last four digits and the door (查进度 without the code)",
                       description="--json prints [{receipt, category, state}]; asks the server for the whole post, "
                                   "else this kiosk's own queued requests")
    p.add_argument("--phone-tail", required=True, metavar="DDDD", help="last four digits of the phone number")
    p.add_argument("--building", default="", help="building, e.g. 3 or 3号楼")
    p.add_argument("--unit", default="", help="unit, e.g. 2 or 2单元")
    p.add_argument("--room", required=True, help="room, e.g. 502")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_one_line_errors(cmd_find))

    p = sub.add_parser("status", help="the status of a request by its receipt code (answered offline)",
                       description="--json prints receipt, category, state, state_label, public_note, updated_at")
    p.add_argument("code", help="receipt code, e.g. WJZ1-0427 (or just the 4 digits)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_one_line_errors(cmd_status))


def _services(args):
    from sync.catalog import default_catalog
    from sync.client import outbox_path
    from sync.outbox import Outbox

    cfg = config.load(args.config)
    _log_to_file(cfg)
    from kiosk.wiring import build_printer

    return SimpleNamespace(config=cfg, catalog=default_catalog(), outbox=Outbox(outbox_path(cfg), cfg["post"]["code"]),
                           sync=None, printer=build_printer(cfg))


def _log_to_file(cfg) -> None:
    """Shell commands log to the kiosk's log file only: stderr carries the one error line."""
    import logging
    import logging.handlers

    from kiosk.logs import ZonedFormatter

    path = cfg.data_dir / "logs"
    path.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(path / "kiosk-cli.log", maxBytes=2_000_000, backupCount=2,
                                                   encoding="utf-8")
    handler.setFormatter(ZonedFormatter(cfg["kiosk"]["timezone"]))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(cfg["kiosk"]["log_level"].upper())


def _fail(msg: str):
    from kiosk.cli import CommandError

    return CommandError(msg)


def cmd_submit(args) -> int:
    from kiosk.submit import SubmitError, submit_request

    s = _services(args)
    try:
        out = submit_request(s, category=args.category, name=args.name, building=args.building, unit=args.unit,
                             room=args.room, phone=args.phone, text=args.text, channel=args.channel)
    except SubmitError as exc:
        raise _fail(str(exc)) from None
    if s.printer is None:
        out.pop("printed")   # no printer configured: nothing to say about a slip
    print(json.dumps(out, ensure_ascii=False) if args.json else t("cmd_sync.queued", receipt=out["receipt"]))
    return 0


def cmd_find(args) -> int:
    import re

    from kiosk.find import find_requests

    if not re.fullmatch(r"[0-9]{4}", args.phone_tail):
        raise _fail(t("cmd_sync.need_phone_tail"))
    if not args.room.strip():
        raise _fail(t("cmd_sync.need_room"))
    out = find_requests(_services(args), args.phone_tail, args.building, args.unit, args.room)
    rows = [{k: m[k] for k in ("receipt", "category", "state")} for m in out["matches"]]
    if out["source"] == "local":
        print(t("cmd_sync.local_only"), file=sys.stderr)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
    else:
        for m in out["matches"]:
            print(f"{m['receipt']}  {m['category']}  {m['state_label']}")
        if not rows:
            print(t("cmd_sync.none_found"))
    return 0


def cmd_sync(args) -> int:
    from kiosk import __version__
    from sync.client import from_config
    from sync.learned import FILE_NAME, LearnedPhrases

    s = _services(args)   # the post's learned phrases are fetched here too, as the app's own sync does
    client = from_config(s.config, s.outbox, lambda: {"version": __version__},
                         LearnedPhrases(s.config.data_dir / FILE_NAME),
                         on_public_url=lambda url: config.keep_public_url(s.config, url))
    if not args.once:   # a foreground sync loop (the kiosk app runs the same rounds in a background thread)
        import time

        while True:
            out = client.run_once(force=False)
            print(json.dumps(out, ensure_ascii=False), flush=True)
            due = s.outbox.next_due_in()
            time.sleep(min(s.config["server"]["sync_interval_s"], max(1.0, due if due is not None else 3600)))
    out = client.run_once(force=True)
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    else:
        print(t("cmd_sync.round", **out) + (t("cmd_sync.error", error=out["error"]) if out["error"] else ""))
    if out["error"]:
        print(f"kiosk: error: {out['error']}", file=sys.stderr)
        return 1
    return 0


def cmd_queue(args) -> int:
    s = _services(args)
    requeued = s.outbox.requeue_rejected() if args.retry_rejected else 0
    counts, items = s.outbox.counts(), s.outbox.items(args.limit)
    counts["rejected_items"] = s.outbox.rejected()
    counts["set_aside_items"] = s.outbox.set_aside()
    if args.retry_rejected:
        counts["requeued"] = requeued
    if args.json:
        print(json.dumps({**counts, "items": items}, ensure_ascii=False))
    else:
        print(t("cmd_sync.queue", **counts)
              + (t("cmd_sync.last_error", error=counts["last_error"]) if counts["last_error"] else ""))
        for key, rows in (("cmd_sync.rejected_row", counts["rejected_items"]),
                          ("cmd_sync.unreadable_row", counts["set_aside_items"])):
            for r in rows:
                print(t(key, id=r["receipt"] or r["uuid"], what=r["category"] or r["kind"], reason=r["reason"]))
        for i in items:
            print(f"{i['receipt'] or '-'}\t{i['kind']}\t{i['category'] or ''}\t{i['sync']}\t{i['state']}")
    if args.clear_damage:
        s.outbox.clear_damage()
    elif counts["damage"]:
        raise _fail(t("cmd_sync.damage", damage=counts["damage"]))
    return 0


def cmd_status(args) -> int:
    s = _services(args)
    code = args.code.strip().upper()
    if code.isdigit() and len(code) == 4:
        code = f"{s.config['post']['code']}-{code}"
    st = s.outbox.status(code)
    if st is None:   # given at another kiosk of the post or by a cadre (干部代录): the server knows it
        from kiosk.find import lookup_receipt

        st = lookup_receipt(s, code)
    if st is None:
        raise _fail(t("cmd_sync.no_receipt", code=code))
    if args.json:
        print(json.dumps(st, ensure_ascii=False))
    else:
        label = s.catalog.get(st["category"]).label if st["category"] in s.catalog else st["category"]
        print(f"{st['receipt']} {label}：{st['state_label']}" + (f"（{st['public_note']}）" if st["public_note"] else ""))
    return 0
