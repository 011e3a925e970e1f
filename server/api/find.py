"""查进度 without the code: the last four digits of the phone plus the door -> the post's matching requests.

GET /api/v1/kiosk/find?phone_tail=DDDD&building=B&unit=U&room=R (kiosk bearer token)
 -> {"protocol": 1, "matches": [{"receipt", "category", "state", "state_label"}]}

GET /api/v1/kiosk/lookup?receipt=WJZ1-0427 -> {"protocol": 1, "matches": [one or none]}: a code the kiosk does
not hold itself (given at another kiosk of the post, or by a cadre who took the request by phone).

Answered for the asking kiosk's own post, so a request made at another kiosk of the post is found too.
Category and state only, never names or the full phone. Rate-limited per kiosk: a phone tail and a door
are guessable, so a kiosk cannot walk the post's doors (429 with Retry-After).
"""

from __future__ import annotations

import math
import re

from django.db.models import Q
from ninja import Field, Query, Router, Schema

from server.api.auth import KioskAuth
from server.api.envelope import error as _error
from server.core.models import Request
from server.workbench.throttle import Bucket
from sync import protocol

router = Router(auth=KioskAuth(), tags=["kiosk"])

# A resident or two at a time: a few tries at once, then one every 20 s per kiosk.
LOOKUPS = Bucket(burst=6, every=20.0)
MAX_MATCHES = 6   # what one screen shows (at most six choices)


class FindIn(Schema):
    phone_tail: str = Field(pattern=r"^[0-9]{4}$")
    building: str = Field("", max_length=protocol.REQUEST_FIELDS["building"])
    unit: str = Field("", max_length=protocol.REQUEST_FIELDS["unit"])
    room: str = Field(min_length=1, max_length=protocol.REQUEST_FIELDS["room"])


def door_number(value: str) -> str:
    """'3号楼' / '3' / ' 3 ' -> '3': kiosks send labels, a cadre types digits."""
    return "".join(re.findall(r"[0-9]+", value or ""))


def matches(post_id: int, tail: str, building: str, unit: str, room: str) -> list[dict]:
    rows = (Request.objects.filter(post_id=post_id, phone__endswith=tail, personal_data_purged_at__isnull=True)
            .order_by("-received_at").values("receipt", "category", "state", "building", "unit", "room")[:200])
    want = [(door_number(building), "building"), (door_number(unit), "unit"), (door_number(room), "room")]
    found = [r for r in rows if all(not w or door_number(r[f]) == w for w, f in want)]
    return [{"receipt": r["receipt"], "category": r["category"], "state": r["state"],
             "state_label": protocol.STATE_LABELS.get(r["state"], r["state"])} for r in found[:MAX_MATCHES]]


class LookupIn(Schema):
    receipt: str = Field(pattern=protocol.RECEIPT_RE.pattern)


def _throttled(request):
    wait = LOOKUPS.take(f"kiosk:{request.auth.pk}")
    if not wait:
        return None
    response = _error(429, "throttled", "too many lookups from this kiosk; try again later")
    response["Retry-After"] = str(math.ceil(wait))
    return response


@router.get("/lookup", summary="The post's request with this receipt code (as given to the resident)")
def lookup(request, q: Query[LookupIn]):
    refused = _throttled(request)
    if refused:
        return refused
    rows = (Request.objects.filter(post_id=request.auth.post_id)
            .filter(Q(issued_receipt=q.receipt) | Q(receipt=q.receipt, issued_receipt=""))
            .order_by("-received_at").values("receipt", "category", "state", "public_note")[:1])
    return {"protocol": protocol.PROTOCOL_VERSION,
            "matches": [{"receipt": q.receipt, "category": r["category"], "state": r["state"],
                         "state_label": protocol.STATE_LABELS.get(r["state"], r["state"]),
                         "public_note": r["public_note"]} for r in rows]}


@router.get("/find", summary="The post's requests matching the last four phone digits and the door")
def find(request, q: Query[FindIn]):
    refused = _throttled(request)
    if refused:
        return refused
    return {"protocol": protocol.PROTOCOL_VERSION,
            "matches": matches(request.auth.post_id, q.phone_tail, q.building, q.unit, q.room)}
