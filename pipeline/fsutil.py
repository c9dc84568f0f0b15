"""Files and the machine: atomic writes (a reader sees the old file or the new one,
never half of one) and the cores this process may use."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it over `path` if the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; published files must be readable
        # on disk before it is renamed into place: after a power cut the feed
        # never names a file whose bytes were still in the page cache
        with open(tmp, "rb") as written:
            os.fsync(written.fileno())
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` by rename, flushed to disk first."""
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        handle.write(data)


def usable_cores() -> int:
    """The cores this process may run on (its affinity, as a `build --jobs` child is
    pinned to its share), not the machine's count."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1
