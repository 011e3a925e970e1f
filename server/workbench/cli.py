"""`community-server` commands of the workbench: add-volunteer, purge, export."""

from __future__ import annotations

import json
import sys


def cmd_purge(args) -> int:
    from server.cli import setup_django
    setup_django()
    from server.workbench import purge

    days = args.days if args.days is not None else purge.retention_days()
    if days < 1:
        raise ValueError("--days must be at least 1")
    n = purge.purge(days, dry_run=args.dry_run)
    out = {"purged": 0 if args.dry_run else n, "due": n, "retention_days": days, "dry_run": args.dry_run}
    print(json.dumps(out, ensure_ascii=False) if args.json else
          (f"有 {n} 件诉求的个人信息到期（保存期 {days} 天），未清除（试运行）" if args.dry_run
           else f"已清除 {n} 件已结束诉求的个人信息（保存期 {days} 天）"))
    return 0


def cmd_add_volunteer(args) -> int:
    from server.cli import CommandError, _post, setup_django
    setup_django()
    from django.contrib.auth.models import User
    from django.db import transaction

    from server.workbench.models import Volunteer, VolunteerType
    from sync.catalog import default_catalog

    cat = default_catalog()
    bad = [s for s in args.skill or [] if s not in cat]
    if bad:
        raise CommandError(f"unknown category {bad[0]!r} (one of: {', '.join(cat.ids)})")
    posts = [_post(code) for code in args.post]
    with transaction.atomic():
        user, created = User.objects.get_or_create(username=args.username)
        user.first_name = args.name
        if args.password:
            user.set_password(args.password)
        elif created:
            user.set_unusable_password()
        user.save()
        vol, _ = Volunteer.objects.update_or_create(user=user, defaults={
            "name": args.name, "phone": args.phone or "", "kind": VolunteerType(args.kind),
            "skills": args.skill or [], "availability": args.availability or ""})
        vol.posts.set(posts)
    data = {"id": vol.pk, "username": user.username, "name": vol.name, "created": created}
    print(json.dumps(data, ensure_ascii=False) if args.json else f"志愿者 {vol.name}（{user.username}）已登记")
    return 0


def cmd_export(args) -> int:
    from server.cli import CommandError, _post, setup_django
    setup_django()
    from server.core.models import Request
    from server.workbench import exports

    qs = Request.objects.select_related("post", "assignee").order_by("received_at", "id")
    if args.post:
        qs = qs.filter(post=_post(args.post))
    if args.state:
        qs = qs.filter(state=args.state)
    if args.format == "xlsx":
        if not args.output:
            raise CommandError("--format xlsx needs --output FILE")
        resp = exports.xlsx_response(qs)
        with open(args.output, "wb") as f:
            f.write(resp.content)
    else:
        import csv
        out = open(args.output, "w", newline="", encoding="utf-8-sig") if args.output else sys.stdout
        w = csv.writer(out)
        w.writerow(exports.HEADER)
        for row in exports.rows(qs):
            w.writerow([exports._safe(v) for v in row])
        if args.output:
            out.close()
    from server.workbench.models import AuditLog
    AuditLog.objects.create(action="export", detail=f"命令行导出 {args.format} {args.post or '全部阵地'}")
    return 0


def cmd_grant(args) -> int:
    from server.cli import CommandError, setup_django
    setup_django()
    from django.contrib.auth.models import Group, User

    from server.workbench import roles

    user = User.objects.filter(username=args.username).first()
    if user is None:
        raise CommandError(f"no user {args.username!r} (create it with: community-server add-user --username NAME)")
    group = Group.objects.get_or_create(name={"admin": roles.ADMIN_GROUP, "teacher": roles.TEACHER_GROUP}[args.role])[0]
    if args.revoke:
        user.groups.remove(group)
    else:
        user.groups.add(group)
    data = {"username": user.username, "role": args.role, "granted": not args.revoke}
    print(json.dumps(data, ensure_ascii=False) if args.json else
          f"{user.username} {'不再是' if args.revoke else '现在是'}{roles.ROLE_LABELS[args.role]}")
    return 0


def register(sub) -> None:
    p = sub.add_parser("grant", help="make a user community admin (all posts) or teacher; --revoke to undo")
    p.add_argument("--username", required=True)
    p.add_argument("--role", required=True, choices=("admin", "teacher"))
    p.add_argument("--revoke", action="store_true")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_grant)

    p = sub.add_parser("purge", help="blank personal data of requests closed longer than the retention period")
    p.add_argument("--days", type=int, help="retention period in days (default: $COMMUNITY_RETENTION_DAYS or 180)")
    p.add_argument("--dry-run", action="store_true", help="only count what is due")
    p.add_argument("--json", action="store_true", help='print {"purged", "due", "retention_days", "dry_run"}')
    p.set_defaults(func=cmd_purge)

    p = sub.add_parser("add-volunteer", help="register a volunteer (微力量) of one or more posts")
    p.add_argument("--username", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--post", action="append", required=True, metavar="CODE", help="repeatable")
    p.add_argument("--password", help="to log in on a phone; default: no login")
    p.add_argument("--phone")
    p.add_argument("--kind", default="volunteer", choices=("volunteer", "building_head", "veteran", "merchant"),
                   help="志愿者 / 楼栋长 / 老党员 / 商户")
    p.add_argument("--skill", action="append", metavar="CATEGORY", help="a catalog category id (repeatable)")
    p.add_argument("--availability")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_add_volunteer)

    p = sub.add_parser("export", help="write requests as CSV (stdout or --output) or XLSX (--output)")
    p.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    p.add_argument("--output", metavar="FILE")
    p.add_argument("--post", metavar="CODE")
    p.add_argument("--state")
    p.set_defaults(func=cmd_export)
