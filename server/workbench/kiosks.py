"""Revoking and renaming a kiosk, the same from the command line and the 终端 page (issue 11.4)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from server.core.models import Kiosk
from server.workbench import audit


def held_sentence(kiosk: Kiosk) -> str:
    """What the kiosk still held, unsent, when it was last seen: those requests cannot reach the server now."""
    if kiosk.last_seen is None:
        return "这台终端从未联系过服务器。"
    when = timezone.localtime(kiosk.last_seen).strftime("%Y-%m-%d %H:%M")
    if not kiosk.queue_length:
        return f"它最后一次联系（{when}）时没有待上传的诉求。"
    return (f"它最后一次联系（{when}）时还有 {kiosk.queue_length} 件诉求没有上传；吊销后它们传不上来，"
            "请到终端上把回执号记下来，由干部代录。")


def revoke(kiosk: Kiosk, actor, http_request=None, via: str = "工作台") -> None:
    if kiosk.revoked_at is None:
        kiosk.revoked_at = timezone.now()
        kiosk.save(update_fields=["revoked_at"])
        audit.record(actor, "kiosk", None, f"{via}吊销终端 {kiosk.name}（{kiosk.post.code}，编号 {kiosk.pk}），"
                                           f"当时待上传 {kiosk.queue_length} 件", http_request)


def rename(kiosk: Kiosk, new: str, actor, http_request=None, via: str = "工作台") -> str | None:
    """None when renamed; else the reason in words."""
    new = (new or "").strip()
    if not new or len(new) > 100:
        return "终端名称要填，最多一百个字。"
    if new == kiosk.name:
        return None
    if Kiosk.objects.filter(post=kiosk.post_id, name=new).exists():
        return f"本阵地已经有一台终端叫“{new}”，请换一个名称。"
    old = kiosk.name
    kiosk.name = new
    try:
        with transaction.atomic():
            kiosk.save(update_fields=["name"])
    except IntegrityError:
        kiosk.name = old
        return f"本阵地已经有一台终端叫“{new}”，请换一个名称。"
    audit.record(actor, "kiosk", None, f"{via}把终端 {old} 改名为 {new}（{kiosk.post.code}，编号 {kiosk.pk}）",
                 http_request)
    return None
