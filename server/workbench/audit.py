"""The audit log of who saw and changed personal data (issue 7, security)."""

from __future__ import annotations

from server.workbench.models import AuditLog


def client_ip(http_request) -> str | None:
    return http_request.META.get("REMOTE_ADDR") or None if http_request is not None else None


def record(user, action: str, request=None, detail: str = "", http_request=None) -> None:
    AuditLog.objects.create(user=user if user is not None and user.is_authenticated else None, action=action,
                            request=request, detail=detail[:300], ip=client_ip(http_request))
