"""One build at a time per show.

An OS lock (flock) rather than a lock file's mere existence: the kernel drops
it when the holder dies, even by kill -9, so a crashed build never wedges the
next one.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from .errors import BuildLocked

LOCK_NAME = "build.lock"


@contextlib.contextmanager
def show_lock(state_dir: Path) -> Iterator[None]:
    """Hold the show's build lock, or raise BuildLocked naming the build that has it."""
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "unknown"
            raise BuildLocked(
                f"another build is running on this show ({holder}); "
                "wait for it to finish, then run essaycast build again"
            ) from None
        stamp = f"pid {os.getpid()}, started {datetime.now(UTC).isoformat(timespec='seconds')}"
        os.ftruncate(fd, 0)
        os.pwrite(fd, stamp.encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the flock
