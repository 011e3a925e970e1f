"""`community-server` command line (DESIGN.md §8). Commands work on an empty database: they migrate first.

Every command has --help, exits non-zero with one clear line on error and prints JSON where it says so.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import secrets
import sys

COMMAND_MODULES = (
    "server.cli",   # the commands below
    "server.workbench.cli",   # add-volunteer, purge, export
    "server.ops.cli",   # backup, restore, check, bundle, bundle-key
)


class CommandError(Exception):
    pass


def setup_django(migrate: bool = True) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
    import django
    from django.core.management import call_command

    django.setup()
    if migrate:
        call_command("migrate", verbosity=0, interactive=False)


# -- commands -----------------------------------------------------------------

def cmd_serve(args) -> int:
    setup_django()
    import logging

    from waitress import serve

    from server import wsgi_errors
    from server.wsgi import application
    from sync import protocol
    wsgi_errors.install()
    _room_for_connections(args.connection_limit)
    logging.getLogger(__name__).info("community server on http://%s:%s/", args.host, args.port)
    # Behind nginx or Caddy (scripts/install-server, docs/security.md): the scheme comes from the proxy's
    # X-Forwarded-Proto; the client's address is read from X-Forwarded-For by audit.client_ip, for the same
    # COMMUNITY_TRUSTED_PROXIES only, so throttles and the audit log work the same in and out of waitress.
    proxies = [a.strip() for a in os.environ.get("COMMUNITY_TRUSTED_PROXIES", "").split(",") if a.strip()]
    behind = {"trusted_proxy": proxies[0], "trusted_proxy_headers": "x-forwarded-proto",
              "clear_untrusted_proxy_headers": False} if proxies else {}
    # Slow clients (issue 11.8). Waitress reads each request completely before a worker thread sees it, so a
    # trickled body holds a connection, not a thread; what ran out was the connection limit (default 100),
    # after which nobody, kiosks included, was accepted. So: room for many connections (poll(), not select(),
    # which stops at 1024 descriptors), idle ones closed after channel_timeout, and no body larger than the
    # protocol's limit (plus headroom so the API's own JSON 413 answers a body just over it). A production
    # server goes behind nginx or Caddy, which also time out slow senders (docs/security.md).
    from django.conf import settings

    from server import advertise  # found on the LAN by the kiosks' admin screen (issue 13.8)
    announced = advertise.start(args.host, args.port, "off" if args.no_advertise else
                                os.environ.get("COMMUNITY_ADVERTISE", ""), settings.PUBLIC_URL)
    try:
        serve(application, host=args.host, port=args.port, threads=args.threads, ident="community-server",
              connection_limit=args.connection_limit, asyncore_use_poll=True, channel_timeout=args.channel_timeout,
              cleanup_interval=min(30, args.channel_timeout), max_request_body_size=protocol.MAX_BODY_BYTES + 65536,
              **behind)
    finally:
        if announced is not None:
            announced.stop()
    return 0


def _room_for_connections(n: int) -> None:
    """Each connection is a file descriptor; systemd's default soft limit (1024) is below --connection-limit."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = n + 256
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want if hard == resource.RLIM_INFINITY else min(want, hard), hard))


def _post(code: str):
    from server.core.models import Post

    post = Post.objects.filter(code=code).first()
    if post is None:
        raise CommandError(f"no post with code {code!r} (create it with: community-server add-post --code {code} --name NAME)")
    return post


def cmd_add_post(args) -> int:
    setup_django()
    from server.core.models import Post
    from sync import codes

    if not codes.valid_post_code(args.code):   # the kiosk's own rule: otherwise it could never send here
        raise CommandError(f"post code {args.code!r} must be {codes.POST_CODE_RULE}")
    post = Post.objects.filter(code=args.code).first()
    created = post is None
    if created:
        post = Post.objects.create(code=args.code, name=args.name, address=args.address or "")
    elif (post.name, post.address) != (args.name, args.address or post.address):
        if not args.rename:
            raise CommandError(f"post {post.code} already exists as {post.name!r}; "
                               f"add --rename to change its name or address")
        post.name, post.address = args.name, args.address or post.address
        post.save(update_fields=["name", "address"])
    _print(args, {"code": post.code, "name": post.name, "created": created},
           f"{'已创建' if created else '已存在'}阵地 {post.code} {post.name}")
    return 0


def cmd_add_kiosk(args) -> int:
    setup_django()
    from server.core.models import Kiosk

    post = _post(args.post)
    name = args.name
    if name is None:
        n = post.kiosks.count() + 1
        while post.kiosks.filter(name=f"{post.code}-{n}").exists():
            n += 1
        name = f"{post.code}-{n}"
    elif post.kiosks.filter(name=name).exists():
        raise CommandError(f"post {post.code} already has a kiosk named {name!r}; choose another --name")
    kiosk, token = Kiosk.issue(post, name)
    if getattr(args, "pairing", False):   # no keyboard at the kiosk: a code for its admin keypad instead
        from datetime import datetime

        from server.api.pairing import issue

        code, expires = issue(token, kiosk.name, post.code)
        _print(args, {"pairing_code": code, "expires_at": datetime.fromtimestamp(expires).astimezone().isoformat(),
                      "kiosk": kiosk.name, "id": kiosk.pk, "post": post.code},
               f"终端 {kiosk.name}（编号 {kiosk.pk}）已登记。配对码 {code}，15 分钟内有效："
               f"在终端管理页面点「配对」输入这六位数字。")
        return 0
    _print(args, {"token": token, "kiosk": kiosk.name, "id": kiosk.pk, "post": post.code},
           f"终端 {kiosk.name}（编号 {kiosk.pk}）已登记。令牌只显示这一次，请填入终端配置 [server] token：\n{token}")
    return 0


def _kiosk(args):
    """The one kiosk named by --id, or by --name (with --post when two posts use the name)."""
    from server.core.models import Kiosk

    if args.id is not None:
        kiosk = Kiosk.objects.select_related("post").filter(pk=args.id).first()
        if kiosk is None:
            raise CommandError(f"no kiosk with id {args.id} (see: community-server kiosks)")
        return kiosk
    if not args.name:
        raise CommandError("give --name NAME (and --post CODE) or --id N")
    qs = Kiosk.objects.select_related("post").filter(name=args.name)
    if args.post:
        qs = qs.filter(post=_post(args.post))
    found = list(qs[:2])
    if not found:
        raise CommandError(f"no kiosk named {args.name!r}" + (f" in post {args.post}" if args.post else "")
                           + " (see: community-server kiosks)")
    if len(found) > 1:
        raise CommandError(f"posts {found[0].post.code} and {found[1].post.code} both have a kiosk named "
                           f"{args.name!r}; add --post CODE or use --id")
    return found[0]


def cmd_revoke_kiosk(args) -> int:
    setup_django()
    from server.workbench import kiosks

    kiosk = _kiosk(args)
    kiosks.revoke(kiosk, None, via="命令行")
    _print(args, {"kiosk": kiosk.name, "id": kiosk.pk, "post": kiosk.post.code,
                  "revoked_at": kiosk.revoked_at.isoformat(), "queue_length": kiosk.queue_length},
           f"终端 {kiosk.name} 的令牌已吊销；它的请求保留，要再用请重新 add-kiosk。"
           + kiosks.held_sentence(kiosk))
    return 0


def cmd_rename_kiosk(args) -> int:
    setup_django()
    from server.workbench import kiosks

    kiosk = _kiosk(args)
    old = kiosk.name
    problem = kiosks.rename(kiosk, args.to, None, via="命令行")
    if problem:
        raise CommandError(problem)
    _print(args, {"kiosk": kiosk.name, "id": kiosk.pk, "post": kiosk.post.code, "was": old},
           f"终端 {old} 已改名为 {kiosk.name}")
    return 0


def cmd_kiosks(args) -> int:
    setup_django()
    from server.core.models import Kiosk

    rows = [{"kiosk": k.name, "id": k.pk, "post": k.post.code, "revoked": k.revoked,
             "last_seen": k.last_seen.isoformat() if k.last_seen else None, "version": k.version,
             "queue_length": k.queue_length, "oldest_queued_s": k.oldest_queued_s,
             "voice_health": k.voice_health, "printer_health": k.printer_health}
            for k in Kiosk.objects.select_related("post")]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
    else:
        for r in rows:
            print(f"{r['id']}\t{r['kiosk']}\t{r['post']}\t{'已吊销' if r['revoked'] else '有效'}\t最近联系 {r['last_seen'] or '从未'}"
                  f"\t待发 {r['queue_length']}")
    return 0


def cmd_add_user(args) -> int:
    setup_django()
    from django.contrib.auth.models import User
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from server.workbench.audit import record

    posts = [_post(code) for code in args.post or []]
    user = User.objects.filter(username=args.username).first()
    created = user is None
    if created:
        user = User(username=args.username)
    password = args.password or secrets.token_urlsafe(9)
    try:
        validate_password(password, user)      # the web's password rule
    except ValidationError as exc:
        raise CommandError("password refused: " + " ".join(exc.messages)) from None
    with transaction.atomic():
        user.set_password(password)
        user.first_name = args.name or user.first_name
        user.is_superuser = user.is_staff = bool(args.admin)
        user.save()
        for post in posts:
            post.cadres.add(user)
        record(None, "credential", None, f"命令行 add-user {'创建' if created else '重设密码'} {user.username}")
    # Only a generated password is printed (once); one the operator typed is never echoed.
    data = {"username": user.username, "created": created}
    if not args.password:
        data["password"] = password
    _print(args, data, f"用户 {user.username} {'已创建' if created else '已更新'}"
           + (f"，密码（只显示这一次）：{password}" if not args.password else "，密码已设置"))
    return 0


def request_row(r) -> dict:
    """The stable JSON shape of `requests --json` (documented in its --help)."""
    return {"uuid": str(r.uuid), "receipt": r.receipt, "issued_receipt": r.issued_receipt or r.receipt,
            "category": r.category, "state": r.state,
            "post": r.post.code, "channel": r.channel, "received_at": r.received_at.isoformat(),
            "updated_at": r.updated_at.isoformat()}


def cmd_requests(args) -> int:
    setup_django()
    from server.core.models import Request

    qs = Request.objects.select_related("post").order_by("received_at", "id")
    if args.post:
        qs = qs.filter(post=_post(args.post))
    if args.state:
        qs = qs.filter(state=args.state)
    if args.json:
        json.dump([request_row(r) for r in qs.iterator()], sys.stdout, ensure_ascii=False)
        print()
    else:
        for r in qs.iterator():
            print(f"{r.receipt}\t{r.category}\t{r.get_state_display()}\t{r.received_at:%Y-%m-%d %H:%M}")
    return 0


def cmd_demo(args) -> int:
    """Prepare the embedded demo: a post, a cadre account, a kiosk whose config points here.

    Idempotent: a second run reuses the post, the account and a kiosk token that still works.
    """
    from sync import codes

    setup_django()
    from pathlib import Path

    from django.contrib.auth.models import User

    from server.core.models import Kiosk, Post

    post, _ = Post.objects.get_or_create(code="WJZ1", defaults={"name": "王家庄社区幸福微+党员阵地",
                                                                "address": "兰州市七里河区王家庄社区"})
    user = User.objects.filter(username="cadre").first()
    if user is None:
        password = secrets.token_urlsafe(9)
        user = User.objects.create_user("cadre", password=password, first_name="驻守干部（演示）")
        print(f"演示干部账号已创建（只显示这一次）：用户名 cadre  密码 {password}")
    else:
        print("演示干部账号 cadre 已存在（密码在第一次运行时显示过；忘记了可运行 "
              "community-server add-user --username cadre --post WJZ1 重新设置）")
    post.cadres.add(user)

    path = Path(args.kiosk_config)
    current = _read_toml(path)
    token = current["server"].get("token") if isinstance(current.get("server"), dict) else None
    kiosk = Kiosk.authenticate(token) if isinstance(token, str) and token else None
    if kiosk is None or kiosk.revoked:
        kiosk, token = Kiosk.issue(post, f"{post.code}-演示终端")
    from django.conf import settings

    public = settings.PUBLIC_URL or args.url
    _merge_toml(path, {
        "server": {"url": args.url, "token": token, "public_url": public},
        "post": {"code": post.code, "name": post.name},
        "kiosk": {"data_dir": str(Path(args.kiosk_data).resolve())},
        "screen": {"fullscreen": False},
    })
    print(f"演示终端 {kiosk.name} 的配置：{path}")
    if codes.is_loopback(public):   # the status QR would open on nobody's phone
        print(f"注意：二维码链接指向 {public}，家人的手机打不开。请把 COMMUNITY_PUBLIC_URL 设为本机在局域网里的地址"
              "（例如 http://192.168.1.20:8700）再运行一次。")
    return 0


def _read_toml(path) -> dict:
    import tomllib

    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CommandError(f"cannot read {path}: {exc}; fix or delete it, then run again") from None


def _merge_toml(path, updates: dict) -> None:
    """The demo kiosk's config, written here: the server does not import the kiosk (two installable parts)."""
    import tomli_w

    current = _read_toml(path)
    for section, table in updates.items():
        current[section] = {**(current.get(section) if isinstance(current.get(section), dict) else {}), **table}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(tomli_w.dumps(current), encoding="utf-8")
    os.replace(tmp, path)


def _print(args, data: dict, text: str) -> None:
    print(json.dumps(data, ensure_ascii=False) if getattr(args, "json", False) else text)


def register(sub) -> None:
    p = sub.add_parser("serve", help="serve the cadre pages and the kiosk API (waitress)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8700)
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--connection-limit", type=int, default=1000,
                   help="open connections at once, slow ones included (default 1000; keep below `ulimit -n`)")
    p.add_argument("--channel-timeout", type=int, default=30,
                   help="seconds a connection may stay silent before it is closed (default 30)")
    p.add_argument("--no-advertise", action="store_true",
                   help="do not announce the server on the LAN (mDNS); also COMMUNITY_ADVERTISE=off. "
                        "COMMUNITY_ADVERTISE=all or ADDR,ADDR announces it there (server/advertise.py)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("add-post", help="create a post (idempotent; --rename to change an existing one)")
    p.add_argument("--code", required=True, help="post code: 1-4 capital letters and up to 3 digits, e.g. WJZ1 "
                                                 "(receipt codes start with it)")
    p.add_argument("--name", required=True)
    p.add_argument("--address")
    p.add_argument("--rename", action="store_true", help="change the name/address of an existing post")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_add_post)

    p = sub.add_parser("add-kiosk", help="register a kiosk of a post; prints its token once")
    p.add_argument("--post", required=True, metavar="CODE")
    p.add_argument("--name")
    p.add_argument("--json", action="store_true", help='print {"token": ..., "kiosk": ..., "post": ...}')
    p.add_argument("--pairing", action="store_true",
                   help="print a 6-digit pairing code valid 15 minutes for the kiosk's admin keypad instead of the token")
    p.set_defaults(func=cmd_add_kiosk)

    for name, func, text in (("revoke-kiosk", cmd_revoke_kiosk, "revoke a kiosk's token (its requests stay)"),
                             ("rename-kiosk", cmd_rename_kiosk, "rename a kiosk (names are unique per post)")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--name", help="kiosk name as printed by add-kiosk / kiosks")
        p.add_argument("--post", metavar="CODE", help="the kiosk's post, when two posts use the name")
        p.add_argument("--id", type=int, help="kiosk id as printed by add-kiosk / kiosks")
        if name == "rename-kiosk":
            p.add_argument("--to", required=True, metavar="NEW_NAME")
        p.add_argument("--json", action="store_true")
        p.set_defaults(func=func)

    p = sub.add_parser("kiosks", help="list kiosks with their last heartbeat",
                       description="--json prints an array of {kiosk, id, post, revoked, last_seen, version, queue_length, "
                                   "oldest_queued_s, voice_health, printer_health}")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_kiosks)

    p = sub.add_parser("add-user", help="create or update a cadre account")
    p.add_argument("--username", required=True)
    p.add_argument("--password", help="default: a random one, printed once (a given one is never printed)")
    p.add_argument("--name", help="full name shown on the pages")
    p.add_argument("--post", action="append", metavar="CODE", help="a post this cadre serves (repeatable)")
    p.add_argument("--admin", action="store_true", help="community admin: all posts")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_add_user)

    p = sub.add_parser("demo", help="prepare the embedded demo (post WJZ1, cadre account, kiosk config)")
    p.add_argument("--kiosk-config", required=True, metavar="FILE", help="kiosk TOML file to write")
    p.add_argument("--kiosk-data", required=True, metavar="DIR", help="the demo kiosk's data dir")
    p.add_argument("--url", default="http://127.0.0.1:8700", help="address the kiosk reaches the server at")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("requests", help="list requests", formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="--json prints one JSON array, oldest first; each item has the stable keys\n"
                                   "uuid, receipt, issued_receipt (the code the kiosk gave; differs from receipt only\n"
                                   "after a clash between two kiosks of a post), category, state, post, channel,\n"
                                   "received_at, updated_at (ISO 8601).")
    p.add_argument("--post", metavar="CODE")
    p.add_argument("--state")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_requests)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="community-server", description="幸福微+ 社区服务器")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CommandError as exc:
        print(f"community-server: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # one clear line, not a traceback, for installers' scripts
        from django.db import DatabaseError

        if isinstance(exc, (DatabaseError, ValueError, OSError)):
            print(f"community-server: error: {exc.__class__.__name__}: {exc}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":  # `python -m server.cli`: run the importable module, not a second copy
    from server.cli import main as _main

    sys.exit(_main())
