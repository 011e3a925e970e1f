"""The kiosk API, version 1 (wire format and limits: sync/protocol.py). OpenAPI: /api/v1/openapi.json.

Every answer is JSON with "protocol": 1 — the kiosk treats anything else (a captive portal's 200 HTML
page, say) as no answer. Errors carry a stable machine code in "error" and words in "detail".
Other apps add routers with one line at the bottom: api.add_router("/lessons/", "server.lessons.api.router")
api.add_router("/voice/", "server.voicelearn.api.router").
"""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from ninja import Field, NinjaAPI, Query, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from server.api import kinds
from server.api.auth import KioskAuth, KioskRevoked
from server.api.envelope import error as _error
from server.core.models import Kiosk, RequestEvent
from sync import protocol
from sync.catalog import default_catalog

log = logging.getLogger(__name__)

# No docs UI: Swagger UI loads its scripts from a CDN, blank on a post's LAN without internet.
# The machine-readable description stays at /api/v1/openapi.json.
api = NinjaAPI(title="幸福微+ 终端接口", version=str(protocol.PROTOCOL_VERSION), urls_namespace="api", docs_url=None,
               description="Kiosk <-> community server sync protocol v1. Field names and limits: sync/protocol.py.")
auth = KioskAuth()


class BadBody(Exception):
    """A body that is not the protocol's JSON: 400 (unreadable) or 422 (fields named)."""

    def __init__(self, status: int, detail: str, fields: dict[str, str] | None = None, code: str = "invalid"):
        super().__init__(detail)
        self.status, self.fields, self.code = status, fields or {}, code


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


@api.exception_handler(BadBody)
def _bad_body(request, exc):
    if exc.status == 400:
        return _error(400, "unparseable", str(exc))
    return _error(exc.status, exc.code, str(exc), fields=sorted(exc.fields), reasons=exc.fields)


@api.exception_handler(HttpError)
def _http_error(request, exc):   # Ninja's own, e.g. 400 "Cannot parse request body"
    return _error(exc.status_code, "unparseable" if exc.status_code == 400 else None, str(exc))


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _error(404, "not_found", str(exc) or "not found")


def _database(request, exc):   # the database went away or is locked: nothing was stored, try again
    log.exception("database error in %s", request.path)
    response = _error(503, "unavailable", "database unavailable; nothing was stored, try again")
    response["Retry-After"] = "30"
    return response


api.add_exception_handler(OperationalError, _database)
api.add_exception_handler(InterfaceError, _database)


@api.exception_handler(Exception)
def _crash(request, exc):
    log.exception("error in %s", request.path)
    return _error(500, "server_error", "internal error (logged on the server)")


def json_body(request, validate=None) -> dict:
    """The request's JSON object, checked by a protocol validator; BadBody otherwise."""
    try:
        body = json.loads(request.body)
    except RequestDataTooBig:   # no Content-Length to refuse it by (server.api.envelope): Django's own limit
        raise BadBody(413, f"body larger than {protocol.MAX_BODY_BYTES} bytes; send smaller batches",
                      code="body_too_large") from None
    except (ValueError, UnicodeDecodeError):
        raise BadBody(400, "body is not JSON (UTF-8)") from None
    errors = validate(body) if validate else {}
    if errors:
        raise BadBody(422, "; ".join(f"{k}: {v}" for k, v in errors.items()), errors)
    if body.get("protocol", protocol.PROTOCOL_VERSION) != protocol.PROTOCOL_VERSION:
        raise BadBody(422, f"protocol {body.get('protocol')} not supported "
                           f"(this server speaks {protocol.PROTOCOL_VERSION})", {"protocol": "not supported"}, "protocol")
    return body


def documented_body(schema) -> dict:
    """OpenAPI for a body the view reads itself (validated by sync/protocol.py, not by pydantic)."""
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema.json_schema()}}}}


class SubmitIn(Schema):
    protocol: int
    items: list[dict] = Field(description="items of the kinds in sync/protocol.py KINDS, each judged on its own")


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


_BEAT, _MAX = protocol.HEARTBEAT_FIELDS, protocol.MAX_COUNT   # the class body's `protocol` shadows the module


class HeartbeatIn(Schema):
    protocol: int = protocol.PROTOCOL_VERSION
    version: str = Field("", max_length=_BEAT["version"][1])
    queue_length: int = Field(0, ge=0, le=_MAX)
    oldest_queued_s: int | None = Field(None, ge=0, le=_MAX)
    rejected: int = Field(0, ge=0, le=_MAX)
    voice_health: str = Field("", max_length=_BEAT["voice_health"][1])
    printer_health: str = Field("", max_length=_BEAT["printer_health"][1])


class HeartbeatOut(Schema):   # protocol.HEARTBEAT_ANSWER_FIELDS, checked on the kiosk by validate_heartbeat_answer
    protocol: int
    ok: bool
    server_time: str
    public_url: str = Field("", max_length=protocol.PUBLIC_URL_MAX,
                            description="COMMUNITY_PUBLIC_URL, where phones reach the server for QR links; '' = not set")


class Error(Schema):
    protocol: int
    error: str
    detail: str


ERRORS = {400: Error, 401: Error, 403: Error, 413: Error, 422: Error, 503: Error}


@api.post("/kiosk/submit", auth=auth, response={200: SubmitOut, **ERRORS}, openapi_extra=documented_body(SubmitIn),
          summary="Submit a batch of outbox items; one result per item (created/duplicate/conflict/rejected)")
def submit(request):
    body = json_body(request, protocol.validate_batch)
    if len(body["items"]) > protocol.MAX_BATCH_ITEMS:
        return _error(413, "batch_too_large", f"{len(body['items'])} items; at most {protocol.MAX_BATCH_ITEMS} per batch")
    with transaction.atomic():
        results = kinds.dispatch(request.auth, body["items"])
    return {"protocol": protocol.PROTOCOL_VERSION, "results": results}


@api.get("/kiosk/updates", auth=auth, response={200: UpdatesOut, 401: Error, 403: Error, 422: Error},
         summary="State changes of this kiosk's requests after a cursor (the last RequestEvent id seen)")
def updates(request, after: int = Query(0, ge=0, le=protocol.MAX_CURSOR), limit: int = Query(protocol.UPDATES_PAGE, ge=1, le=protocol.UPDATES_PAGE)):
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


@api.post("/kiosk/heartbeat", auth=auth, response={200: HeartbeatOut, **ERRORS},
          openapi_extra=documented_body(HeartbeatIn),
          summary="Kiosk health for the cadres: version, queue length, oldest queued age, voice and printer")
def heartbeat(request):
    body = json_body(request, protocol.validate_heartbeat)
    beat = HeartbeatIn(**{k: v for k, v in body.items() if k in protocol.HEARTBEAT_FIELDS and v is not None})
    now = timezone.now()
    Kiosk.objects.filter(pk=request.auth.pk).update(
        last_seen=now, version=beat.version, queue_length=beat.queue_length, oldest_queued_s=beat.oldest_queued_s,
        voice_health=beat.voice_health, printer_health=beat.printer_health, heartbeat=beat.dict())
    return {"protocol": protocol.PROTOCOL_VERSION, "ok": True, "server_time": now.isoformat(),
            "public_url": settings.PUBLIC_URL}


@api.get("/catalog", response=dict, summary="The request catalog: category ids, labels, urgency")
def catalog(request):
    cat = default_catalog()
    return {"protocol": protocol.PROTOCOL_VERSION, "version": cat.version,
            "categories": [{"id": c.id, "label": c.label, "urgency": c.urgency.id} for c in cat.categories]}


# Other apps' routers, one line each:
api.add_router("/lessons/", "server.lessons.api.router")
api.add_router("/voice/", "server.voicelearn.api.router")
api.add_router("/kiosk/", "server.api.find.router")      # 查进度 without the code (issue 13.1)
api.add_router("/pair", "server.api.pairing.router")    # pairing by a 6-digit code (issue 13.8)
