"""Kiosk side of the lessons API: practice-pay tokens, practice status, learner roster, lesson catalog sync.

Progress and attendance do NOT go through here: they are queued in the durable outbox
(`services.outbox.enqueue("lesson_progress", payload)`) and sent by the sync worker.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import requests

from sync.lessons import Lesson, LessonError, save_downloaded
from sync.protocol import API_PREFIX

log = logging.getLogger(__name__)

BASE = API_PREFIX + "/lessons"
POLL_S = 0.4          # the kiosk learns of a finished practice within about half a second


class LessonsClientError(Exception):
    """The server could not be asked; the message is Chinese, for the screen."""


class LessonsClient:
    def __init__(self, url: str, token: str, *, timeout: float = 5.0):
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/json",
                                     "User-Agent": "xingfu-kiosk-lessons/1"})

    @classmethod
    def from_config(cls, cfg) -> LessonsClient:
        return cls(cfg["server"]["url"], cfg["server"]["token"], timeout=min(5.0, cfg["server"]["timeout_s"]))

    def _call(self, method: str, path: str, **kw):
        try:
            resp = self.session.request(method, self.url + BASE + path, timeout=self.timeout, **kw)
        except requests.RequestException:
            raise LessonsClientError("连不上社区服务器，请稍后再试。") from None
        if resp.status_code in (401, 403):
            raise LessonsClientError("社区服务器不认识这台终端，请驻守干部重新登记。")
        if resp.status_code == 404:
            raise LessonsClientError("社区服务器上没有找到这一项。")
        if resp.status_code != 200 or not resp.headers.get("Content-Type", "").startswith("application/json"):
            raise LessonsClientError(f"社区服务器出错了（{resp.status_code}），请稍后再试。")
        try:
            return resp.json()
        except ValueError:
            raise LessonsClientError("社区服务器的回答看不懂，请稍后再试。") from None

    def new_practice(self, lesson_id: str) -> dict:
        """{"token", "path", "expires_at"}; the QR shows config.public_url + path."""
        data = self._call("POST", "/practice", json={"lesson_id": lesson_id})
        if not isinstance(data, dict) or not isinstance(data.get("path"), str):
            raise LessonsClientError("社区服务器的回答看不懂，请稍后再试。")
        return data

    def practice_state(self, token: str) -> str:
        """new | scanned | done | expired"""
        return self._call("GET", f"/practice/{token}").get("state", "")

    def roster(self) -> list[dict]:
        return self._call("GET", "/roster")

    def sync_catalog(self, directory: Path, local: dict[str, Lesson]) -> list[str]:
        """Download lessons newer than `local` into `directory`; returns the ids updated.

        A lesson that fails validation is skipped (logged): the bundled one stays in use.
        """
        updated = []
        for entry in self._call("GET", "/catalog"):
            lid, version = entry.get("id"), entry.get("version")
            if not isinstance(lid, str) or not isinstance(version, int):
                continue
            if lid in local and local[lid].version >= version:
                continue
            try:
                save_downloaded(Path(directory), self._call("GET", f"/catalog/{lid}"))
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
            except LessonsClientError as exc:
                state = "error:" + str(exc)
            if state != last and not self._stop.is_set():
                last = state
                self.on_state(state)
            if state in ("done", "expired"):
                return
            self._stop.wait(self.interval)
