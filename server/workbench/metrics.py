"""接诉即办 rates per post, category and month, counted by the database, and the server-drawn charts (inline SVG,
no CDN). The database counts: the page reads the monthly figures it keeps (server.workbench.rollup), or one
GROUP BY query over the requests; Python only adds up the few thousand groups.

response rate      accepted within the category's accept limit / requests received (merged ones excluded)
resolution rate    resolved (resolved or followed up) / requests received, rejected and merged excluded
satisfaction rate  满意 or 基本满意 at the follow-up / followed up (issue 15.4: the resident answers in words)
overdue            open requests past their deadline now
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.html import escape

from server.core.models import OPEN_STATES, Post, State
from server.workbench import limits, rollup
from server.workbench.models import RequestMonth
from sync.catalog import default_catalog

DONE = (State.RESOLVED, State.FOLLOWED_UP)


def _in_time_q() -> Q:
    """Accepted within the category's accept limit, as SQL: one clause per distinct limit."""
    by_hours: dict[int, list[str]] = {}
    for cid, (hours, _, _) in limits._limits().items():
        by_hours.setdefault(hours, []).append(cid)
    q = Q(accepted_at__lte=F("received_at") + timedelta(hours=limits.DEFAULT[0])) & ~Q(
        category__in=[c for cids in by_hours.values() for c in cids])
    for hours, cids in by_hours.items():
        q |= Q(category__in=cids, accepted_at__lte=F("received_at") + timedelta(hours=hours))
    return q


def _aggregates() -> dict:
    """Per group of (post, category, month, state, satisfaction): the states and answers are group keys, so the
    only per-row work left to the database is the deadline check and two durations."""
    hours = DurationField()
    return {
        "n": Count("id"),
        "in_time": Count("id", filter=_in_time_q()),
        "accept_n": Count("accepted_at"),
        "accept_sum": Sum(ExpressionWrapper(F("accepted_at") - F("received_at"), output_field=hours)),
        "resolve_n": Count("resolved_at"),
        "resolve_sum": Sum(ExpressionWrapper(F("resolved_at") - F("received_at"), output_field=hours)),
    }


class Tally:
    """One row of figures (a post, a category, a month, or all), as the database counted them."""

    COUNTS = ("total", "responded_base", "responded", "resolved_base", "resolved", "followed", "content", "basic",
              "discontent", "overdue", "accept_n", "resolve_n")

    def __init__(self, name: str):
        self.name = name
        for k in self.COUNTS:
            setattr(self, k, 0)
        self.accept_s = self.resolve_s = 0.0

    def add(self, row: dict) -> None:
        """Add one group the database counted."""
        n, state, score = row["n"], row["state"], row["satisfaction"] or 0
        self.total += n
        if state != State.MERGED:
            self.responded_base += n
            self.responded += row["in_time"]
            if state != State.REJECTED:
                self.resolved_base += n
        if state in DONE:
            self.resolved += n
            self.resolve_n += row["resolve_n"]
            self.resolve_s += _seconds(row["resolve_sum"])
        if score:
            self.followed += n
            self.content += n if score >= 4 else 0
            self.basic += n if score == 3 else 0
            self.discontent += n if score <= 2 else 0
        self.accept_n += row["accept_n"]
        self.accept_s += _seconds(row["accept_sum"])

    @property
    def avg_accept_h(self):
        return round(self.accept_s / self.accept_n / 3600, 1) if self.accept_n else None

    @property
    def avg_resolve_h(self):
        return round(self.resolve_s / self.resolve_n / 3600, 1) if self.resolve_n else None

    @staticmethod
    def _rate(a, b):
        return round(100 * a / b, 1) if b else None

    @property
    def response_rate(self):
        return self._rate(self.responded, self.responded_base)

    @property
    def resolution_rate(self):
        return self._rate(self.resolved, self.resolved_base)

    @property
    def satisfaction_rate(self):
        return self._rate(self.content + self.basic, self.followed)

    @property
    def satisfied(self):
        return self.content + self.basic


def _seconds(d) -> float:
    if d is None:
        return 0.0
    return d.total_seconds() if isinstance(d, timedelta) else float(d) / 1e6   # SQLite may give microseconds


def _live_groups(qs, first, tz):
    """The groups counted from the requests themselves (one GROUP BY scan of the months shown)."""
    recent = qs.filter(received_at__gte=first).order_by().annotate(m=TruncMonth("received_at", tzinfo=tz))
    for row in recent.values("post_id", "category", "m", "state", "satisfaction").annotate(**_aggregates()):
        m = row.pop("m")
        m = m.astimezone(tz) if timezone.is_aware(m) else m
        row["ym"] = (m.year, m.month)
        yield row


def _in_time_rollup_q() -> Q:
    """_in_time_q on the rollup's whole accept hours: accepted_at <= received_at + H ⟺ ceil(delay in hours) <= H."""
    by_hours: dict[int, list[str]] = {}
    for cid, (hours, _, _) in limits._limits().items():
        by_hours.setdefault(hours, []).append(cid)
    q = Q(accept_h__lte=limits.DEFAULT[0]) & ~Q(category__in=[c for cids in by_hours.values() for c in cids])
    for hours, cids in by_hours.items():
        q |= Q(category__in=cids, accept_h__lte=hours)
    return q


def _rollup_groups(post_ids, first):
    """The same groups from the figures the database keeps per month (server.workbench.rollup)."""
    rollup.fold()
    rows = RequestMonth.objects.filter(month__gte=f"{first.year:04d}-{first.month:02d}")
    # Only posts that exist (a post with requests cannot be deleted): SQLite's flush between tests deletes
    # requests and posts in any order, and the delete triggers leave figures for the posts it deleted.
    existing = Post.objects.values_list("id", flat=True)
    rows = rows.filter(post_id__in=existing if post_ids is True else existing.filter(id__in=post_ids))
    for g in rows.values("post_id", "category", "month", "state", "satisfaction").order_by().annotate(
            total=Sum("n"), in_time=Sum("n", filter=_in_time_rollup_q()), accepted=Sum("accept_n"),
            accept_sum=Sum("accept_us"), resolved=Sum("resolve_n"), resolve_sum=Sum("resolve_us")):
        row = {"post_id": g["post_id"], "category": g["category"], "state": g["state"],
               "satisfaction": g["satisfaction"] or None, "ym": (int(g["month"][:4]), int(g["month"][5:7])),
               "n": g["total"], "in_time": g["in_time"] or 0, "accept_n": g["accepted"], "resolve_n": g["resolved"],
               "accept_sum": timedelta(microseconds=int(g["accept_sum"] or 0)),
               "resolve_sum": timedelta(microseconds=int(g["resolve_sum"] or 0))}
        yield row


def compute(qs, *, months: int, now, post_ids=None) -> dict:
    """The figures of the requests in `qs` received in the last `months` months. With `post_ids` (a list, or True
    for every post; it must name the same requests as `qs`) the groups come from the monthly figures the
    database keeps (server.workbench.rollup); without, from one aggregate query over the requests. Either way a
    few thousand groups at most, which Python adds up into the page's per-post, per-category, per-month and
    overall rows."""
    tz = timezone.get_current_timezone()
    local = now.astimezone(tz)
    index = local.year * 12 + local.month - 1 - (months - 1)      # months counted from year 0
    first = local.replace(year=index // 12, month=index % 12 + 1, day=1, hour=0, minute=0, second=0, microsecond=0)
    cats = {c.id: c.label for c in default_catalog().categories}
    overall = Tally("全部")
    by_post: dict[str, Tally] = {}
    by_cat: dict[str, Tally] = {}
    by_month: dict[tuple[int, int], Tally] = {}
    d = first
    while d <= local:   # every month shown, even an empty one
        t = by_month[(d.year, d.month)] = Tally(f"{d.year}年{d.month}月")
        t.short = f"{d.month}月"
        t.year_mark = f"{d.year}年" if len(by_month) == 1 or d.month == 1 else ""
        d = (d + timedelta(days=32)).replace(day=1)
    use_rollup = post_ids is not None and rollup.supported()
    groups = _rollup_groups(post_ids, first) if use_rollup else _live_groups(qs, first, tz)
    # Overdue: only open requests can be, so they are counted apart, from the open requests' index.
    late = (qs.filter(limits.overdue_q(now), state__in=OPEN_STATES, received_at__gte=first).order_by()
            .annotate(m=TruncMonth("received_at", tzinfo=tz)).values("post_id", "category", "m")
            .annotate(overdue=Count("id")))
    names = dict(Post.objects.values_list("id", "name"))

    def tallies(row):
        yield overall
        name = names.get(row["post_id"], str(row["post_id"]))
        yield by_post.setdefault(name, Tally(name))
        yield by_cat.setdefault(row["category"], Tally(cats.get(row["category"], row["category"])))
        if row["ym"] in by_month:
            yield by_month[row["ym"]]

    for row in groups:
        for t in tallies(row):
            t.add(row)
    for row in late:
        m = row["m"].astimezone(tz) if timezone.is_aware(row["m"]) else row["m"]
        row["ym"] = (m.year, m.month)
        for t in tallies(row):
            t.overdue += row["overdue"]
    month_list = list(by_month.values())
    return {"overall": overall, "by_post": sorted(by_post.values(), key=lambda t: t.name),
            "by_category": sorted(by_cat.values(), key=lambda t: (-t.total, t.name)), "by_month": month_list,
            "chart_rates": rate_chart(month_list), "chart_volume": volume_chart(month_list)}


def table_rows(data: dict) -> list[list]:
    """The figures of the page's tables, row by row, for the export (the same Tally objects the page shows)."""
    out = []
    for section, tallies in (("全部", [data["overall"]]), ("按阵地", data["by_post"]),
                             ("按类别", data["by_category"]), ("按月份", data["by_month"])):
        for t in tallies:
            out.append([section, t.name, t.total, _pct(t.response_rate), _pct(t.resolution_rate),
                        _pct(t.satisfaction_rate), t.content, t.basic, t.discontent, t.overdue,
                        "" if t.avg_accept_h is None else t.avg_accept_h,
                        "" if t.avg_resolve_h is None else t.avg_resolve_h])
    return out


TABLE_HEADER = ["分组", "名称", "件数", "响应率", "解决率", "满意率", "满意", "基本满意", "不满意", "超时",
                "平均受理用时（小时）", "平均办结用时（小时）"]


def _pct(v) -> str:
    return "—" if v is None else f"{v}%"


SERIES = (("response_rate", "响应率", "#1e3a8a"), ("resolution_rate", "解决率", "#166534"),
          ("satisfaction_rate", "满意率", "#9a3412"))


def _axis_labels(months: list[Tally], left: float, group: float, y: float) -> list[str]:
    """Month labels that never overlap: "3月" under each bar (every second or third one when the bars are narrow),
    the year on a second line under the first month and each January."""
    step = 1 if group >= 48 else 2 if group >= 24 else 3
    parts = []
    for i, m in enumerate(months):
        x = left + i * group + group / 2
        if i % step == 0 or i == len(months) - 1 and step == 1:
            parts.append(f'<text x="{x:.0f}" y="{y:.0f}" text-anchor="middle">{escape(m.short)}</text>')
        if m.year_mark:
            parts.append(f'<text x="{x:.0f}" y="{y + 22:.0f}" text-anchor="middle" fill="#4b5563">'
                         f'{escape(m.year_mark)}</text>')
    return parts


def rate_chart(months: list[Tally]) -> str:
    """Grouped bars, one group per month, 0-100 %."""
    w, h, left, bottom, top = 920, 380, 60, 70, 50
    plot_w, plot_h = w - left - 20, h - bottom - top
    group = plot_w / max(len(months), 1)
    bar = group / (len(SERIES) + 1)
    parts = [f'<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="每月响应率、解决率、满意率" '
             f'xmlns="http://www.w3.org/2000/svg" font-size="18">']
    for pct in (0, 50, 100):
        y = top + plot_h * (1 - pct / 100)
        parts.append(f'<line x1="{left}" x2="{w - 20}" y1="{y:.0f}" y2="{y:.0f}" stroke="#9ca3af"/>'
                     f'<text x="{left - 8}" y="{y + 6:.0f}" text-anchor="end">{pct}%</text>')
    for i, m in enumerate(months):
        x0 = left + i * group + bar / 2
        for j, (attr, label, colour) in enumerate(SERIES):
            v = getattr(m, attr)
            if v is None:
                continue
            bh = plot_h * v / 100
            parts.append(f'<rect x="{x0 + j * bar:.1f}" y="{top + plot_h - bh:.1f}" width="{bar - 2:.1f}" '
                         f'height="{bh:.1f}" fill="{colour}"><title>{escape(m.name)} {label} {v}%</title></rect>')
    parts += _axis_labels(months, left, group, h - bottom + 26)
    for j, (_, label, colour) in enumerate(SERIES):
        parts.append(f'<rect x="{left + j * 150}" y="12" width="22" height="22" fill="{colour}"/>'
                     f'<text x="{left + j * 150 + 30}" y="30">{label}</text>')
    parts.append("</svg>")
    return "".join(parts)


def volume_chart(months: list[Tally]) -> str:
    w, h, left, bottom, top = 920, 280, 60, 70, 20
    plot_w, plot_h = w - left - 20, h - bottom - top
    peak = max((m.total for m in months), default=0) or 1
    group = plot_w / max(len(months), 1)
    parts = [f'<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="每月诉求数量" '
             f'xmlns="http://www.w3.org/2000/svg" font-size="18">',
             f'<line x1="{left}" x2="{w - 20}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="#374151"/>']
    for i, m in enumerate(months):
        bh = plot_h * m.total / peak
        x = left + i * group + group * 0.15
        parts.append(f'<rect x="{x:.1f}" y="{top + plot_h - bh:.1f}" width="{group * 0.7:.1f}" height="{bh:.1f}" '
                     f'fill="#991b1b"><title>{escape(m.name)} {m.total} 件</title></rect>')
        if m.total and group >= 40:
            parts.append(f'<text x="{x + group * 0.35:.0f}" y="{top + plot_h - bh - 6:.0f}" '
                         f'text-anchor="middle">{m.total}</text>')
    parts += _axis_labels(months, left, group, h - bottom + 26)
    parts.append("</svg>")
    return "".join(parts)
