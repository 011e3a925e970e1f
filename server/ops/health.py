"""What an operator needs at a glance: database, free disk, the kiosk that has been silent longest.

Shared by /healthz (JSON) and `community-server check` (terminal). Only a broken database makes
the server unhealthy (HTTP 503); low disk and a silent kiosk are warnings a person must act on.
"""

from __future__ import annotations

import shutil

from django.conf import settings
from django.db import connection
from django.db.models import F
from django.utils import timezone

DISK_WARN_BYTES = 1 << 30       # below 1 GiB free: backups and the SQLite journal are at risk
HEARTBEAT_WARN_S = 3600         # kiosks beat every few minutes; an hour of silence means a dead box or link


def report() -> dict:
    problems: list[str] = []
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
        database = "ok"
    except Exception as exc:  # the report must come back even when the database does not
        database = f"error: {exc.__class__.__name__}"
        problems.append("数据库无法连接")
    usage = shutil.disk_usage(settings.DATA_DIR)
    disk = {"path": str(settings.DATA_DIR), "free_bytes": usage.free, "total_bytes": usage.total,
            "free_percent": round(100 * usage.free / usage.total, 1) if usage.total else 0.0}
    if usage.free < DISK_WARN_BYTES:
        problems.append(f"磁盘剩余空间不足（{usage.free / 2**30:.1f} GB）")
    heartbeat = None
    if database == "ok":
        from server.core.models import Kiosk

        k = Kiosk.objects.filter(revoked_at__isnull=True).select_related("post").order_by(F("last_seen").asc(nulls_first=True)).first()
        if k is not None:
            age = int((timezone.now() - k.last_seen).total_seconds()) if k.last_seen else None
            heartbeat = {"kiosk": k.name, "post": k.post.code,
                         "last_seen": k.last_seen.isoformat() if k.last_seen else None, "age_s": age}
            if age is None or age > HEARTBEAT_WARN_S:
                problems.append(f"终端 {k.name} " + ("从未联系过服务器" if age is None else f"已 {age // 60} 分钟没有联系"))
    status = "error" if database != "ok" else ("warning" if problems else "ok")
    return {"status": status, "database": database, "disk": disk, "oldest_heartbeat": heartbeat,
            "problems": problems}
