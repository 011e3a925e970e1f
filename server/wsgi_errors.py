"""Waitress answers some requests itself, before Django sees them (a body over its hard limit, a request
line it cannot parse). Under /api/ those answers are the protocol's JSON envelope too, so a kiosk reads
every error the same way (issue 11.7); elsewhere waitress's own plain text stays."""

from __future__ import annotations

import json

from waitress.channel import HTTPChannel
from waitress.task import ErrorTask

from sync import protocol

CODES = {400: "bad_request", 413: "body_too_large", 431: "headers_too_large"}


class EnvelopeErrorTask(ErrorTask):
    def execute(self):
        path = getattr(self.request, "path", "") or ""
        if not path.startswith("/api/"):
            return super().execute()
        e = self.request.error
        body = json.dumps({"protocol": protocol.PROTOCOL_VERSION, "error": CODES.get(e.code, "bad_request"),
                           "detail": f"{e.reason}: {e.body}"}).encode()
        self.status = f"{e.code} {e.reason}"
        self.response_headers.append(("Content-Type", "application/json"))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


def install() -> None:
    HTTPChannel.error_task_class = EnvelopeErrorTask
