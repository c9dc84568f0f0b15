"""One build at a time per show.

An OS lock (flock) rather than a lock file's mere existence: the kernel drops
it when the holder dies, even by kill -9, so a crashed build never wedges the
next one.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
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


# fsutil.atomic_path's temporaries: "." + the file's name + "." + mkstemp's 8 characters + ".part"
_PARTIAL = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.part$")


def clear_partials(folder: Path) -> list[Path]:
    """Delete the half-written files a killed build left in `folder` and one level down.

    Only under the show's lock (no other build is writing), and only essaycast's own
    pattern: a file of the user's that merely ends in .part stays.
    """
    cleared: list[Path] = []
    if not folder.is_dir():
        return cleared
    for directory in (folder, *(p for p in folder.iterdir() if p.is_dir() and not p.is_symlink())):
        for path in directory.iterdir():
            if _PARTIAL.match(path.name) and path.is_file() and not path.is_symlink():
                path.unlink(missing_ok=True)
                cleared.append(path)
    return cleared
