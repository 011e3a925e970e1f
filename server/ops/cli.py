"""`community-server` operations commands: backup, restore, check, bundle, bundle-key."""

from __future__ import annotations

import json
import os
from pathlib import Path


def _passphrase(args) -> str | None:
    """From a file or the environment, never the command line (other users can read `ps`)."""
    if getattr(args, "passphrase_file", None):
        text = Path(args.passphrase_file).read_text(encoding="utf-8").strip()
        if not text:
            raise ValueError(f"{args.passphrase_file} is empty")
        return text
    return os.environ.get("COMMUNITY_BACKUP_PASSPHRASE") or None


def _fail(exc: Exception):
    from server.cli import CommandError

    return CommandError(str(exc))


def cmd_backup(args) -> int:
    from server.cli import setup_django
    from server.ops.backup import BackupError, backup

    setup_django(migrate=False)
    try:
        info = backup(Path(args.to), _passphrase(args))
    except BackupError as exc:
        raise _fail(exc) from None
    print(json.dumps(info, ensure_ascii=False) if args.json else
          f"备份已写入 {info['file']}（{info['bytes']} 字节，{'已加密' if info['encrypted'] else '未加密'}，仅本用户可读）")
    return 0


def cmd_restore(args) -> int:
    from server.cli import setup_django
    from server.ops.backup import BackupError, restore

    setup_django(migrate=False)   # migrating first would make the empty database non-empty
    try:
        info = restore(Path(args.source), _passphrase(args), force=args.force)
    except BackupError as exc:
        raise _fail(exc) from None
    setup_django(migrate=True)    # a backup from an older version gets this version's tables
    print(json.dumps(info, ensure_ascii=False) if args.json else
          f"已从 {args.source} 恢复（备份时间 {info['created_at']}）")
    return 0


def cmd_check(args) -> int:
    from server.cli import setup_django
    from server.ops.health import report

    setup_django(migrate=False)
    r = report()
    if args.json:
        print(json.dumps(r, ensure_ascii=False))
    else:
        d, hb = r["disk"], r["oldest_heartbeat"]
        print(f"数据库：{'正常' if r['database'] == 'ok' else r['database']}")
        print(f"磁盘：剩余 {d['free_bytes'] / 2**30:.1f} GB（{d['free_percent']}%），{d['path']}")
        print("终端心跳：" + ("没有登记的终端" if hb is None else
                          f"最久未联系的是 {hb['kiosk']}（{hb['post']}），" +
                          ("从未联系" if hb["age_s"] is None else f"{hb['age_s']} 秒前")))
        for p in r["problems"]:
            print(f"需要处理：{p}")
        print({"ok": "状态：正常", "warning": "状态：有警告", "error": "状态：故障"}[r["status"]])
    return {"ok": 0, "warning": 1, "error": 2}[r["status"]]


def cmd_bundle(args) -> int:
    from sync.bundle import BundleError, make
    from sync.lessons import LessonError

    lessons = [p for d in args.lessons or [] for p in (sorted(Path(d).glob("*.toml")) + sorted(Path(d).glob("*.json"))
                                                       if Path(d).is_dir() else [Path(d)])]
    try:
        m = make(Path(args.out), Path(args.key), lessons=lessons, catalog=[Path(p) for p in args.catalog or []],
                 model=Path(args.model) if args.model else None, wheel=Path(args.wheel) if args.wheel else None,
                 label=args.label or "")
    except (BundleError, LessonError) as exc:
        raise _fail(exc) from None
    print(json.dumps({"file": args.out, "members": len(m["members"])}) if args.json else
          f"更新包已写入 {args.out}（{len(m['members'])} 个文件，已签名）")
    return 0


def cmd_bundle_key(args) -> int:
    from sync.bundle import generate_keys

    private, public = Path(args.out + ".key"), Path(args.out + ".pub")
    if private.exists():
        raise _fail(FileExistsError(f"{private} exists; a new key would orphan every kiosk that trusts the old one"))
    generate_keys(private, public)
    print(f"私钥：{private}（只留在制作更新包的电脑上，权限 600）\n公钥：{public}（随终端安装：install-kiosk --bundle-key）")
    return 0


def register(sub) -> None:
    enc = "passphrase: --passphrase-file FILE or $COMMUNITY_BACKUP_PASSPHRASE (never on the command line)"
    p = sub.add_parser("backup", help="back up the database while serving (mode 600; optionally encrypted)",
                       description=f"SQLite: online backup API; PostgreSQL: pg_dump. {enc}")
    p.add_argument("--to", required=True, metavar="FILE")
    p.add_argument("--passphrase-file", metavar="FILE", help="encrypt with this passphrase (scrypt + AES-GCM)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="restore a backup into an empty data dir or database",
                       description=f"Stop `community-server serve` first. {enc}")
    p.add_argument("--from", dest="source", required=True, metavar="FILE")
    p.add_argument("--passphrase-file", metavar="FILE")
    p.add_argument("--force", action="store_true", help="overwrite a database that already holds data")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("check", help="database, free disk, oldest kiosk heartbeat (exit 0 ok, 1 warning, 2 error)")
    p.add_argument("--json", action="store_true", help="the same JSON as /healthz")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("bundle", help="make a signed offline update bundle for `kiosk update --from`")
    p.add_argument("--out", required=True, metavar="FILE")
    p.add_argument("--key", required=True, metavar="KEYFILE", help="private key from `community-server bundle-key`")
    p.add_argument("--lessons", action="append", metavar="DIR|FILE", help="lesson files or a folder of them")
    p.add_argument("--catalog", action="append", metavar="FILE", help="catalog additions (TOML)")
    p.add_argument("--model", metavar="DIR", help="Vosk speech model folder")
    p.add_argument("--wheel", metavar="FILE", help="a newer kiosk wheel")
    p.add_argument("--label", help="a note shown to whoever applies it")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_bundle)

    p = sub.add_parser("bundle-key", help="make the ed25519 key pair that signs update bundles")
    p.add_argument("--out", required=True, metavar="PREFIX", help="writes PREFIX.key (private) and PREFIX.pub")
    p.set_defaults(func=cmd_bundle_key)
