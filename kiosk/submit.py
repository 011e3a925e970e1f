"""The one code path that turns a resident's request into a durable outbox item (screens and `kiosk submit`)."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sync import protocol
from sync.outbox import OutboxError, OutboxFull

# What a resident (or the cadre next to them) hears when a field cannot be taken.
_FIELD_WORDS = {"name": "称呼", "building": "楼号", "unit": "单元", "room": "门牌号", "phone": "电话",
                "text": "留言内容", "channel": "提交方式"}


def _in_chinese(what: str) -> str:
    """The protocol's English reason (shared with the server's API) said in Chinese for the resident (issue 15.8)."""
    m = re.fullmatch(r"longer than (\d+) characters", what)
    if m:
        return f"最多 {m.group(1)} 个字"
    return {"must be digits": "只能填数字", "required": "不能空着", "must be a string": "请填文字",
            "unknown field": "不认识这一项"}.get(what, "请检查后重填")


class SubmitError(ValueError):
    """A request that cannot be queued; the message is Chinese and says what to do."""


def submit_request(services, *, category: str, name: str = "", building: str = "", unit: str = "", room: str = "",
                   phone: str = "", text: str = "", channel: str = "touch") -> dict:
    """Queue a request; it is fsync'd before this returns. -> {"uuid": ..., "receipt": ...}."""
    if category not in services.catalog:
        raise SubmitError(f"没有这一类服务：{category}")
    tz = ZoneInfo(services.config["kiosk"]["timezone"])
    fields = {"category": category, "channel": channel, "created_at": datetime.now(tz).isoformat(timespec="seconds"),
              "name": name.strip(), "building": building.strip(), "unit": unit.strip(), "room": room.strip(),
              "phone": phone.strip(), "text": text.strip()}
    errors = protocol.validate_request({**fields, "uuid": "00000000-0000-4000-8000-000000000000",
                                        "receipt": protocol.receipt(services.config["post"]["code"], 0)})
    if "contact" in errors:
        raise SubmitError("请留下称呼、楼号门牌或电话，社区才能找到您")
    if errors:
        field, what = next(iter(errors.items()))
        raise SubmitError(f"{_FIELD_WORDS.get(field, field)}填写有误：{_in_chinese(what)}")
    try:
        uid, receipt = services.outbox.add_request(fields)
    except OutboxFull:
        raise SubmitError("终端存储空间已满，暂时不能登记，请找驻守干部帮忙") from None
    except OutboxError:
        raise SubmitError("终端存储出了问题，暂时不能登记，请找驻守干部帮忙") from None
    worker = getattr(services, "sync", None)
    if worker is not None:
        worker.kick()
    return {"uuid": uid, "receipt": receipt}
