"""The piece cache: what levelling and encoding a piece made, by content hash.

A piece key (audio.pieces.piece_key) hashes everything that makes a piece sound
the way it does. Under it the cache keeps the levelled piece's record (its
length, sentence positions and block loudness: JSON) and, under a key that adds
the mastering gain, its encoded frames (bare MP3) with what the splice needs to
know of them. Files are written then renamed, so a killed build never leaves
half a record; every hit refreshes a file's time, and `prune` drops the least
recently used beyond a bound.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

CACHE_LIMIT_BYTES = 2 << 30  # the piece cache's bound; least recently used go first


@dataclass(frozen=True)
class PieceRecord:
    """What levelling a piece learnt: enough to place, time and measure it again."""

    samples: int  # its length at EPISODE_RATE, a multiple of mp3.FRAME
    marks: tuple[tuple[int, int], ...]  # each sentence's (start, end) sample in the piece
    blocks: tuple[float, ...]  # loudness (LUFS) of each 400 ms block, 100 ms apart

    def to_json(self) -> str:
        return json.dumps(
            {"samples": self.samples, "marks": self.marks, "blocks": self.blocks},
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> PieceRecord:
        data = json.loads(text)
        return cls(
            int(data["samples"]),
            tuple((int(a), int(b)) for a, b in data["marks"]),
            tuple(float(x) for x in data["blocks"]),
        )


@dataclass(frozen=True)
class Encoded:
    """Where a piece's frames overlap the next piece, and the CRC-16 of either side."""

    cut: int  # bytes kept unless the piece is the episode's last
    head: int  # CRC of data[:cut]
    tail: int  # CRC of data[cut:]
    heard: tuple[float, ...] = ()  # block loudness as heard (pieces.Heard.blocks), if measured
    true_peak: float | None = None  # dBTP, if measured


class PieceCache:
    """Levelled-piece records and encoded frames under `root`, by content hash.

    Bounded: `prune` drops the least recently used files beyond `limit` bytes;
    every hit refreshes a file's time, so a build's own pieces are the last to go.
    """

    def __init__(self, root: Path, limit: int = CACHE_LIMIT_BYTES) -> None:
        self.root = root
        self.limit = limit

    def _path(self, key: str, suffix: str) -> Path:
        return self.root / key[:2] / f"{key}{suffix}"

    def record(self, key: str) -> PieceRecord | None:
        path = self._path(key, ".json")
        try:
            record = PieceRecord.from_json(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            return None
        _touch(path)
        return record

    def put_record(self, key: str, record: PieceRecord) -> None:
        self._store(self._path(key, ".json"), record.to_json().encode())

    def frames(self, key: str) -> tuple[Path, Encoded] | None:
        """The encoded frames for `key` (a piece key with its gain) and what they hold."""
        path = self._path(key, ".mp3")
        try:
            data = json.loads(self._path(key, ".frames").read_text())
            encoded = Encoded(**{**data, "heard": tuple(data.get("heard", ()))})
        except (FileNotFoundError, ValueError, TypeError):
            return None
        if not path.is_file():
            return None
        _touch(path)
        _touch(self._path(key, ".frames"))
        return path, encoded

    def put_frames(self, key: str, source: Path, encoded: Encoded) -> Path:
        path = self._path(key, ".mp3")
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(source, path)  # a build renders beside its cache: one rename
        except OSError:  # `essaycast episode` renders in /tmp, maybe another file system
            self._store(path, source.read_bytes())
            source.unlink()
        # the description last: frames without one are not found
        self._store(self._path(key, ".frames"), json.dumps(encoded.__dict__).encode())
        return path

    def _store(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # write then rename: a killed build never leaves half a record behind
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def prune(self, keep_since: float | None = None) -> int:
        """Delete least recently used files until the cache fits; return bytes freed.

        Files used at or after `keep_since` (a time.time()) stay whatever the size.
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


def _touch(path: Path) -> None:
    now = time.time()
    with contextlib.suppress(OSError):  # a read-only cache still serves
        os.utime(path, (now, now))
