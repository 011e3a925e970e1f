"""What the lesson screens share, kept in the App's services (services.lessons, built by kiosk.wiring), not in
globals: the lessons (bundled + downloaded), the lesson chosen, the class in progress, and progress recording.

Progress goes through the same durable outbox as requests: kind "lesson_progress".
"""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sync import protocol
from sync.bundle import installed_dir

if TYPE_CHECKING:
    from sync.lessons import Lesson

log = logging.getLogger(__name__)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class LessonService:
    def __init__(self, services):
        self.services = services
        self.config = services.config
        self.dir = self.config.data_dir / "lessons"
        self.bundle_dir = installed_dir(self.config.data_dir, "lessons")   # from a USB update (kiosk update)
        self._lessons: dict[str, Lesson] | None = None
        self.current: Lesson | None = None
        self.session: dict | None = None     # {uuid, lesson_id, started_at}
        self.present: list[dict] = []        # learners in the class: {uuid, name, building, unit, room}
        self._client = None
        self.praise = ""                     # said first on the lesson list after 学会了
        self.awaiting_results = False        # class over: the teacher marks who learned it

    @property
    def lessons(self) -> dict[str, Lesson]:
        """Read on first use, not when the services are built: the home screen is drawn first."""
        if self._lessons is None:
            from sync.lessons import load_lessons

            self._lessons = load_lessons(self.dir, self.bundle_dir)
        return self._lessons

    # -- server --------------------------------------------------------------
    @property
    def client(self):
        if self._client is None:
            from sync.client import LessonsClient

            self._client = LessonsClient.from_config(self.config)
        return self._client

    def lesson_url(self, lesson_id: str) -> str:
        return f"{self.config.public_url}/l/{lesson_id}"

    def practice_url(self, path: str) -> str:
        return self.config.public_url + path

    def refresh_catalog(self, done=None) -> None:
        """Download newer lessons in the background; `done(updated_ids)` on that thread."""
        def run():
            from sync.client import LessonsClientError

            try:
                updated = self.client.sync_catalog(self.dir, self.lessons)
            except LessonsClientError as exc:
                log.info("lesson catalog not refreshed: %s", exc)
                updated = []
            if updated:
                from sync.lessons import load_lessons

                self._lessons = load_lessons(self.dir, self.bundle_dir)
            if done:
                done(updated)
        threading.Thread(target=run, name="lesson-catalog", daemon=True).start()

    # -- choosing ------------------------------------------------------------
    def choose(self, lesson_id: str) -> Lesson:
        self.current = self.lessons[lesson_id]
        if self.session is not None and self.session["lesson_id"] != lesson_id:
            self.session = None
        return self.current

    # -- class ---------------------------------------------------------------
    def start_class(self, lesson_id: str, learners: list[dict]) -> dict:
        """Open a class session and queue one attendance item per learner present."""
        self.choose(lesson_id)
        self.session = {"uuid": str(uuid.uuid4()), "lesson_id": lesson_id, "started_at": _now()}
        self.present = [dict(x) for x in learners]
        self.awaiting_results = False
        for learner in self.present:
            self._enqueue("attended", learner)
        return self.session

    def end_class(self) -> None:
        self.session = None
        self.present = []
        self.awaiting_results = False

    # -- progress ------------------------------------------------------------
    def record(self, outcome: str, learners: list[dict] | None = None) -> int:
        """Queue `outcome` (finished | again | practice_ok) for the lesson shown: for each learner given,
        for the class when one is on, else for the anonymous resident at the kiosk. Returns items queued."""
        if self.current is None:
            return 0
        who = learners if learners is not None else (self.present if self.session else [None])
        for learner in who:
            self._enqueue(outcome, learner)
        return len(who)

    def _enqueue(self, outcome: str, learner: dict | None) -> None:
        outbox = self.services.outbox
        if outbox is None:
            log.warning("no outbox: lesson progress %s not recorded", outcome)
            return
        try:   # built through the protocol's schema: never queue what the server would refuse
            item = protocol.lesson_progress(lesson_id=self.current.id, outcome=outcome, at=_now(), learner=learner,
                                            session=self.session)
        except ValueError as exc:
            log.error("lesson progress %s not recorded: %s", outcome, exc)
            return
        outbox.enqueue("lesson_progress", item)
        if self.services.sync is not None:
            self.services.sync.kick()

