"""The kiosk <-> community-server wire protocol, version 1: one module imported by both sides.

Pure Python (no Django, no pydantic) so the kiosk validates exactly what the server will.
Every limit here is enforced twice: the kiosk refuses to queue what the server would reject,
and the server answers anything else per item with `rejected` and the field names.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid as uuidlib

PROTOCOL_VERSION = 1
API_PREFIX = "/api/v1"
SUBMIT_PATH = API_PREFIX + "/kiosk/submit"
UPDATES_PATH = API_PREFIX + "/kiosk/updates"
HEARTBEAT_PATH = API_PREFIX + "/kiosk/heartbeat"
CATALOG_PATH = API_PREFIX + "/catalog"

MAX_BATCH_ITEMS = 200           # more items in one submit: 413
MAX_BODY_BYTES = 1_000_000      # larger submit body: 413
UPDATES_PAGE = 500              # events per updates page

# Per-item results of a submit. Only CREATED and DUPLICATE acknowledge an item (the kiosk may
# forget its personal data); CONFLICT and REJECTED end the retry with the server's reason.
CREATED, DUPLICATE, CONFLICT, REJECTED = "created", "duplicate", "conflict", "rejected"
ACK_STATUSES = (CREATED, DUPLICATE)
RESULT_STATUSES = (CREATED, DUPLICATE, CONFLICT, REJECTED)

KINDS = ("request", "lesson_progress")
CHANNELS = ("touch", "voice")

# field -> maximum length (all strings; all optional except where REQUIRED says)
REQUEST_FIELDS = {
    "uuid": 36, "receipt": 16, "category": 32, "channel": 8, "created_at": 40,
    "name": 50, "building": 20, "unit": 20, "room": 20, "phone": 20, "text": 2000,
}
REQUIRED = ("uuid", "receipt", "category", "channel", "created_at")
CONTACT_FIELDS = ("name", "building", "unit", "room", "phone")   # at least one way to reach the resident
HASHED_FIELDS = ("category", "channel", "name", "building", "unit", "room", "phone", "text")

RECEIPT_RE = re.compile(r"^([A-Z]{1,4}[0-9]{0,3})-([0-9]{4})$")
PHONE_RE = re.compile(r"^[0-9+\- ]{3,20}$")
_TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$")

# Request states and their words for residents (server/core/models.py State has the same values).
STATE_LABELS = {
    "queued": "已登记，等待发送到社区",
    "received": "社区已收到",
    "accepted": "已受理",
    "assigned": "已派给志愿者",
    "in_progress": "正在办理",
    "resolved": "已办结",
    "followed_up": "已回访",
    "rejected": "未能受理",
    "merged": "已并入议事",
}


def receipt(post_code: str, number: int) -> str:
    """The receipt code: post code, a hyphen, 4 digits (the digits are what the resident says)."""
    return f"{post_code}-{number:04d}"


def validate_request(item: dict, categories=None) -> dict[str, str]:
    """Field name -> what is wrong (empty when the item is acceptable). `categories`: known ids or None."""
    errors: dict[str, str] = {}
    if not isinstance(item, dict):
        return {"item": "must be an object"}
    for field in item:
        if field not in REQUEST_FIELDS and field != "kind":
            errors[field] = "unknown field"
    for field, limit in REQUEST_FIELDS.items():
        value = item.get(field, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors[field] = "must be a string"
        elif len(value) > limit:
            errors[field] = f"longer than {limit} characters"
        elif field in REQUIRED and not value.strip():
            errors[field] = "required"
    if errors:
        return errors
    try:
        if str(uuidlib.UUID(item["uuid"])) != item["uuid"].lower():
            raise ValueError
    except ValueError:
        errors["uuid"] = "must be a UUID in canonical form"
    if not RECEIPT_RE.match(item["receipt"]):
        errors["receipt"] = "must be POSTCODE-NNNN, e.g. WJZ1-0427"
    if item["channel"] not in CHANNELS:
        errors["channel"] = f"must be one of {', '.join(CHANNELS)}"
    if not _TS_RE.match(item["created_at"]):
        errors["created_at"] = "must be an ISO 8601 time with offset"
    if item.get("phone") and not PHONE_RE.match(item["phone"]):
        errors["phone"] = "must be digits"
    if not any((item.get(f) or "").strip() for f in CONTACT_FIELDS):
        errors["contact"] = "at least one of name, building, unit, room, phone"
    if categories is not None and item["category"] not in categories:
        errors["category"] = f"unknown category {item['category']!r}"
    return errors


def content_hash(item: dict) -> str:
    """Same UUID with another hash = conflict. Receipt and times are left out: the server may renumber."""
    canon = {f: (item.get(f) or "") for f in HASHED_FIELDS}
    return hashlib.sha256(json.dumps(canon, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def is_ack(result: dict) -> bool:
    return isinstance(result, dict) and result.get("status") in ACK_STATUSES
