"""The read-along player (output/player.js) in headless Chromium, on pages of another origin.

A show is built with the tone engine; one episode is given synthetic word timings
(the tone voice times none: each sentence's span shared among its words by their
letters), the other keeps sentence timings, as an episode built before word
timings does. The show's output/ is served by `essaycast serve`'s server on one
loopback port; the pages that embed it (plain HTML, a Jekyll post with the
include, a Hugo page with the shortcode, each from `essaycast embed`) by another.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.config import load_show
from pipeline.publish.writer import rewrite_feed
from pipeline.serve import make_server
from pipeline.speech import ENGINES

from .conftest import make_show
from .fakes import CHARS_PER_SECOND, Counter, speaking_as
from .test_page_listens import WebDriver, browser  # noqa: F401 - a fixture used below

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WORDS = "the-long-take"  # given word timings
SENTENCES = "second-thoughts"  # sentence timings only
ESSAYS = {
    "the-long-take.md": """\
        ---
        title: The Long Take
        date: 2026-01-05
        ---

        The film opens at dawn. Nobody speaks, and the light moves across the wall.
        A dog crosses the frame & stops to look at us.

        ## The door

        Then a door opens, slowly, and a woman we have not met walks in. She sits.
        Nothing happens for a long while; the camera waits with her.

        And then, without a cut, the film ends.
        """,
    "second-thoughts.md": """\
        ---
        title: Second Thoughts
        date: 2026-02-10
        ---

        A short review, read aloud. It has two paragraphs.

        This is the second one. It ends here.
        """,
}


def _toml(base: str) -> str:
    return f"""\
[podcast]
title = "Tiny Show"
description = "A show made by the tests."
author = "Test Writer"
email = "tests@example.org"
language = "en"
base_url = "{base}"
category = "Arts > Books"
"""


def _serve(root: Path) -> tuple[str, Any]:
    server = make_server(root, "127.0.0.1", 0, base_url=None)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/", server


def _give_words(transcript: Path) -> None:
    """Synthetic word timings: each sentence segment's span shared among its words."""
    body = json.loads(transcript.read_text(encoding="utf-8"))
    segments = []
    for segment in body["segments"]:
        words = segment["body"].split()
        start, end = segment["startTime"], segment["endTime"]
        weights = [len(w) + 1 for w in words]
        at = start
        for n, (word, weight) in enumerate(zip(words, weights, strict=True)):
            span = (end - start) * weight / sum(weights)
            last = n == len(words) - 1
            text = word + ("\n" if last and segment["body"].endswith("\n") else "")
            segments.append(
                {
                    "speaker": segment["speaker"],
                    "startTime": round(at, 3),
                    "endTime": round(end if last else at + span * 0.9, 3),
                    "body": text,
                }
            )
            at += span
    body["segments"] = segments
    transcript.write_text(json.dumps(body), encoding="utf-8")


def _snippet(text: str, heading: str) -> str:
    """The block after `heading` in `essaycast embed`'s output."""
    return text.split(heading, 1)[1].split("\n\n", 2)[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The show on one origin, the blog pages embedding it on another."""
    base = tmp_path_factory.mktemp("readalong")
    show_root = base / "show"
    (show_root / "output").mkdir(parents=True)
    show_url, show_server = _serve(show_root / "output")
    make_show(show_root, ESSAYS, _toml(show_url))
    spoke = Counter()
    with pytest.MonkeyPatch.context() as patch:
        for name in list(ENGINES):  # whatever the show names: the tone, at speech's pace
            patch.setitem(ENGINES, name, speaking_as(name, spoke, CHARS_PER_SECOND))
        result = CliRunner().invoke(main, ["build", "--show", str(show_root)])
    assert spoke.engines > 0  # the tone spoke, and it gives no word timings of its own
    assert result.exit_code == 0, result.output
    output = show_root / "output"
    manifest = json.loads((output / "manifest.json").read_text())
    record = manifest["episodes"][WORDS]["episode"]
    _give_words(output / record["transcripts"]["application/json"])
    rewrite_feed(load_show(show_root))  # the read-alongs again, now with words
    embed = CliRunner().invoke(main, ["embed", WORDS, "--show", str(show_root)])
    assert embed.exit_code == 0, embed.output

    blog = base / "blog"
    blog.mkdir()
    plain = _snippet(embed.output, "Plain HTML (paste where the player goes):")
    (blog / "plain.html").write_text(_page("A post", f"<p>Before.</p>\n{plain}\n<p>After.</p>"))
    # Jekyll renders the include with the post's slug; Hugo the shortcode's
    include = _snippet(embed.output, "Jekyll: save as _includes/essaycast.html")
    usage = re.search(r'\{% include essaycast.html slug="([^"]+)" %\}', embed.output)
    assert usage and usage.group(1) == WORDS
    jekyll = include.replace("{{ include.slug }}", usage.group(1))
    (blog / "jekyll.html").write_text(_jekyll_post(jekyll))
    shortcode = _snippet(embed.output, "Hugo: save as layouts/shortcodes/essaycast.html")
    assert '{{< essaycast slug="' + WORDS + '" >}}' in embed.output
    # the Hugo page embeds the episode without word timings: sentences are highlighted
    (blog / "hugo.html").write_text(_hugo_page(shortcode.replace('{{ .Get "slug" }}', SENTENCES)))
    blog_url, blog_server = _serve(blog)
    try:
        yield {"show": show_url, "blog": blog_url, "output": output, "embed": embed.output}
    finally:
        for server in (show_server, blog_server):
            server.shutdown()
            server.server_close()


def _page(title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        "<style>body{font-family:Georgia,serif;max-width:40rem;margin:auto}</style></head>"
        f"<body><main><h1>{title}</h1>\n{body}\n</main></body></html>\n"
    )


def _jekyll_post(include: str) -> str:
    """A page shaped like a Jekyll (minima) post whose body has the include in it."""
    return _page(
        "A Jekyll post",
        '<article class="post h-entry" itemscope itemtype="http://schema.org/BlogPosting">'
        '<header class="post-header"><p class="post-meta"><time class="dt-published" '
        'datetime="2026-01-06T00:00:00+00:00">Jan 6, 2026</time></p></header>'
        '<div class="post-content e-content" itemprop="articleBody">'
        f"<p>I wrote about a long take.</p>\n{include}\n<p>Thanks for reading.</p>"
        "</div></article>",
    )


def _hugo_page(shortcode: str) -> str:
    """A page shaped like a Hugo page whose content has the shortcode's output in it."""
    return _page(
        "A Hugo page",
        '<article class="markdown book-article"><div class="content">'
        f"<p>Some second thoughts.</p>\n{shortcode}\n<p>The end.</p></div></article>",
    )


READY = "return !!document.querySelector('.essaycast audio') && "
READY += "document.querySelector('.essaycast audio').readyState >= 1"

NOW = """
var a = document.querySelector('.essaycast audio');
var units = Array.prototype.slice.call(document.querySelectorAll('.essaycast-text [data-start]'));
var now = document.querySelectorAll('.essaycast-text .essaycast-now');
var i = now.length ? units.indexOf(now[0]) : -1;
return {time: a.currentTime, paused: a.paused, count: now.length, index: i,
        start: i >= 0 ? parseFloat(units[i].dataset.start) : null,
        next: i >= 0 && i + 1 < units.length ? parseFloat(units[i + 1].dataset.start) : null,
        word: i >= 0 ? units[i].textContent : null,
        current: i >= 0 ? units[i].getAttribute('aria-current') : null};
"""


def _open(driver: WebDriver, url: str) -> None:
    driver.go(url)
    assert driver.wait_for(READY), driver.run("return document.body.innerText")


def _press(driver: WebDriver, keys: str) -> None:
    """Real key presses to the focused element (W3C WebDriver Element Send Keys)."""
    active = driver.call("GET", f"{driver.session}/element/active")
    element = next(iter(active.values()))
    driver.call("POST", f"{driver.session}/element/{element}/value", {"text": keys})


def _highlight_error(state: dict[str, Any]) -> float:
    """How far (s) the playhead is from the highlighted unit: 0 when it is inside it."""
    time, start, following = state["time"], state["start"], state["next"]
    late = start - time  # highlighted a unit not yet reached
    early = time - following if following is not None else 0.0  # the next one is due
    return max(0.0, late, early)


def test_the_highlighted_word_is_the_one_under_the_playhead(
    browser: WebDriver,  # noqa: F811
    site: dict[str, Any],
) -> None:
    _open(browser, site["blog"] + "plain.html")
    words = browser.run("return document.querySelectorAll('.essaycast-text [data-start]').length")
    assert words > 40  # a span a word, not a sentence
    browser.run("document.querySelector('essaycast-player').essaycast.seek(8.5)")  # the essay
    browser.click(".essaycast-play")
    assert browser.wait_for("return !document.querySelector('.essaycast audio').paused")
    samples, seen = [], set()
    while len(samples) < 400:
        state = browser.run(NOW)
        if state["time"] > 14.0:
            break
        time.sleep(0.02)
        if state["index"] >= 0 and not state["paused"]:
            samples.append(_highlight_error(state))
            seen.add(state["index"])
            assert state["count"] == 1 and state["current"] == "true", state
    worst = max(samples)
    print(f"\nhighlight error over {len(samples)} samples: max {worst * 1000:.0f} ms")
    assert len(seen) >= 5  # the highlight moved from word to word
    assert worst <= 0.1


def test_a_click_on_a_word_seeks_to_its_start(
    browser: WebDriver,  # noqa: F811
    site: dict[str, Any],
) -> None:
    _open(browser, site["blog"] + "plain.html")
    browser.run(
        "var a = document.querySelector('.essaycast audio'); window.__landed = null;"
        "a.addEventListener('seeked', function () { window.__landed = a.currentTime; },"
        " {once: true});"
    )
    target = browser.run(
        "var w = document.querySelectorAll('.essaycast-text [data-start]')[30];"
        "w.id = 'target'; return [parseFloat(w.dataset.start), w.textContent];"
    )
    browser.click("#target")  # a real pointer click on the word
    landed = browser.wait_for("return window.__landed")
    assert landed is not None
    print(
        f"\nclick on {target[1]!r}: landed {abs(landed - target[0]) * 1000:.0f} ms from its start"
    )
    assert abs(landed - target[0]) <= 0.1
    state = browser.wait_for(f"var s = (function(){{{NOW}}})(); return s.paused ? null : s")
    assert state and state["word"] == target[1]  # it plays from there, that word lit


def test_keyboard_seeks_plays_and_changes_speed(
    browser: WebDriver,  # noqa: F811
    site: dict[str, Any],
) -> None:
    _open(browser, site["blog"] + "plain.html")
    now = "return document.querySelector('.essaycast audio').currentTime"
    browser.run("document.querySelector('.essaycast-text').focus()")
    _press(browser, "\ue014\ue014")  # ArrowRight twice: 5 s each
    assert browser.wait_for(f"var t = (function(){{{now}}})(); return t > 9.9 && t < 10.1")
    _press(browser, "\ue012")  # ArrowLeft
    assert browser.wait_for(f"var t = (function(){{{now}}})(); return t > 4.9 && t < 5.1")
    _press(browser, "l")  # 15 s on
    assert browser.wait_for(f"var t = (function(){{{now}}})(); return t > 19.9 && t < 20.1")
    _press(browser, "\ue011")  # Home
    assert browser.wait_for(f"var t = (function(){{{now}}})(); return t < 0.1")
    _press(browser, ">")
    assert browser.run("return document.querySelector('.essaycast audio').playbackRate") == 1.25
    assert browser.run("return document.querySelector('.essaycast-speed').value") == "1.25"
    _press(browser, "k")
    assert browser.wait_for("return !document.querySelector('.essaycast audio').paused")
    assert browser.run("return document.querySelector('.essaycast-play').textContent") == "Pause"
    _press(browser, " ")
    assert browser.wait_for("return document.querySelector('.essaycast audio').paused")


def test_the_player_works_from_another_origin_and_remembers_the_position(
    browser: WebDriver,  # noqa: F811
    site: dict[str, Any],
) -> None:
    _open(browser, site["blog"] + "plain.html")
    origins = browser.run(
        "return [location.origin, new URL(document.querySelector('.essaycast audio').src).origin,"
        " document.querySelector('essaycast-player').getAttribute('src')]"
    )
    assert origins[0] == site["blog"].rstrip("/")
    assert origins[1] == site["show"].rstrip("/") != origins[0]
    assert origins[2] == site["show"] + f"episodes/{WORDS}.json"
    # the fonts are the host page's
    fonts = browser.run(
        "return [getComputedStyle(document.querySelector('.essaycast-text')).fontFamily,"
        " getComputedStyle(document.body).fontFamily]"
    )
    assert fonts[0] == fonts[1]
    browser.run("document.querySelector('.essaycast-text').focus()")
    _press(browser, "l")  # to 15 s, then leave
    assert browser.wait_for(
        "return document.querySelector('.essaycast audio').currentTime > 14.9"
        " && localStorage.length > 0"
    )
    _press(browser, "k")
    _press(browser, "k")  # a pause stores the position at once
    _open(browser, site["blog"] + "plain.html")
    back = browser.wait_for(
        "var t = document.querySelector('.essaycast audio').currentTime; return t > 14 ? t : null"
    )
    assert back and back < 17


def test_a_jekyll_post_with_the_include_plays_along(
    browser: WebDriver,  # noqa: F811
    site: dict[str, Any],
) -> None:
    _open(browser, site["blog"] + "jekyll.html")
    assert browser.run("return document.querySelectorAll('.post-content .essaycast').length") == 1
    assert browser.run("return document.querySelector('.essaycast-title').textContent") == (
        "The Long Take"
    )
    browser.click(".essaycast-play")
    state = browser.wait_for(
        f"var s = (function(){{{NOW}}})(); return s.index > 3 && !s.paused ? s : null"
    )
    assert state and _highlight_error(state) <= 0.1


def test_a_hugo_page_with_the_shortcode_highlights_sentences_without_word_timings(
    browser: WebDriver,  # noqa: F811
    site: dict[str, Any],
) -> None:
    _open(browser, site["blog"] + "hugo.html")
    units = browser.run(
        "return Array.prototype.map.call("
        "document.querySelectorAll('.content .essaycast-text [data-start]'), e => e.textContent)"
    )
    assert "This is the second one." in units  # a span a sentence
    browser.click(".essaycast-play")
    state = browser.wait_for(
        f"var s = (function(){{{NOW}}})(); return s.index >= 1 && !s.paused ? s : null"
    )
    assert state and _highlight_error(state) <= 0.1
    assert state["word"] in units


def test_index_html_uses_the_same_player(
    browser: WebDriver,  # noqa: F811
    site: dict[str, Any],
) -> None:
    page = (site["output"] / "index.html").read_text(encoding="utf-8")
    assert page.count('<script src="player.js" defer>') == 1
    _open(browser, site["show"] + "index.html")
    assert browser.wait_for("return document.querySelectorAll('.essaycast').length === 2")
    # the no-JS transcript is hidden once the player runs; its chapters are buttons
    assert browser.run("return document.querySelector('details.transcript').hidden") is True
    marks = browser.run(
        "return Array.prototype.map.call(document.querySelectorAll("
        "'#the-long-take .essaycast-chapters button'), b => b.textContent)"
    )
    assert [m.split(" ", 1)[1] for m in marks] == ["Intro", "The Long Take", "The door"]
    browser.click("#the-long-take .essaycast-chapters li:nth-child(3) button")
    state = browser.wait_for(
        "var b = document.querySelector('#the-long-take .essaycast-chapters"
        " button[aria-current=true]'); return b ? b.textContent : null"
    )
    assert state and state.endswith("The door")


def _axe(driver: WebDriver) -> list[dict[str, Any]]:
    driver.run(
        "var s = document.createElement('script'); s.textContent = arguments[0];"
        "document.head.appendChild(s);",
        AXE.read_text(encoding="utf-8"),
    )
    return driver.call(
        "POST",
        f"{driver.session}/execute/async",
        {
            "script": "var done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']}).then(function (r) {"
            " done(r.violations.map(function (v) { return {id: v.id, impact: v.impact,"
            " nodes: v.nodes.map(function (n) { return n.target.join(' '); })}; })); },"
            " function (e) {"
            " done([{id: 'axe failed', impact: 'critical', nodes: [String(e)]}]); });",
            "args": [],
        },
    )


@pytest.mark.parametrize("page", ["plain.html", "index.html"])
def test_axe_finds_no_serious_accessibility_violation(
    browser: WebDriver,  # noqa: F811
    site: dict[str, Any],
    page: str,
) -> None:
    url = site["show"] + page if page == "index.html" else site["blog"] + page
    _open(browser, url)
    browser.click(".essaycast-play")  # a word highlighted, a control's name changed
    assert browser.wait_for("return !!document.querySelector('.essaycast-now')")
    # paused, the highlight rests: axe judges its colours, not a frame of the 0.12 s
    # fade between two words (it once caught one half-way, a contrast it never rests at)
    browser.click(".essaycast-play")
    assert browser.wait_for("return document.querySelector('.essaycast audio').paused")
    time.sleep(0.5)
    violations = _axe(browser)
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    print(f"\naxe on {page}: {[(v['id'], v['impact']) for v in violations]}")
    assert not serious, serious
