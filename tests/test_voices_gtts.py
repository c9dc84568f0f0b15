"""gTTS against a local stub that speaks Google's wire protocol; never the network."""

from __future__ import annotations

import re
import socket
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.errors import EngineUnavailable
from pipeline.model import VoiceSpec
from pipeline.speech.gtts import ENDPOINT_ENV, SAMPLE_RATE, GttsEngine
from tests.conftest import make_show
from tests.stubs.gtts_stub import GttsStub

OFFLINE_LINE = "use an offline engine: hibari, kokoro, piper or espeak"


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    # gTTS hands urllib's proxies to requests, which would send even 127.0.0.1 to them
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[GttsStub]:
    with GttsStub() as server:
        monkeypatch.setenv(ENDPOINT_ENV, server.url)
        yield server


def _closed_port_url() -> str:
    """An endpoint on this machine where nobody listens: what offline looks like."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/batchexecute"


def test_gtts_speaks_each_sentence_through_the_stub(stub: GttsStub) -> None:
    engine = GttsEngine(VoiceSpec("gtts", "en,tld=co.uk"))
    audio = list(engine.synthesize(["The film opens at dawn.", "Nobody speaks."]))
    assert [a.text for a in audio] == ["The film opens at dawn.", "Nobody speaks."]
    assert all(a.sample_rate == SAMPLE_RATE for a in audio)
    # the stub's tone lasts 0.3 s + 0.05 s a character: the MP3 was really decoded
    assert audio[0].duration == pytest.approx(0.3 + 0.05 * 23, abs=0.15)
    assert audio[0].duration > audio[1].duration
    assert [(r.tld, r.lang, r.text, r.slow) for r in stub.requests] == [
        ("co.uk", "en", "The film opens at dawn.", False),
        ("co.uk", "en", "Nobody speaks.", False),
    ]


def test_gtts_slow_language_and_speed_settings(stub: GttsStub) -> None:
    normal = next(GttsEngine(VoiceSpec("gtts", "fr")).synthesize(["Bonjour à tous."]))
    faster = next(GttsEngine(VoiceSpec("gtts", "fr,slow", 2.0)).synthesize(["Bonjour à tous."]))
    assert (stub.requests[1].lang, stub.requests[1].slow, stub.requests[1].tld) == (
        "fr",
        True,
        "com",
    )
    # speed 2.0 is a tempo change by ffmpeg: half the length, same sample rate
    assert faster.duration == pytest.approx(normal.duration / 2, rel=0.15)


def test_rate_limit_is_retried_with_back_off_then_succeeds(monkeypatch) -> None:
    slept: list[float] = []
    with GttsStub(statuses=[429, 429]) as server:
        monkeypatch.setenv(ENDPOINT_ENV, server.url)
        engine = GttsEngine(VoiceSpec("gtts", "en"), delays=(0.5, 2.0, 8.0), sleep=slept.append)
        (audio,) = engine.synthesize(["Third time lucky."])
    assert audio.duration > 0.3
    assert slept == [0.5, 2.0]
    assert len(server.requests) == 3


def test_rate_limit_that_never_ends_is_one_clear_error(monkeypatch) -> None:
    slept: list[float] = []
    with GttsStub(statuses=[429] * 10) as server:
        monkeypatch.setenv(ENDPOINT_ENV, server.url)
        engine = GttsEngine(VoiceSpec("gtts", "en"), delays=(1.0, 1.0), sleep=slept.append)
        with pytest.raises(EngineUnavailable) as caught:
            list(engine.synthesize(["Never mind."]))
    message = caught.value.format_message()
    assert "\n" not in message
    assert "HTTP 429, 3 tries" in message and OFFLINE_LINE in message
    assert slept == [1.0, 1.0]


def test_offline_is_one_line_naming_the_offline_engines(monkeypatch) -> None:
    monkeypatch.setenv(ENDPOINT_ENV, _closed_port_url())
    engine = GttsEngine(VoiceSpec("gtts", "en"))
    with pytest.raises(EngineUnavailable) as caught:
        list(engine.synthesize(["Hello?"]))
    message = caught.value.format_message()
    assert message.startswith("gtts: cannot reach 127.0.0.1:")
    assert message.endswith("(offline?); use an offline engine: hibari, kokoro, piper or espeak")
    assert "\n" not in message


def _gtts_show(root: Path) -> Path:
    toml = textwrap.dedent("""\
        [podcast]
        title = "Online Show"
        author = "Test Writer"
        base_url = "http://127.0.0.1:8000/online/"

        [voice]
        engine = "gtts"
        voice = "en"
        """)
    essays = {"hello.md": "---\ntitle: Hello\ndate: 2026-01-05\n---\n\nGood morning. Welcome.\n"}
    return make_show(root, essays, toml)


@pytest.mark.slow
def test_build_with_gtts_against_the_stub(tmp_path: Path, stub: GttsStub) -> None:
    show = _gtts_show(tmp_path / "show")
    result = CliRunner().invoke(main, ["build", "--show", str(show)])
    assert result.exit_code == 0, result.output
    assert len(list((show / "output" / "episodes").glob("hello-*.mp3"))) == 1
    spoken = {r.text for r in stub.requests}
    assert {"Good morning.", "Welcome."} <= spoken


def test_build_with_gtts_offline_fails_the_essay_in_one_line(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(ENDPOINT_ENV, _closed_port_url())
    show = _gtts_show(tmp_path / "show")
    result = CliRunner(mix_stderr=False).invoke(main, ["build", "--show", str(show)])
    assert result.exit_code == 1
    # stderr also has the essay's progress line (pipeline/watch.py); one error
    (line,) = [text for text in result.stderr.splitlines() if text.startswith("Error:")]
    assert line.startswith("Error: essays/hello.md: gtts: cannot reach")
    assert line.endswith(OFFLINE_LINE)


def test_voices_check_probes_the_stub(stub: GttsStub) -> None:
    result = CliRunner().invoke(main, ["voices", "gtts", "--check"])
    assert result.exit_code == 0, result.output
    assert re.search(r"^gtts +en +ok \(online\) +English; default$", result.output, re.MULTILINE)


def test_voices_check_reports_offline(monkeypatch) -> None:
    monkeypatch.setenv(ENDPOINT_ENV, _closed_port_url())
    result = CliRunner().invoke(main, ["voices", "gtts", "--check"])
    assert result.exit_code == 0, result.output
    assert "unavailable: cannot reach 127.0.0.1:" in result.output
