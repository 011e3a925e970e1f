"""Pairing a kiosk without a keyboard: `community-server add-kiosk --post CODE --pairing` prints a 6-digit code
valid for 15 minutes; the kiosk's admin keypad sends it to POST /api/v1/pair and gets its token, the post and
the public address for QR links (COMMUNITY_PUBLIC_URL) back.

The code's token waits in <data dir>/pairing/<sha256 of the code>.json (0600) until it is used once or expires;
no code is stored in clear. Attempts are rate-limited per address (a million codes cannot be walked in 15
minutes at 5 tries a minute).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import secrets
import time
from pathlib import Path

from django.conf import settings
from ninja import Field, Router, Schema

from server.api.envelope import error as _error
from server.workbench.audit import client_ip
from server.workbench.throttle import Bucket
from sync import protocol

VALID_S = 15 * 60
TRIES = Bucket(burst=5, every=12.0)
router = Router(tags=["kiosk"])


def _dir() -> Path:
    d = Path(settings.DATA_DIR) / "pairing"
    d.mkdir(mode=0o700, exist_ok=True)
    return d


def _file(code: str) -> Path:
    return _dir() / (hashlib.sha256(code.encode()).hexdigest() + ".json")


def _forget_expired(now: float) -> None:
    for f in _dir().glob("*.json"):
        try:
            if json.loads(f.read_text())["expires"] < now:
                f.unlink(missing_ok=True)
        except (OSError, ValueError, KeyError):
            f.unlink(missing_ok=True)


def issue(token: str, kiosk: str, post: str) -> tuple[str, float]:
    """A fresh 6-digit code for this token -> (code, expires as a UNIX time)."""
    now = time.time()
    _forget_expired(now)
    while True:
        code = f"{secrets.randbelow(10**6):06d}"
        path = _file(code)
        if not path.exists():
            break
    data = json.dumps({"token": token, "kiosk": kiosk, "post": post, "expires": now + VALID_S})
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(data)
    return code, now + VALID_S


def claim(code: str) -> dict | None:
    """The pairing for `code`, used up now; None when unknown or expired."""
    path = _file(code)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    path.unlink(missing_ok=True)
    return data if data.get("expires", 0) >= time.time() else None


def public_url(request) -> str:
    """The address phones reach the server at: COMMUNITY_PUBLIC_URL, else the address the kiosk used."""
    return getattr(settings, "PUBLIC_URL", "") or request.build_absolute_uri("/").rstrip("/")


class PairIn(Schema):
    protocol: int = protocol.PROTOCOL_VERSION
    code: str = Field(pattern=r"^[0-9]{6}$")


@router.post("", summary="Trade a 6-digit pairing code (add-kiosk --pairing) for the kiosk's token, once")
def pair(request, body: PairIn):
    wait = TRIES.take(client_ip(request) or "")
    if wait:
        response = _error(429, "throttled", "too many pairing attempts; try again later")
        response["Retry-After"] = str(math.ceil(wait))
        return response
    found = claim(body.code)
    if found is None:
        return _error(404, "not_found", "unknown or expired pairing code")
    return {"protocol": protocol.PROTOCOL_VERSION, "token": found["token"], "kiosk": found["kiosk"],
            "post": found["post"], "public_url": public_url(request)}
