"""接诉即办 rates per post, category and month, and the server-drawn charts (inline SVG, no CDN).

response rate      accepted within the category's accept limit / requests received (merged ones excluded)
resolution rate    resolved (resolved or followed up) / requests received, rejected and merged excluded
satisfaction rate  followed up with 4 or 5 / followed up
"""

from __future__ import annotations

import statistics
from datetime import timedelta

from django.utils import timezone
from django.utils.html import escape

from server.core.models import State
from server.workbench import limits
from sync.catalog import default_catalog


class Tally:
    def __init__(self, name: str):
        self.name = name
        self.total = self.responded_base = self.responded = self.resolved_base = self.resolved = 0
        self.followed = self.satisfied = 0
        self.accept_hours: list[float] = []
        self.resolve_hours: list[float] = []

    def add(self, category, state, received_at, accepted_at, resolved_at, satisfaction):
        self.add_facts(facts(category, state, received_at, accepted_at, resolved_at, satisfaction))

    def add_facts(self, f) -> None:
        counted, in_time, resolvable, resolved, satisfaction, accept_h, resolve_h = f
        self.total += 1
        self.responded_base += counted
        self.responded += in_time
        self.resolved_base += resolvable
        self.resolved += resolved
        if satisfaction:
            self.followed += 1
            self.satisfied += satisfaction >= 4
        if accept_h is not None:
            self.accept_hours.append(accept_h)
        if resolve_h is not None:
            self.resolve_hours.append(resolve_h)

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
        return self._rate(self.satisfied, self.followed)

    @property
    def median_accept_h(self):
        return round(statistics.median(self.accept_hours), 1) if self.accept_hours else None

    @property
    def median_resolve_h(self):
        return round(statistics.median(self.resolve_hours), 1) if self.resolve_hours else None


def facts(category, state, received_at, accepted_at, resolved_at, satisfaction) -> tuple:
    """What one request adds to a tally, worked out once (a request is added to four tallies)."""
    counted = state != State.MERGED
    resolvable = counted and state != State.REJECTED
    done = state in (State.RESOLVED, State.FOLLOWED_UP)
    return (counted, counted and limits.accepted_in_time(category, received_at, accepted_at), resolvable,
            resolvable and done, satisfaction,
            (accepted_at - received_at).total_seconds() / 3600 if accepted_at else None,
            (resolved_at - received_at).total_seconds() / 3600 if resolved_at and done else None)


def compute(qs, *, months: int, now) -> dict:
    tz = timezone.get_current_timezone()
    local = now.astimezone(tz)
    index = local.year * 12 + local.month - 1 - (months - 1)      # months counted from year 0
    first = local.replace(year=index // 12, month=index % 12 + 1, day=1, hour=0, minute=0, second=0, microsecond=0)
    cats = {c.id: c.label for c in default_catalog().categories}
    overall = Tally("全部")
    by_post: dict[str, Tally] = {}
    by_cat: dict[str, Tally] = {}
    by_month: dict[str, Tally] = {}
    d = first
    while d <= local:   # every month shown, even an empty one
        key = f"{d:%Y-%m}"
        first_or_jan = not by_month or d.month == 1
        by_month[key] = Tally(f"{d.year}年{d.month}月" if first_or_jan else f"{d.month}月")
        d = (d + timedelta(days=32)).replace(day=1)
    fields = ("post__name", "category", "state", "received_at", "accepted_at", "resolved_at", "satisfaction")
    for post, cat, *rest in qs.filter(received_at__gte=first).values_list(*fields).iterator(chunk_size=5000):
        f = facts(cat, *rest)
        overall.add_facts(f)
        (by_post.get(post) or by_post.setdefault(post, Tally(post))).add_facts(f)
        (by_cat.get(cat) or by_cat.setdefault(cat, Tally(cats.get(cat, cat)))).add_facts(f)
        local_at = rest[1].astimezone(tz)
        month = by_month.get(f"{local_at.year:04d}-{local_at.month:02d}")
        if month is not None:
            month.add_facts(f)
    month_list = list(by_month.values())
    return {"overall": overall, "by_post": sorted(by_post.values(), key=lambda t: t.name),
            "by_category": sorted(by_cat.values(), key=lambda t: -t.total), "by_month": month_list,
            "chart_rates": rate_chart(month_list), "chart_volume": volume_chart(month_list)}


SERIES = (("response_rate", "响应率", "#1e3a8a"), ("resolution_rate", "解决率", "#166534"),
          ("satisfaction_rate", "满意率", "#9a3412"))


def rate_chart(months: list[Tally]) -> str:
    """Grouped bars, one group per month, 0-100 %."""
    w, h, left, bottom, top = 920, 360, 60, 50, 50
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
        parts.append(f'<text x="{left + i * group + group / 2:.0f}" y="{h - bottom + 26}" '
                     f'text-anchor="middle">{escape(m.name)}</text>')
    for j, (_, label, colour) in enumerate(SERIES):
        parts.append(f'<rect x="{left + j * 150}" y="12" width="22" height="22" fill="{colour}"/>'
                     f'<text x="{left + j * 150 + 30}" y="30">{label}</text>')
    parts.append("</svg>")
    return "".join(parts)


def volume_chart(months: list[Tally]) -> str:
    w, h, left, bottom, top = 920, 260, 60, 50, 20
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
        if m.total:
            parts.append(f'<text x="{x + group * 0.35:.0f}" y="{top + plot_h - bh - 6:.0f}" '
                         f'text-anchor="middle">{m.total}</text>')
        parts.append(f'<text x="{left + i * group + group / 2:.0f}" y="{h - bottom + 26}" '
                     f'text-anchor="middle">{escape(m.name)}</text>')
    parts.append("</svg>")
    return "".join(parts)
