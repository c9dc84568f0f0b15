"""index.html in headless Chromium, driven by chromedriver: the transcript follows the audio.

The page's read-along player (output/player.js) has no episodes/<slug>.json to
fetch here, like a page opened from file://: it reads the sentences and chapters
from the page's own markup. Play, seek by clicking a sentence, watch the highlight
move; chapters seek; the speed control sets the playback rate. The page is served
by `essaycast serve` on loopback, so seeking uses the same byte ranges a podcast
app would. chromedriver is spoken to
over its W3C WebDriver HTTP API with urllib: no client library needed.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline.publish.site import render_site

from .test_site import episode, show, tone_mp3

LINES = [
    (0.0, "The film opens at dawn."),
    (1.5, "Nobody speaks & the <light> moves."),
    (3.0, "Then a door opens."),
    (4.5, "And the film ends."),
]
CHAPTERS = [(0.0, "Opening"), (3.0, "The door")]
SECONDS = 7.0

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--mute-audio",
    "--disable-quic",
    "--autoplay-policy=no-user-gesture-required",
]


def _tool(name: str, package: str) -> str:
    found = shutil.which(name)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is missing: .ci/run installs Debian's {package}")
        pytest.skip(f"{name} is not installed (apt-get install {package})")
    return found


class WebDriver:
    """The few W3C WebDriver commands this test needs, over HTTP to a local chromedriver."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session = ""

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.url + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:  # loopback only
            return json.loads(response.read() or b"null")["value"]

    def start(self, chromium: str, profile: Path) -> None:
        options = {"binary": chromium, "args": [*FLAGS, f"--user-data-dir={profile}"]}
        value = self.call(
            "POST",
            "/session",
            {
                "capabilities": {
                    "alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": options}
                }
            },
        )
        self.session = f"/session/{value['sessionId']}"

    def go(self, url: str) -> None:
        self.call("POST", f"{self.session}/url", {"url": url})

    def run(self, script: str, *args: Any) -> Any:
        return self.call(
            "POST", f"{self.session}/execute/sync", {"script": script, "args": list(args)}
        )

    def click(self, css: str) -> None:
        """A real pointer click on the element, as a listener would do it."""
        found = self.call(
            "POST", f"{self.session}/element", {"using": "css selector", "value": css}
        )
        element = next(iter(found.values()))
        self.call("POST", f"{self.session}/element/{element}/click", {})

    def wait_for(self, script: str, *args: Any, seconds: float = 30.0) -> Any:
        """Poll a script until it returns something truthy (a deadline, not a timing)."""
        deadline = time.monotonic() + seconds
        while True:
            value = self.run(script, *args)
            if value or time.monotonic() > deadline:
                return value
            time.sleep(0.1)

    def quit(self) -> None:
        if self.session:
            self.call("DELETE", self.session)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    chromium = _tool("chromium", "chromium")
    chromedriver = _tool("chromedriver", "chromium-driver")
    port = _free_port()
    process = subprocess.Popen(
        [chromedriver, f"--port={port}", "--allowed-ips=127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    driver = WebDriver(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if driver.call("GET", "/status").get("ready"):
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("chromedriver did not start")
            time.sleep(0.1)
        driver.start(chromium, tmp_path / "profile")
        yield driver
    finally:
        try:
            driver.quit()
        finally:
            process.terminate()
            process.wait(timeout=30)


@pytest.fixture
def page(tmp_path: Path, served_start: Callable[..., str]) -> str:
    """index.html with one episode of a SECONDS-long tone, served by `essaycast serve`."""
    from pipeline.publish.readalong import PLAYER_NAME, player_script

    root = tmp_path / "output"
    (root / "episodes").mkdir(parents=True)
    audio = tone_mp3(SECONDS)
    (root / "episodes" / "one.mp3").write_bytes(audio)
    (root / PLAYER_NAME).write_bytes(player_script())
    one = episode("one", 5, size=len(audio), duration=SECONDS, title="One & <only>")
    html = render_site(show(), [one], None, {"one": LINES}, {"one": CHAPTERS})
    (root / "index.html").write_bytes(html)
    return served_start(root, base_url=None) + "index.html"


STATE = """
var a = document.querySelector('.essaycast audio');
var now = document.querySelectorAll('.essaycast-text .essaycast-now');
var mark = document.querySelector('.essaycast-chapters button[aria-current=true]');
return {time: a.currentTime, paused: a.paused, rate: a.playbackRate,
        now: Array.prototype.map.call(now, function (p) { return p.dataset.start; }),
        current: now.length ? now[0].getAttribute('aria-current') : null,
        mark: mark ? mark.dataset.chapter : null};
"""
READY = "var a = document.querySelector('.essaycast audio'); return !!a && a.readyState >= 1"


def test_play_click_a_sentence_and_the_highlight_follows(browser: WebDriver, page: str) -> None:
    browser.go(page)
    assert browser.wait_for(READY)
    # the writer's characters, as written
    texts = browser.run(
        "return Array.prototype.map.call("
        "document.querySelectorAll('.essaycast-text [data-start]'), p => p.textContent)"
    )
    assert texts[1] == "Nobody speaks & the <light> moves."
    assert browser.run("return document.querySelector('details.transcript').hidden") is True

    browser.click('.essaycast-text [data-start="3"]')  # seeks there and plays
    state = browser.wait_for(
        f"var s = (function(){{{STATE}}})(); return s.time >= 3 && !s.paused ? s : null"
    )
    assert state, browser.run(STATE)
    assert state["now"] == ["3"] and state["current"] == "true"
    assert state["mark"] == "3"  # the chapter it is in is marked too

    # playing on, the highlight moves to the next sentence by itself
    moved = browser.wait_for(
        f"var s = (function(){{{STATE}}})(); return s.now[0] === '4.5' ? s : null"
    )
    assert moved, browser.run(STATE)
    assert moved["time"] >= 4.5 and len(moved["now"]) == 1


def test_chapters_seek_and_the_speed_control_sets_the_rate(browser: WebDriver, page: str) -> None:
    browser.go(page)
    assert browser.wait_for(READY)
    titles = browser.run(
        "return Array.prototype.map.call("
        "document.querySelectorAll('.essaycast-chapters button'), b => b.textContent)"
    )
    assert titles == ["0:00 Opening", "0:03 The door"]
    browser.click('.essaycast-chapters button[data-chapter="3"]')
    state = browser.wait_for(f"var s = (function(){{{STATE}}})(); return s.time >= 3 ? s : null")
    assert state and state["now"] == ["3"] and state["mark"] == "3"

    browser.run(
        "var s = document.querySelector('.essaycast-speed'); s.value = '1.5';"
        "s.dispatchEvent(new Event('change'));"
    )
    assert browser.run(STATE)["rate"] == 1.5

    browser.click('.essaycast-chapters button[data-chapter="0"]')
    back = browser.wait_for(
        f"var s = (function(){{{STATE}}})(); return s.time < 1.5 && s.mark === '0' ? s : null"
    )
    assert back and back["now"] == ["0"]
