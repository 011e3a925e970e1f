"""查进度 without the code, against the real `community-server serve`: `kiosk find` (a subprocess) finds a
request made at ANOTHER kiosk of the post by the phone's last four digits and the door; only category and
state come back; another post's requests never; the lookups are rate-limited; offline it answers from this
kiosk's own queue and says so (issue 13.1)."""

from __future__ import annotations

import json

import requests

from tests.sync.realserver import running
from tests.sync.test_cli import kiosk, write_config


def _find(cfg, tail, building, unit, room, check=True):
    return kiosk(cfg, "find", "--phone-tail", tail, "--building", building, "--unit", unit, "--room", room, "--json",
                 check=check)


def test_find_by_phone_tail_and_door_across_the_post(tmp_path):
    with running(tmp_path / "srv") as srv:
        other_token = srv.cli_json("add-kiosk", "--post", "WJZ1", "--name", "二号终端")["token"]
        other = write_config(tmp_path / "other.toml", tmp_path / "other-data", srv.url, other_token)
        mine = write_config(tmp_path / "mine.toml", tmp_path / "mine-data", srv.url, srv.token)
        made = json.loads(kiosk(other, "submit", "--category", "gas_recharge", "--name", "张奶奶", "--building", "3号楼",
                                "--unit", "2单元", "--room", "502", "--phone", "13912345678", "--json").stdout)
        kiosk(other, "submit", "--category", "shopping", "--building", "3号楼", "--unit", "2单元", "--room", "601",
              "--phone", "13912345678")                                  # same phone, another door: not shown
        kiosk(other, "sync", "--once")
        found = json.loads(_find(mine, "5678", "3", "2", "502").stdout)  # digits as a cadre types them
        assert found == [{"receipt": made["receipt"], "category": "gas_recharge", "state": "received"}]
        assert json.loads(_find(mine, "5678", "3号楼", "2单元", "502").stdout) == found   # labels as the kiosk sends
        assert json.loads(_find(mine, "0000", "3", "2", "502").stdout) == []
        # the answer carries no name and no phone
        body = requests.get(srv.url + "/api/v1/kiosk/find", params={"phone_tail": "5678", "building": "3",
                                                                    "unit": "2", "room": "502"},
                            headers={"Authorization": f"Bearer {srv.token}"}, timeout=10).text
        assert "张奶奶" not in body and "13912345678" not in body and "5678" not in body
        # another post's kiosk does not see this post's requests
        srv.cli("add-post", "--code", "QLZ2", "--name", "七里河社区")
        foreign = write_config(tmp_path / "f.toml", tmp_path / "f-data", srv.url,
                               srv.cli_json("add-kiosk", "--post", "QLZ2")["token"])
        assert json.loads(_find(foreign, "5678", "3", "2", "502").stdout) == []


def test_find_is_rate_limited_per_kiosk(tmp_path):
    with running(tmp_path / "srv") as srv:
        answers = [requests.get(srv.url + "/api/v1/kiosk/find",
                                params={"phone_tail": "1234", "building": "1", "unit": "1", "room": str(100 + i)},
                                headers={"Authorization": f"Bearer {srv.token}"}, timeout=10) for i in range(12)]
        codes = [a.status_code for a in answers]
        assert codes[0] == 200 and 429 in codes
        refused = answers[codes.index(429)]
        assert refused.json()["error"] == "throttled" and int(refused.headers["Retry-After"]) > 0
        bad = requests.get(srv.url + "/api/v1/kiosk/find", params={"phone_tail": "12x4", "room": "1"},
                           headers={"Authorization": f"Bearer {srv.token}"}, timeout=10)
        assert bad.status_code == 422 and bad.json()["protocol"] == 1


def test_offline_find_checks_only_this_kiosks_own_requests(tmp_path):
    cfg = write_config(tmp_path / "k.toml", tmp_path / "data")            # no server listening
    made = json.loads(kiosk(cfg, "submit", "--category", "home_repair", "--building", "1号楼", "--unit", "1单元",
                            "--room", "301", "--phone", "09318881234", "--json").stdout)
    r = _find(cfg, "1234", "1", "1", "301")
    assert json.loads(r.stdout) == [{"receipt": made["receipt"], "category": "home_repair", "state": "queued"}]
    assert "只查了本机" in r.stderr
