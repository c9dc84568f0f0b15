"""The content-addressed store every cache is built on, and the core counter."""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.fsutil import ContentStore, usable_cores


def key(n: int) -> str:
    return f"{n:02x}" + "0" * 62


def test_an_entry_is_written_whole_and_read_back(tmp_path: Path) -> None:
    store = ContentStore(tmp_path / "c", limit=1 << 20)
    path = store.write(key(1), ".wav", b"abc")
    assert path == tmp_path / "c" / "01" / f"{key(1)}.wav"
    assert store.read(key(1), ".wav") == b"abc" and (key(1), ".wav") in store
    assert store.read(key(2), ".wav") is None and (key(2), ".wav") not in store
    assert not list((tmp_path / "c").rglob("*.part"))  # nothing half-written stays


def test_prune_drops_the_least_recently_used_first_and_keeps_this_builds(tmp_path: Path) -> None:
    store = ContentStore(tmp_path, limit=25)
    for n in range(5):  # five entries of 10 bytes, the oldest used longest ago
        path = store.write(key(n), "", bytes(10))
        os.utime(path, (1000 + n, 1000 + n))
    store.read(key(0))  # a hit refreshes the time: entry 0 is now the newest
    freed = store.prune(keep_since=None)
    assert freed == 30
    assert [n for n in range(5) if (key(n), "") in store] == [0, 4]


def test_prune_never_drops_what_was_used_since_the_build_began(tmp_path: Path) -> None:
    store = ContentStore(tmp_path, limit=0)
    old = store.write(key(1), "", b"x" * 10)
    os.utime(old, (1000, 1000))
    store.write(key(2), "", b"y" * 10)  # written now
    assert store.prune(keep_since=2000) == 10
    assert (key(2), "") in store and (key(1), "") not in store


def test_adopt_moves_a_finished_file_in(tmp_path: Path) -> None:
    store = ContentStore(tmp_path / "c", limit=1 << 20)
    source = tmp_path / "made.mp3"
    source.write_bytes(b"frames")
    path = store.adopt(key(3), ".mp3", source)
    assert path.read_bytes() == b"frames" and not source.exists()


def test_usable_cores_counts_this_process_s_affinity() -> None:
    expected = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    assert usable_cores() == (expected or os.cpu_count() or 1)
