"""The protocol's error envelope {"protocol": 1, "error": code, "detail": words} for everything under /api/.

The API's own handlers answer with it; `ApiEnvelopeMiddleware` (server.settings) covers what Django or
Ninja answer before or around the API: a body over the protocol's byte limit (413, refused from its
Content-Length before anything reads it), an unknown path, a 500, and any plain-text or HTML error.
"""

from __future__ import annotations

import json
import logging

from django.http import HttpResponse, JsonResponse

from sync import protocol

log = logging.getLogger(__name__)

CODES = {400: "bad_request", 401: "bad_token", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
         413: "body_too_large", 415: "unsupported_media_type", 422: "invalid", 429: "too_many_requests",
         500: "server_error", 503: "unavailable"}
API_PATHS = ("/api/",)


def error(status: int, code: str | None, detail: str, **extra) -> JsonResponse:
    body = {"protocol": protocol.PROTOCOL_VERSION, "error": code or CODES.get(status, "error"), "detail": detail,
            **extra}
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def is_envelope(response: HttpResponse) -> bool:
    if not response.get("Content-Type", "").startswith("application/json") or getattr(response, "streaming", False):
        return False
    try:
        body = json.loads(response.content)
    except ValueError:
        return False
    return isinstance(body, dict) and "protocol" in body and "error" in body


def _detail(response: HttpResponse) -> str:
    """Keep Ninja's {"detail": "..."} words; never pass on an HTML page or a traceback."""
    if response.get("Content-Type", "").startswith("application/json"):
        try:
            detail = json.loads(response.content).get("detail")
            if isinstance(detail, str):
                return detail
        except (ValueError, AttributeError):
            pass
    return response.reason_phrase or "error"


class ApiEnvelopeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(API_PATHS):
            return self.get_response(request)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error(400, "bad_request", "Content-Length is not a number")
        if length > protocol.MAX_BODY_BYTES:
            return error(413, "body_too_large",
                         f"body of {length} bytes; at most {protocol.MAX_BODY_BYTES} (send smaller batches)")
        response = self.get_response(request)
        if response.status_code < 400 or is_envelope(response):
            return response
        wrapped = error(response.status_code, None, _detail(response))
        for header in ("Retry-After", "WWW-Authenticate", "Allow"):
            if header in response:
                wrapped[header] = response[header]
        return wrapped
