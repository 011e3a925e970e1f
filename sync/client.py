"""The kiosk's one API client: sync (outbox batches, status updates, heartbeat, set-aside reports, the post's
learned phrases) and lessons.

Only the server's explicit per-item acknowledgement (protocol.ACK_STATUSES in a well-formed JSON answer)
counts as success. Anything else — refused connection, timeout, 5xx, a captive portal's 200 HTML page,
JSON of the wrong shape — leaves the items pending with exponential backoff and a loud last_error.
Batches are sized by their encoded bytes under protocol.MAX_BODY_BYTES; a 413 halves the batch.
"""

from __future__ import annotations

import email.utils
import logging
import threading
import time
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter

from assets.texts import t
from sync import protocol
from sync.lessons import Lesson, LessonError, save_downloaded
from sync.outbox import Outbox

log = logging.getLogger(__name__)

POLL_S = 0.4          # the kiosk learns of a finished practice within about half a second


class ApiError(Exception):
    """The server could not be asked or did not answer usably; the message is Chinese, for screen and log."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class TransportError(ApiError):
    """No usable answer; retry later. `retry_after` in seconds when the server asked for it."""


class NotFound(TransportError):
    """404: the server has no such thing (a lesson, a practice token)."""


class BatchRefused(ApiError):
    """413/400/422 for the whole batch: split it; a single item refused this way is rejected."""


LessonsClientError = ApiError   # what the lesson screens catch


def _retry_after(resp) -> float | None:
    value = resp.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


class ApiClient:
    """One HTTP session to the community server and one reading of its answers (status codes, envelope)."""

    def __init__(self, url: str, token: str, *, timeout: float = 10.0):
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.session = requests.Session()
        self.session.mount("http://", HTTPAdapter(pool_connections=1, pool_maxsize=2, max_retries=0))
        self.session.mount("https://", HTTPAdapter(pool_connections=1, pool_maxsize=2, max_retries=0))
        self.session.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/json",
                                     "User-Agent": "xingfu-kiosk/1"})

    def _call(self, method: str, path: str, **kw) -> dict:
        try:
            resp = self.session.request(method, self.url + path, timeout=(min(5.0, self.timeout), self.timeout), **kw)
        except requests.Timeout:
            raise TransportError(t("client.timeout", seconds=f"{self.timeout:g}")) from None
        except requests.RequestException as exc:
            log.info("%s %s: %r", method, path, exc)
            raise TransportError(t("client.unreachable")) from None
        if resp.status_code in (401, 403):
            raise TransportError(t("client.token_refused", status=resp.status_code))
        try:
            body = resp.json() if resp.headers.get("Content-Type", "").startswith("application/json") else None
        except ValueError:
            body = None
        ours = isinstance(body, dict) and body.get("protocol") is not None
        if resp.status_code == 404 and ours:
            raise NotFound(t("client.not_found"))
        if resp.status_code in (400, 413, 422):
            if ours and body.get("error") == "protocol":   # a newer server: the kiosk needs an update, not rejections
                raise TransportError(t("client.protocol_differs", detail=body.get("detail")))
            if ours or resp.status_code == 413:            # 413 from a proxy too: smaller batches help
                raise BatchRefused(f"HTTP {resp.status_code}: {resp.text[:300]}")
            raise TransportError(t("client.not_ours", status=resp.status_code))
        if resp.status_code == 429:
            raise TransportError(t("client.too_often"), _retry_after(resp))
        if resp.status_code >= 300 or resp.status_code < 200:
            raise TransportError(t("client.server_error", status=resp.status_code), _retry_after(resp))
        if not resp.headers.get("Content-Type", "").startswith("application/json"):
            raise TransportError(t("client.not_json", status=resp.status_code,
                                   content_type=resp.headers.get("Content-Type", "?")))
        if body is None:
            raise TransportError(t("client.bad_json"))
        if not isinstance(body, dict) or body.get("protocol") != protocol.PROTOCOL_VERSION:
            raise TransportError(t("client.wrong_protocol"))
        return body


    def find_requests(self, phone_tail: str, building: str, unit: str, room: str) -> list[dict]:
        """The post's requests matching the phone's last four digits and the door (server/api/find.py):
        [{"receipt", "category", "state", "state_label"}]; TransportError when the server cannot answer."""
        body = self._call("GET", protocol.FIND_PATH, params={"phone_tail": phone_tail, "building": building,
                                                              "unit": unit, "room": room})
        found = body.get("matches")
        if not isinstance(found, list):
            raise TransportError(t("client.no_matches"))
        return [{k: str(m.get(k, "")) for k in ("receipt", "category", "state", "state_label")}
                for m in found if isinstance(m, dict)]


    def lookup_receipt(self, receipt: str) -> dict | None:
        """The post's request with this code, asked of the server (server/api/find.py): {"receipt", "category",
        "state", "state_label", "public_note"} or None; TransportError when the server cannot answer."""
        body = self._call("GET", protocol.LOOKUP_PATH, params={"receipt": receipt})
        found = body.get("matches")
        if not isinstance(found, list):
            raise TransportError(t("client.no_matches"))
        for m in found:
            if isinstance(m, dict):
                return {k: str(m.get(k, "")) for k in ("receipt", "category", "state", "state_label", "public_note")}
        return None


def pair(url: str, code: str, timeout: float = 10.0) -> dict:
    """Trade a pairing code (community-server add-kiosk --pairing) for {"token", "kiosk", "post", "public_url"}."""
    client = ApiClient(url, "", timeout=timeout)
    client.session.headers.pop("Authorization", None)
    try:
        body = client._call("POST", protocol.PAIR_PATH, json={"protocol": protocol.PROTOCOL_VERSION, "code": code})
    except NotFound:
        raise TransportError(t("client.pairing_code_wrong")) from None
    if not all(isinstance(body.get(k), str) and body.get(k) for k in ("token", "kiosk", "public_url")):
        raise TransportError(t("client.no_token_answered"))
    return body


class SyncClient(ApiClient):
    def __init__(self, outbox: Outbox, url: str, token: str, *, timeout: float = 10.0,
                 batch_size: int = 100, heartbeat_info=None, max_body_bytes: int = protocol.MAX_BODY_BYTES,
                 learned=None, on_public_url=None):
        super().__init__(url, token, timeout=timeout)
        self.outbox = outbox
        self.on_public_url = on_public_url   # (url) -> None: the server's public address, from each heartbeat answer
        self.learned = learned   # sync.learned.LearnedPhrases, or None: this kiosk does not fetch them
        self.batch_size = max(1, min(batch_size, protocol.MAX_BATCH_ITEMS))
        self.max_body_bytes = min(max_body_bytes, protocol.MAX_BODY_BYTES)
        self.heartbeat_info = heartbeat_info or (lambda: {})

    def _post_items(self, encoded: list[bytes]) -> dict:
        return self._call("POST", protocol.SUBMIT_PATH, data=protocol.submit_body(encoded),
                          headers={"Content-Type": "application/json"})

    def _fit(self, items: list[dict]) -> tuple[list[dict], list[bytes]]:
        """The longest prefix of `items` whose submit body stays within the byte limit (at least one item)."""
        encoded, total = [], protocol.SUBMIT_OVERHEAD
        for item in items:
            e = protocol.encode(item)
            total += len(e) + (1 if encoded else 0)
            if encoded and total > self.max_body_bytes:
                break
            encoded.append(e)
        return items[:len(encoded)], encoded

    # -- one round --------------------------------------------------------------------
    def send(self, *, force: bool = False, totals: dict | None = None) -> dict[str, int]:
        """Send every due item, batch after batch, until none is due or the server cannot be reached.
        Counts go into `totals` as each batch is acknowledged, so a round that fails later still reports them."""
        totals = {"sent": 0, "duplicates": 0, "rejected": 0} if totals is None else totals
        size = self.batch_size
        while True:
            items, encoded = self._fit(self.outbox.due(size, force=force))
            if not items:
                return totals
            if len(items) == 1 and protocol.SUBMIT_OVERHEAD + len(encoded[0]) > self.max_body_bytes:
                n = self.outbox.record_results([{"uuid": items[0]["uuid"], "status": protocol.REJECTED,
                                                 "reason": t("client.item_too_big", size=len(encoded[0]),
                                                             limit=self.max_body_bytes)}])
                totals["rejected"] += n["rejected"]
                continue
            try:
                data = self._post_items(encoded)
            except BatchRefused as exc:
                if len(items) > 1:
                    size = max(1, len(items) // 2)
                    continue
                n = self.outbox.record_results([{"uuid": items[0]["uuid"], "status": protocol.REJECTED,
                                                 "reason": t("client.refused", reason=exc)}])
                totals["rejected"] += n["rejected"]
                continue
            except TransportError as exc:
                self.outbox.record_failure([i["uuid"] for i in items], str(exc), retry_after=exc.retry_after)
                raise
            sent = {i["uuid"] for i in items}
            results = [r for r in data.get("results") or [] if isinstance(r, dict) and r.get("uuid") in sent
                       and r.get("status") in protocol.RESULT_STATUSES]
            n = self.outbox.record_results(results)
            for k in ("sent", "duplicates", "rejected"):
                totals[k] += n[k]
            answered = {r["uuid"] for r in results}
            if answered != sent:   # never drop silently: unanswered items wait and retry
                self.outbox.record_failure(sorted(sent - answered), t("client.some_unanswered"))
                if not answered:
                    raise TransportError(t("client.none_answered"))
                return totals

    def report_set_aside(self) -> int:
        """Tell the server about outbox rows that could not be read (sync/outbox.py sets them aside), so a
        cadre sees each receipt code in the post's inbox. Returns how many the server took. A report the
        server rejects stays unreported and is logged: it is the only trace of a resident's request."""
        items, skip = [], []
        for row in self.outbox.set_aside():
            if row.get("reported"):
                continue
            item = protocol.set_aside_report(row) if row.get("kind") in (None, "", "request") else None
            (items.append(item) if item else skip.append(row.get("uuid")))
        if skip:   # lesson progress has no resident to call back; a row without a readable uuid has nothing
            log.error("set-aside rows not reported (not a request, or no readable uuid): %r", skip)
            self.outbox.mark_set_aside_reported(skip)
        done = 0
        while items:
            batch, encoded = self._fit(items[:protocol.MAX_BATCH_ITEMS])
            data = self._post_items(encoded)
            sent = {i["uuid"] for i in batch}
            results = [r for r in data.get("results") or [] if isinstance(r, dict) and r.get("uuid") in sent]
            ok = [r["uuid"] for r in results if protocol.is_ack(r)]
            for r in results:
                if not protocol.is_ack(r):
                    log.error("set-aside report %s refused by the server: %s", r.get("uuid"), r.get("reason"))
            if ok:
                self.outbox.mark_set_aside_reported(ok)
            done += len(ok)
            if len(results) < len(batch):
                raise TransportError(t("client.set_aside_unanswered"))
            items = items[len(batch):]
        return done

    def pull_updates(self) -> int:
        n = 0
        while True:
            data = self._call("GET", protocol.UPDATES_PATH, params={"after": self.outbox.cursor,
                                                                    "limit": protocol.UPDATES_PAGE})
            events = [e for e in data.get("events") or [] if isinstance(e, dict) and isinstance(e.get("uuid"), str)
                      and e.get("state") in protocol.STATES and isinstance(e.get("public_note", ""), str)]
            cursor = data.get("cursor")
            if not isinstance(cursor, int) or cursor < self.outbox.cursor:
                raise TransportError(t("client.bad_cursor"))
            n += self.outbox.apply_updates(events, cursor)
            if not data.get("more"):
                return n

    def pull_phrases(self) -> int:
        """The post's learned phrases (catalog additions), stored when newer than the kiosk's. -> new version
        or 0 when nothing changed."""
        if self.learned is None:
            return 0
        try:
            data = self._call("GET", protocol.PHRASES_PATH, params={"after": self.learned.version})
        except NotFound:   # a server from before the learning loop: nothing to learn, the round goes on
            return 0
        try:
            return data["version"] if self.learned.update(data) else 0
        except ValueError as exc:
            raise TransportError(t("client.bad_phrases", reason=exc)) from None

    def heartbeat(self) -> None:
        c = self.outbox.counts()
        clamp = lambda v: None if v is None else min(max(0, int(v)), protocol.MAX_COUNT)  # noqa: E731
        body = {"protocol": protocol.PROTOCOL_VERSION, "queue_length": clamp(c["pending"]),
                "oldest_queued_s": clamp(c["oldest_pending_s"]), "rejected": clamp(c["rejected"]),
                **self.heartbeat_info()}
        answer = self._call("POST", protocol.HEARTBEAT_PATH, json=body)
        errors = protocol.validate_heartbeat_answer(answer)
        if errors:   # the round's work is done; an address the kiosk cannot use is not kept
            log.warning("heartbeat answer not kept: %s", errors)
        elif answer.get("public_url") and self.on_public_url is not None:
            self.on_public_url(answer["public_url"])

    def run_once(self, *, force: bool = True) -> dict:
        """One full round: send, report set-aside rows, pull updates, heartbeat. -> counts for `kiosk sync`."""
        out = {"sent": 0, "duplicates": 0, "rejected": 0, "updates": 0, "set_aside_reported": 0, "phrases": 0,
               "error": ""}
        if not self.token:
            out["error"] = t("client.no_token")
            self.outbox.note_error(out["error"])
        else:
            try:
                self.send(force=force, totals=out)
                if out["sent"] or out["duplicates"]:
                    self.outbox.checkpoint()   # no old copies of purged personal data left in the WAL
                out["set_aside_reported"] = self.report_set_aside()
                if self.outbox.forget_set_aside():
                    self.outbox.checkpoint()
                out["updates"] = self.pull_updates()
                out["phrases"] = self.pull_phrases()
                self.heartbeat()
                if self.outbox.reset_backoff():   # the server is back: send what waited in backoff now
                    self.send(totals=out)
                self.outbox.mark_synced()
            except ApiError as exc:
                out["error"] = str(exc)
                self.outbox.note_error(str(exc))
                log.warning("sync: %s", exc)
        c = self.outbox.counts()
        out["pending"] = c["pending"]
        out["rejected_total"] = c["rejected"]
        return out


class LessonsClient(ApiClient):
    """Lessons through the same client: practice-pay tokens, practice status, learner roster, lesson catalog.

    Progress and attendance do NOT go through here: they are queued in the durable outbox as kind
    "lesson_progress" (protocol.lesson_progress) and sent by the sync worker.
    """

    def __init__(self, url: str, token: str, *, timeout: float = 5.0):
        super().__init__(url, token, timeout=timeout)

    @classmethod
    def from_config(cls, cfg) -> LessonsClient:
        return cls(cfg["server"]["url"], cfg["server"]["token"], timeout=min(5.0, cfg["server"]["timeout_s"]))

    def _get(self, path: str, key: str, kind: type):
        value = self._call("GET", protocol.LESSONS_PATH + path).get(key)
        if not isinstance(value, kind):
            raise TransportError(t("client.unreadable_answer"))
        return value

    def new_practice(self, lesson_id: str) -> dict:
        """{"token", "path", "expires_at"}; the QR shows config.public_url + path."""
        data = self._call("POST", protocol.LESSONS_PATH + "/practice", json={"lesson_id": lesson_id})
        if not isinstance(data.get("path"), str) or not isinstance(data.get("token"), str):
            raise TransportError(t("client.unreadable_answer"))
        return data

    def practice_state(self, token: str) -> str:
        """new | scanned | done | expired"""
        return self._get(f"/practice/{token}", "state", str)

    def roster(self) -> list[dict]:
        return self._get("/roster", "learners", list)

    def sync_catalog(self, directory: Path, local: dict[str, Lesson]) -> list[str]:
        """Download lessons newer than `local` into `directory`; returns the ids updated.

        A lesson that fails validation is skipped (logged): the bundled one stays in use.
        """
        updated = []
        for entry in self._get("/catalog", "lessons", list):
            lid, version = entry.get("id"), entry.get("version")
            if not isinstance(lid, str) or not isinstance(version, int):
                continue
            if lid in local and local[lid].version >= version:
                continue
            try:
                save_downloaded(Path(directory), self._get(f"/catalog/{lid}", "lesson", dict))
            except LessonError as exc:
                log.warning("lesson %s from the server refused: %s", lid, exc)
                continue
            updated.append(lid)
        return updated


class PracticeWatcher:
    """Polls one practice token on a thread until it is done or expired; `on_state(state)` on each change.

    on_state runs on the watcher's thread: the kiosk hands it to Kivy's Clock.
    """

    def __init__(self, client: LessonsClient, token: str, on_state, *, interval: float = POLL_S):
        self.client, self.token, self.on_state, self.interval = client, token, on_state, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="practice-watch", daemon=True)

    def start(self) -> PracticeWatcher:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        last = None
        while not self._stop.is_set():
            try:
                state = self.client.practice_state(self.token)
            except ApiError as exc:
                state = "error:" + str(exc)
            if state != last and not self._stop.is_set():
                last = state
                self.on_state(state)
            if state in ("done", "expired"):
                return
            self._stop.wait(self.interval)


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


def from_config(config, outbox: Outbox, heartbeat_info=None, learned=None, on_public_url=None) -> SyncClient:
    s = config["server"]
    return SyncClient(outbox, s["url"], s["token"], timeout=s["timeout_s"], heartbeat_info=heartbeat_info,
                      learned=learned, on_public_url=on_public_url)
