"""`kiosk intent` as installers and scripts use it: a real process, stdin lines → JSON lines."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import ROOT


def kiosk(*args: str, stdin: bytes) -> subprocess.CompletedProcess:
    env = {**os.environ, "KIOSK_CONFIG": os.devnull}
    return subprocess.run([sys.executable, "-m", "kiosk.cli", *args], input=stdin, capture_output=True,
                          cwd=ROOT, env=env, timeout=60)


def test_one_json_object_per_line_with_text_intent_score():
    lines = ["我 家 燃起 快 没 了，帮 我 充 一下", "现在几点了", "", "想找人陪真去医院", "是的"]
    r = kiosk("intent", "--dialogue", stdin="\n".join(lines).encode() + b"\n")
    assert r.returncode == 0, r.stderr
    out = [json.loads(x) for x in r.stdout.decode("utf-8").splitlines()]
    assert [o["text"] for o in out] == lines
    assert [o["intent"] for o in out] == ["gas_recharge", None, None, "medical_escort", None]
    assert out[0]["heard"] == "我家燃起快没了帮我充一下"
    assert out[0]["score"] >= 0.78 > out[1]["score"]
    assert out[4]["dialogue"] == "yes"


def test_non_utf8_input_is_one_clear_error_line():
    r = kiosk("intent", stdin=b"\xff\xfe\n")
    assert r.returncode == 1
    assert r.stderr.decode().strip().splitlines() == ["kiosk: error: input line 1 is not UTF-8 text"]


def test_help():
    r = kiosk("intent", "--help", stdin=b"")
    assert r.returncode == 0 and b"JSON" in r.stdout


def test_a_near_tie_reports_the_two_to_ask_between_and_two_requests_report_also():
    lines = ["煤气没有了做不成饭了", "帮我充一下燃气，还有帮我买点菜", "我吃过了，没事"]
    r = kiosk("intent", stdin="\n".join(lines).encode() + b"\n")
    assert r.returncode == 0, r.stderr
    tie, two, fine = (json.loads(x) for x in r.stdout.decode("utf-8").splitlines())
    assert tie["intent"] is None and tie["reason"] == "tie" and tie["ask"] == ["gas_recharge", "meal_delivery"]
    assert two["intent"] == "gas_recharge" and two["also"] == "shopping" and "ask" not in two
    assert fine["intent"] is None and "ask" not in fine and "also" not in fine
