"""Cadre and volunteer pages. Every query starts from roles.requests_for/posts_for (per-post authorisation);
every state change goes through server.workbench.actions."""

from __future__ import annotations

from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q, Window
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from server.core.models import CADRE_CHANNELS, OPEN_STATES, Kiosk, Request, State
from server.workbench import (
    access,
    actions,
    audit,
    exports,
    inbox_rows,
    intake,
    limits,
    listing,
    metrics,
    roles,
)
from server.workbench import kiosks as kiosk_ops
from server.workbench.forms import CadreEntryForm, TopicForm, VolunteerForm
from server.workbench.models import AuditLog, Topic, TopicStatus, Volunteer
from sync.catalog import default_catalog

PAGE_SIZE = 50
SEARCH_COUNT_CAP = 1000


def cadre_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *a, **kw):
        if not roles.is_cadre(request.user):
            raise Http404("只有驻守干部和社区管理员能看这一页")
        return view(request, *a, **kw)
    return wrapper


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *a, **kw):
        if not roles.is_admin(request.user):
            raise Http404("只有社区管理员能看这一页")
        return view(request, *a, **kw)
    return wrapper


def labels() -> dict[str, str]:
    return {c.id: c.label for c in default_catalog().categories}


def decorate(rows, now):
    """Category label, deadline and overdue flag for display."""
    cats = labels()
    for r in rows:
        r.category_label = cats.get(r.category, r.category)
        r.due_at, r.overdue = limits.due(r, now)
    return rows


# -- inbox ----------------------------------------------------------------------

def _page(qs, raw, *, count=None, cap=None):
    """The page `raw` of the ordered requests `qs` (as Paginator.get_page picks it) and its ids. The ids are
    ordered alone (from the open requests' covering index where it serves), then the page's 50 rows are read:
    sorting whole rows read a million-row table's pages for every open request (issue 15.6). With a `count`
    known already, no COUNT. With a `cap` (a search), one query gives the page and the number of matches
    (COUNT(*) OVER ()): the matches are sorted anyway, and a separate COUNT went through them a second time.
    Otherwise Paginator's COUNT: a window count would make a newest-first list sort every request instead of
    reading the page from the received_at index (SQLite, 100,000 requests, page 200: 55 ms -> 340 ms)."""
    ids_qs = qs.values_list("id", flat=True)
    paginator = Paginator(ids_qs, PAGE_SIZE)
    if count is not None or cap is None:
        if count is not None:
            paginator.count = count
        page = paginator.get_page(raw)
        return page, list(page.object_list)
    try:
        wanted = int(raw or 1)
    except (TypeError, ValueError):
        wanted = 1
    got = []
    if wanted >= 1:
        got = list(qs.annotate(total=Window(Count("id"))).values_list("id", "total")
                   [(wanted - 1) * PAGE_SIZE:wanted * PAGE_SIZE])
    if got:
        total = got[0][1]
    else:   # past the last page (or a page number below 1): count as Paginator would, unordered, up to the cap
        total = qs.order_by().values("id")[:cap].count()
    paginator.count = min(total, cap)
    page = paginator.get_page(raw)
    return page, ([i for i, _ in got] if got and page.number == wanted else list(page.object_list))


@cadre_required
def inbox(request):
    now = timezone.now()
    qs, form = listing.filtered(request.user, request.GET)
    qs = listing.inbox_order(qs, now, form.cleaned_data.get("state", "") if form.is_valid() else "")
    # One pass over the open requests gives the overdue banner and, for the default list, the page count.
    counts = roles.requests_for(request.user).filter(state__in=OPEN_STATES).aggregate(
        open=Count("id"), late=Count("id", filter=limits.overdue_q(now)))
    searching = bool(form.is_valid() and form.cleaned_data.get("q"))
    if not any(request.GET.get(k) for k in form.fields if k != "state") and request.GET.get("state", "open") == "open":
        page, ids = _page(qs, request.GET.get("page"), count=counts["open"])   # the same set: no second COUNT
    else:
        # A search counts up to a limit: "Liu" may match ten thousand; the cadre narrows it, not pages through.
        page, ids = _page(qs, request.GET.get("page"), cap=SEARCH_COUNT_CAP + 1 if searching else None)
    found = Request.objects.select_related("post", "assignee").in_bulk(ids)
    rows = decorate([found[i] for i in ids if i in found], now)
    seen = request.session.get("inbox_seen_id", 0)
    base, channels = reverse("workbench:request", args=[0])[:-2], [c.value for c in CADRE_CHANNELS]
    for r in rows:
        r.is_new = r.pk > seen
        r.html = mark_safe(inbox_rows.row_html(r, base, channels))   # every value escaped there
    latest = roles.requests_for(request.user).order_by("-id").values_list("id", flat=True).first() or 0
    request.session["inbox_seen_id"] = latest
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "workbench/inbox.html", {
        "request_base": reverse("workbench:request", args=[0])[:-2], "form": form, "sel": {k: request.GET.get(k, "") for k in form.fields}, "page": page, "rows": rows, "latest": latest, "query": params.urlencode(),
        "overdue_count": counts["late"],
        "cadre_channels": [c.value for c in CADRE_CHANNELS],
        "capped": searching and page.paginator.count > SEARCH_COUNT_CAP, "cap": SEARCH_COUNT_CAP,
        "short_search": listing.is_short_words(request.GET.get("q", "")), "short_days": listing.SHORT_WORD_DAYS,
        "filters_open": any(request.GET.get(k) for k in form.fields if k != "q"),
    })


@cadre_required
def inbox_poll(request):
    """New arrivals since the id the page was drawn with (the inbox polls this and reloads)."""
    try:
        after = int(request.GET.get("after", "0"))
    except ValueError:
        after = 0
    qs = roles.requests_for(request.user).filter(pk__gt=after)
    return JsonResponse({"new": qs.count()})


# -- one request ------------------------------------------------------------------

def _volunteer_suggestions(r):
    vols = (Volunteer.objects.filter(posts=r.post_id, active=True)
            .annotate(open_tasks=Count("user__assigned_requests",
                                       filter=Q(user__assigned_requests__state__in=OPEN_STATES)))
            .select_related("user"))
    vols = list(vols)
    for v in vols:
        v.matches = r.category in (v.skills or [])
    vols.sort(key=lambda v: (not v.matches, v.open_tasks, v.name))
    return vols


@login_required
def request_detail(request, pk: int):
    r = get_object_or_404(roles.requests_for(request.user).select_related("post", "kiosk", "assignee"), pk=pk)
    audit.record(request.user, "view", r, "查看诉求详情", request)
    now = timezone.now()
    decorate([r], now)
    allowed = actions.allowed_actions(r, request.user)
    draft = request.session.pop("wb_draft", None) or {}
    ctx = {"draft": draft if draft.get("pk") == r.pk else {},
           "r": r, "events": list(r.events.select_related("actor")), "allowed": allowed,
           "action_labels": actions.ACTION_LABELS, "satisfaction_words": list(actions.SATISFACTION_WORDS),
           "related_days": RELATED_DAYS, "accept_by": limits.accept_by(r.category, r.received_at),
           "resolve_by": limits.resolve_by(r.category, r.received_at), "topics_of": r.topics.all()}
    if "assign" in allowed:
        ctx["volunteers"] = _volunteer_suggestions(r)
    if "merge" in allowed:
        ctx["topics"] = Topic.objects.filter(post=r.post_id).exclude(status=TopicStatus.CLOSED)
    if roles.is_cadre(request.user):
        ctx["related"] = decorate(list(related_to(r)), now)
    return render(request, "workbench/request.html", ctx)


RELATED_DAYS = 3


def related_to(r):
    """Open requests of the same category from the same building within a few days (issue 15.5)."""
    if not r.building or r.state not in OPEN_STATES:
        return Request.objects.none()
    span = timedelta(days=RELATED_DAYS)
    return (Request.objects.filter(post=r.post_id, category=r.category, building=r.building,
                                   state__in=OPEN_STATES, received_at__gte=r.received_at - span,
                                   received_at__lte=r.received_at + span)
            .exclude(pk=r.pk).order_by("received_at"))


@require_POST
@cadre_required
def gather(request, pk: int):
    """One tap: this request and its related ones go into a new deliberation topic (微议事)."""
    r = get_object_or_404(roles.requests_for(request.user), pk=pk)
    others = list(related_to(r))
    if not others:
        messages.error(request, "没有同一楼栋的同类诉求可以合并。")
        return redirect("workbench:request", pk=r.pk)
    label = labels().get(r.category, r.category)
    # The title is read out to the residents at the kiosk: no door numbers (privacy) and no digits (the voice).
    with transaction.atomic():
        topic = Topic.objects.create(post=r.post, title=f"同一楼栋的{label}问题", created_by=request.user,
                                     description=f"{r.building} 几天内 {len(others) + 1} 件同类诉求，一起商量。")
        for x in [r, *others]:
            actions.merge(x, request.user, topic, http_request=request)
    messages.success(request, f"已把 {len(others) + 1} 件诉求并入新议事“{topic.title}”，请安排议事时间。")
    return redirect("workbench:topic", pk=topic.pk)


@cadre_required
def take_request(request):
    """干部代录: a request taken by phone, on a visit or at the desk, entered here (issue 15.2)."""
    posts = roles.posts_for(request.user)
    form = CadreEntryForm(request.POST or None, posts=posts)
    if request.method == "POST" and form.is_valid():
        r = intake.take(request.user, form.cleaned_data, http_request=request)
        messages.success(request, f"已登记。请告诉居民回执号：{r.receipt}（在终端“查进度”或扫码页可查）")
        return redirect("workbench:request", pk=r.pk)
    return render(request, "workbench/take.html", {"form": form}, status=400 if form.errors else 200)


@require_POST
@login_required
def request_action(request, pk: int, action: str):
    r = get_object_or_404(roles.requests_for(request.user), pk=pk)
    spec = actions.REGISTRY.get(action)
    if spec is None:
        raise Http404("没有这个操作")
    try:
        spec.run(r, request.user, request.POST, public_note=request.POST.get("public_note", ""),
                 http_request=request)
    except actions.ActionError as exc:
        messages.error(request, str(exc))
        # What was typed comes back in the form, so a refused note is fixed, not typed again.
        request.session["wb_draft"] = {"pk": r.pk, "action": action,
                                       **{k: request.POST.get(k, "")[:2000] for k in spec.fields}}
    else:
        messages.success(request, f"已{spec.label}：{r.receipt}")
        if not roles.is_cadre(request.user):
            return redirect("workbench:tasks")
    return redirect("workbench:request", pk=r.pk)


# -- volunteers -------------------------------------------------------------------

@login_required
def tasks(request):
    """A volunteer's own tasks, on a phone."""
    if not roles.is_volunteer(request.user):
        raise Http404("您不是登记的志愿者")
    mine = roles.requests_for(request.user).select_related("post")
    now = timezone.now()
    open_rows = decorate(list(mine.filter(state__in=OPEN_STATES).order_by("received_at")), now)
    for r in open_rows:
        r.allowed = actions.allowed_actions(r, request.user)
    done = decorate(list(mine.filter(state__in=[State.RESOLVED, State.FOLLOWED_UP]).order_by("-resolved_at")[:10]),
                    now)
    if open_rows:
        audit.record(request.user, "view", None, f"任务列表（{len(open_rows)} 件，含居民电话住址）", request)
    return render(request, "workbench/tasks.html", {"open_rows": open_rows, "done": done})


@cadre_required
def volunteers(request):
    posts = roles.posts_for(request.user)
    vols = (Volunteer.objects.filter(posts__in=posts).distinct().prefetch_related("posts")
            .annotate(open_tasks=Count("user__assigned_requests", distinct=True,
                                       filter=Q(user__assigned_requests__state__in=OPEN_STATES))))
    cats = labels()
    for v in vols:
        v.skill_labels = "、".join(cats.get(s, s) for s in v.skills or [])
    return render(request, "workbench/volunteers.html", {"volunteers": vols})


@cadre_required
def volunteer_edit(request, pk: int | None = None):
    posts = roles.posts_for(request.user)
    vol = get_object_or_404(Volunteer.objects.filter(posts__in=posts).distinct(), pk=pk) if pk else None
    manage = vol is None or roles.may_issue_access(request.user, vol.user)
    form = VolunteerForm(request.POST or None, instance=vol, posts=posts, manage_login=manage)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            v = form.save(commit=False)
            username = form.cleaned_data["username"]
            if vol is None:
                user = User(username=username or f"v-{timezone.now():%Y%m%d%H%M%S%f}", first_name=v.name)
                user.set_unusable_password()      # access comes as a one-time link (access.issue)
                user.save()
            else:
                user = vol.user
                if manage and (user.username != (username or user.username) or user.first_name != v.name):
                    if username and username != user.username:
                        audit.record(request.user, "credential", None,
                                     f"登录名 {user.username} 改为 {username}", request)
                    user.username = username or user.username
                    user.first_name = v.name
                    user.save(update_fields=["username", "first_name"])
            v.user = user
            v.save()
            hidden = set(vol.posts.exclude(pk__in=posts).values_list("pk", flat=True)) if vol else set()
            form.save_m2m()
            v.posts.add(*hidden)   # posts this cadre cannot see stay as they were
            audit.record(request.user, "change", None, f"登记志愿者 {v.name}", request)
        messages.success(request, f"已保存志愿者：{v.name}")
        return redirect("workbench:volunteers")
    tasks_of = []
    if vol is not None:
        tasks_of = decorate(list(vol.user.assigned_requests.filter(state__in=OPEN_STATES).select_related("post")),
                            timezone.now())
    return render(request, "workbench/volunteer_form.html",
                  {"form": form, "vol": vol, "tasks_of": tasks_of, "manage_login": manage})


@require_POST
@cadre_required
def volunteer_access(request, pk: int):
    """Issue a one-time set-password link for a volunteer's login, shown once on this answer."""
    vol = get_object_or_404(Volunteer.objects.filter(posts__in=roles.posts_for(request.user)).distinct(), pk=pk)
    if not roles.may_issue_access(request.user, vol.user):
        audit.record(request.user, "refused", None, f"发放 {vol.user.username} 的登录被拒绝（在别处任职）", request)
        messages.error(request, f"{vol.name}的登录还担任驻守干部、教师、管理员或其他阵地的志愿者，"
                                "您不能为它发放登录。请本人或社区管理员处理。")
        return redirect("workbench:volunteer", pk=vol.pk)
    path = access.issue(request.user, vol.user, request)
    link = request.build_absolute_uri(path)
    response = render(request, "workbench/access_issued.html",
                      {"vol": vol, "link": link, "qr": mark_safe(access.qr_svg(link))})  # our own SVG, no input
    response["Cache-Control"] = "no-store"
    return response


# -- deliberations ----------------------------------------------------------------

@cadre_required
def topics(request):
    items = (Topic.objects.filter(post__in=roles.posts_for(request.user)).select_related("post")
             .annotate(n=Count("requests")))
    return render(request, "workbench/topics.html", {"topics": items})


@cadre_required
def topic_edit(request, pk: int | None = None):
    posts = roles.posts_for(request.user)
    topic = get_object_or_404(Topic.objects.filter(post__in=posts), pk=pk) if pk else None
    form = TopicForm(request.POST or None, instance=topic, posts=posts)
    if request.method == "POST" and form.is_valid():
        t = form.save(commit=False)
        if topic is None:
            t.created_by = request.user
        t.save()
        if request.POST.get("tell") and t.outcome.strip():
            n = actions.tell_outcome(t, request.user, http_request=request)
            messages.success(request, f"已把议事结果告诉 {n} 件诉求的居民。")
        else:
            messages.success(request, f"已保存议事：{t.title}")
        return redirect("workbench:topic", pk=t.pk)
    rows = decorate(list(topic.requests.select_related("post")), timezone.now()) if topic else []
    return render(request, "workbench/topic.html", {"form": form, "topic": topic, "rows": rows})


# -- metrics, kiosks, exports, audit ----------------------------------------------

def _metrics(user, months: int) -> dict:
    """From the monthly figures the database keeps, for the posts the user may see (admins: all)."""
    post_ids = True if roles.is_admin(user) else roles.post_ids(user)
    return metrics.compute(roles.requests_for(user), months=months, now=timezone.now(), post_ids=post_ids)


@cadre_required
def metrics_page(request):
    raw = request.GET.get("months", "")
    months = min(int(raw), 36) if raw.isdigit() and int(raw) > 0 else 12
    data = _metrics(request.user, months)
    return render(request, "workbench/metrics.html", {**data, "months": months})


@cadre_required
def metrics_export(request):
    """The metrics page's figures as CSV: the same computation, the same rows."""
    raw = request.GET.get("months", "")
    months = min(int(raw), 36) if raw.isdigit() and int(raw) > 0 else 12
    data = _metrics(request.user, months)
    audit.record(request.user, "export", None, f"导出统计 最近 {months} 个月", request)
    return exports.metrics_csv(metrics.TABLE_HEADER, metrics.table_rows(data), months)


def favicon(request):
    """Browsers ask for /favicon.ico on every page; answer with the post's mark instead of a 404 in the logs."""
    from django.contrib.staticfiles import finders
    path = finders.find("workbench/favicon.svg")
    return FileResponse(open(path, "rb"), content_type="image/svg+xml", headers={"Cache-Control": "max-age=86400"})


@cadre_required
def kiosks(request):
    now = timezone.now()
    items = list(Kiosk.objects.filter(post__in=roles.posts_for(request.user)).select_related("post"))
    for k in items:
        k.silent = k.last_seen is None or now - k.last_seen > timedelta(hours=1)
    return render(request, "workbench/kiosks.html", {"kiosks": items, "now": now})


@cadre_required
def kiosk_detail(request, pk: int):
    """One kiosk: rename it, or revoke its token (a stolen kiosk) after ticking the confirmation."""
    kiosk = get_object_or_404(Kiosk.objects.filter(post__in=roles.posts_for(request.user)).select_related("post"),
                              pk=pk)
    error = ""
    if request.method == "POST":
        op = request.POST.get("op")
        if op == "rename":
            old = kiosk.name
            error = kiosk_ops.rename(kiosk, request.POST.get("name", ""), request.user, request) or ""
            if not error:
                messages.success(request, f"终端 {old} 已改名为 {kiosk.name}")
                return redirect("workbench:kiosks")
        elif op == "revoke" and request.POST.get("confirm") == "yes" and not kiosk.revoked:
            kiosk_ops.revoke(kiosk, request.user, request)
            messages.success(request, f"终端 {kiosk.name} 已停用，它的令牌不能再连接服务器。"
                                      + kiosk_ops.held_sentence(kiosk))
            return redirect("workbench:kiosks")
        elif op == "revoke":
            error = "请先勾选“确认停用”，再点停用。"
    return render(request, "workbench/kiosk.html", {"k": kiosk, "held": kiosk_ops.held_sentence(kiosk),
                                                    "error": error, "name": request.POST.get("name", kiosk.name)},
                  status=400 if error else 200)


@cadre_required
def export(request, fmt: str):
    if fmt not in ("csv", "xlsx"):
        raise Http404("只能导出 CSV 或 XLSX")
    qs, form = listing.filtered(request.user, request.GET)
    qs = qs.select_related("post", "assignee").order_by("received_at", "id")
    audit.record(request.user, "export", None, f"导出 {fmt.upper()}：{request.GET.urlencode()[:200]}", request)
    return exports.csv_response(qs) if fmt == "csv" else exports.xlsx_response(qs)


@cadre_required
def daily(request):
    """A printable list per post for one day: what came in that day and everything still open."""
    posts = list(roles.posts_for(request.user))
    code = request.GET.get("post") or (posts[0].code if posts else "")
    post = next((p for p in posts if p.code == code), None)
    if post is None:
        raise Http404("没有这个阵地")
    try:
        day = timezone.datetime.strptime(request.GET.get("date", ""), "%Y-%m-%d").date()
    except ValueError:
        day = timezone.localdate()
    start = timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.min.time()))
    end = start + timedelta(days=1)
    qs = roles.requests_for(request.user).filter(post=post).select_related("assignee")
    rows = qs.filter(Q(received_at__gte=start, received_at__lt=end) | Q(state__in=OPEN_STATES,
                                                                         received_at__lt=end))
    rows = decorate(list(rows.order_by("received_at")), timezone.now())
    audit.record(request.user, "print", None, f"打印日清单 {post.code} {day}", request)
    return render(request, "workbench/daily.html", {"post": post, "day": day, "rows": rows, "posts": posts})


@admin_required
def audit_log(request):
    page = Paginator(AuditLog.objects.select_related("user", "request"), 100).get_page(request.GET.get("page"))
    return render(request, "workbench/audit.html", {"page": page})
