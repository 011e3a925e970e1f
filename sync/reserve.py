"""A preallocated file next to the outbox, given up when the disk is full.

Acknowledging an item (and purging its personal data) is itself a write, so on a full disk the kiosk
could not record what the server confirmed and would resend the same items every round, never freeing
the space they hold. The reserve is freed the moment such a write hits a full disk, so the write can
go through; it is made again once there is room, and new requests are refused while it is missing.
"""

from __future__ import annotations

import errno
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

RESERVE_BYTES = 4 * 1024 * 1024


class DiskReserve:
    def __init__(self, path: Path, size: int = RESERVE_BYTES):
        self.path = Path(path)
        self.size = size

    @property
    def present(self) -> bool:
        try:
            return self.size <= 0 or self.path.stat().st_size >= self.size
        except FileNotFoundError:
            return False

    def ensure(self) -> bool:
        """Make the reserve if it is missing. -> False only when the disk has no room for it (another
        failure, e.g. a read-only test directory, must not stop new requests: it is logged)."""
        if self.present:
            return True
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                os.posix_fallocate(fd, 0, self.size)   # real blocks, not a sparse file
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, self.path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            log.warning("outbox reserve %s not made (%s)", self.path, exc)
            return exc.errno not in (errno.ENOSPC, errno.EDQUOT)
        log.info("outbox reserve %s in place (%d bytes)", self.path, self.size)
        return True

    def release(self) -> bool:
        """Free the reserve. -> whether there was one to free."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        log.warning("disk full: outbox reserve %s released so acknowledgements can be written", self.path)
        return True
