"""查进度 without the code: the phone's last four digits plus the door -> the post's matching requests.

Asked of the server first (it knows the post's requests from every kiosk); when it cannot answer, the
kiosk's own outbox answers for the requests it still holds personal data of (not yet sent), and says
that it could only check this kiosk's own requests. Category and state only, never names.
"""

from __future__ import annotations

import re

from sync import protocol

MAX_MATCHES = 6


def door_number(value: str) -> str:
    """'3号楼' / '3' -> '3' (the server compares the same way: server/api/find.py)."""
    return "".join(re.findall(r"[0-9]+", value or ""))


def _client(services):
    """The API client for a resident waiting at the screen (at most 5 s); TransportError when there is no token."""
    from sync.client import ApiClient, TransportError

    cfg = services.config["server"]
    if not cfg["token"]:
        raise TransportError("no token")
    return ApiClient(cfg["url"], cfg["token"], timeout=min(cfg["timeout_s"], 5.0))


def find_requests(services, phone_tail: str, building: str = "", unit: str = "", room: str = "") -> dict:
    """-> {"matches": [{"receipt", "category", "state", "state_label"}], "source": "server" | "local"}."""
    from sync.client import TransportError

    try:
        return {"matches": _client(services).find_requests(phone_tail, building, unit, room), "source": "server"}
    except TransportError as exc:
        return {"matches": local_matches(services.outbox, phone_tail, building, unit, room), "source": "local",
                "why": str(exc)}


def lookup_receipt(services, receipt: str) -> dict | None:
    """A code this kiosk does not hold (given at another kiosk of the post, or by a cadre who took the request by
    phone): the server's answer, or None when it has no such request or cannot be reached."""
    from sync.client import TransportError

    try:
        return _client(services).lookup_receipt(receipt)
    except TransportError:
        return None


def local_matches(outbox, phone_tail: str, building: str, unit: str, room: str) -> list[dict]:
    """This kiosk's requests whose personal data it still holds (queued, not yet acknowledged)."""
    want = {"building": door_number(building), "unit": door_number(unit), "room": door_number(room)}
    found = []
    for item in outbox.items():
        if item["kind"] != "request":
            continue
        data = outbox.personal_data(item["uuid"]) or {}
        if not str(data.get("phone", "")).endswith(phone_tail) or not data.get("phone"):
            continue
        if any(w and door_number(str(data.get(k, ""))) != w for k, w in want.items()):
            continue
        status = outbox.status(item["receipt"]) or {}
        found.append({"receipt": item["receipt"], "category": item["category"], "state": status.get("state", ""),
                      "state_label": status.get("state_label") or protocol.STATE_LABELS.get(item["state"], "")})
        if len(found) == MAX_MATCHES:
            break
    return found
