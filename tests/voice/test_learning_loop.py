"""The learning loop from the field (issue 14.4) on the real server: a kiosk does not understand a resident,
the words (scrubbed) go through the outbox, a cadre of the post labels them on 没听懂的话 over HTTP with a
logged-in session, and after the next sync the same kiosk understands them. Off by default; digits and names
never leave the kiosk; another post's cadre gets 404 and another post's kiosks learn nothing."""

from __future__ import annotations

import re
from types import SimpleNamespace

import requests

from assets.texts import section
from kiosk import config as kconfig
from kiosk.wiring import _wire_learning
from sync import protocol
from sync.catalog import default_catalog
from sync.client import SyncClient
from sync.learned import FILE_NAME, LearnedPhrases
from sync.outbox import Outbox
from tests.sync.realserver import running
from voice.dialogue import Dialogue
from voice.intents import IntentMatcher

UNPLACED = "我想给老伴办个那个本本"      # a welfare need in a resident's own words: not understood today
CHAT = "尕娃的作业不会写"                 # not a request at all
PRIVATE = "我叫王建国，电话一三九一二三四五六七八，老王让我来说屋里的暖壶坏了"
PASSWORD = "Zhuangshou-2026-lanzhou"


class Kiosk:
    """One kiosk as wiring.py builds it, without a window: outbox, learned phrases, sync client, matcher, dialogue."""

    def __init__(self, data, url: str, token: str, share: bool | None):
        voice = {} if share is None else {"share_unplaced": share}
        self.config = kconfig.parse({"server": {"url": url, "token": token}, "kiosk": {"data_dir": str(data)},
                                     "voice": voice})
        self.outbox = Outbox(data / "outbox.sqlite3", "WJZ1")
        self.learned = LearnedPhrases(data / FILE_NAME)
        self.services = SimpleNamespace(config=self.config, outbox=self.outbox, sync=None, learned=self.learned,
                                        share_unplaced=None)
        _wire_learning(self.services)
        self.client = SyncClient(self.outbox, url, token, learned=self.learned)
        catalog = default_catalog()
        self.known = {c.id for c in catalog.categories}
        self.matcher = IntentMatcher.from_catalog(catalog)
        self.dialogue = Dialogue(self.matcher, {c.id: c.label for c in catalog.categories}, section("voice"),
                                 unplaced=self.services.share_unplaced)

    def hear(self, text: str):
        """What the voice screen does with an utterance: the phrases learned so far first, then the dialogue."""
        assert self.learned.apply(self.matcher, self.known)
        self.dialogue.begin()
        return self.dialogue.heard(text)

    def sync(self) -> dict:
        out = self.client.run_once()
        assert out["error"] == "", out
        return out


def login(url: str, username: str) -> requests.Session:
    s = requests.Session()
    s.get(url + "/login/", timeout=10)
    r = s.post(url + "/login/", data={"username": username, "password": PASSWORD,
                                      "csrfmiddlewaretoken": s.cookies["csrftoken"]}, timeout=10)
    assert r.status_code == 200 and "sessionid" in s.cookies, r.text[:300]
    return s


def listed(session: requests.Session, url: str, show_all: bool = False) -> dict[str, int]:
    """text -> id of the utterances on the cadre's 没听懂的话 page."""
    r = session.get(url + "/w/utterances/" + ("?show=all" if show_all else ""), timeout=10)
    assert r.status_code == 200
    return {text: int(pk) for pk, text in re.findall(r'<tr id="u(\d+)">\s*<td lang="zh-CN"><strong>([^<]*)</strong>',
                                                        r.text)}


def label(session: requests.Session, url: str, pk: int, value: str) -> requests.Response:
    return session.post(f"{url}/w/utterances/{pk}/label", data={"label": value,
                                                                  "csrfmiddlewaretoken": session.cookies["csrftoken"]},
                        timeout=10, allow_redirects=False)


def test_not_understood_then_labelled_then_understood_after_the_next_sync(tmp_path):
    with running(tmp_path / "srv") as srv:
        srv.cli("add-post", "--code", "WJZ2", "--name", "二号阵地")
        other_token = srv.cli_json("add-kiosk", "--post", "WJZ2")["token"]
        srv.cli("add-user", "--username", "cadre1", "--password", PASSWORD, "--post", "WJZ1")
        srv.cli("add-user", "--username", "cadre2", "--password", PASSWORD, "--post", "WJZ2")
        kiosk = Kiosk(tmp_path / "k1", srv.url, srv.token, share=True)
        other = Kiosk(tmp_path / "k2", srv.url, other_token, share=True)

        # 1. not understood: asked again, and the words queued as an utterance
        step = kiosk.hear(UNPLACED)
        assert step.state == "retry" and step.start is None
        assert kiosk.hear(CHAT).state in ("retry", "fallback")
        queued = [i for i in kiosk.outbox.due(100) if i["kind"] == "utterance"]
        assert sorted(i["text"] for i in queued) == sorted([UNPLACED, CHAT])
        assert all(protocol.validate_utterance(i) == {} for i in queued)

        # 2. synced: acknowledged by the real server; nothing learned yet
        out = kiosk.sync()
        assert (out["sent"], out["rejected"], out["pending"], out["phrases"]) == (2, 0, 0, 0)

        # 3. labelled by a cadre of the post; another post's cadre neither sees nor labels it
        cadre = login(srv.url, "cadre1")
        waiting = listed(cadre, srv.url)
        assert set(waiting) == {UNPLACED, CHAT}
        stranger = login(srv.url, "cadre2")
        assert listed(stranger, srv.url, show_all=True) == {}
        assert label(stranger, srv.url, waiting[UNPLACED], "shopping").status_code == 404
        assert label(cadre, srv.url, waiting[UNPLACED], "not_a_category").status_code == 404
        assert label(cadre, srv.url, waiting[UNPLACED], "welfare_aid").status_code == 302
        assert label(cadre, srv.url, waiting[CHAT], protocol.NOT_REQUEST).status_code == 302
        assert listed(cadre, srv.url) == {}                         # nothing left to label
        assert set(listed(cadre, srv.url, show_all=True)) == {UNPLACED, CHAT}

        # 4. the next sync brings the phrases; the same kiosk understands the words at once
        out = kiosk.sync()
        assert out["phrases"] >= 2
        step = kiosk.hear(UNPLACED)
        assert step.state == "confirm" and kiosk.dialogue.intent == "welfare_aid"
        assert kiosk.dialogue.yes().start == "welfare_aid"
        assert kiosk.sync()["phrases"] == 0                          # unchanged: not fetched again
        assert kiosk.learned.not_requests == [CHAT]

        # kept in the kiosk's data dir: a restarted kiosk understands them before any sync
        restarted = Kiosk(tmp_path / "k1", srv.url, srv.token, share=True)
        assert restarted.hear(UNPLACED).state == "confirm" and restarted.dialogue.intent == "welfare_aid"

        # another post's kiosks learn nothing from this post's labels
        assert other.sync()["phrases"] == 0 and other.learned.phrases == {}
        assert other.hear(UNPLACED).state == "retry"

        # a relabel moves the phrase: the kiosk's matcher is rebuilt without the old category
        assert label(cadre, srv.url, waiting[UNPLACED], "health_service").status_code == 302
        kiosk.sync()
        assert not kiosk.learned.apply(kiosk.matcher, kiosk.known)   # the screen builds a fresh matcher
        fresh = IntentMatcher.from_catalog(default_catalog())
        assert kiosk.learned.apply(fresh, kiosk.known)
        assert fresh.match(UNPLACED).intent == "health_service"


def test_off_by_default_nothing_is_queued(tmp_path):
    kiosk = Kiosk(tmp_path, "http://127.0.0.1:9", "t", share=None)
    assert kconfig.SCHEMA["voice"]["share_unplaced"][0] is False
    assert kiosk.services.share_unplaced is None
    assert kiosk.hear(UNPLACED).state == "retry"
    assert kiosk.hear(PRIVATE).state in ("retry", "fallback")
    assert kiosk.outbox.due(100, force=True) == []
    assert kiosk.outbox.counts()["pending"] == 0


def test_digits_and_names_never_leave_the_kiosk(tmp_path):
    with running(tmp_path / "srv") as srv:
        srv.cli("add-user", "--username", "cadre1", "--password", PASSWORD, "--post", "WJZ1")
        kiosk = Kiosk(tmp_path / "k", srv.url, srv.token, share=True)
        assert kiosk.hear(PRIVATE).state == "retry"
        assert kiosk.hear("电话 139 1234 5678 小李家的阳台管管冻住了").state in ("retry", "fallback")
        queued = [i["text"] for i in kiosk.outbox.due(100)]
        assert len(queued) == 2
        raw = (tmp_path / "k" / "outbox.sqlite3").read_bytes()
        for secret in ("王建国", "老王", "小李", "一三九", "139", "5678"):
            assert all(secret not in q for q in queued), (secret, queued)
            assert secret.encode() not in raw
        assert "暖壶坏了" in queued[0] and "阳台管管冻住了" in queued[1]
        kiosk.sync()
        page = login(srv.url, "cadre1").get(srv.url + "/w/utterances/", timeout=10).text
        assert "暖壶坏了" in page and "阳台" in page
        for secret in ("王建国", "老王", "小李", "一三九", "139", "5678"):
            assert secret not in page


def test_the_server_refuses_figures_even_from_a_kiosk_that_did_not_scrub(tmp_path):
    with running(tmp_path / "srv") as srv:
        bad = {"kind": "utterance", "uuid": "5b7f6d2e-0a51-4c1e-9a35-7d2f1c3e4b5a", "text": "房间 402 灯不亮",
               "heard_at": "2026-11-29T04:00:00+08:00"}
        r = requests.post(srv.url + protocol.SUBMIT_PATH, json={"protocol": 1, "items": [bad]},
                          headers={"Authorization": f"Bearer {srv.token}"}, timeout=10)
        result = r.json()["results"][0]
        assert result["status"] == protocol.REJECTED and "text" in result["fields"]
        listing = requests.get(srv.url + protocol.PHRASES_PATH, headers={"Authorization": f"Bearer {srv.token}"},
                               timeout=10).json()
        assert listing == {"protocol": 1, "version": 0}   # nothing labelled: nothing to fetch


def test_kiosk_sync_on_the_command_line_fetches_the_learned_phrases_too(tmp_path):
    import json
    import os
    import subprocess
    import sys

    with running(tmp_path / "srv") as srv:
        srv.cli("add-user", "--username", "cadre1", "--password", PASSWORD, "--post", "WJZ1")
        kiosk = Kiosk(tmp_path / "k", srv.url, srv.token, share=True)
        kiosk.hear(UNPLACED)
        cfg = tmp_path / "k.toml"
        cfg.write_text(f'[server]\nurl = "{srv.url}"\ntoken = "{srv.token}"\n[kiosk]\ndata_dir = "{tmp_path / "k"}"\n',
                       encoding="utf-8")

        def cli_sync() -> dict:
            r = subprocess.run([sys.executable, "-m", "kiosk.cli", "sync", "--once", "--json"],
                               env={**os.environ, "KIOSK_CONFIG": str(cfg)}, capture_output=True, text=True, timeout=120)
            assert r.returncode == 0, r.stderr
            return json.loads(r.stdout)
        assert cli_sync()["sent"] == 1
        cadre = login(srv.url, "cadre1")
        assert label(cadre, srv.url, listed(cadre, srv.url)[UNPLACED], "welfare_aid").status_code == 302
        assert cli_sync()["phrases"] >= 1
        assert LearnedPhrases(tmp_path / "k" / FILE_NAME).phrases == {"welfare_aid": [UNPLACED]}
