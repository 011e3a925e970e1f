"""CSV and XLSX of a filtered request list (personal data included; every export is audited)."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import quote

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

from sync.catalog import default_catalog

HEADER = ["回执号", "阵地", "类别", "状态", "称呼", "楼", "单元", "房间", "电话", "内容", "收到时间", "受理时间",
          "办结时间", "志愿者", "办理结果", "满意度"]


def rows(qs):
    cats = {c.id: c.label for c in default_catalog().categories}
    tz = timezone.get_current_timezone()

    def t(d):
        return d.astimezone(tz).strftime("%Y-%m-%d %H:%M") if d else ""

    for r in qs.iterator(chunk_size=2000):
        yield [r.receipt, r.post.code, cats.get(r.category, r.category), r.get_state_display(), r.contact_name,
               r.building, r.unit, r.room, r.phone, r.text, t(r.received_at), t(r.accepted_at), t(r.resolved_at),
               (r.assignee.get_full_name() or r.assignee.username) if r.assignee else "", r.resolution,
               r.satisfaction or ""]


def _name(ext: str) -> str:
    return f"诉求清单-{timezone.localdate():%Y%m%d}.{ext}"


class _Echo:
    def write(self, value):
        return value


def csv_response(qs) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"   # BOM: Excel on a cadre's PC opens UTF-8 CSV correctly only with it
        yield writer.writerow(HEADER)
        for row in rows(qs):
            yield writer.writerow([_safe(v) for v in row])

    resp = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(_name('csv'))}"
    return resp


# Digits with the signs, spaces and brackets of a phone number or an amount: no formula can hide in these.
_NUMBER_LIKE = re.compile(r"[+\-]?[\d\s().\-]*\d[\d\s().\-]*")


def _safe(v):
    """A resident's text starting with = + - @ would run as a formula in a spreadsheet, so it gets a leading '.
    Only text: numbers, and text that is only a number ("+1 234", "-5"), are shown as they are (issue 15.8)."""
    if not isinstance(v, str) or v[:1] not in ("=", "+", "-", "@") or _NUMBER_LIKE.fullmatch(v):
        return v
    return "'" + v


def _quote(s: str) -> str:
    return quote(s)


def xlsx_response(qs) -> HttpResponse:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("诉求")
    ws.append(HEADER)
    for row in rows(qs):
        ws.append([_safe(v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    resp = HttpResponse(buf.getvalue(),
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(_name('xlsx'))}"
    return resp


def metrics_csv(header: list[str], table: list[list], months: int) -> HttpResponse:
    """The metrics page's figures as CSV: the same rows the page's tables show."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    for row in table:
        w.writerow([_safe(v) for v in row])
    resp = HttpResponse("\ufeff" + buf.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"接诉即办统计-最近{months}个月-{timezone.localdate():%Y%m%d}.csv"
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}"
    return resp
