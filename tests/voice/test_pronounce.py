"""Every sentence the kiosk shows or speaks is read as Mandarin by the real espeak-ng (no letters, digits,
English): the text catalogue, the request catalog and the lessons, as written and as filled in at run time,
each passed through assets.texts.speakable() as KioskApp.say() does."""

from __future__ import annotations

import re
import string
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from assets import texts
from assets.texts import speakable, spoken_digits, spoken_phone, t
from kiosk import config
from sync.catalog import default_catalog
from sync.lessons import load_lessons
from sync.protocol import STATE_LABELS
from voice.pronounce import phonemes, problems, spoken_texts

DEFAULTS = config.parse({})
VOICE = DEFAULTS["voice"]["tts_voice"]

# Shown to the cadre on the admin screen, never spoken: a receipt code (WJZ1-0427), the sync error as
# logged, a timestamp, the configuration key that turned voice off, free disk in GB.
NOT_SPOKEN = {"admin.rejected_item", "admin.unreadable_item", "admin.last_error", "admin.last_sync",
              "admin.disk_free", "health.voice_off_detail", "slip.when", "slip.phone",   # slip: printed only
              "find.line", "find.chosen",   # shown; find.say_line is what is said
              "admin.pair_prompt", "admin.public_loopback",   # for the cadre, with a command and a setting name
              "admin.server_row",   # shown: a server found on the LAN and its address
              "slip.date",   # printed only
              # For the cadre at the admin screen or `kiosk sync`: an HTTP status, JSON, a field or setting name,
              # or the server's own words (a resident practising hears lesson.practice_failed, which names no cause).
              "client.token_refused", "client.protocol_differs", "client.not_ours", "client.server_error",
              "client.not_json", "client.bad_json", "client.wrong_protocol", "client.no_matches", "client.refused",
              "client.item_too_big", "client.bad_cursor", "client.bad_phrases",
              "client.no_token_answered",
              # A damaged row or queue file, for the cadre (admin screen, `kiosk queue`, the server's inbox).
              "outbox.unreadable", "outbox.damaged", "outbox.kept_as", "outbox.saved", "outbox.lost",
              # Testing with a recording instead of a microphone; the installer's model, speaker and voice faults
              # with the system's own error (a broken speaker cannot say its own fault).
              "microphone.wav_format", "microphone.not_wav", "microphone.too_short", "microphone.no_recording",
              "recognizer.no_model", "recognizer.load_failed", "tts.espeak_failed", "tts.no_voice",
              "tts.engine_failed", "tts.no_speaker",
              "config.file_header"}   # the head of `kiosk config --defaults`, a TOML comment
# Whole tables for the installer or the cadre at a terminal, never said: the `kiosk` command's output, signed
# update bundles, model download, a queue file from newer software, missing fonts, the systemd status line.
NOT_SPOKEN_TABLES = {"cli", "cmd_sync", "cmd_voice", "update", "bundle", "model_install", "outbox_schema", "fonts",
                     "watchdog"}


def _not_spoken(key: str) -> bool:
    return key in NOT_SPOKEN or key.split(".")[0] in NOT_SPOKEN_TABLES


def _check(texts_by_source: dict[str, list[str]]) -> list[str]:
    todo = sorted({(src, text) for src, ts in texts_by_source.items() for text in ts})
    with ThreadPoolExecutor(2) as pool:
        found = list(pool.map(lambda st: (st, problems(speakable(st[1]), VOICE)), todo))
    return [f"{src}: {text!r} (said {speakable(text)!r}): {'; '.join(p)}" for (src, text), p in found if p]


def test_the_kiosk_speaks_with_the_pinyin_voice():
    assert VOICE == "cmn-latn-pinyin"


def test_checker_catches_letters_digits_and_english():
    assert problems("请扫码 A1") and "A1" in problems("请扫码 A1")[0]
    assert any("English" in p for p in problems("幸福微+", VOICE))        # "+" is read as English "plus"
    assert problems("{post}您好", VOICE) == []                            # placeholders are checked filled in


def test_pronunciation_overrides_make_the_post_name_speakable():
    """The post's name from the configuration is filled in at run time: 幸福微+ would be read "plus"."""
    name = DEFAULTS["post"]["name"]
    assert "+" in name and problems(t("home.narration", post=name), VOICE)
    assert speakable(name) == name.replace("+", "加")
    assert problems(speakable(t("home.narration", post=name)), VOICE) == []


def test_debian_cmn_voice_bug_is_detected():
    version = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True).stdout
    if "1.51" not in version:
        pytest.skip(f"the cmn pinyin-letters bug is known in espeak-ng 1.51; this is {version.strip()}")
    assert "(en)" in phonemes("燃气费", "cmn")
    assert problems("需要帮您充燃气卡", "cmn")


def test_every_sentence_as_written_is_clean_mandarin():
    by_source = spoken_texts()
    assert {"catalog.toml", "texts.toml"} <= set(by_source) and any(k.startswith("lessons/") for k in by_source)
    skipped = {text for k, text in texts.TEXTS.items() if _not_spoken(k)}
    by_source["texts.toml"] = [x for x in by_source["texts.toml"] if x not in skipped]
    assert sum(len(v) for v in by_source.values()) > 300
    bad = _check(by_source)
    assert not bad, "\n".join(bad)


def _samples() -> dict[str, list[str]]:
    """What the kiosk fills into each {placeholder} at run time: real values where the kiosk has them."""
    labels = [c.label for c in default_catalog().categories]
    lessons = list(load_lessons().values())   # the bundled ones
    post = DEFAULTS["post"]
    learner = t("class.learner", building=post["buildings"][2], unit=post["units"][1], room="502")
    numbers = ["1", "7", "12", "20", "502"]
    reasons = [t("health.voice_off"), t("voice.no_microphone"), t("voice.no_model"), t("microphone.none"),
               t("submit.no_contact"), t("submit.disk_full"), t("submit.too_long", field=t("submit.field_text"),
                                                                 count=2000), t("client.unreachable")]
    return {
        "post": [post["name"]],
        "label": labels, "category": labels, "labels": ["、".join(labels[:6])],
        "field": [t(f"submit.field_{f}") for f in ("name", "building", "unit", "room", "phone", "text", "channel")],
        "a": labels, "b": labels[2:] + labels[:2], "other": labels[1:] + labels[:1],   # 您是要A，还是B？
        "building": post["buildings"], "unit": post["units"],
        "lesson": [x.title for x in lessons], "title": [x.title for x in lessons],
        "summary": [x.summary for x in lessons],
        "narration": [s.narration for x in lessons for s in x.steps],
        "first_step": [t("lesson.say_step", step=1, narration=x.steps[0].narration) for x in lessons],
        "shown": ["、".join(x.title for x in lessons[:5])],
        "praise": ["", t("lesson.praise"), t("class.praise", count=3)],
        "more": ["", t("lessons.more")],
        "state": [*STATE_LABELS.values(), t("admin.ok"), *reasons],
        "digits": [spoken_digits("0427"), spoken_phone("13912345678")],
        "reason": reasons,
        "text": ["我家天然气快没了", "帮我叫个车"],
        "note": ["", "医生周三上午到社区量血压"],
        "name": [learner, "大爷"],
        "who": [*t("contact.name_options").split("、"), t("confirm.nobody")],
        "where": [t("confirm.where", address="三号楼二单元五零二室"), t("confirm.nowhere")],
        "address": ["三号楼二单元五零二室"],
        "chosen": ["3号楼", "3号楼2单元", "3号楼2单元4楼"],
        "phone": [t("confirm.phone", digits=spoken_phone("09318881234")), t("confirm.nophone")],
        "weekday": list(t("app.weekdays")),
        **{k: numbers for k in ("count", "floor", "room", "page", "pages", "seconds", "volume", "rate", "pending",
                                "rejected", "sent", "learned", "step", "year", "month", "day")},
    }


def test_every_sentence_filled_in_at_run_time_is_clean_mandarin():
    samples = _samples()
    filled: dict[str, list[str]] = {}
    for key, template in texts.TEXTS.items():
        names = [n for _, n, _, _ in string.Formatter().parse(template) if n]
        if not names or _not_spoken(key):
            continue
        missing = [n for n in names if n not in samples]
        assert not missing, f"{key}: add a run-time sample for {missing} to this test"
        variants = max(len(samples[n]) for n in names)
        filled[key] = [template.format(**{n: samples[n][i % len(samples[n])] for n in names}) for i in range(variants)]
    assert len(filled) > 40 and all(not re.search(r"\{\w+\}", x) for xs in filled.values() for x in xs)
    bad = _check(filled)
    assert not bad, "\n".join(bad)
