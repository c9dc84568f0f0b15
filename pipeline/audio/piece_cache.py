"""The piece cache: what levelling and encoding a piece made, by content hash.

A piece key (audio.pieces.piece_key) hashes everything that makes a piece sound
the way it does. Under it the cache keeps the levelled piece's record (its
length, sentence positions and block loudness: JSON) and, under a key that adds
the mastering gain, its encoded frames (bare MP3) with what the splice needs to
know of them; and the gain and ceiling it was last spliced at (`setting`), from
which a warm build learns the episode's gain to keep. It is a
fsutil.ContentStore: files are written then renamed, so a killed build never
leaves half a record; every hit refreshes a file's time, and `prune` drops
the least recently used beyond a bound.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..fsutil import ContentStore
from ..model import Word

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

    On fsutil.ContentStore: bounded, `prune` drops the least recently used files
    beyond `limit` bytes; every hit refreshes a file's time, so a build's own
    pieces are the last to go. Durable: frames are spliced into published MP3s
    as they are, so an entry is whole or absent even after a power cut.
    """

    def __init__(self, root: Path, limit: int = CACHE_LIMIT_BYTES) -> None:
        self.store = ContentStore(root, limit)
        # not durable: a torn word list fails to parse and is timed again from the voice
        self.loose = ContentStore(root, limit, durable=False)

    def words(self, key: str) -> list[tuple[Word, ...]] | None:
        """A piece's sentences' words, timed in their trimmed audio, or None."""
        data = self.loose.read(key, ".words")
        if data is None:
            return None
        try:
            return [tuple(Word(a, b, t) for a, b, t in sentence) for sentence in json.loads(data)]
        except (ValueError, TypeError):
            return None

    def put_words(self, key: str, words: list[tuple[Word, ...]]) -> None:
        rows = [[[w.start, w.end, w.text] for w in sentence] for sentence in words]
        self.loose.write(key, ".words", json.dumps(rows, ensure_ascii=False).encode())

    def _path(self, key: str, suffix: str) -> Path:
        return self.store.path(key, suffix)

    def record(self, key: str) -> PieceRecord | None:
        data = self.store.read(key, ".json")
        try:
            return PieceRecord.from_json(data.decode("utf-8")) if data is not None else None
        except (ValueError, KeyError, TypeError):
            return None

    def put_record(self, key: str, record: PieceRecord) -> None:
        self.store.write(key, ".json", record.to_json().encode())

    def frames(self, key: str) -> tuple[Path, Encoded] | None:
        """The encoded frames for `key` (a piece key with its gain) and what they hold."""
        described = self.store.read(key, ".frames")
        try:
            data = json.loads(described) if described is not None else None
            encoded = Encoded(**{**data, "heard": tuple(data.get("heard", ()))}) if data else None
        except (ValueError, TypeError):
            return None
        path = self._path(key, ".mp3")
        if encoded is None or not path.is_file():
            return None
        self.store.touch(path)
        return path, encoded

    def put_frames(self, key: str, source: Path, encoded: Encoded) -> Path:
        path = self.store.adopt(key, ".mp3", source)  # a build renders beside its cache
        # the description last: frames without one are not found
        self.store.write(key, ".frames", json.dumps(encoded.__dict__).encode())
        return path

    def setting(self, key: str) -> tuple[str, float] | None:
        """The gain and master ceiling the piece `key` was last spliced at, if known."""
        data = self.store.read(key, ".setting")
        if data is None:
            return None
        try:
            gain, ceiling = json.loads(data)
            return str(gain), float(ceiling)
        except (ValueError, TypeError):
            return None

    def put_setting(self, key: str, gain: str, ceiling: float) -> None:
        """Remember the gain and ceiling the piece `key` was spliced at (if it changed)."""
        if self.setting(key) != (gain, ceiling):
            self.store.write(key, ".setting", json.dumps([gain, ceiling]).encode())

    def prune(self, keep_since: float | None = None) -> int:
        """Delete least recently used files until the cache fits; return bytes freed.

        Files used at or after `keep_since` (a time.time()) stay whatever the size.
        """
        return self.store.prune(keep_since)
