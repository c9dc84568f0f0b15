"""kill -9 at any moment leaves the previous outputs intact; the next build finishes."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from .conftest import make_show
from .fakes import tone_cli, tone_env

# atomicity is not about the voice: the builds speak as the tone (tests/fakes.py)

ESSAYS = {
    f"essay-{n}.md": f"---\ntitle: Essay {n}\ndate: 2026-0{n}-01\n---\n\n"
    + " ".join(f"Sentence {w} of essay {n} is here." for w in ("one", "two", "three", "four"))
    + "\n"
    for n in range(1, 4)
}


def run_build(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        tone_cli("build", "--show", str(root)),
        capture_output=True,
        text=True,
        timeout=300,
        env=tone_env(),
    )


def check_feed_is_consistent(output: Path) -> set[str]:
    """The feed parses and every file it names is complete: exact byte length."""
    tree = etree.parse(str(output / "feed.xml"))
    base = tree.findtext("channel/link")
    named = set()
    for item in tree.iterfind("channel/item"):
        enclosure = item.find("enclosure")
        path = output / enclosure.get("url").removeprefix(base)
        assert path.stat().st_size == int(enclosure.get("length"))
        named.add(path.name)
    return named


def count_cached(root: Path) -> int:
    return len(list((root / ".essaycast" / "cache").rglob("*.wav")))


def rendering(root: Path) -> bool:
    # the pieces of the episode being levelled or encoded (pipeline/audio/pieces.py)
    return any((root / ".essaycast").glob("render-*/*.raw"))


def new_episode_file(root: Path, before: set[str]) -> bool:
    episodes = root / "output" / "episodes"
    return any(p.name not in before for p in episodes.iterdir())


@pytest.mark.parametrize("point", ["synthesis", "assembly", "publishing"])
def test_sigkill_mid_build_keeps_the_old_feed_whole_and_the_next_build_finishes(
    tmp_path: Path, point: str
) -> None:
    root = make_show(tmp_path / "show", ESSAYS)
    first = run_build(root)
    assert first.returncode == 0, first.stderr
    output = root / "output"
    old_names = check_feed_is_consistent(output)
    before = {p.name for p in (output / "episodes").iterdir()}
    # new words for every essay, so every episode must be rendered again
    for path in (root / "essays").iterdir():
        path.write_text(path.read_text().replace("is here", "was there"))

    cached_before = count_cached(root)
    conditions: dict[str, Callable[[], bool]] = {
        "synthesis": lambda: count_cached(root) > cached_before,
        "assembly": lambda: rendering(root),
        "publishing": lambda: new_episode_file(root, before),
    }
    proc = subprocess.Popen(
        tone_cli("build", "--show", str(root)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=tone_env(),
    )
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if conditions[point]():
            os.kill(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.005)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "the build ended before the kill point"

    named = check_feed_is_consistent(output)
    assert named == old_names or not (named & old_names)  # the old feed, or a whole new one

    again = run_build(root)
    assert again.returncode == 0, again.stderr
    final = check_feed_is_consistent(output)
    assert len(final) == 3 and not (final & old_names)
    leftovers = sorted(p.name for p in (output / "episodes").iterdir())
    # only what the feed names: mp3, vtt, srt, json transcript, chapters, read-along json
    assert len(leftovers) == 3 * 6, leftovers
    assert not list((root / ".essaycast").glob("render-*"))
