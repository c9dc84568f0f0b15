"""A tiny show built for real (Piper, intro music, ffmpeg), checked as a listener's app would."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import feedparser
import podcastparser
import pytest
from mutagen.mp3 import MP3

from pipeline.ffmpeg import ffmpeg_exe

pytestmark = pytest.mark.slow


def test_build_writes_one_mp3_per_essay_and_a_feed(built_tiny_show: Path) -> None:
    episodes = sorted(p.name for p in (built_tiny_show / "output" / "episodes").glob("*.mp3"))
    # <slug>-<content hash>.mp3: changed audio gets a new URL
    assert len(episodes) == 2
    assert re.fullmatch(r"first-light-[0-9a-f]{10}\.mp3", episodes[0])
    assert re.fullmatch(r"second-thoughts-[0-9a-f]{10}\.mp3", episodes[1])
    assert (built_tiny_show / "output" / "feed.xml").is_file()


def test_each_mp3_decodes_cleanly_and_is_longer_than_its_intro(built_tiny_show: Path) -> None:
    for mp3 in (built_tiny_show / "output" / "episodes").glob("*.mp3"):
        decoded = subprocess.run(
            [ffmpeg_exe(), "-v", "error", "-i", str(mp3), "-f", "null", "-"],
            capture_output=True,
            text=True,
        )
        assert decoded.returncode == 0 and decoded.stderr == "", decoded.stderr
        info = MP3(str(mp3)).info
        # 3 s of music alone, a spoken intro, then the essay itself
        assert info.length > 6.0
        assert (info.sample_rate, info.channels, info.bitrate) == (44100, 1, 96000)


def test_feed_parses_in_feedparser_with_exact_enclosure_lengths(built_tiny_show: Path) -> None:
    output = built_tiny_show / "output"
    parsed = feedparser.parse(str(output / "feed.xml"))
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert [e.title for e in parsed.entries] == ["Second Thoughts", "First Light"]  # newest first
    for entry in parsed.entries:
        (enclosure,) = entry.enclosures
        assert enclosure.type == "audio/mpeg"
        local = output / enclosure.href.removeprefix("http://127.0.0.1:8000/tiny/")
        assert int(enclosure.length) == local.stat().st_size


def test_feed_parses_in_gpodders_parser(built_tiny_show: Path) -> None:
    output = built_tiny_show / "output"
    feed_url = "http://127.0.0.1:8000/tiny/feed.xml"
    with open(output / "feed.xml", "rb") as handle:
        parsed = podcastparser.parse(feed_url, handle)
    assert parsed["title"] == "Tiny Show"
    assert len(parsed["episodes"]) == 2
    for episode in parsed["episodes"]:
        (enclosure,) = episode["enclosures"]
        local = output / enclosure["url"].removeprefix("http://127.0.0.1:8000/tiny/")
        assert enclosure["file_size"] == local.stat().st_size
        assert enclosure["mime_type"] == "audio/mpeg"
        assert episode["published"] > 0
        assert abs(episode["total_time"] - MP3(str(local)).info.length) <= 1
