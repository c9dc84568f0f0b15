"""kill -9 at any moment leaves the previous outputs intact; the next build finishes.

The killed build is stopped for good at its kill point (tests/fakes.py `_hold`) and
killed there: no race between a poll and the build, so a busy machine changes nothing.
"""

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
from .fakes import HOLD, TONE_LOG, tone_cli, tone_env, tone_log

# atomicity is not about the voice: the builds speak as the tone (tests/fakes.py)

ESSAYS = {
    f"essay-{n}.md": f"---\ntitle: Essay {n}\ndate: 2026-0{n}-01\n---\n\n"
    + " ".join(f"Sentence {w} of essay {n} is here." for w in ("one", "two", "three", "four"))
    + "\n"
    for n in range(1, 4)
}


def run_build(root: Path, log: Path) -> subprocess.CompletedProcess[str]:
    """A whole build in a new process; what the tone said there goes to `log`."""
    return subprocess.run(
        tone_cli("build", "--show", str(root)),
        capture_output=True,
        text=True,
        timeout=600,  # a hung build fails the test instead of the suite; never reached
        env={**tone_env(), TONE_LOG: str(log)},
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
    # the scratch folder of the episode whose pieces are being rendered (render.py)
    return any(p.is_dir() for p in (root / ".essaycast").glob("render-*"))


def new_episode_file(root: Path, before: set[str]) -> bool:
    episodes = root / "output" / "episodes"
    return any(p.name not in before for p in episodes.iterdir())


@pytest.mark.parametrize("point", ["synthesis", "assembly", "publishing"])
def test_sigkill_mid_build_keeps_the_old_feed_whole_and_the_next_build_finishes(
    tmp_path: Path, point: str
) -> None:
    root = make_show(tmp_path / "show", ESSAYS)
    first = run_build(root, tmp_path / "tone.json")
    assert first.returncode == 0, first.stderr
    assert tone_log(tmp_path / "tone.json")["sentences"] > 0, "the tone never spoke"
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
    held, said = tmp_path / "held", tmp_path / "stderr.txt"
    with open(said, "wb") as stderr:
        proc = subprocess.Popen(
            tone_cli("build", "--show", str(root)),
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env={**tone_env(), HOLD: f"{point}={held}"},
        )
    try:
        # a bound on a hang, not a timing: the build stops at the point until killed
        deadline = time.monotonic() + 600
        while not held.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert held.exists(), f"the build never reached {point}: {said.read_text()}"
        assert conditions[point](), f"held at {point}, yet its mark is not on disk"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL

    named = check_feed_is_consistent(output)
    assert named == old_names or not (named & old_names)  # the old feed, or a whole new one

    again = run_build(root, tmp_path / "again.json")
    assert again.returncode == 0, again.stderr
    final = check_feed_is_consistent(output)
    assert len(final) == 3 and not (final & old_names)
    leftovers = sorted(p.name for p in (output / "episodes").iterdir())
    # only what the feed names: mp3, vtt, srt, json transcript, chapters, read-along json
    assert len(leftovers) == 3 * 6, leftovers
    assert not list((root / ".essaycast").glob("render-*"))
