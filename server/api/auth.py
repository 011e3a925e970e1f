"""Bearer-token auth for kiosks: request.auth is the Kiosk. Unknown token 401, revoked token 403."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from ninja.security import HttpBearer

from server.core.models import Kiosk

LAST_SEEN_EVERY = timedelta(seconds=30)   # don't turn every read into a write


class KioskRevoked(Exception):
    pass


class KioskAuth(HttpBearer):
    def authenticate(self, request, token: str) -> Kiosk | None:
        kiosk = Kiosk.authenticate(token)
        if kiosk is None:
            return None
        if kiosk.revoked:
            raise KioskRevoked(kiosk.name)
        now = timezone.now()
        if kiosk.last_seen is None or now - kiosk.last_seen > LAST_SEEN_EVERY:
            Kiosk.objects.filter(pk=kiosk.pk).update(last_seen=now)
            kiosk.last_seen = now
        return kiosk
