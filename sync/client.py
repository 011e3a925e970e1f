"""Sync client: sends the outbox in batches, pulls status changes, reports a heartbeat.

Only the server's explicit per-item acknowledgement (protocol.ACK_STATUSES in a well-formed JSON answer)
counts as success. Anything else — refused connection, timeout, 5xx, a captive portal's 200 HTML page,
JSON of the wrong shape — leaves the items pending with exponential backoff and a loud last_error.
"""

from __future__ import annotations

import email.utils
import logging
import threading
import time
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter

from sync import protocol
from sync.outbox import Outbox

log = logging.getLogger(__name__)


class TransportError(Exception):
    """No usable answer; retry later. `retry_after` in seconds when the server asked for it."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class BatchRefused(Exception):
    """413/400/422 for the whole batch: split it; a single item refused this way is rejected."""


def _retry_after(resp) -> float | None:
    value = resp.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


class SyncClient:
    def __init__(self, outbox: Outbox, url: str, token: str, *, timeout: float = 10.0,
                 batch_size: int = 100, heartbeat_info=None):
        self.outbox = outbox
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.batch_size = max(1, min(batch_size, protocol.MAX_BATCH_ITEMS))
        self.heartbeat_info = heartbeat_info or (lambda: {})
        self.session = requests.Session()
        self.session.mount("http://", HTTPAdapter(pool_connections=1, pool_maxsize=2, max_retries=0))
        self.session.mount("https://", HTTPAdapter(pool_connections=1, pool_maxsize=2, max_retries=0))
        self.session.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/json",
                                     "User-Agent": "xingfu-kiosk-sync/1"})

    # -- HTTP -----------------------------------------------------------------------
    def _call(self, method: str, path: str, **kw) -> dict:
        try:
            resp = self.session.request(method, self.url + path, timeout=(min(5.0, self.timeout), self.timeout), **kw)
        except requests.Timeout:
            raise TransportError(f"服务器无应答（超时 {self.timeout:g} 秒）") from None
        except requests.RequestException as exc:
            raise TransportError(f"连不上服务器：{exc.__class__.__name__}") from None
        if resp.status_code in (401, 403):
            raise TransportError(f"服务器拒绝了本终端的令牌（HTTP {resp.status_code}）：请在服务器上重新登记终端")
        if resp.status_code in (400, 413, 422):
            try:
                body = resp.json()
            except ValueError:
                body = None
            ours = isinstance(body, dict) and body.get("protocol") is not None
            if ours and body.get("error") == "protocol":   # a newer server: the kiosk needs an update, not rejections
                raise TransportError(f"服务器的协议版本不同，请升级终端软件（{body.get('detail')}）")
            if ours or resp.status_code == 413:            # 413 from a proxy too: smaller batches help
                raise BatchRefused(f"HTTP {resp.status_code}: {resp.text[:300]}")
            raise TransportError(f"收到的不是社区服务器的回答（HTTP {resp.status_code}）")
        if resp.status_code >= 300 or resp.status_code < 200:
            raise TransportError(f"服务器出错（HTTP {resp.status_code}）", _retry_after(resp))
        if not resp.headers.get("Content-Type", "").startswith("application/json"):
            raise TransportError(f"收到的不是社区服务器的回答（HTTP {resp.status_code} "
                                 f"{resp.headers.get('Content-Type', '?')}，可能是上网认证页面）")
        try:
            data = resp.json()
        except ValueError:
            raise TransportError("服务器的回答无法解读（JSON 损坏）") from None
        if not isinstance(data, dict) or data.get("protocol") != protocol.PROTOCOL_VERSION:
            raise TransportError("服务器的回答格式不对（协议版本不符）")
        return data

    # -- one round --------------------------------------------------------------------
    def send(self, *, force: bool = False) -> dict[str, int]:
        """Send every due item, batch after batch, until none is due or the server cannot be reached."""
        totals = {"sent": 0, "duplicates": 0, "rejected": 0}
        size = self.batch_size
        while True:
            items = self.outbox.due(size, force=force)
            if not items:
                return totals
            try:
                data = self._call("POST", protocol.SUBMIT_PATH,
                                  json={"protocol": protocol.PROTOCOL_VERSION, "items": items})
            except TransportError as exc:
                self.outbox.record_failure([i["uuid"] for i in items], str(exc), retry_after=exc.retry_after)
                raise
            except BatchRefused as exc:
                if len(items) > 1:
                    size = max(1, len(items) // 2)
                    continue
                n = self.outbox.record_results([{"uuid": items[0]["uuid"], "status": protocol.REJECTED,
                                                 "reason": f"服务器拒收：{exc}"}])
                totals["rejected"] += n["rejected"]
                continue
            sent = {i["uuid"] for i in items}
            results = [r for r in data.get("results") or [] if isinstance(r, dict) and r.get("uuid") in sent
                       and r.get("status") in protocol.RESULT_STATUSES]
            n = self.outbox.record_results(results)
            for k in totals:
                totals[k] += n[k]
            answered = {r["uuid"] for r in results}
            if answered != sent:   # never drop silently: unanswered items wait and retry
                self.outbox.record_failure(sorted(sent - answered), "服务器没有确认部分条目")
                if not answered:
                    raise TransportError("服务器没有确认任何条目")
                return totals

    def pull_updates(self) -> int:
        n = 0
        while True:
            data = self._call("GET", protocol.UPDATES_PATH, params={"after": self.outbox.cursor,
                                                                    "limit": protocol.UPDATES_PAGE})
            events = [e for e in data.get("events") or [] if isinstance(e, dict) and isinstance(e.get("uuid"), str)
                      and e.get("state") in protocol.STATE_LABELS and isinstance(e.get("public_note", ""), str)]
            cursor = data.get("cursor")
            if not isinstance(cursor, int) or cursor < self.outbox.cursor:
                raise TransportError("服务器的状态更新格式不对（cursor）")
            n += self.outbox.apply_updates(events, cursor)
            if not data.get("more"):
                return n

    def heartbeat(self) -> None:
        c = self.outbox.counts()
        body = {"protocol": protocol.PROTOCOL_VERSION, "queue_length": c["pending"],
                "oldest_queued_s": c["oldest_pending_s"], "rejected": c["rejected"], **self.heartbeat_info()}
        self._call("POST", protocol.HEARTBEAT_PATH, json=body)

    def run_once(self, *, force: bool = True) -> dict:
        """One full round: send, pull updates, heartbeat. -> counts for `kiosk sync --once`."""
        out = {"sent": 0, "duplicates": 0, "rejected": 0, "updates": 0, "error": ""}
        if not self.token:
            out["error"] = "未配置服务器令牌（[server] token）"
            self.outbox.note_error(out["error"])
        else:
            try:
                out.update(self.send(force=force))
                if out["sent"] or out["duplicates"]:
                    self.outbox.checkpoint()   # no old copies of purged personal data left in the WAL
                out["updates"] = self.pull_updates()
                self.heartbeat()
                if self.outbox.reset_backoff():   # the server is back: send what waited in backoff now
                    for k, v in self.send().items():
                        out[k] += v
                self.outbox.mark_synced()
            except (TransportError, BatchRefused) as exc:
                out["error"] = str(exc)
                self.outbox.note_error(str(exc))
                log.warning("sync: %s", exc)
        c = self.outbox.counts()
        out["pending"] = c["pending"]
        out["rejected_total"] = c["rejected"]
        return out


class SyncWorker:
    """Runs sync rounds in a background thread of the kiosk process; kick() after a new item."""

    def __init__(self, client: SyncClient, interval_s: float = 15.0):
        self.client = client
        self.interval_s = interval_s
        self._kick = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last: dict = {}

    def start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="sync", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._kick.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def kick(self) -> None:
        self._kick.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._kick.clear()
            try:
                self.last = self.client.run_once(force=False)
            except Exception:  # the worker must outlive any bug in one round
                log.exception("sync round failed")
            wait = self.interval_s
            due = self.client.outbox.next_due_in()
            if due is not None and not self.last.get("error"):
                wait = min(wait, max(due, 0.2))
            elif due is not None:
                wait = min(max(due, 1.0), 3600)
            self._kick.wait(wait)


def outbox_path(config) -> Path:
    return config.data_dir / "outbox.sqlite3"


def from_config(config, outbox: Outbox, heartbeat_info=None) -> SyncClient:
    s = config["server"]
    return SyncClient(outbox, s["url"], s["token"], timeout=s["timeout_s"], heartbeat_info=heartbeat_info)
