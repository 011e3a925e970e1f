"""The audit log of who saw and changed personal data (issue 7, security)."""

from __future__ import annotations

import ipaddress
import os

from server.workbench.models import AuditLog


def _trusted_proxies() -> set[str]:
    # Behind nginx/Caddy on this machine every request comes from the proxy; the proxy's X-Forwarded-For then
    # names the client (docs/security.md). Never trusted from anyone else: a client could write any address.
    return {a.strip() for a in os.environ.get("COMMUNITY_TRUSTED_PROXIES", "").split(",") if a.strip()}


def client_ip(http_request) -> str | None:
    """The client's address, for the audit log and the per-address throttles."""
    if http_request is None:
        return None
    addr = http_request.META.get("REMOTE_ADDR") or None
    if addr and addr in _trusted_proxies():
        forwarded = http_request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        try:
            return str(ipaddress.ip_address(forwarded))
        except ValueError:
            return addr
    return addr


def record(user, action: str, request=None, detail: str = "", http_request=None) -> None:
    AuditLog.objects.create(user=user if user is not None and user.is_authenticated else None, action=action,
                            request=request, detail=detail[:300], ip=client_ip(http_request))
