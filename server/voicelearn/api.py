"""Kiosk API of the learned phrases (GET /api/v1/voice/phrases, kiosk bearer token), in the protocol's envelope.

GET phrases?after=N -> {protocol, version} when the kiosk's post is at version N, else (newer, or older after a
                       restored database)
                       {protocol, version, phrases: {category: [phrase]}, not_requests: [phrase]} (the whole set)
"""

from __future__ import annotations

from ninja import Query, Router, Schema

from server.api.auth import KioskAuth
from server.voicelearn.phrases import snapshot, version
from sync.protocol import PROTOCOL_VERSION

router = Router(auth=KioskAuth(), tags=["voice"])


class After(Schema):
    after: int = 0


@router.get("/phrases")
def phrases(request, q: Query[After]):
    post_id = request.auth.post_id
    current = version(post_id)
    if q.after == current:
        return {"protocol": PROTOCOL_VERSION, "version": current}
    return {"protocol": PROTOCOL_VERSION, **snapshot(post_id)}
