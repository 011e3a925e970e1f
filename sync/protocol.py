"""The kiosk <-> community-server wire protocol, version 1: one module imported by both sides.

Pure Python (no Django, no pydantic) so the kiosk validates exactly what the server will.
Every limit here is enforced twice: the kiosk refuses to queue what the server would reject,
and the server answers anything else per item with `rejected` and the field names.
One schema per kind (request, lesson_progress, utterance, set_aside) and one for the heartbeat; the request
states, field lengths and byte limits are defined here once and the server's models use them
(tests/server/test_contract.py fails when the two disagree).
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid as uuidlib
from datetime import UTC, datetime

from assets.texts import t

PROTOCOL_VERSION = 1
API_PREFIX = "/api/v1"
SUBMIT_PATH = API_PREFIX + "/kiosk/submit"
UPDATES_PATH = API_PREFIX + "/kiosk/updates"
HEARTBEAT_PATH = API_PREFIX + "/kiosk/heartbeat"
FIND_PATH = API_PREFIX + "/kiosk/find"
LOOKUP_PATH = API_PREFIX + "/kiosk/lookup"        # 查进度 by code, for the post's requests this kiosk never held
PAIR_PATH = API_PREFIX + "/pair"                # a 6-digit pairing code -> token (server/api/pairing.py)          # 查进度 by phone tail + door (server/api/find.py)
CATALOG_PATH = API_PREFIX + "/catalog"
LESSONS_PATH = API_PREFIX + "/lessons"
PHRASES_PATH = API_PREFIX + "/voice/phrases"   # phrases learned from the field: the post's catalog additions

MAX_BATCH_ITEMS = 200           # more items in one submit: 413
MAX_BODY_BYTES = 1_000_000      # any API body larger than this: 413 (server.settings uses the same number)
UPDATES_PAGE = 500              # events per updates page
MAX_COUNT = 2**31 - 1           # heartbeat counters fit a PostgreSQL integer
MAX_CURSOR = 2**63 - 1          # an updates cursor fits a PostgreSQL bigint
MIN_YEAR, MAX_YEAR = 1970, 9998  # times outside cannot be a kiosk's clock (and year 1 overflows in UTC)

# Per-item results of a submit. Only CREATED and DUPLICATE acknowledge an item (the kiosk may
# forget its personal data); CONFLICT and REJECTED end the retry with the server's reason.
CREATED, DUPLICATE, CONFLICT, REJECTED = "created", "duplicate", "conflict", "rejected"
ACK_STATUSES = (CREATED, DUPLICATE)
RESULT_STATUSES = (CREATED, DUPLICATE, CONFLICT, REJECTED)

KINDS = ("request", "lesson_progress", "utterance")   # what the outbox queues
SET_ASIDE_KIND = "set_aside"              # reported by the sync client, never queued (see validate_set_aside)
CHANNELS = ("touch", "voice")

# field -> maximum length (all strings; all optional except where REQUIRED says)
REQUEST_FIELDS = {
    "uuid": 36, "receipt": 16, "category": 32, "channel": 8, "created_at": 40,
    "name": 50, "building": 20, "unit": 20, "room": 20, "phone": 20, "text": 2000,
}
REQUIRED = ("uuid", "receipt", "category", "channel", "created_at")
CONTACT_FIELDS = ("name", "building", "unit", "room", "phone")   # at least one way to reach the resident
HASHED_FIELDS = ("category", "channel", "name", "building", "unit", "room", "phone", "text")

CATEGORY_ID_RE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")   # assets/catalog.toml ids; fits REQUEST_FIELDS
RECEIPT_RE = re.compile(r"^([A-Z]{1,4}[0-9]{0,3})-([0-9]{4})$")
PHONE_RE = re.compile(r"^[0-9+\- ]{3,20}$")
_TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}:\d{2}|Z)$")
# NUL cannot be stored by PostgreSQL, a lone surrogate cannot be encoded as UTF-8, other C0 controls are
# never typed at a kiosk: refused in every string the protocol carries.
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")

# Request states, in the order of a request's life: value -> (cadre's word, resident's word), both from the text
# catalogue ([state_cadre], [state]). server.core.models.State is built from this; "queued" exists only on the
# kiosk (not yet sent).
QUEUED = "queued"
STATES = {s: (t(f"state_cadre.{s}"), t(f"state.{s}"))
          for s in ("received", "accepted", "assigned", "in_progress", "resolved", "followed_up", "rejected", "merged")}
OPEN_STATES = ("received", "accepted", "assigned", "in_progress")
CLOSED_STATES = ("resolved", "followed_up", "rejected", "merged")
STATE_LABELS = {QUEUED: t("state.queued"), **{s: words[1] for s, words in STATES.items()}}

# lesson_progress: attendance and progress of a lesson, flat as the outbox sends it.
OUTCOMES = ("finished", "again", "practice_ok", "attended")
LESSON_ID_MAX = 40
LEARNER_FIELDS = {"uuid": 36, "name": 50, "building": 20, "unit": 20, "room": 20}
PROGRESS_FIELDS = ("kind", "uuid", "lesson_id", "outcome", "at", "learner", "session")

# utterance: what a resident said that the kiosk could not place, shared only where the post turned it on
# ([voice] share_unplaced). Text only, scrubbed on the kiosk (voice/scrub.py); figures are refused here too, so a
# phone or room number can never be stored even if a kiosk's scrubbing failed.
UTTERANCE_FIELDS = {"uuid": 36, "text": 200, "heard_at": 40}
NOT_REQUEST = "not_request"   # the label of an utterance that asks for nothing (不是诉求); never a category id
_FIGURES = re.compile(r"[0-9０-９]")

# set_aside: an outbox row the kiosk could not read any more, reported so a cadre can follow it up.
SET_ASIDE_FIELDS = {"uuid": 36, "receipt": 16, "category": 32, "reason": 500, "set_aside_at": 40}

# heartbeat: field -> (type, bound): strings by length, counts by value (None allowed where marked)
HEARTBEAT_FIELDS = {"protocol": ("int", MAX_COUNT), "version": ("str", 32), "queue_length": ("int", MAX_COUNT),
                    "oldest_queued_s": ("int?", MAX_COUNT), "rejected": ("int", MAX_COUNT),
                    "voice_health": ("str", 200), "printer_health": ("str", 200)}

# The heartbeat's answer (sent every sync round): besides the envelope's "protocol", the server's settings the kiosk
# keeps. public_url: where family phones reach the server (COMMUNITY_PUBLIC_URL), for the QR links on slips and
# screens; "" = the server has none set (the kiosk keeps its own). So a kiosk paired before it was set learns it.
PUBLIC_URL_MAX = 200
_PUBLIC_URL_RE = re.compile(r"^https?://[^\s/?#@]+(/[^\s?#]*)?$")
HEARTBEAT_ANSWER_FIELDS = ("protocol", "ok", "server_time", "public_url")

# The community server announces itself on the LAN (mDNS / DNS-SD: server/advertise.py) for the kiosk's admin screen
# to find (kiosk/discover.py). TXT properties: url (the address kiosks use), posts (post codes, comma-separated),
# version (the server's), protocol (PROTOCOL_VERSION). Service names are at most 15 characters (RFC 6335).
SERVICE_TYPE = "_xingfu-server._tcp.local."


def receipt(post_code: str, number: int) -> str:
    """The receipt code: post code, a hyphen, 4 digits (the digits are what the resident says)."""
    return f"{post_code}-{number:04d}"


BAD_CHARS = "contains a character that cannot be stored (NUL, control or lone surrogate)"
TOO_LONG = "longer than {} characters"


def bad_text(value: str) -> str:
    """What is wrong with the characters of a string ('' when nothing)."""
    return BAD_CHARS if _BAD_CHARS.search(value) else ""


def parse_time(value) -> datetime:
    """An ISO 8601 time with offset that every database can store; ValueError with the reason otherwise."""
    if not isinstance(value, str) or not _TS_RE.match(value):
        raise ValueError("must be an ISO 8601 time with offset")
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
        utc = t.astimezone(UTC)   # year 1 with a positive offset overflows here
    except (ValueError, OverflowError):
        raise ValueError("is not a real time (month, day, hour or minute out of range)") from None
    if not MIN_YEAR <= utc.year <= MAX_YEAR:
        raise ValueError(f"year must be between {MIN_YEAR} and {MAX_YEAR}")
    return t


def _canonical_uuid(value) -> bool:
    try:
        return isinstance(value, str) and str(uuidlib.UUID(value)) == value.lower()
    except ValueError:
        return False


def _strings(item: dict, limits: dict[str, int], errors: dict[str, str], required=()) -> None:
    for field, limit in limits.items():
        value = item.get(field, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors[field] = "must be a string"
        elif len(value) > limit:
            errors[field] = TOO_LONG.format(limit)
        elif bad_text(value):
            errors[field] = bad_text(value)
        elif field in required and not value.strip():
            errors[field] = "required"


def _fields(item, limits: dict[str, int], required) -> dict[str, str]:
    """The checks every flat item starts with: an object, known fields, strings within their limits."""
    if not isinstance(item, dict):
        return {"item": "must be an object"}
    errors = {field: "unknown field" for field in item if field not in limits and field != "kind"}
    _strings(item, limits, errors, required)
    return errors


def _uuid_and_time(item: dict, time_field: str, errors: dict[str, str]) -> None:
    """The checks every item ends with: its uuid in canonical form, its time one every database can store."""
    if not _canonical_uuid(item.get("uuid")):
        errors["uuid"] = "must be a UUID in canonical form"
    try:
        parse_time(item.get(time_field))
    except ValueError as exc:
        errors[time_field] = str(exc)


def validate_request(item: dict, categories=None) -> dict[str, str]:
    """Field name -> what is wrong (empty when the item is acceptable). `categories`: known ids or None."""
    errors = _fields(item, REQUEST_FIELDS, REQUIRED)
    if errors:
        return errors
    _uuid_and_time(item, "created_at", errors)
    if not RECEIPT_RE.match(item["receipt"]):
        errors["receipt"] = "must be POSTCODE-NNNN, e.g. WJZ1-0427"
    if item["channel"] not in CHANNELS:
        errors["channel"] = f"must be one of {', '.join(CHANNELS)}"
    if item.get("phone") and not PHONE_RE.match(item["phone"]):
        errors["phone"] = "must be digits"
    if not any((item.get(f) or "").strip() for f in CONTACT_FIELDS):
        errors["contact"] = "at least one of name, building, unit, room, phone"
    if categories is not None and item["category"] not in categories:
        errors["category"] = f"unknown category {item['category']!r}"
    return errors


def validate_lesson_progress(item: dict, lesson_ids=None) -> dict[str, str]:
    """Field name -> what is wrong for a lesson_progress item. `lesson_ids`: known ids or None."""
    if not isinstance(item, dict):
        return {"item": "must be an object"}
    errors = {field: "unknown field" for field in item if field not in PROGRESS_FIELDS}
    _uuid_and_time(item, "at", errors)
    for field, error in (("lesson_id", _lesson_id_error(item.get("lesson_id"), lesson_ids)),
                         ("outcome", _outcome_error(item)), ("session", _session_error(item.get("session")))):
        if error:
            errors[field] = error
    if item.get("learner") is not None:
        errors.update(_learner_errors(item["learner"]))
    return errors


def _outcome_error(item: dict) -> str:
    outcome = item.get("outcome")
    if outcome not in OUTCOMES:
        return f"must be one of {', '.join(OUTCOMES)}"
    if outcome == "attended" and (item.get("learner") is None or item.get("session") is None):
        return "attended needs a learner and a session"
    return ""


def _lesson_id_ok(value) -> bool:
    return isinstance(value, str) and 0 < len(value) <= LESSON_ID_MAX and not bad_text(value)


def _lesson_id_error(lesson, lesson_ids) -> str:
    if not _lesson_id_ok(lesson):
        return f"must be a lesson id of 1 to {LESSON_ID_MAX} characters"
    if lesson_ids is not None and lesson not in lesson_ids:
        return "unknown lesson"
    return ""


def _learner_errors(learner) -> dict[str, str]:
    """A lesson_progress learner's errors, as learner (the whole) or learner.<field>."""
    if not isinstance(learner, dict) or set(learner) - set(LEARNER_FIELDS):
        return {"learner": "must be an object with uuid, name, building, unit, room"}
    sub: dict[str, str] = {}
    _strings(learner, LEARNER_FIELDS, sub, ("uuid", "name"))
    if not sub and not _canonical_uuid(learner["uuid"]):
        sub["uuid"] = "must be a UUID in canonical form"
    return {f"learner.{k}": v for k, v in sub.items()}


def _session_error(session) -> str:
    """A class session, when given: {uuid, lesson_id (may be empty), started_at}."""
    if session is None:
        return ""
    wrong = "must be an object with uuid, lesson_id and started_at"
    if not isinstance(session, dict) or set(session) - {"uuid", "lesson_id", "started_at"}:
        return wrong
    lesson = session.get("lesson_id", "")
    if not _canonical_uuid(session.get("uuid")) or not (lesson == "" or _lesson_id_ok(lesson)):
        return wrong
    try:
        parse_time(session.get("started_at"))
    except ValueError:
        return wrong
    return ""


def lesson_progress(*, lesson_id: str, outcome: str, at: str, learner: dict | None = None,
                    session: dict | None = None) -> dict:
    """The payload of a lesson_progress item (the outbox adds kind and uuid); ValueError when the server
    would refuse it, so the kiosk never queues such an item."""
    payload = {"lesson_id": lesson_id, "outcome": outcome, "at": at,
               "learner": {k: learner.get(k) or "" for k in LEARNER_FIELDS} if learner else None,
               "session": dict(session) if session else None}
    errors = validate_lesson_progress({**payload, "uuid": "00000000-0000-4000-8000-000000000000"})
    if errors:
        raise ValueError("; ".join(f"{k}: {v}" for k, v in errors.items()))
    return payload


def validate_utterance(item: dict) -> dict[str, str]:
    """Field name -> what is wrong with an utterance item (empty when acceptable)."""
    errors = _fields(item, UTTERANCE_FIELDS, tuple(UTTERANCE_FIELDS))
    if errors:
        return errors
    _uuid_and_time(item, "heard_at", errors)
    if _FIGURES.search(item["text"]):
        errors["text"] = "must not contain figures (scrubbed on the kiosk: no phone or room numbers)"
    return errors


def utterance(*, text: str, heard_at: str) -> dict:
    """The payload of an utterance item (the outbox adds kind and uuid); ValueError when the server would refuse it."""
    payload = {"text": text, "heard_at": heard_at}
    errors = validate_utterance({**payload, "uuid": "00000000-0000-4000-8000-000000000000"})
    if errors:
        raise ValueError("; ".join(f"{k}: {v}" for k, v in errors.items()))
    return payload


def validate_phrases(body, categories=None) -> dict[str, str]:
    """The answer of PHRASES_PATH: {version: int, phrases: {category: [phrase]}, not_requests: [phrase]}; the
    lists may be left out when the kiosk already has `version`. `categories`: the ids the kiosk knows, or None."""
    if not isinstance(body, dict):
        return {"body": "must be a JSON object"}
    errors: dict[str, str] = {}
    version = body.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or not 0 <= version <= MAX_COUNT:
        errors["version"] = f"must be a whole number from 0 to {MAX_COUNT}"

    def phrase_list(value) -> bool:
        return isinstance(value, list) and all(isinstance(p, str) and 0 < len(p) <= UTTERANCE_FIELDS["text"]
                                               and not bad_text(p) and not _FIGURES.search(p) for p in value)

    phrases = body.get("phrases", {})
    if not isinstance(phrases, dict):
        errors["phrases"] = "must be an object of category -> list of phrases"
    else:
        for cid, ps in phrases.items():
            if not isinstance(cid, str) or not CATEGORY_ID_RE.match(cid) or cid == NOT_REQUEST \
                    or (categories is not None and cid not in categories):
                errors[f"phrases.{cid}"] = "unknown category"
            elif not phrase_list(ps):
                errors[f"phrases.{cid}"] = "must be a list of phrases without figures"
    if not phrase_list(body.get("not_requests", [])):
        errors["not_requests"] = "must be a list of phrases without figures"
    return errors


def validate_set_aside(item: dict) -> dict[str, str]:
    """Field name -> what is wrong with a set_aside report (empty when acceptable)."""
    errors = _fields(item, SET_ASIDE_FIELDS, ("uuid", "set_aside_at"))
    if errors:
        return errors
    _uuid_and_time(item, "set_aside_at", errors)
    if item.get("receipt") and not RECEIPT_RE.match(item["receipt"]):
        errors["receipt"] = "must be POSTCODE-NNNN, e.g. WJZ1-0427"
    return errors


def _report_time(value) -> str:
    """An outbox time as the protocol writes it (the outbox writes +0800, the protocol +08:00); now if unreadable."""
    for parse in (parse_time, lambda v: datetime.strptime(v, "%Y-%m-%dT%H:%M:%S%z")):
        try:
            t = parse(value)
            parse_time(t.isoformat())
            return t.isoformat()
        except (TypeError, ValueError):
            continue
    return datetime.now(UTC).isoformat(timespec="seconds")


def set_aside_report(row: dict) -> dict | None:
    """The set_aside item for an outbox row that could not be read, from what is still readable: a receipt or
    category that is itself damaged is left out. None when even the uuid is unreadable (nothing to report by)."""
    uid, code, category = row.get("uuid"), row.get("receipt"), row.get("category")
    if not _canonical_uuid(uid):
        return None
    limit = SET_ASIDE_FIELDS["reason"]
    return {"kind": SET_ASIDE_KIND, "uuid": uid.lower(),
            "receipt": code if isinstance(code, str) and RECEIPT_RE.match(code) else "",
            "category": category if isinstance(category, str) and CATEGORY_ID_RE.match(category) else "",
            "reason": _BAD_CHARS.sub("?", str(row.get("reason") or ""))[:limit],
            "set_aside_at": _report_time(row.get("set_aside_at"))}


def validate_heartbeat(body) -> dict[str, str]:
    """Field name -> what is wrong with a heartbeat body; unknown fields are ignored (newer kiosks)."""
    if not isinstance(body, dict):
        return {"body": "must be a JSON object"}
    errors: dict[str, str] = {}
    for field, (kind, bound) in HEARTBEAT_FIELDS.items():
        if field not in body or (body[field] is None and kind == "int?"):
            continue
        value = body[field]
        if kind == "str":
            if not isinstance(value, str):
                errors[field] = "must be a string"
            elif len(value) > bound:
                errors[field] = TOO_LONG.format(bound)
            elif bad_text(value):
                errors[field] = bad_text(value)
        elif not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= bound:
            errors[field] = f"must be a whole number from 0 to {bound}"
    return errors


def public_url_problem(value) -> str:
    """What is wrong with a public address for QR links ('' when it is one, or empty: not set)."""
    if value == "":
        return ""
    if not isinstance(value, str) or len(value) > PUBLIC_URL_MAX or not _PUBLIC_URL_RE.match(value) \
            or value.endswith("/") or bad_text(value):
        return f"must be an http:// or https:// address without a trailing slash, at most {PUBLIC_URL_MAX} characters"
    return ""


def validate_heartbeat_answer(body) -> dict[str, str]:
    """Field name -> what is wrong with the server's answer to a heartbeat (the kiosk checks it before keeping it)."""
    if not isinstance(body, dict):
        return {"body": "must be a JSON object"}
    errors = {}
    if body.get("ok") is not True:
        errors["ok"] = "must be true"
    problem = public_url_problem(body.get("public_url", ""))
    if problem:
        errors["public_url"] = problem
    return errors


def validate_batch(body) -> dict[str, str]:
    """The submit envelope {protocol, items}; the items are judged one by one."""
    if not isinstance(body, dict):
        return {"body": "must be a JSON object"}
    errors = {}
    if not isinstance(body.get("protocol"), int) or isinstance(body.get("protocol"), bool):
        errors["protocol"] = "must be a whole number"
    if not isinstance(body.get("items"), list):
        errors["items"] = "must be a list"
    return errors


def encode(obj) -> bytes:
    """The bytes sent on the wire: UTF-8 JSON; a string the kiosk cannot encode (a lone surrogate in an old
    item) is escaped instead, so the server can name the field rather than the body being unreadable."""
    try:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()
    except UnicodeEncodeError:
        return json.dumps(obj, separators=(",", ":")).encode()


def submit_body(encoded_items: list[bytes]) -> bytes:
    return b'{"protocol":%d,"items":[' % PROTOCOL_VERSION + b",".join(encoded_items) + b"]}"


SUBMIT_OVERHEAD = len(submit_body([]))


def content_hash(item: dict) -> str:
    """Same UUID with another hash = conflict. Receipt and times are left out: the server may renumber."""
    canon = {f: (item.get(f) or "") for f in HASHED_FIELDS}
    return hashlib.sha256(json.dumps(canon, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def is_ack(result: dict) -> bool:
    return isinstance(result, dict) and result.get("status") in ACK_STATUSES
