"""The outbox's schema, versioned: `PRAGMA user_version` counts the migrations applied.

Outbox files made before versioning are at version 0 with the tables of migration 1 already in place,
which is why migration 1 says IF NOT EXISTS. To change the schema, append a migration; never edit one
that shipped. Each runs in one transaction with its new version number, so a crash leaves either the
old or the new schema.
"""

from __future__ import annotations

import sqlite3

from assets.texts import t

MIGRATIONS: list[tuple[str, ...]] = [
    # 1: the first schema
    ("""CREATE TABLE IF NOT EXISTS items (
        uuid TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        receipt TEXT UNIQUE,            -- current code (the server may renumber a clash)
        issued_receipt TEXT,            -- the code the resident was given; status questions find it too
        category TEXT,
        payload TEXT,                   -- JSON as sent; NULL once acknowledged (personal data purged)
        created_at TEXT NOT NULL,       -- kiosk-local ISO time
        created_ts REAL NOT NULL,
        sync TEXT NOT NULL DEFAULT 'pending',   -- pending | sent | rejected | unreadable (migration 2)
        state TEXT NOT NULL DEFAULT 'queued',   -- the request's life as last heard from the server
        public_note TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt REAL NOT NULL DEFAULT 0,
        last_error TEXT NOT NULL DEFAULT '',
        reason TEXT NOT NULL DEFAULT ''         -- the server's words when rejected; why it was set aside
    )""",
     "CREATE INDEX IF NOT EXISTS items_issued ON items(issued_receipt)",
     "CREATE INDEX IF NOT EXISTS items_due ON items(sync, next_attempt)",
     "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"),
    # 2: rows that cannot be read are set aside (sync='unreadable') and reported to the server once
    ("ALTER TABLE items ADD COLUMN set_aside_at TEXT",
     "ALTER TABLE items ADD COLUMN reported INTEGER NOT NULL DEFAULT 0"),
]
VERSION = len(MIGRATIONS)


class NewerSchema(RuntimeError):
    """The file was written by a newer kiosk version: do not touch it."""


def migrate(db: sqlite3.Connection) -> int:
    """Bring the file to VERSION (several processes may open it at once). -> the version found."""
    found = db.execute("PRAGMA user_version").fetchone()[0]
    if found == VERSION:
        return found
    db.execute("BEGIN IMMEDIATE")
    try:
        start = db.execute("PRAGMA user_version").fetchone()[0]   # another process may have just done it
        if start > VERSION:
            raise NewerSchema(t("outbox_schema.too_new", found=start, known=VERSION))
        for number, steps in enumerate(MIGRATIONS[start:], start + 1):
            for sql in steps:
                db.execute(sql)
            db.execute(f"PRAGMA user_version={number}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return found
