"""`essaycast episode FILE -o OUT.mp3`: one essay to one MP3, with or without a show."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from mutagen.mp3 import MP3

from pipeline.cli import main

from .conftest import make_show

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A lone episode caches sentences per user; keep the tests' cache in tmp_path."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))


def run(*args: str):
    return CliRunner().invoke(main, ["episode", *args])


def test_a_lone_essay_becomes_an_mp3_with_transcripts_beside_it(tmp_path: Path) -> None:
    essay = tmp_path / "review.md"
    essay.write_text("---\ntitle: A Lone Review\nauthor: Solo Writer\n---\n\nShort and sweet.\n")
    out = tmp_path / "out" / "lone.mp3"
    result = run(str(essay), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Wrote {out} (0:")
    for suffix in (".vtt", ".srt", ".chapters.json"):
        assert out.with_suffix(suffix).is_file()
    mp3 = MP3(str(out))
    assert mp3.info.length > 6  # music, the spoken intro, then the essay
    assert str(mp3.tags["TIT2"]) == "A Lone Review"
    assert str(mp3.tags["TPE1"]) == "Solo Writer"
    assert str(mp3.tags["TALB"]) == "A Lone Review"  # no show: the album is the essay
    assert (tmp_path / "user-cache" / "essaycast").is_dir()  # the per-user sentence cache
    assert "WEBVTT" in out.with_suffix(".vtt").read_text()


def test_an_essay_inside_a_show_uses_its_settings_and_writes_nothing_in_output(
    tmp_path: Path,
) -> None:
    root = make_show(tmp_path / "show")
    out = tmp_path / "first.mp3"
    result = run(str(root / "essays" / "first.md"), "-o", str(out), "--voice", "espeak:en-us")
    assert result.exit_code == 0, result.output
    assert str(MP3(str(out)).tags["TALB"]) == "Tiny Show"
    assert not (root / "output").exists() or not any((root / "output").iterdir())
    assert MP3(str(out)).tags.getall("APIC")[0].type == 3  # the show's cover, embedded
    assert any((root / ".essaycast" / "cache").rglob("*.wav"))  # the show's own cache


def test_the_output_must_be_an_mp3(tmp_path: Path) -> None:
    essay = tmp_path / "a.md"
    essay.write_text("Hello.\n")
    result = run(str(essay), "-o", str(tmp_path / "a.wav"))
    assert result.exit_code == 2
    assert result.output == f"Error: command line: -o: {tmp_path / 'a.wav'} must end in .mp3\n"


def test_a_bad_essay_is_one_line_naming_it(tmp_path: Path) -> None:
    essay = tmp_path / "empty.md"
    essay.write_text("")
    result = run(str(essay))
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {essay}: ")
    assert len(result.output.strip().splitlines()) == 1


def test_an_unknown_voice_is_a_usage_error_naming_the_engines(tmp_path: Path) -> None:
    essay = tmp_path / "a.md"
    essay.write_text("Hello.\n")
    result = run(str(essay), "--voice", "nosuch:x")
    assert result.exit_code == 2
    assert "piper, espeak, gtts" in result.output
