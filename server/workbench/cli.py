"""`community-server` commands of the workbench: grant, add-volunteer, issue-access, purge, export."""

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
    from server.voicelearn.phrases import purge_unlabelled

    n = purge.purge(days, dry_run=args.dry_run)
    words = purge_unlabelled(days, dry_run=args.dry_run)
    out = {"purged": 0 if args.dry_run else n, "due": n, "utterances": words, "retention_days": days,
           "dry_run": args.dry_run}
    print(json.dumps(out, ensure_ascii=False) if args.json else
          (f"有 {n} 件诉求的个人信息、{words} 条没人标注的“没听懂的话”到期（保存期 {days} 天），未清除（试运行）"
           if args.dry_run else
           f"已清除 {n} 件已结束诉求的个人信息、{words} 条没人标注的“没听懂的话”（保存期 {days} 天）"))
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
        # An existing login (say a cadre of another post who also volunteers here) keeps its password and
        # name: nobody sets another person's password (issue 11.1). A new login has none until its owner
        # follows the one-time link of `issue-access`.
        user = User.objects.filter(username=args.username).first()
        created = user is None
        if created:
            user = User(username=args.username, first_name=args.name)
            user.set_unusable_password()
            user.save()
        vol, _ = Volunteer.objects.update_or_create(user=user, defaults={
            "name": args.name, "phone": args.phone or "", "kind": VolunteerType(args.kind),
            "skills": args.skill or [], "availability": args.availability or ""})
        vol.posts.set(posts)
    data = {"id": vol.pk, "username": user.username, "name": vol.name, "created": created}
    print(json.dumps(data, ensure_ascii=False) if args.json else
          f"志愿者 {vol.name}（{user.username}）已登记。要在手机上看任务：community-server issue-access "
          f"--username {user.username}")
    return 0


def cmd_issue_access(args) -> int:
    """The server's operator hands someone a one-time set-password link (never a password)."""
    from server.cli import CommandError, setup_django
    setup_django()
    from django.contrib.auth.models import User

    from server.workbench import access

    user = User.objects.filter(username=args.username).first()
    if user is None:
        raise CommandError(f"no user {args.username!r}")
    link = args.url.rstrip("/") + access.issue(None, user, via="命令行")
    data = {"username": user.username, "link": link}
    print(json.dumps(data, ensure_ascii=False) if args.json else
          f"{user.username} 的一次性设置密码链接（只显示这一次，三天内有效，旧密码已作废）：\n{link}")
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
    from server.cli import _post
    from server.workbench.audit import record
    from server.workbench.models import Teacher

    posts = [_post(code) for code in args.post or []]
    if posts and args.role != "teacher":
        raise CommandError("--post goes with --role teacher (an admin sees every post)")
    if args.role == "teacher" and not args.revoke and not posts:
        raise CommandError("a teacher needs --post CODE: the posts whose classes they see (repeatable)")
    group = Group.objects.get_or_create(name={"admin": roles.ADMIN_GROUP, "teacher": roles.TEACHER_GROUP}[args.role])[0]
    if args.revoke and args.role == "teacher" and posts:
        teacher = Teacher.objects.filter(user=user).first()
        if teacher is not None:
            teacher.posts.remove(*posts)
    elif args.revoke:
        user.groups.remove(group)
        if args.role == "teacher":
            Teacher.objects.filter(user=user).delete()
    elif args.role == "teacher":
        roles.make_teacher(user, posts)
    else:
        user.groups.add(group)
    record(None, "credential", None, f"命令行 grant {args.role}{' --revoke' if args.revoke else ''} {user.username} "
                                     f"{' '.join(p.code for p in posts)}")
    data = {"username": user.username, "role": args.role, "granted": not args.revoke,
            "posts": sorted(Teacher.objects.get(user=user).posts.values_list("code", flat=True))
            if Teacher.objects.filter(user=user).exists() else []}
    print(json.dumps(data, ensure_ascii=False) if args.json else
          f"{user.username} {'不再是' if args.revoke else '现在是'}{roles.ROLE_LABELS[args.role]}")
    return 0


def register(sub) -> None:
    p = sub.add_parser("grant", help="make a user community admin (all posts) or teacher of posts; --revoke to undo")
    p.add_argument("--username", required=True)
    p.add_argument("--role", required=True, choices=("admin", "teacher"))
    p.add_argument("--post", action="append", metavar="CODE",
                   help="teacher only: a post whose classes they see (repeatable); with --revoke: only these posts")
    p.add_argument("--revoke", action="store_true")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_grant)

    p = sub.add_parser("purge", help="blank personal data of requests closed longer than the retention period, "
                                        "and delete unlabelled utterances (没听懂的话) older than it")
    p.add_argument("--days", type=int, help="retention period in days (default: $COMMUNITY_RETENTION_DAYS or 180)")
    p.add_argument("--dry-run", action="store_true", help="only count what is due")
    p.add_argument("--json", action="store_true", help='print {"purged", "due", "utterances", "retention_days", "dry_run"}')
    p.set_defaults(func=cmd_purge)

    p = sub.add_parser("add-volunteer", help="register a volunteer (微力量) of one or more posts")
    p.add_argument("--username", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--post", action="append", required=True, metavar="CODE", help="repeatable")
    p.add_argument("--phone")
    p.add_argument("--kind", default="volunteer", choices=("volunteer", "building_head", "veteran", "merchant"),
                   help="志愿者 / 楼栋长 / 老党员 / 商户")
    p.add_argument("--skill", action="append", metavar="CATEGORY", help="a catalog category id (repeatable)")
    p.add_argument("--availability")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_add_volunteer)

    p = sub.add_parser("issue-access", help="reset a login and print a one-time set-password link (shown once)")
    p.add_argument("--username", required=True)
    p.add_argument("--url", default="http://127.0.0.1:8700", help="the address people reach the server at")
    p.add_argument("--json", action="store_true", help='print {"username", "link"}')
    p.set_defaults(func=cmd_issue_access)

    p = sub.add_parser("export", help="write requests as CSV (stdout or --output) or XLSX (--output)")
    p.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    p.add_argument("--output", metavar="FILE")
    p.add_argument("--post", metavar="CODE")
    p.add_argument("--state")
    p.set_defaults(func=cmd_export)
