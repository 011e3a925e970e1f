"""Kind "utterance" of the kiosks' batch submit: a phrase not understood, stored once for the kiosk's post.

The item's schema is sync/protocol.py (validate_utterance), shared with the kiosk that builds it.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from server.voicelearn.models import Utterance
from sync import protocol


def handle_utterance(kiosk, item: dict) -> dict:
    uid = item.get("uuid") if isinstance(item.get("uuid"), str) else None
    errors = protocol.validate_utterance(item)
    if errors:
        return {"uuid": uid, "status": protocol.REJECTED, "fields": errors,
                "reason": "; ".join(f"{k}: {v}" for k, v in sorted(errors.items()))}
    uid = uid.lower()
    seen = Utterance.objects.filter(uuid=uid).only("text", "post_id").first()
    if seen is None:
        try:
            with transaction.atomic():
                Utterance.objects.create(uuid=uid, post_id=kiosk.post_id, kiosk=kiosk, text=item["text"],
                                         heard_at=protocol.parse_time(item["heard_at"]))
            return {"uuid": uid, "status": protocol.CREATED}
        except IntegrityError:   # the same item arrived twice at once
            seen = Utterance.objects.filter(uuid=uid).only("text", "post_id").first()
    if seen.text == item["text"] and seen.post_id == kiosk.post_id:
        return {"uuid": uid, "status": protocol.DUPLICATE}
    return {"uuid": uid, "status": protocol.CONFLICT, "reason": "同一编号的话内容不同（conflict）"}
