"""The one rule for a post code, shared by the kiosk's config and the server's `add-post` (issue 11.6):
a code the server accepts is one the kiosk accepts, so its receipts (CODE-1234) can reach the server."""

from __future__ import annotations

import re

POST_CODE_RE = re.compile(r"[A-Z]{1,4}[0-9]{0,3}")
POST_CODE_RULE = "1-4 capital letters and up to 3 digits, e.g. WJZ1"


def valid_post_code(code: object) -> bool:
    return isinstance(code, str) and POST_CODE_RE.fullmatch(code) is not None


def is_loopback(url: str) -> bool:
    """An address only this machine reaches (127.x, localhost, ::1): a QR code with it opens on no phone."""
    from urllib.parse import urlparse

    host = (urlparse(url).hostname or "").lower()
    return host in ("localhost", "::1") or host.startswith("127.") or host == "0.0.0.0"
