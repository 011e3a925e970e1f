"""查进度 by code for a request this kiosk never held (issue 15.2): given at another kiosk of the post, or by a
cadre who took it by phone (干部代录). The kiosk asks the server (GET /api/v1/kiosk/lookup), which answers for
the kiosk's own post only, with category and state."""

from __future__ import annotations

import json

from tests.sync.realserver import running
from tests.sync.test_cli import kiosk, write_config


def test_kiosk_status_finds_a_code_given_at_another_kiosk_of_the_post(tmp_path):
    with running(tmp_path / "srv") as srv:
        other_token = srv.cli_json("add-kiosk", "--post", "WJZ1", "--name", "二号终端")["token"]
        other = write_config(tmp_path / "other.toml", tmp_path / "other-data", srv.url, other_token)
        mine = write_config(tmp_path / "mine.toml", tmp_path / "mine-data", srv.url, srv.token)
        made = json.loads(kiosk(other, "submit", "--category", "gas_recharge", "--room", "502", "--json").stdout)
        kiosk(other, "sync", "--once")
        st = json.loads(kiosk(mine, "status", made["receipt"][-4:], "--json").stdout)
        assert st["receipt"] == made["receipt"] and st["category"] == "gas_recharge" and st["state"] == "received"
        absent = "0000" if not made["receipt"].endswith("0000") else "0001"
        r = kiosk(mine, "status", absent, check=False)
        assert r.returncode != 0 and "没有找到" in r.stderr
        # another post's kiosk never learns of it
        srv.cli("add-post", "--code", "QLZ2", "--name", "七里河社区")
        foreign = write_config(tmp_path / "f.toml", tmp_path / "f-data", srv.url,
                               srv.cli_json("add-kiosk", "--post", "QLZ2")["token"])
        r = kiosk(foreign, "status", made["receipt"], check=False)
        assert r.returncode != 0 and "没有找到" in r.stderr
