"""Monthly request figures kept by the database itself (issue 15.6): the metrics page reads a few thousand groups
instead of aggregating a million requests.

Triggers on core_request (written here for PostgreSQL and SQLite, installed by migration workbench 0003) append
one row per change to RequestMonthDelta: -1 for the old version of the request, +1 for the new. Every writer is
caught, the ORM, the batched ingest's executemany and raw SQL alike, and appending takes no lock another writer
waits for. `fold()` moves the deltas into RequestMonth (one row per group) before the page reads it.
`tests/workbench/test_rollup.py` holds them equal to the live aggregation on both databases.

The months are those of settings.TIME_ZONE when the triggers were installed; after changing it, run
`install()` again (it also rebuilds the figures from the requests).
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import connection, transaction

KEYS = ("post_id", "category", "month", "state", "satisfaction", "accept_h")
SUMS = ("n", "accept_n", "accept_us", "resolve_n", "resolve_us")
NEVER = 9999    # accept_h of a request not accepted (or accepted after 9,998 hours: late for any limit)
_COLS = ", ".join(KEYS + SUMS)
_TRIGGERS = ("wb_request_month_ins", "wb_request_month_upd", "wb_request_month_del")
# The columns the figures depend on: an update that changes none of them appends nothing.
_WATCHED = ("post_id", "category", "received_at", "state", "satisfaction", "accepted_at", "resolved_at")


def _fixed_offset_minutes() -> int | None:
    """SQLite has no time zones: the month is taken at a fixed offset, which needs a zone without summer time."""
    from zoneinfo import ZoneInfo
    tz = ZoneInfo(settings.TIME_ZONE)
    offsets = {datetime(y, m, 1, tzinfo=tz).utcoffset() for y in (2000, 2026) for m in (1, 7)}
    return int(offsets.pop().total_seconds() // 60) if len(offsets) == 1 else None


def _parts(vendor: str, p: str) -> tuple[list[str], str, str]:
    """The SQL of one request's group keys (columns of `p`, e.g. "NEW.") and its accept and resolve delays (µs)."""
    r, a, z = f"{p}received_at", f"{p}accepted_at", f"{p}resolved_at"
    if vendor == "postgresql":
        tz = settings.TIME_ZONE.replace("'", "")
        month = f"to_char({r} AT TIME ZONE '{tz}', 'YYYY-MM')"

        def us(x):
            return f"COALESCE((EXTRACT(EPOCH FROM {x} - {r}) * 1000000)::bigint, 0)"
        accept_h = (f"CASE WHEN {a} IS NULL THEN {NEVER} ELSE LEAST({NEVER}, GREATEST(0, "
                    f"CEIL(EXTRACT(EPOCH FROM {a} - {r}) / 3600)))::int END")
    else:
        # Django stores "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC; whole microseconds keep the sums exact. SQLite's
        # date functions round to milliseconds (23:59:59.9999995 would become the next day): seconds only.
        def at_us(x):
            return (f"(CAST(strftime('%s', substr({x}, 1, 19)) AS INTEGER) * 1000000 "
                    f"+ CAST(substr({x} || '.000000', 21, 6) AS INTEGER))")

        def us(x):    # no date arithmetic for a request not (yet) accepted or resolved: the ingest's rows
            return f"CASE WHEN {x} IS NULL THEN 0 ELSE {at_us(x)} - {at_us(r)} END"
        month = f"strftime('%Y-%m', substr({r}, 1, 19), '{_fixed_offset_minutes():+d} minutes')"
        d = f"({at_us(a)} - {at_us(r)})"
        accept_h = (f"CASE WHEN {a} IS NULL THEN {NEVER} WHEN {d} <= 0 THEN 0 "
                    f"ELSE min({NEVER}, ({d} + 3599999999) / 3600000000) END")
    return [f"{p}post_id", f"{p}category", month, f"{p}state", f"COALESCE({p}satisfaction, 0)", accept_h], us(a), us(z)


def _values(vendor: str, p: str, sign: str) -> list[str]:
    """One request's row of figures, in _COLS order, times `sign`."""
    keys, accept_us, resolve_us = _parts(vendor, p)
    a, z = f"{p}accepted_at", f"{p}resolved_at"
    return [*keys, sign, f"CASE WHEN {a} IS NULL THEN 0 ELSE {sign} END", f"{sign} * {accept_us}",
            f"CASE WHEN {z} IS NULL THEN 0 ELSE {sign} END", f"{sign} * {resolve_us}"]


def _append(vendor: str, p: str, sign: str) -> str:
    return f"INSERT INTO workbench_requestmonthdelta ({_COLS}) VALUES ({', '.join(_values(vendor, p, sign))});"


def _changed(vendor: str) -> str:
    if vendor == "postgresql":
        return (f"({', '.join('OLD.' + c for c in _WATCHED)}) IS DISTINCT FROM "
                f"({', '.join('NEW.' + c for c in _WATCHED)})")
    return " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in _WATCHED)


def _trigger_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION wb_request_month() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP <> 'INSERT' THEN {_append(vendor, 'OLD.', '-1')} END IF; "
            f"IF TG_OP <> 'DELETE' THEN {_append(vendor, 'NEW.', '1')} END IF; RETURN NULL; END $$",
            "CREATE TRIGGER wb_request_month_ins AFTER INSERT ON core_request FOR EACH ROW "
            "EXECUTE FUNCTION wb_request_month()",
            "CREATE TRIGGER wb_request_month_del AFTER DELETE ON core_request FOR EACH ROW "
            "EXECUTE FUNCTION wb_request_month()",
            f"CREATE TRIGGER wb_request_month_upd AFTER UPDATE ON core_request FOR EACH ROW WHEN ({_changed(vendor)}) "
            "EXECUTE FUNCTION wb_request_month()"]
    return [
        f"CREATE TRIGGER wb_request_month_ins AFTER INSERT ON core_request BEGIN {_append(vendor, 'NEW.', '1')} END",
        f"CREATE TRIGGER wb_request_month_del AFTER DELETE ON core_request BEGIN {_append(vendor, 'OLD.', '-1')} END",
        f"CREATE TRIGGER wb_request_month_upd AFTER UPDATE ON core_request WHEN {_changed(vendor)} BEGIN "
        f"{_append(vendor, 'OLD.', '-1')} {_append(vendor, 'NEW.', '1')} END"]


def supported(conn=connection) -> bool:
    return conn.vendor == "postgresql" or (conn.vendor == "sqlite" and _fixed_offset_minutes() is not None)


def uninstall(conn=connection) -> None:
    with conn.cursor() as cur:
        for name in _TRIGGERS:
            cur.execute(f"DROP TRIGGER IF EXISTS {name}" + (" ON core_request" if conn.vendor == "postgresql" else ""))
        if conn.vendor == "postgresql":
            cur.execute("DROP FUNCTION IF EXISTS wb_request_month()")


def installed(conn=connection) -> bool:
    with conn.cursor() as cur:
        if conn.vendor == "postgresql":
            cur.execute("SELECT count(*) FROM pg_trigger WHERE tgname = ANY(%s)", [list(_TRIGGERS)])
        else:
            cur.execute(f"SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN "
                        f"({', '.join('%s' for _ in _TRIGGERS)})", list(_TRIGGERS))
        return cur.fetchone()[0] == len(_TRIGGERS)


def ensure_installed(sender=None, using="default", **_) -> None:
    """After every migrate (post_migrate): a later migration that alters core_request makes SQLite copy the table
    anew, which drops its triggers; the figures would then silently stop following the requests. Put them back
    and count again."""
    from django.db import connections

    conn = connections[using]
    if supported(conn) and not installed(conn):
        install(conn)


def install(conn=connection) -> None:
    """(Re)create the triggers and count every request again."""
    if not supported(conn):
        return
    uninstall(conn)
    with conn.cursor() as cur:
        for sql in _trigger_sql(conn.vendor):
            cur.execute(sql)
    rebuild(conn)


def rebuild(conn=connection) -> None:
    """Count every request into RequestMonth from scratch (after a bulk load with the triggers disabled)."""
    keys, accept_us, resolve_us = _parts(conn.vendor, "")
    sums = ["COUNT(*)", "COUNT(accepted_at)", f"SUM({accept_us})", "COUNT(resolved_at)", f"SUM({resolve_us})"]
    with transaction.atomic(using=conn.alias), conn.cursor() as cur:
        cur.execute("DELETE FROM workbench_requestmonthdelta")
        cur.execute("DELETE FROM workbench_requestmonth")
        cur.execute(f"INSERT INTO workbench_requestmonth ({_COLS}) SELECT {', '.join(keys + sums)} "
                    f"FROM core_request GROUP BY {', '.join(str(i) for i in range(1, 7))}")


_UPSERT = (f" ON CONFLICT ({', '.join(KEYS)}) DO UPDATE SET "
           + ", ".join(f"{c} = workbench_requestmonth.{c} + excluded.{c}" for c in SUMS))


def fold(conn=connection) -> None:
    """Move the appended changes into one row per group (in key order: two folds at once never deadlock)."""
    grouped = f"SELECT {', '.join(KEYS)}, {', '.join(f'SUM({c})' for c in SUMS)} FROM {{src}} WHERE true " \
              f"GROUP BY {', '.join(KEYS)} ORDER BY {', '.join(KEYS)}"
    with transaction.atomic(using=conn.alias), conn.cursor() as cur:
        if conn.vendor == "postgresql":
            # One statement, one snapshot: a change committed meanwhile is neither deleted nor counted.
            cur.execute(f"WITH gone AS (DELETE FROM workbench_requestmonthdelta RETURNING *) "
                        f"INSERT INTO workbench_requestmonth ({_COLS}) {grouped.format(src='gone')}{_UPSERT}")
        else:   # SQLite: one writer at a time, the transaction holds the lock
            cur.execute(f"INSERT INTO workbench_requestmonth ({_COLS}) "
                        f"{grouped.format(src='workbench_requestmonthdelta')}{_UPSERT}")
            cur.execute("DELETE FROM workbench_requestmonthdelta")
        cur.execute("DELETE FROM workbench_requestmonth WHERE n = 0")
