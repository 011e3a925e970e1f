"""The phone status page behind a receipt's QR code: /r/<code>[?u=<uuid>] -> category and state in words.

No login and no personal data: only what the resident could hear at the kiosk anyway. The QR may carry
the request's uuid, so after a receipt clash between two kiosks of one post each resident sees their own.
"""

from __future__ import annotations

import uuid as uuidlib

from django.db.models import Q
from django.shortcuts import render

from server.core.models import Request
from sync import protocol
from sync.catalog import default_catalog


def find(code: str, uid: str = "") -> Request | None:
    m = protocol.RECEIPT_RE.match(code)
    if not m:
        return None
    qs = Request.objects.select_related("post").filter(post__code=m.group(1)).filter(Q(receipt=code) | Q(issued_receipt=code))
    if uid:
        try:
            r = qs.filter(uuid=uuidlib.UUID(uid)).first()
        except ValueError:
            r = None
        if r is not None:
            return r
    # The current code first; else the code a kiosk gave before the server renumbered it.
    return qs.filter(receipt=code).first() or qs.order_by("-received_at").first()


def receipt_page(request, code: str):
    code = code.strip().upper()
    r = find(code, request.GET.get("u", ""))
    if r is None:
        return render(request, "api/receipt.html", {"code": code, "found": False}, status=404)
    cat = default_catalog()
    return render(request, "api/receipt.html", {
        "code": code, "found": True, "category": cat.get(r.category).label if r.category in cat else r.category,
        "state": protocol.STATE_LABELS.get(r.state, r.state), "public_note": r.public_note, "post": r.post.name,
        "updated_at": r.updated_at, "receipt": r.receipt})
