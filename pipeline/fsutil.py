"""Files and the machine: atomic writes (a reader sees the old file or the new one,
never half of one), the content-addressed store every cache is built on, and the
cores this process may use."""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
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


def write_atomic(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write `data` to `path` by rename, flushed to disk first unless not `durable`."""
    if durable:
        with atomic_path(path) as tmp, open(tmp, "wb") as handle:
            handle.write(data)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(name, path)
    finally:
        Path(name).unlink(missing_ok=True)


def usable_cores() -> int:
    """The cores this process may run on (its affinity, as a `build --jobs` child is
    pinned to its share), not the machine's count."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class ContentStore:
    """Files under `root` named by a content key, the one store every cache is built on.

    `root/<key[:2]>/<key><suffix>`: written by atomic rename, so a killed build never
    leaves half an entry. `durable` stores are flushed to disk before the rename, so
    after a power cut an entry is whole or absent; a store of many small entries
    whose reader can tell a bad one (the sentence WAVs) skips that (fsync costs about
    3 ms an entry here). Every read refreshes the file's time, so `prune` drops the
    least recently used first and a build's own entries are the last to go.
    """

    def __init__(self, root: Path, limit: int, *, durable: bool = True) -> None:
        self.root = root
        self.limit = limit  # bytes `prune` keeps
        self.durable = durable

    def path(self, key: str, suffix: str = "") -> Path:
        return self.root / key[:2] / f"{key}{suffix}"

    def read(self, key: str, suffix: str = "") -> bytes | None:
        """The entry's bytes (and its time refreshed), or None."""
        path = self.path(key, suffix)
        try:
            data = path.read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            return None
        self.touch(path)
        return data

    def write(self, key: str, suffix: str, data: bytes) -> Path:
        """Store `data` under the key by atomic rename; return its path."""
        path = self.path(key, suffix)
        write_atomic(path, data, durable=self.durable)
        return path

    def adopt(self, key: str, suffix: str, source: Path) -> Path:
        """Move a finished file into the store (one rename on the same file system)."""
        path = self.path(key, suffix)
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.durable:
            with open(source, "rb") as written:
                os.fsync(written.fileno())
        try:
            os.replace(source, path)
        except OSError:  # another file system (`essaycast episode` renders in /tmp)
            write_atomic(path, source.read_bytes(), durable=self.durable)
            source.unlink()
        return path

    def __contains__(self, key_suffix: tuple[str, str]) -> bool:
        return self.path(*key_suffix).is_file()

    @staticmethod
    def touch(path: Path) -> None:
        now = time.time()
        with contextlib.suppress(OSError):  # a read-only cache still serves
            os.utime(path, (now, now))

    def prune(self, keep_since: float | None = None) -> int:
        """Delete least recently used entries until the store fits `limit`; bytes freed.

        Entries used at or after `keep_since` (a time.time()) stay whatever the size.
        """
        if not self.root.is_dir():
            return 0
        files = []
        for path in self.root.glob("*/*"):
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            files.append((stat.st_mtime, stat.st_size, path))
        total = sum(size for _, size, _ in files)
        freed = 0
        for mtime, size, path in sorted(files):
            if total - freed <= self.limit:
                break
            if keep_since is not None and mtime >= keep_since:
                continue
            path.unlink(missing_ok=True)
            freed += size
        return freed
