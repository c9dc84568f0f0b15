"""What apps show: a probe show with `&`, `<`, `>`, quotes and tag-like text in every field,
built with the real pipeline, then read back the way real clients read it.

Checked through: lxml (the bytes), feedparser (as an HTML-rendering aggregator sees it),
podcastparser and gPodder's own text conversion, newsboat and gpo (Debian, real clients),
Chromium's WebVTT parser (the browser's cue-text rules), the W3C Feed Validator's text
rules (re-stated below: its code is not on PyPI and must not be copied), ffmpeg's and
ffprobe's chapter lists, eyeD3 for the date. A client that is not installed is skipped
here and is a failure in CI (CI=true), where .ci/run installs them.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import podcastparser
import pytest
from lxml import etree

from pipeline.audio.tags import _chapter_start, _syncsafe
from pipeline.ffmpeg import ffmpeg_exe
from pipeline.publish.feed import html_text
from pipeline.publish.transcript import WORD_JOINER

from .conftest import make_show
from .test_page_listens import WebDriver, browser  # noqa: F401 - a fixture used below

SHOW_TITLE = 'Tom & Jerry: 3 < 5, 5 > 3 and <tricky> "quotes"'
SHOW_DESCRIPTION = 'punctuation & other <tricky> bits, 1 < 2 > 0 & "so on".'
AUTHOR = "A. & B. <Writers>"
TITLE = "Less <than> & more > than: a <b>bold claim"
DESCRIPTION = "They agreed that 3 < 5 & that 5 > 3; <tricky> words stay."
LONG = (
    "The tricky word stays, and so does the ampersand in R&D, because a listener who "
    "reads along should see exactly what the writer wrote, not a tidied version of it."
)

TOML = f"""\
[podcast]
title = {SHOW_TITLE!r}
description = {SHOW_DESCRIPTION!r}
author = {AUTHOR!r}
email = "tests@example.org"
language = "en"
base_url = "http://127.0.0.1:8000/probe/"
category = "Arts > Books"
copyright = "© 2026 A. & B. <Writers>"
"""
# Markdown reads a bare <tricky> as HTML (not read aloud): a writer escapes it, either way
ESSAY = f"""\
---
title: {TITLE!r}
date: 2026-01-05
description: {DESCRIPTION!r}
---

They agreed that 3 < 5 and that 5 > 3. She wrote 1 < 2 on the board, & then she left.

## The Long Take

The \\<tricky> word &lt;stays&gt;. {LONG}

## Notes

That is all.
"""
SENTENCES = [
    "They agreed that 3 < 5 and that 5 > 3.",
    "She wrote 1 < 2 on the board, & then she left.",
    "The Long Take",
    "The <tricky> word <stays>.",
    LONG,
    "Notes",
    "That is all.",
]
FEED_URL = "http://127.0.0.1:8000/probe/feed.xml"
NS = {"itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd"}


def need(tool: str, package: str) -> str:
    found = shutil.which(tool)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{tool} is missing: .ci/run installs Debian's {package}")
        pytest.skip(f"{tool} is not installed (apt-get install {package})")
    return found


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The probe show, built once with the real voice."""
    from click.testing import CliRunner

    from pipeline.cli import main

    root = tmp_path_factory.mktemp("probe") / "show"
    make_show(root, {"probe.md": ESSAY}, TOML)
    result = CliRunner().invoke(main, ["build", "--show", str(root)])
    assert result.exit_code == 0, result.output
    return root / "output"


def episode_file(output: Path, suffix: str) -> Path:
    (path,) = (output / "episodes").glob(f"*{suffix}")
    return path


def shown_text(html: str) -> str:
    """What an app that renders HTML shows: the text nodes, character references decoded."""

    class Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.parts: list[str] = []
            self.tags: list[str] = []

        def handle_starttag(self, tag: str, attrs: object) -> None:
            self.tags.append(tag)

        def handle_data(self, data: str) -> None:
            self.parts.append(data)

    parser = Text()
    parser.feed(html)
    parser.close()
    assert not parser.tags, f"a plain-text field became markup: {parser.tags}"
    return "".join(parser.parts)


# -- the feed --------------------------------------------------------------------------------


def test_lxml_reads_titles_as_written_and_descriptions_as_html_of_them(output: Path) -> None:
    channel = etree.parse(str(output / "feed.xml")).getroot().find("channel")
    assert channel.findtext("title") == SHOW_TITLE
    assert channel.findtext("itunes:author", namespaces=NS) == AUTHOR
    assert channel.findtext("description") == html_text(SHOW_DESCRIPTION)
    assert channel.findtext("itunes:summary", namespaces=NS) == html_text(SHOW_DESCRIPTION)
    item = channel.find("item")
    assert item.findtext("title") == TITLE
    assert item.findtext("description") == html_text(DESCRIPTION)
    assert item.findtext("author") == f"tests@example.org ({AUTHOR})"  # RSS: email (Name)


def test_feedparser_as_an_html_rendering_app_shows_the_writers_characters(output: Path) -> None:
    parsed = feedparser.parse(str(output / "feed.xml"))
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.feed.title == SHOW_TITLE
    assert shown_text(parsed.feed.subtitle) == SHOW_DESCRIPTION
    entry = parsed.entries[0]
    assert entry.title == TITLE
    assert shown_text(entry.summary) == DESCRIPTION
    assert entry.author == AUTHOR  # from <author>email (Name)</author>
    assert entry.author_detail.email == "tests@example.org"


def test_podcastparser_and_gpodders_text_view_show_the_writers_characters(output: Path) -> None:
    with open(output / "feed.xml", "rb") as feed:
        parsed = podcastparser.parse(FEED_URL, feed)
    assert parsed["title"] == SHOW_TITLE
    (episode,) = parsed["episodes"]
    assert episode["title"] == TITLE
    assert episode["itunes_author"] == AUTHOR
    # gPodder shows descriptions through remove_html_tags (gpodder/model.py, gtkui/)
    assert podcastparser.remove_html_tags(episode["description"]) == DESCRIPTION
    assert podcastparser.remove_html_tags(parsed["description"]) == SHOW_DESCRIPTION


# The W3C Feed Validator's rules for text, re-stated from w3c/feedvalidator
# src/feedvalidator/validators.py (`nonhtml`, `safeHtml`) and __init__.py (rssCharData):
# a plain-text element warns (ContainsHTML) on an end tag of an HTML element, and, unless a
# line of its raw XML holds "&#x" (the RSS Best Practices Profile's hex references), on an
# HTML entity or on "&#x", "&#0-9", "</" or "<a-z" in its value (CharacterData). An HTML
# element (description) warns (NotHtml) on any markup that is not valid HTML.
HTML_TAGS = {"a", "b", "i", "p", "br", "em", "strong", "span", "div", "script", "img", "u"}
PLAIN = ["title", "copyright", "author", "itunes:author", "itunes:name", "itunes:summary"]


def w3c_text_warnings(feed: bytes) -> list[str]:
    warnings: list[str] = []
    raw_lines = feed.decode("utf-8").split("\n")
    tree = etree.fromstring(feed)
    for element in tree.iter():
        if not isinstance(element.tag, str) or element.text is None:
            continue
        name = etree.QName(element).localname
        prefixed = f"itunes:{name}" if etree.QName(element).namespace == NS["itunes"] else name
        value = element.text
        lines = raw_lines[element.sourceline - 1 : element.sourceline + value.count("\n")]
        profile_ok = any("&#x" in line for line in lines)
        if prefixed in PLAIN:
            end_tags = [t for t in re.findall(r"</(\w+)>", value) if t.lower() in HTML_TAGS]
            if end_tags:
                warnings.append(f"{prefixed}: ContainsHTML {end_tags[0]}")
            elif not profile_ok and (
                re.search(r"&(#?\w+)", value) or re.search(r"&#[x0-9]|<[/a-zA-Z]", value)
            ):
                warnings.append(f"{prefixed}: CharacterData {value!r}")
        elif name == "description" and "<" in value:  # ours are text: a "<" is markup
            warnings.append(f"description: NotHtml {value!r}")
    return warnings


def test_the_w3c_validators_text_rules_give_no_warning(output: Path) -> None:
    assert w3c_text_warnings((output / "feed.xml").read_bytes()) == []


def test_the_w3c_rules_restated_here_do_catch_the_old_way(output: Path) -> None:
    old = (
        b'<?xml version="1.0"?>\n<rss version="2.0"><channel>\n'
        b"<title>Tom &amp; Jerry &lt;tricky&gt;</title>\n"
        b"<description>punctuation &amp; other &lt;tricky&gt; bits.</description>\n"
        b"</channel></rss>\n"
    )
    assert len(w3c_text_warnings(old)) == 2


def test_newsboat_shows_the_title_the_author_and_the_text(output: Path, tmp_path: Path) -> None:
    newsboat = need("newsboat", "newsboat")
    (tmp_path / "urls").write_text(f"file://{output / 'feed.xml'}\n")
    (tmp_path / "config").write_text("")
    proc = subprocess.run(
        [
            newsboat,
            "-u",
            str(tmp_path / "urls"),
            "-c",
            str(tmp_path / "cache.db"),
            "-C",
            str(tmp_path / "config"),
            "-x",
            "reload",
        ],
        env={**os.environ, "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    with sqlite3.connect(tmp_path / "cache.db") as db:
        (feed_title,) = db.execute("SELECT title FROM rss_feed").fetchone()
        title, author, content = db.execute(
            "SELECT title, author, content FROM rss_item"
        ).fetchone()
    assert (feed_title, title, author) == (SHOW_TITLE, TITLE, AUTHOR)
    assert shown_text(content) == DESCRIPTION  # newsboat renders item content as HTML


def test_gpo_lists_the_episode_title_as_written(output: Path, tmp_path: Path) -> None:
    gpo = need("gpo", "gpodder")
    env = {
        **os.environ,
        "GPODDER_HOME": str(tmp_path / "gpo"),
        "HOME": str(tmp_path),
        "GPODDER_DOWNLOAD_DIR": str(tmp_path / "downloads"),
    }
    url = f"file://{output / 'feed.xml'}"
    for args in (["subscribe", url], ["episodes", url]):
        proc = subprocess.run([gpo, *args], env=env, capture_output=True, text=True, timeout=180)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    assert TITLE in proc.stdout


# -- transcripts -----------------------------------------------------------------------------


def test_chromium_parses_the_vtt_into_the_writers_sentences(
    output: Path,
    served_start: Callable[..., str],
    browser: WebDriver,  # noqa: F811
) -> None:
    vtt = episode_file(output, ".vtt").name
    mp3 = episode_file(output, ".mp3").name
    (output / "episodes" / "cues.html").write_text(
        f'<!DOCTYPE html><audio src="{mp3}" preload="metadata">'
        f'<track kind="captions" src="{vtt}" default></audio>'
    )
    browser.go(served_start(output, base_url=None) + "episodes/cues.html")
    script = """
    var track = document.querySelector('audio').textTracks[0];
    track.mode = 'hidden';
    if (!track.cues || !track.cues.length) return null;
    return Array.prototype.map.call(track.cues, function (c) {
      return [c.id, c.startTime, c.endTime, c.getCueAsHTML().textContent]; });
    """
    cues = browser.wait_for(script)
    assert cues, "Chromium loaded no cues"
    sentences: list[str] = []
    for cue_id, start, end, text in cues:
        assert start < end
        assert "\n" not in text.strip() or text.count("\n") == 1  # at most two lines
        words = " ".join(text.split())
        if "." in cue_id and not cue_id.endswith(".1"):
            sentences[-1] += " " + words  # a later part of a split sentence
        else:
            sentences.append(words)
    assert sentences[-len(SENTENCES) :] == SENTENCES  # after the spoken intro, if any


def test_srt_captions_are_two_lines_of_32_with_the_writers_characters(output: Path) -> None:
    srt = episode_file(output, ".srt").read_text(encoding="utf-8")
    blocks = [b.splitlines() for b in srt.strip().split("\n\n")]
    assert [b[0] for b in blocks] == [str(n) for n in range(1, len(blocks) + 1)]
    assert len(blocks) > len(SENTENCES)  # the long sentence became several captions
    for block in blocks:
        # the Podcast Namespace SRT profile: at most 2 lines of at most 32 characters
        assert 1 <= len(block) - 2 <= 2 and all(len(line) <= 32 for line in block[2:]), block
    text = " ".join(line for b in blocks for line in b[2:]).replace(WORD_JOINER, "")
    assert " ".join(SENTENCES) in " ".join(text.split())
    assert "&lt;" not in text and "&amp;" not in text  # readable: SRT has no escapes


def test_ffmpegs_srt_decoder_shows_the_writers_characters(output: Path, tmp_path: Path) -> None:
    """ffmpeg's SRT decoder (mpv and others play SRT through it) renders <b>, <i> and
    <font> and drops any other <word>: the text must reach the screen as written."""
    ass = tmp_path / "captions.ass"
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(episode_file(output, ".srt")), str(ass)], check=True
    )
    events = [
        line.split(",,", 1)[1].split(",", 4)[-1]
        for line in ass.read_text(encoding="utf-8").splitlines()
        if line.startswith("Dialogue:")
    ]
    shown = " ".join(" ".join(e.replace("\\N", " ") for e in events).split())
    assert " ".join(SENTENCES) in shown.replace(WORD_JOINER, "")


# -- the MP3's tags --------------------------------------------------------------------------

TIME_ORDER = ["Intro", TITLE, "The Long Take", "Notes"]


def test_ffmpeg_lists_the_chapters_in_time_order(output: Path) -> None:
    proc = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-i", str(episode_file(output, ".mp3"))],
        capture_output=True,
        text=True,
    )
    starts = [float(s) for s in re.findall(r"Chapter #\d+:\d+: start ([\d.]+)", proc.stderr)]
    titles = re.findall(r"Chapter #\d+:\d+: start .*\n\s+Metadata:\n\s+title\s+: (.*)", proc.stderr)
    assert starts == sorted(starts) and len(starts) == len(TIME_ORDER), proc.stderr
    assert titles == TIME_ORDER


def test_ffprobe_lists_the_chapters_in_time_order(output: Path) -> None:
    ffprobe = shutil.which("ffprobe")
    if ffprobe is None:
        pytest.skip("ffprobe is not installed (Debian ffmpeg); ffmpeg -i is checked above")
    proc = subprocess.run(
        [
            ffprobe,
            "-v",
            "error",
            "-show_chapters",
            "-of",
            "compact=p=0",
            str(episode_file(output, ".mp3")),
        ],
        capture_output=True,
        text=True,
    )
    assert re.findall(r"tag:title=(.*)", proc.stdout) == TIME_ORDER, proc.stdout


def test_chap_frames_come_in_time_order_in_the_file(output: Path) -> None:
    data = episode_file(output, ".mp3").read_bytes()
    size = _syncsafe(data[6:10])
    frames, at = [], 10
    while at < 10 + size and data[at] != 0:
        length = int.from_bytes(data[at + 4 : at + 8], "big")
        frames.append(data[at : at + 10 + length])
        at += 10 + length
    ids = [f[:4] for f in frames]
    chapters = [f for f in frames if f[:4] == b"CHAP"]
    assert [_chapter_start(f) for f in chapters] == sorted(_chapter_start(f) for f in chapters)
    assert ids.index(b"CTOC") < ids.index(b"CHAP")
    # the date as v2.3 frames: year and day-month, no v2.4 TDRC
    assert b"TYER" in ids and b"TDAT" in ids and b"TDRC" not in ids


def test_eyed3_finds_the_date(output: Path) -> None:
    eyed3 = need("eyeD3", "eyed3")
    proc = subprocess.run(
        [eyed3, str(episode_file(output, ".mp3"))], capture_output=True, text=True, timeout=60
    )
    # eyeD3 reads TYER; it cannot read any TDAT (its DateFrame rejects "DDMM": eyeD3 0.9.7-0.9.9)
    assert "recording date: 2026" in proc.stdout, proc.stdout + proc.stderr
    assert f"title: {TITLE}" in proc.stdout and f"artist: {AUTHOR}" in proc.stdout
