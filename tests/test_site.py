"""index.html: self-contained, valid, escaped; and in headless Chromium the players load."""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pipeline.config import parse_show
from pipeline.ffmpeg import ffmpeg_exe
from pipeline.model import Episode
from pipeline.publish.site import parse_vtt, render_site

NASTY = "Tom & Jerry <script>alert(1)</script> \"q\" 'q' 🎬 שלום עולם"
VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


def show(**podcast: object):
    settings = {
        "title": "Tiny Show",
        "description": "A show made by the tests.",
        "author": "Test Writer",
        "base_url": "https://example.org/tiny/",
    }
    settings.update(podcast)
    return parse_show(Path("/show"), {"podcast": settings})


def episode(slug: str, day: int, **fields: object) -> Episode:
    values: dict = {
        "slug": slug,
        "guid": f"urn:uuid:{slug}",
        "title": slug.title(),
        "description": f"About {slug}.",
        "published": datetime(2026, 1, day, tzinfo=UTC),
        "audio": f"episodes/{slug}.mp3",
        "size": 123_456,
        "duration": 2.0,
        "author": "Test Writer",
        "explicit": False,
        "number": day,
        "transcripts": {"text/vtt": f"episodes/{slug}.vtt"},
    }
    values.update(fields)
    return Episode(**values)


TRANSCRIPT = {"one": [(0.0, "A first sentence."), (1.2, "A second & last one.")]}


class StrictChecker(HTMLParser):
    """Balanced elements, unique ids, no resource fetched from another host."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.ids: list[str] = []
        self.problems: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.tags.append((tag, values))
        if "id" in values:
            self.ids.append(values["id"] or "")
        for name in ("src", "srcset", "poster", "data"):
            if values.get(name) and "//" in (values[name] or ""):
                self.problems.append(f"<{tag} {name}> fetches {values[name]}")
        if tag == "link" and "stylesheet" in (values.get("rel") or "") and values.get("href"):
            self.problems.append("external stylesheet")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
        else:
            self.stack.pop()


def check(html: str) -> StrictChecker:
    checker = StrictChecker()
    checker.feed(html)
    checker.close()
    assert not checker.problems, checker.problems
    assert not checker.stack, f"unclosed: {checker.stack}"
    assert len(checker.ids) == len(set(checker.ids)), checker.ids
    return checker


def test_page_is_valid_self_contained_html_with_every_part() -> None:
    html = render_site(
        show(), [episode("one", 5), episode("two", 9)], "cover-1.jpg", TRANSCRIPT
    ).decode()
    assert html.startswith('<!DOCTYPE html>\n<html lang="en">')
    checker = check(html)
    tags = checker.tags
    assert (
        "img",
        {"src": "cover-1.jpg", "alt": "Cover of Tiny Show", "width": "192", "height": "192"},
    ) in tags
    audios = [attrs["src"] for tag, attrs in tags if tag == "audio"]
    assert audios == ["episodes/two.mp3", "episodes/one.mp3"]  # newest first, relative
    assert 'value="https://example.org/tiny/feed.xml"' in html
    assert 'href="podcast://example.org/tiny/feed.xml"' in html
    assert html.count("<details") == 1 and "<summary>Transcript</summary>" in html
    assert "A second &amp; last one." in html
    assert '<p dir="auto" data-start="1.200"><time>0:01</time>A second &amp; last one.</p>' in html
    assert '<article id="one">' in html  # the feed's item <link> points here
    assert "9 January 2026" in html and "2 s" in html


def test_nasty_text_is_escaped_everywhere() -> None:
    html = render_site(
        show(title=NASTY, description=NASTY, author=NASTY),
        [episode("one", 5, title=NASTY, description=NASTY)],
    ).decode()
    check(html)
    assert "<script>alert" not in html
    assert html.count("<script>") == 1  # ours only
    assert "🎬 שלום עולם" in html


def test_page_without_episodes_or_cover_still_renders() -> None:
    html = render_site(show(), []).decode()
    check(html)
    assert "No episodes yet." in html and "<img" not in html


def test_vtt_is_read_back_as_plain_lines() -> None:
    vtt = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Joe>Hello\nworld.\n\n"
        "01:02:03.500 --> 01:02:04.000\nLater.\n"
    )
    assert parse_vtt(vtt) == [(1.0, "Hello world."), (3723.5, "Later.")]


# -- in a real browser --------------------------------------------------------------------

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--mute-audio",
]

# A test page (not part of the product) that loads index.html in a frame and reports
# what each <audio> says once it has its metadata, or its error.
PROBE = """<!DOCTYPE html><html><body><pre id="out">pending</pre>
<iframe id="f" src="index.html" width="800" height="600"></iframe>
<script>
var f = document.getElementById('f'), out = document.getElementById('out'), seen = {};
f.onload = function () {
  var audios = f.contentDocument.querySelectorAll('audio');
  audios.forEach(function (a, i) {
    function report() {
      seen[i] = {duration: a.duration, error: a.error ? a.error.code : null};
      out.textContent = JSON.stringify(seen);
    }
    a.addEventListener('loadedmetadata', report);
    a.addEventListener('error', report);
    if (a.readyState >= 1) report();
  });
};
</script></body></html>
"""


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs Debian's chromium")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return found


@functools.cache
def tone_mp3(seconds: float = 2.0) -> bytes:
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "tone.mp3"
        subprocess.run(
            [
                ffmpeg_exe(),
                "-v",
                "error",
                "-f",
                "lavfi",
                "-i",
                f"sine=frequency=440:duration={seconds}",
                "-ar",
                "44100",
                "-ac",
                "1",
                "-c:a",
                "libmp3lame",
                "-b:a",
                "96k",
                str(path),
            ],
            check=True,
        )
        return path.read_bytes()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib's name
        pass


@pytest.fixture
def served_page(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A page with two episodes and its files, served on 127.0.0.1 by a throwaway server."""
    from pipeline.publish.cover import generate_cover

    root = tmp_path / "output"
    (root / "episodes").mkdir(parents=True)
    for slug in ("one", "two"):
        (root / "episodes" / f"{slug}.mp3").write_bytes(tone_mp3())
    (root / "cover-1.jpg").write_bytes(generate_cover("Tiny Show", "Test Writer"))
    episodes = [episode("one", 5, size=len(tone_mp3())), episode("two", 9, size=len(tone_mp3()))]
    (root / "index.html").write_bytes(render_site(show(), episodes, "cover-1.jpg", TRANSCRIPT))
    (root / "probe.html").write_text(PROBE)
    handler = functools.partial(QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", tmp_path
    finally:
        server.shutdown()
        server.server_close()


def run_chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_chromium_loads_every_player(served_page: tuple[str, Path]) -> None:
    url, tmp = served_page
    proc = run_chromium(
        ["--virtual-time-budget=15000", "--dump-dom", url + "probe.html"], tmp / "profile"
    )
    found = re.search(r'<pre id="out">(.*?)</pre>', proc.stdout, re.DOTALL)
    assert found, proc.stdout[-2000:] + proc.stderr[-2000:]
    results = json.loads(found.group(1))
    assert len(results) == 2, results
    for result in results.values():
        assert result["error"] is None
        assert abs(result["duration"] - 2.0) < 0.2


@pytest.mark.parametrize("size", ["390,844", "1280,900"])
def test_chromium_screenshots_the_page_on_a_phone_and_a_desktop(
    served_page: tuple[str, Path], size: str
) -> None:
    from PIL import Image

    url, tmp = served_page
    shot = tmp / f"page-{size.replace(',', 'x')}.png"
    proc = run_chromium([f"--window-size={size}", f"--screenshot={shot}", url], tmp / "profile")
    assert shot.is_file(), proc.stderr[-2000:]
    with Image.open(shot) as image:
        assert image.size == tuple(int(n) for n in size.split(","))
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 50  # text and cover drawn, not a blank page


def test_vtt_captions_are_joined_back_into_sentences_with_their_characters() -> None:
    from pipeline.model import Cue
    from pipeline.publish.transcript import render_vtt

    long = (
        "She wrote 1 < 2 on the board, & then she left the room without a word, "
        "because <nobody> there would have understood what the numbers meant to her."
    )
    cues = [Cue(0.5, 2.0, "Tom & Jerry."), Cue(2.5, 12.0, long), Cue(12.5, 13.0, "3 > 2.")]
    vtt = render_vtt(cues)
    assert vtt.count(" --> ") > 3  # the long sentence became several captions
    assert parse_vtt(vtt) == [(0.5, "Tom & Jerry."), (2.5, long), (12.5, "3 > 2.")]


def test_chapters_and_the_player_are_on_the_page(tmp_path: Path) -> None:
    from pipeline.publish.site import load_chapters

    one = episode("one", 5, chapters="episodes/one.chapters.json")
    (tmp_path / "episodes").mkdir()
    (tmp_path / "episodes" / "one.chapters.json").write_text(
        json.dumps(
            {
                "version": "1.2.0",
                "chapters": [
                    {"startTime": 0, "title": "Intro"},
                    {"startTime": 75.5, "title": NASTY},
                ],
            }
        )
    )
    chapters = load_chapters(tmp_path, [one, episode("two", 9)])
    assert chapters == {"one": [(0.0, "Intro"), (75.5, NASTY)]}
    html = render_site(show(), [one], None, TRANSCRIPT, chapters).decode()
    check(html)
    assert "<summary>Chapters</summary>" in html
    assert '<button type="button" data-start="75.500" dir="auto"><time>1:15</time>Tom &amp;' in html
    assert "<script>alert" not in html
    # the read-along player (with the speed control) takes the episode over when it runs
    assert '<essaycast-player src="episodes/one.json" data-no-title>' in html
    assert '<script src="player.js" defer></script>' in html


def test_a_broken_chapters_file_leaves_the_page_without_chapters(tmp_path: Path) -> None:
    from pipeline.publish.site import load_chapters

    (tmp_path / "bad.json").write_text("{not json")
    assert load_chapters(tmp_path, [episode("one", 5, chapters="bad.json")]) == {}
