"""The kiosk API, version 1 (wire format and limits: sync/protocol.py). OpenAPI: /api/v1/openapi.json.

Every answer is JSON with "protocol": 1 — the kiosk treats anything else (a captive portal's 200 HTML
page, say) as no answer. Errors carry a stable machine code in "error" and words in "detail".
Other apps add routers with one line at the bottom: api.add_router("/lessons/", "server.lessons.api.router").
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.http import JsonResponse
from django.utils import timezone
from ninja import Field, NinjaAPI, Query, Schema
from ninja.errors import AuthenticationError, ValidationError

from server.api import kinds
from server.api.auth import KioskAuth, KioskRevoked
from server.core.models import Kiosk, RequestEvent
from sync import protocol
from sync.catalog import default_catalog

api = NinjaAPI(title="幸福微+ 终端接口", version=str(protocol.PROTOCOL_VERSION), urls_namespace="api",
               description="Kiosk <-> community server sync protocol v1. Field names and limits: sync/protocol.py.")
auth = KioskAuth()


def _error(status: int, code: str, detail: str, **extra) -> JsonResponse:
    return JsonResponse({"protocol": protocol.PROTOCOL_VERSION, "error": code, "detail": detail, **extra},
                        status=status, json_dumps_params={"ensure_ascii": False})


@api.exception_handler(AuthenticationError)
def _unauthorized(request, exc):
    if not request.headers.get("Authorization", "").strip():
        return _error(401, "no_token", "missing kiosk token (Authorization: Bearer <token>)")
    return _error(401, "bad_token", "unknown kiosk token; register the kiosk with community-server add-kiosk")


@api.exception_handler(KioskRevoked)
def _revoked(request, exc):
    return _error(403, "revoked", f"kiosk token revoked ({exc}); register the kiosk again with community-server add-kiosk")


def _field(loc) -> str:
    """Ninja's loc is (source, [param name,] field...): ("body", "body", "items", 0) -> "items.0"."""
    loc = [str(p) for p in loc[1:]]
    if len(loc) > 1 and loc[0] == "body":
        loc = loc[1:]
    return ".".join(loc) or "body"


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    fields = sorted({_field(e.get("loc", ())) for e in exc.errors})
    detail = "; ".join(f"{_field(e.get('loc', ()))}: {e.get('msg', '')}" for e in exc.errors)
    return _error(422, "invalid", detail, fields=fields)


class SubmitIn(Schema):
    protocol: int
    items: list


class ItemResult(Schema):
    uuid: str | None
    status: str = Field(description="created | duplicate | conflict | rejected")
    receipt: str | None = Field(None, description="the code the server keeps (differs after a clash)")
    state: str | None = None
    reason: str | None = None
    fields: dict | None = Field(None, description="field name -> what is wrong (rejected)")


class SubmitOut(Schema):
    protocol: int
    results: list[ItemResult]


class Event(Schema):
    id: int
    uuid: str
    receipt: str
    state: str
    public_note: str
    at: str


class UpdatesOut(Schema):
    protocol: int
    events: list[Event]
    cursor: int
    more: bool


class HeartbeatIn(Schema):
    protocol: int = protocol.PROTOCOL_VERSION
    version: str = Field("", max_length=32)
    queue_length: int = Field(0, ge=0)
    oldest_queued_s: int | None = Field(None, ge=0)
    rejected: int = Field(0, ge=0)
    voice_health: str = Field("", max_length=200)
    printer_health: str = Field("", max_length=200)


class HeartbeatOut(Schema):
    protocol: int
    ok: bool
    server_time: str


class Error(Schema):
    protocol: int
    error: str
    detail: str


@api.post("/kiosk/submit", auth=auth, response={200: SubmitOut, 401: Error, 403: Error, 413: Error, 422: Error},
          summary="Submit a batch of outbox items; one result per item (created/duplicate/conflict/rejected)")
def submit(request, body: SubmitIn):
    if len(request.body) > protocol.MAX_BODY_BYTES:
        return _error(413, "body_too_large", f"body larger than {protocol.MAX_BODY_BYTES} bytes; send smaller batches")
    if len(body.items) > protocol.MAX_BATCH_ITEMS:
        return _error(413, "batch_too_large", f"{len(body.items)} items; at most {protocol.MAX_BATCH_ITEMS} per batch")
    if body.protocol != protocol.PROTOCOL_VERSION:
        return _error(422, "protocol", f"protocol {body.protocol} not supported (this server speaks {protocol.PROTOCOL_VERSION})",
                      fields=["protocol"])
    with transaction.atomic():
        results = kinds.dispatch(request.auth, body.items)
    return {"protocol": protocol.PROTOCOL_VERSION, "results": results}


@api.get("/kiosk/updates", auth=auth, response={200: UpdatesOut, 401: Error, 403: Error, 422: Error},
         summary="State changes of this kiosk's requests after a cursor (the last RequestEvent id seen)")
def updates(request, after: int = Query(0, ge=0), limit: int = Query(protocol.UPDATES_PAGE, ge=1, le=protocol.UPDATES_PAGE)):
    # Event ids become visible in order (server.api.apps: one writer of events at a time on PostgreSQL),
    # so a cursor never skips an event committed late.
    # This kiosk's requests, and those of the post's revoked kiosks: a kiosk registered again under a new
    # token (same outbox) must keep hearing about what it sent before.
    k = request.auth
    mine = Q(request__kiosk=k) | Q(request__kiosk__post_id=k.post_id, request__kiosk__revoked_at__isnull=False)
    rows = list(RequestEvent.objects.filter(mine, id__gt=after).order_by("id")
                .values_list("id", "request__uuid", "request__receipt", "to_state", "public_note", "at")[:limit + 1])
    events = [{"id": r[0], "uuid": str(r[1]), "receipt": r[2], "state": r[3], "public_note": r[4],
               "at": r[5].isoformat()} for r in rows[:limit]]
    return {"protocol": protocol.PROTOCOL_VERSION, "events": events,
            "cursor": events[-1]["id"] if events else after, "more": len(rows) > limit}


@api.post("/kiosk/heartbeat", auth=auth, response={200: HeartbeatOut, 401: Error, 403: Error, 422: Error},
          summary="Kiosk health for the cadres: version, queue length, oldest queued age, voice and printer")
def heartbeat(request, body: HeartbeatIn):
    now = timezone.now()
    Kiosk.objects.filter(pk=request.auth.pk).update(
        last_seen=now, version=body.version, queue_length=body.queue_length, oldest_queued_s=body.oldest_queued_s,
        voice_health=body.voice_health, printer_health=body.printer_health, heartbeat=body.dict())
    return {"protocol": protocol.PROTOCOL_VERSION, "ok": True, "server_time": now.isoformat()}


@api.get("/catalog", response=dict, summary="The request catalog: category ids, labels, urgency")
def catalog(request):
    cat = default_catalog()
    return {"protocol": protocol.PROTOCOL_VERSION, "version": cat.version,
            "categories": [{"id": c.id, "label": c.label, "urgency": c.urgency.id} for c in cat.categories]}


# Other apps' routers, one line each:
api.add_router("/lessons/", "server.lessons.api.router")
