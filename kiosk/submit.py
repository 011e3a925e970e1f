"""The one code path that turns a resident's request into a durable outbox item (screens and `kiosk submit`)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from assets.texts import t
from sync import protocol
from sync.outbox import OutboxError, OutboxFull

# What a resident (or the cadre next to them) hears when a field cannot be taken.
_FIELD_WORDS = {f: t(f"submit.field_{f}") for f in ("name", "building", "unit", "room", "phone", "text", "channel")}


def _words(field: str, what: str) -> str:
    word = _FIELD_WORDS.get(field, field)
    if what == protocol.BAD_CHARS:
        return t("submit.bad_chars", field=word)
    if field in protocol.REQUEST_FIELDS and what == protocol.TOO_LONG.format(protocol.REQUEST_FIELDS[field]):
        return t("submit.too_long", field=word, count=protocol.REQUEST_FIELDS[field])
    if field == "created_at":
        return t("submit.clock_wrong")
    return t("submit.invalid", field=word)


class SubmitError(ValueError):
    """A request that cannot be queued; the message is Chinese and says what to do."""


def submit_request(services, *, category: str, name: str = "", building: str = "", unit: str = "", room: str = "",
                   phone: str = "", text: str = "", channel: str = "touch", wait_print: bool = True) -> dict:
    """Queue a request; it is fsync'd before this returns. -> {"uuid", "receipt", "printed"}.

    With a printer configured the slip is printed (`wait_print` False: in the background, "printed" is then
    None); a printing failure never loses the request, it only shows on the admin screen and the heartbeat.
    """
    if category not in services.catalog:
        raise SubmitError(t("submit.unknown_category", category=category))
    tz = ZoneInfo(services.config["kiosk"]["timezone"])
    fields = {"category": category, "channel": channel, "created_at": datetime.now(tz).isoformat(timespec="seconds"),
              "name": name.strip(), "building": building.strip(), "unit": unit.strip(), "room": room.strip(),
              "phone": phone.strip(), "text": text.strip()}
    errors = protocol.validate_request({**fields, "uuid": "00000000-0000-4000-8000-000000000000",
                                        "receipt": protocol.receipt(services.config["post"]["code"], 0)})
    if "contact" in errors:
        raise SubmitError(t("submit.no_contact"))
    if errors:   # the same validator as the server's: never queue what the server would refuse
        raise SubmitError(_words(*next(iter(errors.items()))))
    try:
        uid, receipt = services.outbox.add_request(fields)
    except OutboxFull:
        raise SubmitError(t("submit.disk_full")) from None
    except OutboxError:
        raise SubmitError(t("submit.storage_failed")) from None
    worker = getattr(services, "sync", None)
    if worker is not None:
        worker.kick()
    return {"uuid": uid, "receipt": receipt, "printed": _print(services, uid, receipt, category, wait_print)}


def status_url(config, receipt: str, uuid: str = "") -> str:
    """The family's phone page for a request (?u= names exactly this request after a receipt clash)."""
    return f"{config.public_url}/r/{receipt}" + (f"?u={uuid}" if uuid else "")


def _print(services, uid: str, receipt: str, category: str, wait: bool) -> bool | None:
    from kiosk.printer import PrinterError, Slip

    printer = getattr(services, "printer", None)
    if printer is None:
        return False
    cfg = services.config
    now = datetime.now(ZoneInfo(cfg["kiosk"]["timezone"]))
    slip = Slip(receipt=receipt, category=services.catalog.get(category).label,
                when=t("slip.date", year=now.year, month=now.month, day=now.day, time=f"{now:%H:%M}"), post_name=cfg["post"]["name"],
                post_phone=cfg["post"]["phone"], status_url=status_url(cfg, receipt, uid))
    if not wait:
        printer.print_in_background(slip)
        return None
    try:
        printer.print_slip(slip)
    except PrinterError:
        return False
    return True
