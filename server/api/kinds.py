"""Batch items by kind: HANDLERS[kind](kiosk, item) -> result dict (protocol per-item result).

Other apps register their kinds from AppConfig.ready() (server.lessons: "lesson_progress"). A handler
returns {"status": created|duplicate|conflict|rejected, ...}; raising means "no answer for this item"
and the kiosk retries it later. Requests also have a batch fast path (BATCH_HANDLERS) for ingest speed.
"""

from __future__ import annotations

import logging
import random
import uuid as uuidlib
from collections.abc import Callable

from django.db import IntegrityError, InterfaceError, OperationalError, connection, models, transaction
from django.utils import timezone

from server.api.apps import serialize_event_writers
from server.core.models import Channel, Kiosk, Request, RequestEvent, State
from sync import protocol
from sync.catalog import default_catalog

log = logging.getLogger(__name__)

HANDLERS: dict[str, Callable[[Kiosk, dict], dict]] = {}
BATCH_HANDLERS: dict[str, Callable[[Kiosk, list[dict]], list[dict | None]]] = {}

_categories: frozenset[str] | None = None


def categories() -> frozenset[str]:
    global _categories
    if _categories is None:
        _categories = frozenset(default_catalog().ids)
    return _categories


def rejected(reason: str, fields: dict | None = None, uid=None) -> dict:
    out = {"uuid": None if uid is None else str(uid)[:64], "status": protocol.REJECTED, "reason": reason}
    if fields:
        out["fields"] = fields
    return out


def _seen(uid: str, existing: Request, digest: str) -> dict:
    if existing.content_hash == digest:
        return {"uuid": uid, "status": protocol.DUPLICATE, "receipt": existing.receipt, "state": existing.state}
    return {"uuid": uid, "status": protocol.CONFLICT, "receipt": existing.receipt,
            "reason": "同一编号的请求内容不同（conflict: this uuid was stored with different content）"}


def request_row(kiosk: Kiosk, item: dict, receipt: str, digest: str, now) -> dict:
    """The one mapping of a protocol request item to a Request row (attname -> value)."""
    return {"uuid": uuidlib.UUID(item["uuid"]), "receipt": receipt, "issued_receipt": item["receipt"],
            "post_id": kiosk.post_id, "kiosk_id": kiosk.pk, "category": item["category"], "state": State.RECEIVED.value,
            "channel": item["channel"], "contact_name": item.get("name") or "", "building": item.get("building") or "",
            "unit": item.get("unit") or "", "room": item.get("room") or "", "phone": item.get("phone") or "",
            "text": item.get("text") or "", "content_hash": digest,
            "kiosk_created_at": protocol.parse_time(item["created_at"]), "received_at": now, "updated_at": now}


def event_row(kiosk: Kiosk, request_id: int, row: dict, now, note: str | None = None) -> dict:
    """The one mapping of a stored request to its first event, "received"."""
    if note is None:
        note = "终端提交" if row["issued_receipt"] == row["receipt"] else \
            f"终端提交；回执号 {row['issued_receipt']} 与本阵地另一台终端重复，改为 {row['receipt']}"
    return {"request_id": request_id, "at": now, "actor_label": f"终端 {kiosk.name}", "to_state": State.RECEIVED.value,
            "note": note}


_CONVERT = (models.UUIDField, models.DateTimeField, models.JSONField)


def fast_insert(model, rows: list[dict]) -> None:
    """One executemany INSERT of plain rows (attname -> value; missing ones get the field's default).
    Django's bulk_create spends ~10x the database's own time compiling SQL value by value, which kept the
    batched ingest under the 2,000 requests/s target (bench/RESULTS.md)."""
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        connection.ops.quote_name(model._meta.db_table),
        ", ".join(connection.ops.quote_name(f.column) for f in fields), ", ".join(["%s"] * len(fields)))
    plan = [(f.attname, f, isinstance(f, _CONVERT), isinstance(f, models.DateTimeField)) for f in fields]
    params, seen_times = [], {}   # a batch shares a few distinct times: convert each once
    for row in rows:
        values = []
        for attname, f, convert, is_time in plan:
            v = row[attname] if attname in row else f.get_default()
            if is_time and v is not None:
                if v not in seen_times:
                    seen_times[v] = f.get_db_prep_save(v, connection)
                v = seen_times[v]
            elif convert:
                v = f.get_db_prep_save(v, connection)
            values.append(v)
        params.append(values)
    with connection.cursor() as cur:
        cur.executemany(sql, params)


def live(post_id: int):
    """The post's requests whose receipt codes are taken (see the constraint in server/core/models.py)."""
    return Request.objects.filter(post_id=post_id, personal_data_purged_at__isnull=True)


def free_receipt(post_id: int, post_code: str, avoid: set[str] = frozenset()) -> str:
    """A receipt number nobody at this post holds. Two kiosks of one post cannot ask each other, so on a
    clash the server renumbers the later request; the resident's code still finds it (issued_receipt)."""
    for _ in range(50):
        code = protocol.receipt(post_code, random.randrange(10_000))
        if code not in avoid and not live(post_id).filter(receipt=code).exists():
            return code
    taken = set(live(post_id).values_list("receipt", flat=True)) | set(avoid)
    free = [n for n in range(10_000) if protocol.receipt(post_code, n) not in taken]
    if not free:
        raise ReceiptsExhausted(post_code)
    return protocol.receipt(post_code, random.choice(free))


class ReceiptsExhausted(Exception):
    pass


def _check(kiosk: Kiosk, item: dict) -> dict | None:
    errors = protocol.validate_request(item, categories())
    if errors:
        return rejected("字段有误：" + "; ".join(f"{k}: {v}" for k, v in errors.items()), errors,
                        item.get("uuid") if isinstance(item, dict) else None)
    if not item["receipt"].startswith(kiosk.post.code + "-"):
        return rejected(f"receipt must start with this kiosk's post code {kiosk.post.code}-",
                        {"receipt": "wrong post code"}, item["uuid"])
    return None


def handle_request(kiosk: Kiosk, item: dict) -> dict:
    return _check(kiosk, item) or _store(kiosk, item, protocol.content_hash(item))


def _store(kiosk: Kiosk, item: dict, digest: str, note: str | None = None) -> dict:
    """One valid request, safe against concurrent duplicates: the uuid's unique index decides, we read the winner."""
    uid = item["uuid"].lower()
    receipt = item["receipt"]
    for _ in range(5):
        existing = Request.objects.filter(uuid=uid).first()
        if existing is not None:
            return _seen(uid, existing, digest)
        if not receipt or live(kiosk.post_id).filter(receipt=receipt).exists():
            try:
                receipt = free_receipt(kiosk.post_id, kiosk.post.code)
            except ReceiptsExhausted:
                return rejected(f"all 10000 receipt codes of post {kiosk.post.code} are held by requests not yet "
                                "purged (purging closed ones frees their codes)", {"receipt": "no free code"}, uid)
        now = timezone.now()
        try:
            with transaction.atomic():
                row = request_row(kiosk, item, receipt, digest, now)
                req = Request(**row)
                req.save(force_insert=True)
                RequestEvent(**event_row(kiosk, req.pk, row, now, note)).save(force_insert=True)
            return {"uuid": uid, "status": protocol.CREATED, "receipt": req.receipt, "state": req.state}
        except IntegrityError:
            continue   # another process stored this uuid or took this receipt a moment ago: look again
    raise RuntimeError(f"could not store {uid} after 5 tries")


SET_ASIDE_NOTE = "终端记录损坏，内容无法读取，请按回执码联系居民"


def handle_set_aside(kiosk: Kiosk, item: dict) -> dict:
    """A kiosk's outbox row that could not be read any more: a request in the post's inbox with what is still
    known (receipt, category), so a cadre calls the resident back. Idempotent by uuid: a row the server had
    already received is answered `duplicate` and nothing changes."""
    errors = protocol.validate_set_aside(item)
    if errors:
        return rejected("字段有误：" + "; ".join(f"{k}: {v}" for k, v in errors.items()), errors, item.get("uuid"))
    uid = item["uuid"].lower()
    existing = Request.objects.filter(uuid=uid).first()
    if existing is not None:   # delivered before the row broke, or reported already
        return {"uuid": uid, "status": protocol.DUPLICATE, "receipt": existing.receipt, "state": existing.state}
    issued = item.get("receipt") or ""
    if not issued.startswith(kiosk.post.code + "-"):
        issued = ""
    category = item.get("category") or ""
    text = SET_ASIDE_NOTE + (f"（终端说明：{item['reason']}）" if item.get("reason") else "")
    request = {"uuid": uid, "receipt": issued, "category": category if category in categories() else "message",
               "channel": Channel.KIOSK.value, "created_at": item["set_aside_at"], "text": text}
    return _store(kiosk, request, "set_aside:" + uid, note="终端报告：记录损坏，内容无法读取" +
                  ("" if category in categories() else f"（类别 {category or '未知'}）"))


def handle_requests(kiosk: Kiosk, items: list[dict]) -> list[dict | None]:
    """The batch fast path: a few queries and two bulk inserts; any clash falls back to handle_request."""
    results: list[dict | None] = [None] * len(items)
    fresh: dict[str, int] = {}
    for i, item in enumerate(items):
        bad = _check(kiosk, item)
        if bad:
            results[i] = bad
        elif item["uuid"].lower() in fresh:   # the same uuid twice in one batch: judge it after the first
            results[i] = {"defer": True}
        else:
            fresh[item["uuid"].lower()] = i
    if fresh:
        existing = {str(r.uuid): r for r in Request.objects.filter(uuid__in=list(fresh))
                    .only("uuid", "content_hash", "receipt", "state")}
        for uid, r in existing.items():
            i = fresh.pop(uid)
            results[i] = _seen(uid, r, protocol.content_hash(items[i]))
    if fresh:
        wanted = {items[i]["receipt"] for i in fresh.values()}
        taken = set(live(kiosk.post_id).filter(receipt__in=wanted).values_list("receipt", flat=True))
        now = timezone.now()
        rows, used = [], []
        for i in fresh.values():
            code = items[i]["receipt"]
            if code in taken or code in used:
                code = free_receipt(kiosk.post_id, kiosk.post.code, set(used) | taken)
            used.append(code)
            rows.append((i, request_row(kiosk, items[i], code, protocol.content_hash(items[i]), now)))
        try:
            with transaction.atomic():
                fast_insert(Request, [r for _, r in rows])
                ids = dict(Request.objects.filter(uuid__in=list(fresh)).values_list("uuid", "id"))
                serialize_event_writers()   # raw inserts send no pre_save signal
                fast_insert(RequestEvent, [event_row(kiosk, ids[r["uuid"]], r, now) for _, r in rows])
            for i, r in rows:
                results[i] = {"uuid": str(r["uuid"]), "status": protocol.CREATED, "receipt": r["receipt"],
                              "state": State.RECEIVED.value}
        except IntegrityError:   # a concurrent submit got there first: settle item by item
            for i, _ in rows:
                results[i] = handle_request(kiosk, items[i])
    for i, r in enumerate(results):
        if r is not None and r.get("defer"):
            results[i] = handle_request(kiosk, items[i])
    return results


HANDLERS["request"] = handle_request
HANDLERS[protocol.SET_ASIDE_KIND] = handle_set_aside
BATCH_HANDLERS["request"] = handle_requests


_TRANSIENT = (OperationalError, InterfaceError)   # the database went away: the whole batch answers 503


def _uuid_of(item) -> str | None:
    uid = item.get("uuid") if isinstance(item, dict) else None
    return uid[:64] if isinstance(uid, str) else None


def dispatch(kiosk: Kiosk, items: list) -> list[dict]:
    """One result per item, in the batch's order: created, duplicate, conflict or rejected with the fields
    named. An item its handler cannot store for a reason of its own is rejected (the kiosk keeps it, a cadre
    may requeue it once the server is fixed), never left unanswered to be retried for ever."""
    results: list[dict | None] = [None] * len(items)
    by_kind: dict[str, list[int]] = {}
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            results[i] = rejected("item must be an object", {"item": "must be an object"})
            continue
        kind = item.get("kind") or "request"
        if kind not in HANDLERS:
            results[i] = rejected(f"unknown item kind {kind!r}", {"kind": "unknown"}, _uuid_of(item))
        else:
            by_kind.setdefault(kind, []).append(i)
    for kind, idx in by_kind.items():
        batch = BATCH_HANDLERS.get(kind)
        try:
            if batch is not None:
                with transaction.atomic():
                    out = batch(kiosk, [items[i] for i in idx])
                for i, r in zip(idx, out, strict=True):
                    results[i] = r
                continue
        except _TRANSIENT:
            raise
        except Exception:
            log.exception("batch handler for %s failed; trying item by item", kind)
        for i in idx:
            try:
                with transaction.atomic():
                    results[i] = HANDLERS[kind](kiosk, items[i])
            except _TRANSIENT:
                raise
            except Exception as exc:
                log.exception("handler for %s failed on item %s", kind, _uuid_of(items[i]))
                results[i] = rejected(f"服务器无法保存这一条（{exc.__class__.__name__}），已记入服务器日志",
                                      {"item": "server could not store it"}, _uuid_of(items[i]))
    for i, r in enumerate(results):
        if r.get("uuid") is None:
            r["uuid"] = _uuid_of(items[i])
    return results
