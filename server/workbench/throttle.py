"""Login throttle: too many failures for one user name or from one address lock logins for a while."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from server.workbench.models import LoginFailure

WINDOW = timedelta(minutes=15)
MAX_PER_USERNAME = 5
MAX_PER_IP = 20


def locked(username: str, ip: str | None) -> bool:
    since = timezone.now() - WINDOW
    recent = LoginFailure.objects.filter(at__gte=since)
    if recent.filter(username=username.strip().lower()).count() >= MAX_PER_USERNAME:
        return True
    return bool(ip) and recent.filter(ip=ip).count() >= MAX_PER_IP


def failed(username: str, ip: str | None) -> None:
    LoginFailure.objects.create(username=username.strip().lower()[:150], ip=ip)
    LoginFailure.objects.filter(at__lt=timezone.now() - 4 * WINDOW).delete()   # keep the table small


def succeeded(username: str) -> None:
    LoginFailure.objects.filter(username=username.strip().lower()).delete()


class Bucket:
    """Per-address token bucket in this process (waitress serves from one process): `burst` hits at once, then
    one more every `every` seconds. Used where a guess costs nothing, e.g. status codes on /r/ (issue 11.3)."""

    def __init__(self, burst: int, every: float):
        import threading

        self.burst, self.every = burst, every
        self._state: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self._state.clear()

    def take(self, key: str) -> float:
        """0 when allowed; else the seconds until the next hit is allowed."""
        import time

        now = time.monotonic()
        with self._lock:
            tokens, at = self._state.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - at) / self.every)
            if tokens >= 1:
                self._state[key] = (tokens - 1, now)
                wait = 0.0
            else:
                self._state[key] = (tokens, now)
                wait = (1 - tokens) * self.every
            if len(self._state) > 10_000:      # forget addresses that are full again
                full = [k for k, (t, a) in self._state.items() if t + (now - a) / self.every >= self.burst]
                for k in full:
                    del self._state[k]
        return wait
