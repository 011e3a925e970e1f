"""The phone status page behind a receipt's QR code: /r/<code>[?u=<uuid>] -> category and state in words.

No login and no personal data. The QR carries the request's uuid (the token): with it the resident sees
category, state, date and the cadre's vetted note; with a bare code the page says only category and state,
and bare lookups are rate-limited per address, so the 10,000 codes of a post cannot be walked (issue 11.3).
"""

from __future__ import annotations

import math
import uuid as uuidlib

from django.db.models import Q
from django.shortcuts import render

from server.core.models import Request
from server.workbench import privacy
from server.workbench.audit import client_ip
from server.workbench.throttle import Bucket
from sync import protocol
from sync.catalog import default_catalog

# A resident checks a few codes; a walk through a post's 10,000 codes at one every 30 s takes three days.
BARE_LOOKUPS = Bucket(burst=10, every=30.0)


def _codes(code: str):
    m = protocol.RECEIPT_RE.match(code)
    if not m:
        return None
    return Request.objects.select_related("post").filter(post__code=m.group(1)).filter(
        Q(receipt=code) | Q(issued_receipt=code))


def find(code: str, uid: str = "") -> Request | None:
    """The request the QR's uuid names, else the code's current holder (or the one a kiosk gave it before a
    renumbering)."""
    qs = _codes(code)
    if qs is None:
        return None
    return _own(qs, uid) or qs.filter(receipt=code).first() or qs.order_by("-received_at").first()


def _own(qs, uid: str) -> Request | None:
    try:
        return qs.filter(uuid=uuidlib.UUID(uid)).first() if uid else None
    except ValueError:
        return None


def receipt_page(request, code: str):
    code = code.strip().upper()
    qs = _codes(code)
    own = _own(qs, request.GET.get("u", "")) if qs is not None else None
    if own is None:
        wait = BARE_LOOKUPS.take(client_ip(request) or "")
        if wait:
            response = render(request, "api/receipt.html", {"code": code, "throttled": True}, status=429)
            response["Retry-After"] = str(math.ceil(wait))
            return response
    r = own or (find(code) if qs is not None else None)
    if r is None:
        return render(request, "api/receipt.html", {"code": code, "found": False}, status=404)
    cat = default_catalog()
    ctx = {"code": code, "found": True, "own": own is not None,
           "category": cat.get(r.category).label if r.category in cat else r.category,
           "state": protocol.STATE_LABELS.get(r.state, r.state)}
    if own is not None:
        # Saved notes are vetted (server.workbench.privacy); one written before that check is not shown.
        ctx.update(updated_at=r.updated_at, receipt=r.receipt,
                   public_note=r.public_note if privacy.is_clean(r.public_note) else "")
    return render(request, "api/receipt.html", ctx)
