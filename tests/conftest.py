"""Shared fixtures: tiny shows built with the real pipeline, the tone voice that speaks
in every test not marked slow (tests/fakes.py), and `served_*` fixtures for
tests/test_serve.py and tests/test_gpodder.py (the `essaycast serve` HTTP server)."""

from __future__ import annotations

import json
import random
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from .fakes import Counter, tone_mp3, tone_rows

# No test may depend on the machine's load: Hypothesis's deadline and its "too slow"
# health check are timings, so neither applies here (a test's own settings add to this).
settings.register_profile("essaycast", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("essaycast")

TINY_TOML = """\
[podcast]
title = "Tiny Show"
description = "A show made by the tests."
author = "Test Writer"
email = "tests@example.org"
language = "en"
base_url = "http://127.0.0.1:8000/tiny/"
category = "Arts > Books"
"""

TINY_ESSAYS = {
    "first.md": """\
        ---
        title: First Light
        date: 2026-01-05
        ---

        The film opens at dawn. Nobody speaks.
        """,
    "second.txt": """\
        ---
        title: Second Thoughts
        date: 2026-02-10
        ---
        A short review, read aloud.
        """,
}


# What a real voice loads. A test not marked slow must pass where none of them imports
VOICE_PACKAGES = frozenset({"hibari", "piper", "onnxruntime"})


@pytest.fixture(autouse=True)
def _voice_free(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test not marked slow imports no voice package: make test-fast runs without them."""
    before = VOICE_PACKAGES & sys.modules.keys()
    yield
    if request.node.get_closest_marker("slow") is None:
        loaded = sorted((VOICE_PACKAGES & sys.modules.keys()) - before)
        assert not loaded, f"imported {', '.join(loaded)}: speak as the tone, or mark it slow"


@pytest.fixture(autouse=True)
def _no_automatic_restore(monkeypatch: pytest.MonkeyPatch) -> None:
    """.ci/run sets CI, which makes every build fetch base_url first: not in tests."""
    monkeypatch.setenv("ESSAYCAST_RESTORE", "off")


def make_show(root: Path, essays: dict[str, str] | None = None, toml: str = TINY_TOML) -> Path:
    """Write a show folder: podcast.toml and essays/ (dedented)."""
    (root / "essays").mkdir(parents=True, exist_ok=True)
    (root / "podcast.toml").write_text(toml, encoding="utf-8")
    for name, text in (TINY_ESSAYS if essays is None else essays).items():
        (root / "essays" / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return root


@pytest.fixture
def tiny_show(tmp_path: Path) -> Path:
    return make_show(tmp_path / "show")


EPOCH = "1767225600"  # 2026-01-01: builds that compare bytes are stamped with one time

WORDS = (
    "the", "film", "opens", "at", "dawn", "and", "nobody", "speaks", "while",
    "camera", "waits", "for", "light", "to", "come", "over", "hills",
)  # fmt: skip


def six_essays() -> dict[str, str]:
    """Six dated essays of different lengths (one to four paragraphs of 24 words).

    Small on purpose: every build levels, encodes and measures what it renders with
    ffmpeg, and the tests that use them are about which essay goes where.
    """
    rng = random.Random(6)
    essays = {}
    for i, paragraphs in enumerate([1, 3, 1, 2, 1, 4]):
        body = "\n\n".join(
            " ".join(rng.choice(WORDS) for _ in range(24)).capitalize() + "."
            for _ in range(paragraphs)
        )
        essays[f"essay-{i}.md"] = f"---\ntitle: Essay {i}\ndate: 2026-0{i + 1}-02\n---\n\n{body}\n"
    return essays


def tree(output: Path) -> dict[str, bytes]:
    """Every file under output/ (but .gitkeep) by relative path: its bytes."""
    return {
        str(p.relative_to(output)): p.read_bytes()
        for p in sorted(output.rglob("*"))
        if p.is_file() and p.name != ".gitkeep"
    }


@pytest.fixture
def fixed_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every build in this test is stamped with EPOCH (SOURCE_DATE_EPOCH)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


@pytest.fixture
def tone_voice(
    monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[Counter]:
    """Every engine speaks as the counting tone in this test, and a "tone" engine joins them.

    Whatever engine the show, an essay or --voice names, no real voice speaks. At
    teardown the tone must have been built at least once: a test that speaks
    nothing on purpose says so with @pytest.mark.speaks_nothing.
    """
    from pipeline.speech import ENGINES

    counter = Counter()
    for name, row in tone_rows(counter).items():
        monkeypatch.setitem(ENGINES, name, row)
    yield counter
    if request.node.get_closest_marker("speaks_nothing") is None:
        assert counter.engines > 0, (
            "the tone was never built: the build used another voice, or mark it speaks_nothing"
        )


@pytest.fixture(scope="module")
def built_tiny_show(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny show built once per test module with the real default voice (mark it slow)."""
    from click.testing import CliRunner

    from pipeline.cli import main

    root = make_show(tmp_path_factory.mktemp("built") / "show")
    result = CliRunner().invoke(main, ["build", "--show", str(root)])
    assert result.exit_code == 0, result.output
    return root


def tone_build(root: Path) -> None:
    """`essaycast build --show ROOT` in this process, every engine speaking as the tone."""
    from click.testing import CliRunner

    from pipeline.cli import main
    from pipeline.speech import ENGINES

    counter = Counter()
    with pytest.MonkeyPatch.context() as patch:
        for name, row in tone_rows(counter).items():
            patch.setitem(ENGINES, name, row)
        result = CliRunner().invoke(main, ["build", "--show", str(root)])
    assert result.exit_code == 0, result.output
    assert counter.engines > 0, "the tone never spoke: the build used another voice"


@pytest.fixture(scope="module")
def built_tone_show(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny show built once per test module, every engine speaking as the tone.

    Its manifest is the one the real default voice would write, so a real-voice
    rebuild in another process finds it unchanged.
    """
    root = make_show(tmp_path_factory.mktemp("built") / "show")
    tone_build(root)
    return root


SERVED_BASE_URL = "https://example.org/reels/"

# Three episodes of a few seconds each: (slug, title, guid, pubDate, tone Hz, seconds).
SERVED_EPISODES = [
    ("the-long-take", "The Long Take", "urn:uuid:6f1c1b52-3d2a-5b0e-9b7e-1f0c6d3e8a01",
     "Tue, 03 Mar 2026 00:00:00 +0000", 660, 4),
    ("on-rewatching", "On Rewatching", "urn:uuid:6f1c1b52-3d2a-5b0e-9b7e-1f0c6d3e8a02",
     "Sun, 15 Feb 2026 00:00:00 +0000", 550, 3),
    ("never-let-me-go", "Never Let Me Go", "urn:uuid:6f1c1b52-3d2a-5b0e-9b7e-1f0c6d3e8a03",
     "Thu, 01 Jan 2026 00:00:00 +0000", 440, 3),
]  # fmt: skip

_FEED_HEAD = """<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:atom="http://www.w3.org/2005/Atom" \
xmlns:content="http://purl.org/rss/1.0/modules/content/" \
xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" \
xmlns:podcast="https://podcastindex.org/namespace/1.0" version="2.0">
  <channel>
    <title>Quiet Reels</title>
    <link>https://example.org/</link>
    <description>Film reviews and essays, read aloud.</description>
    <atom:link href="{base}feed.xml" rel="self" type="application/rss+xml"/>
    <language>en</language>
    <copyright>2026 A. Writer</copyright>
    <lastBuildDate>Tue, 03 Mar 2026 00:00:00 +0000</lastBuildDate>
    <generator>essaycast</generator>
    <itunes:author>A. Writer</itunes:author>
    <itunes:owner><itunes:name>A. Writer</itunes:name>\
<itunes:email>writer@example.org</itunes:email></itunes:owner>
    <itunes:image href="{base}cover.jpg"/>
    <itunes:category text="TV &amp; Film"><itunes:category text="Film Reviews"/></itunes:category>
    <itunes:explicit>false</itunes:explicit>
    <itunes:type>episodic</itunes:type>
    <podcast:locked>no</podcast:locked>
"""

_FEED_ITEM = """    <item>
      <title>{title}</title>
      <description>{title}, read aloud.</description>
      <guid isPermaLink="false">{guid}</guid>
      <pubDate>{date}</pubDate>
      <enclosure url="{base}episodes/{slug}.mp3" length="{length}" type="audio/mpeg"/>
      <itunes:duration>{seconds}</itunes:duration>
      <itunes:episode>{number}</itunes:episode>
      <itunes:episodeType>full</itunes:episodeType>
      <itunes:explicit>false</itunes:explicit>
      <podcast:transcript url="{base}episodes/{slug}.vtt" type="text/vtt"/>
      <podcast:transcript url="{base}episodes/{slug}.srt" type="application/x-subrip"/>
      <podcast:chapters url="{base}episodes/{slug}.chapters.json" \
type="application/json+chapters"/>
    </item>
"""


@pytest.fixture(scope="session")
def served_mp3s(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Small real MP3s (a sine tone each), made once per session with our ffmpeg."""
    folder = tmp_path_factory.mktemp("served_mp3s")
    mp3s = {}
    for slug, _title, _guid, _date, hz, seconds in SERVED_EPISODES:
        tone = f"sine=frequency={hz}:duration={seconds}"
        mp3s[slug] = tone_mp3(folder / f"{slug}.mp3", tone, kbps=64).read_bytes()
    return mp3s


def served_feed(base: str, mp3s: dict[str, bytes]) -> str:
    """A realistic RSS 2.0 podcast feed (iTunes + Podcast Namespace) whose URLs start at base."""
    items = [
        _FEED_ITEM.format(
            base=base, slug=slug, title=title, guid=guid, date=date,
            length=len(mp3s[slug]), seconds=seconds, number=len(SERVED_EPISODES) - i,
        )
        for i, (slug, title, guid, date, _hz, seconds) in enumerate(SERVED_EPISODES)
    ]  # fmt: skip
    return _FEED_HEAD.format(base=base) + "".join(items) + "  </channel>\n</rss>\n"


@pytest.fixture
def served_output(tmp_path: Path, served_mp3s: dict[str, bytes]) -> Path:
    """A built show's output/ as the build writes it, with URLs under SERVED_BASE_URL."""
    from PIL import Image

    output = tmp_path / "show" / "output"
    episodes = output / "episodes"
    episodes.mkdir(parents=True)
    (output / ".gitkeep").write_bytes(b"")
    (output / "feed.xml").write_text(served_feed(SERVED_BASE_URL, served_mp3s), "utf-8")
    (output / "index.html").write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>Quiet Reels</title></head>"
        f"<body><p>Subscribe: <a href='{SERVED_BASE_URL}feed.xml'>feed</a></p>"
        "<audio controls src='episodes/the-long-take.mp3'></audio></body></html>\n",
        "utf-8",
    )
    Image.new("RGB", (64, 64), (200, 30, 40)).save(output / "cover.jpg", "JPEG")
    Image.new("RGB", (64, 64), (20, 30, 240)).save(output / "cover.png", "PNG")
    for slug, title, *_ in SERVED_EPISODES:
        (episodes / f"{slug}.mp3").write_bytes(served_mp3s[slug])
        (episodes / f"{slug}.vtt").write_text(
            f"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n{title} — a tone.\n", "utf-8"
        )
        (episodes / f"{slug}.srt").write_text(
            f"1\n00:00:00,000 --> 00:00:02,000\n{title}, a tone.\n", "utf-8"
        )
        chapters = {
            "version": "1.2.0",
            "chapters": [{"startTime": 0, "title": title, "url": f"{SERVED_BASE_URL}{slug}/"}],
        }
        (episodes / f"{slug}.chapters.json").write_text(json.dumps(chapters) + "\n", "utf-8")
    (output / "manifest.json").write_text('{"episodes": {}}\n', "utf-8")
    return output


@pytest.fixture
def served_start() -> Iterator[Callable[..., str]]:
    """Start make_server(...) on a free loopback port in a thread; returns its base URL."""
    from pipeline.serve import make_server

    running = []

    def start(output_dir: Path, base_url: str | None = SERVED_BASE_URL) -> str:
        server = make_server(output_dir, "127.0.0.1", 0, base_url=base_url)
        # A short poll interval makes shutdown() at teardown quick.
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        running.append((server, thread))
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server, thread in running:
        server.shutdown()
        server.server_close()
        thread.join()
