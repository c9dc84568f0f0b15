"""`essaycast voices`, --voice and front-matter voices, through the CLI."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.model import VoiceSpec
from pipeline.speech.cache import SentenceCache
from tests.conftest import TINY_TOML, make_show

ESPEAK_TOML = TINY_TOML + '\n[voice]\nengine = "espeak"\nvoice = "en-us"\n'


def _run(*args: str):
    return CliRunner(mix_stderr=False).invoke(main, list(args))


def test_voices_lists_every_engine_and_whether_it_works() -> None:
    result = _run("voices")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert re.match(r"ENGINE +VOICE +STATUS +NOTE", lines[0])
    assert re.search(
        r"^piper +en_US-joe-medium +ok +American English, male; "
        r"bundled \(pip\); default$",
        result.output,
        re.MULTILINE,
    )
    assert re.search(
        r"^espeak +en-us +ok +English \(America\); default$", result.output, re.MULTILINE
    )
    # gtts is never probed unless asked: no network in a listing
    assert re.search(
        r"^gtts +en +online; needs network \(not checked: --check\) +English",
        result.output,
        re.MULTILINE,
    )
    for engine in ("piper", "espeak", "gtts"):
        assert f"\n{engine}: " in result.output  # its summary and settings


def test_voices_for_one_engine_and_an_unknown_one() -> None:
    result = _run("voices", "espeak")
    assert result.exit_code == 0
    assert not re.search(r"^(piper|gtts) ", result.output, re.MULTILINE)
    bad = _run("voices", "nosuch")
    assert bad.exit_code == 2
    assert bad.stderr == (
        "Error: command line: unknown engine 'nosuch'; "
        "the engines are hibari, kokoro, piper, espeak, gtts\n"
    )


def test_build_with_an_unknown_engine_is_a_usage_error(tmp_path: Path) -> None:
    root = make_show(tmp_path / "show")
    result = _run("build", "--show", str(root), "--voice", "nosuch:x")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: command line: voice 'nosuch:x': unknown engine 'nosuch'; "
        "the engines are hibari, kokoro, piper, espeak, gtts\n"
    )
    assert not (root / "output" / "feed.xml").exists()


def test_an_unknown_voice_in_podcast_toml_is_a_configuration_error(tmp_path: Path) -> None:
    root = make_show(tmp_path / "show", toml=TINY_TOML + '\n[voice]\nengine = "espek"\n')
    result = _run("build", "--show", str(root))
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: podcast.toml: voice.engine: unknown engine 'espek'; "
        "the engines are hibari, kokoro, piper, espeak, gtts\n"
    )


@pytest.mark.slow
def test_the_same_essays_render_with_espeak_and_with_piper(tmp_path: Path) -> None:
    root = make_show(tmp_path / "show")
    sizes = {}
    for voice in ("espeak:en-us+m3", "piper"):
        result = _run("build", "--show", str(root), "--voice", voice)
        assert result.exit_code == 0, result.stderr
        assert result.output.startswith("Built 2 episodes (0 unchanged)")
        (mp3,) = (root / "output" / "episodes").glob("first-light-*.mp3")
        sizes[voice] = mp3.read_bytes()
    assert sizes["espeak:en-us+m3"] != sizes["piper"]


@pytest.mark.slow
def test_front_matter_voice_renders_that_essay_with_espeak(tmp_path: Path) -> None:
    root = make_show(
        tmp_path / "show",
        {
            "first.md": """\
            ---
            title: First Light
            date: 2026-01-05
            voice: espeak:en-us
            ---
            The film opens at dawn.
            """,
            "second.txt": """\
            ---
            title: Second Thoughts
            date: 2026-02-10
            ---
            A short review, read aloud.
            """,
        },
    )
    plan = _run("build", "--show", str(root), "--dry-run")
    assert "new        first-light  (espeak:en-us)" in plan.output
    assert "new        second-thoughts  (hibari:heart)" in plan.output
    result = _run("build", "--show", str(root))
    assert result.exit_code == 0, result.stderr
    cache = SentenceCache(root / ".essaycast" / "cache" / "sentences")
    espeak_key = cache.key(VoiceSpec("espeak", "en-us"), "The film opens at dawn.")
    default_key = cache.key(VoiceSpec("hibari", "heart"), "A short review, read aloud.")
    assert espeak_key in cache and default_key in cache


def test_unknown_voice_in_one_essay_fails_that_essay_only(tmp_path: Path) -> None:
    root = make_show(
        tmp_path / "show",
        {
            "first.md": "---\ntitle: First Light\nvoice: espeak:klingon\n---\nHello.\n",
            "second.txt": "---\ntitle: Second Thoughts\n---\nA short review.\n",
        },
        toml=ESPEAK_TOML,
    )
    result = _run("build", "--show", str(root))
    assert result.exit_code == 1
    # stderr also has each essay's progress line (pipeline/watch.py); one error
    (line,) = [text for text in result.stderr.splitlines() if text.startswith("Error:")]
    assert line.startswith(
        "Error: essays/first.md: voice 'espeak:klingon': "
        "unknown espeak voice 'klingon'; use a language such as en-us"
    )
    assert len(list((root / "output" / "episodes").glob("second-thoughts-*.mp3"))) == 1
    assert not list((root / "output" / "episodes").glob("first-light*"))
    assert "Built 1 episode (0 unchanged, 1 failed)" in result.output


def test_an_unknown_voice_names_the_choices_in_one_line(tmp_path: Path) -> None:
    root = make_show(tmp_path / "show", toml=ESPEAK_TOML)
    result = _run("build", "--show", str(root), "--voice", "espeak:xx", "--dry-run")
    assert result.exit_code == 2
    assert result.stderr == textwrap.dedent("""\
        Error: command line: voice 'espeak:xx': unknown espeak voice 'xx'; use a language such \
as en-us, en-gb, de, fr, es (`essaycast voices espeak` lists them all), optionally with a \
variant: "en-us+f3"
        """)
