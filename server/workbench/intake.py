"""Requests a cadre takes by phone, on a home visit or at the desk (干部代录, issue 15.2).

They become ordinary requests: the same categories, deadlines, events and metrics as a kiosk's, and a receipt
code from the server's own issuing (server.api.kinds.free_receipt), unique among the post's live requests, so
the public /r/ page and a lookup by code find it like any other.
"""

from __future__ import annotations

import uuid as uuidlib

from django.db import IntegrityError, transaction
from django.utils import timezone

from server.api.kinds import free_receipt
from server.core.models import Channel, Request, RequestEvent, State
from server.workbench import audit
from sync import protocol


def take(actor, data: dict, *, http_request=None) -> Request:
    """Create the request from the entry form's cleaned data; returns it with its receipt code."""
    post = data["post"]
    channel = Channel(data["channel"])
    fields = {k: (data.get(k) or "").strip() for k in ("contact_name", "building", "unit", "room", "phone", "text")}
    digest = protocol.content_hash({"category": data["category"], "channel": channel.value,
                                    "name": fields["contact_name"], **fields})
    for _ in range(5):      # two cadres (or a kiosk) taking the same free code at once: draw again
        try:
            with transaction.atomic():
                now = timezone.now()
                code = free_receipt(post.pk, post.code)
                r = Request.objects.create(uuid=uuidlib.uuid4(), receipt=code, issued_receipt=code, post=post,
                                           category=data["category"], channel=channel, content_hash=digest,
                                           kiosk_created_at=now, received_at=now, updated_at=now, **fields)
                who = actor.get_full_name() or actor.username
                RequestEvent.objects.create(request=r, at=now, actor=actor, actor_label=who,
                                            to_state=State.RECEIVED, note=f"干部代录（{channel.label}）")
                audit.record(actor, "change", r, f"干部代录（{channel.label}）", http_request)
                return r
        except IntegrityError:
            continue
    raise RuntimeError("could not draw a free receipt code")
