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
