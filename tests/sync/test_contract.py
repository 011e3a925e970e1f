"""Contract of the kiosk side: the published category ids stay, new ones may be added without a code change,
and every id fits the protocol. (Server models against the protocol: tests/server/test_contract.py.)"""

from __future__ import annotations

import tomllib

from sync import protocol
from sync.catalog import CATALOG_PATH, default_catalog, parse_catalog

# Published in DESIGN.md §2, the API, the CLI, data files: never renamed or removed. Append new ids here
# when they are published; the catalog may hold more than this list.
PUBLISHED_CATEGORY_IDS = (
    "gas_recharge", "shopping", "meal_delivery", "medical_escort", "home_repair", "sanitation",
    "building_facility", "neighbor_dispute", "welfare_aid", "health_service", "phone_class", "message",
)


def test_published_category_ids_are_all_still_in_the_catalog():
    ids = default_catalog().ids
    assert [c for c in PUBLISHED_CATEGORY_IDS if c not in ids] == []


def test_every_category_id_fits_the_protocol():
    for cid in default_catalog().ids:
        assert protocol.CATEGORY_ID_RE.match(cid) and len(cid) <= protocol.REQUEST_FIELDS["category"], cid


def test_a_new_category_is_a_data_change_not_a_code_change():
    data = tomllib.loads(CATALOG_PATH.read_text(encoding="utf-8"))
    data["category"].append({**data["category"][0], "id": "winter_heating", "label": "冬季供暖"})
    cat = parse_catalog(data, CATALOG_PATH)
    assert "winter_heating" in cat and cat.ids[:len(PUBLISHED_CATEGORY_IDS)] == PUBLISHED_CATEGORY_IDS
    item = {"uuid": "00000000-0000-4000-8000-000000000001", "receipt": "WJZ1-0001", "category": "winter_heating",
            "channel": "touch", "created_at": "2026-11-28T09:00:00+08:00", "room": "301"}
    assert protocol.validate_request(item, cat.ids) == {}   # the server's check, given the grown catalog


def test_kiosk_states_cover_the_server_states():
    assert set(protocol.STATE_LABELS) == {protocol.QUEUED, *protocol.STATES}
    assert set(protocol.OPEN_STATES) | set(protocol.CLOSED_STATES) == set(protocol.STATES)
    assert not set(protocol.OPEN_STATES) & set(protocol.CLOSED_STATES)


def test_a_set_aside_report_is_built_from_what_is_still_readable():
    uid = "5b0f2b4e-8d63-4a4e-9a53-3c1fb0d1e001"
    item = protocol.set_aside_report({"uuid": uid, "receipt": "WJ\x00Z1-0", "category": "gas\udcff",
                                      "reason": "payload: \udcff", "set_aside_at": "2026-11-29T08:00:00+0800"})
    assert (item["receipt"], item["category"], item["set_aside_at"]) == ("", "", "2026-11-29T08:00:00+08:00")
    assert protocol.validate_set_aside(item) == {}
    assert protocol.set_aside_report({"uuid": "garbled", "receipt": "WJZ1-0001"}) is None
    broken_time = protocol.set_aside_report({"uuid": uid, "set_aside_at": "2026-13-40T99:00:00+0800"})
    assert protocol.validate_set_aside(broken_time) == {}     # now, rather than a report the server refuses


def test_the_utterance_kind_and_the_learned_phrases_fit_the_protocol():
    assert "utterance" in protocol.KINDS
    assert protocol.NOT_REQUEST not in default_catalog().ids   # 不是诉求 can never be taken for a category
    item = protocol.utterance(text="屋里的暖壶坏了", heard_at="2026-11-29T09:00:00+08:00")
    assert protocol.validate_utterance({**item, "uuid": "00000000-0000-4000-8000-000000000002"}) == {}
    ids = default_catalog().ids
    good = {"version": 3, "phrases": {"welfare_aid": ["给老伴办个本本"]}, "not_requests": ["作业不会写"]}
    assert protocol.validate_phrases(good, ids) == {}
    assert protocol.validate_phrases({"version": 3}, ids) == {}             # unchanged: no lists
    assert "phrases.winter_heating" in protocol.validate_phrases({"version": 1, "phrases": {"winter_heating": ["x"]}}, ids)
    assert "phrases.not_request" in protocol.validate_phrases({"version": 1, "phrases": {"not_request": ["x"]}})
    assert "not_requests" in protocol.validate_phrases({"version": 1, "not_requests": ["房间402"]})
