"""Issue 12: one known ffmpeg, one-line ffmpeg errors, no impossible figures, cold builds agree.

Every test here runs with whichever ffmpeg the run chose: the bundled one by
default, Debian's in .ci/run's second pass (ESSAYCAST_FFMPEG=/usr/bin/ffmpeg).
The failures are those of the path episodes take (audio.pieces: level, encode,
measure; check.measure), not of a test double.
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from pipeline import ffmpeg as ff
from pipeline.audio import loudness, pieces
from pipeline.audio.pcm import from_float
from pipeline.audio.piece_cache import PieceCache
from pipeline.errors import ConfigError, EssaycastError
from pipeline.model import Chapter, Paragraph, Sentence, SentenceAudio, SpeechText
from pipeline.standards import EPISODE_RATE
from tests.conftest import TINY_ESSAYS, TINY_TOML, make_show

HAS_DEV_FULL = Path("/dev/full").exists()


def fake_ffmpeg(tmp_path: Path, sed: str = "", drop: str = "") -> Path:
    """A wrapper around the real ffmpeg whose -version is edited by `sed`, lists minus `drop`."""
    real = ff.ffmpeg_exe()
    script = tmp_path / "ffmpeg"
    script.write_text(
        "#!/bin/sh\n"
        f'case "$*" in\n'
        f'  *-version*) "{real}" "$@" | sed "{sed or "s/x/x/"}" ;;\n'
        f'  *-filters*|*-encoders*) "{real}" "$@" | grep -v "{drop or "^$"}" ;;\n'
        f'  *) exec "{real}" "$@" ;;\n'
        "esac\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


@pytest.fixture
def choose(monkeypatch: pytest.MonkeyPatch):
    """Set ESSAYCAST_FFMPEG for one test (the check is remembered per value)."""

    def set_to(value: str) -> None:
        monkeypatch.setenv(ff.ENV, value)

    return set_to


def test_the_bundled_ffmpeg_is_the_default_whatever_is_on_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(ff.ENV, raising=False)
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", "/nonexistent/ffmpeg")  # imageio's own knob
    monkeypatch.setenv("PATH", str(tmp_path))  # no ffmpeg on PATH at all
    chosen = ff.ffmpeg()
    assert chosen.origin == "bundled"
    assert "imageio_ffmpeg" in chosen.path


def test_a_chosen_ffmpeg_is_used_and_checked(choose, tmp_path: Path) -> None:
    script = fake_ffmpeg(tmp_path)
    choose(str(script))
    assert ff.ffmpeg().path == str(script)
    assert ff.ffmpeg().origin == ff.ENV


def test_an_old_ffmpeg_is_refused_in_one_line_naming_its_version(choose, tmp_path: Path) -> None:
    script = fake_ffmpeg(
        tmp_path,
        sed="s/^ffmpeg version [^ ]*/ffmpeg version 4.4.2/;"
        "s/libavfilter .*/libavfilter     7.110.100/",
    )
    choose(str(script))
    with pytest.raises(ConfigError) as err:
        ff.ffmpeg()
    message = err.value.format_message()
    assert message.startswith(f"ESSAYCAST_FFMPEG: {script} is ffmpeg 4.4.2 (libavfilter 7.110)")
    assert "older than 5.0" in message and "unset it" in message
    assert "\n" not in message and err.value.exit_code == 2


def test_a_missing_filter_or_encoder_is_named(choose, tmp_path: Path) -> None:
    choose(str(fake_ffmpeg(tmp_path, drop=r"libmp3lame\|ebur128")))
    with pytest.raises(ConfigError, match="lacks the ebur128 filter, the libmp3lame encoder"):
        ff.ffmpeg()


@pytest.mark.parametrize("value", ["/nonexistent/ffmpeg", "no-such-ffmpeg-command"])
def test_a_chosen_ffmpeg_that_is_not_there_is_named(choose, value: str) -> None:
    choose(value)
    with pytest.raises(ConfigError, match=f"ESSAYCAST_FFMPEG: {value} not found"):
        ff.ffmpeg()


def test_a_bad_choice_stops_the_build_before_any_essay(tmp_path: Path) -> None:
    from pipeline.cli import main

    root = make_show(tmp_path / "show")
    env = {ff.ENV: "/nonexistent/ffmpeg"}
    result = CliRunner().invoke(main, ["build", "--show", str(root)], env=env)
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines() == [
        "Error: ESSAYCAST_FFMPEG: /nonexistent/ffmpeg not found; set it to an ffmpeg 5.0 or "
        "newer, or unset it to use the ffmpeg that comes with essaycast"
    ]
    assert not list((root / "output").glob("episodes/*"))


def tone_wav(path: Path, seconds: float = 3.0, amp: float = 0.1) -> Path:
    t = np.arange(int(seconds * 44100)) / 44100
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(44100)
        out.writeframes(from_float(amp * np.sin(2 * np.pi * 440 * t)))
    return path


@pytest.mark.skipif(not HAS_DEV_FULL, reason="needs /dev/full")
def test_a_full_disk_is_one_line_with_ffmpegs_reason(tmp_path: Path) -> None:
    wav = tone_wav(tmp_path / "t.wav")
    with pytest.raises(EssaycastError) as err:
        ff.run_ffmpeg(["-i", str(wav), "-c:a", "libmp3lame", "-f", "mp3", "/dev/full"], "x.mp3")
    message = err.value.format_message()
    assert message.startswith("x.mp3: ffmpeg failed: ")
    assert message.endswith("No space left on device") and "\n" not in message


LEVEL = pieces.Chain(level="anull", master=lambda gain: loudness.mastering_filter(float(gain)))


def tone_pcm(seconds: float = 1.0, amp: float = 0.1) -> bytes:
    """A 440 Hz tone at EPISODE_RATE, as 16-bit PCM, ending in half a second of silence."""
    t = np.arange(int(seconds * EPISODE_RATE)) / EPISODE_RATE
    return from_float(amp * np.sin(2 * np.pi * 440 * t)) + bytes(EPISODE_RATE)


def one_line(err: pytest.ExceptionInfo[EssaycastError], starts: str) -> str:
    message = err.value.format_message()
    assert message.startswith(starts), message
    assert "\n" not in message, message
    return message


def to_full_disk(path: Path) -> Path:
    """`path` made a link to /dev/full: every write to it fails, as on a full disk."""
    path.symlink_to("/dev/full")
    return path


@pytest.mark.skipif(not HAS_DEV_FULL, reason="needs /dev/full")
def test_a_full_disk_while_levelling_a_piece_is_one_line_with_ffmpegs_reason(
    tmp_path: Path,
) -> None:
    raw = to_full_disk(tmp_path / "piece.raw")
    with pytest.raises(EssaycastError) as err:
        pieces.level_piece([tone_pcm(3.0)], EPISODE_RATE, LEVEL, raw)
    message = one_line(err, "levelling a piece: ffmpeg failed: ")
    assert message.endswith("No space left on device")


@pytest.mark.skipif(not HAS_DEV_FULL, reason="needs /dev/full")
def test_a_full_disk_while_encoding_a_piece_is_one_line_with_ffmpegs_reason(
    tmp_path: Path,
) -> None:
    record = pieces.level_piece([tone_pcm()], EPISODE_RATE, LEVEL, tmp_path / "piece.raw")
    out = to_full_disk(tmp_path / "piece.mp3")
    with pytest.raises(EssaycastError) as err:
        pieces.encode_piece(tmp_path / "piece.raw", record.samples, "0.00", 96, LEVEL, out)
    message = one_line(err, "encoding a piece: ffmpeg failed: ")
    assert message.endswith("No space left on device")


def test_a_filter_ffmpeg_refuses_is_one_line_naming_it_when_levelling(tmp_path: Path) -> None:
    chain = pieces.Chain(level="nosuchfilter", master=LEVEL.master)
    with pytest.raises(EssaycastError) as err:
        pieces.level_piece([tone_pcm()], EPISODE_RATE, chain, tmp_path / "piece.raw")
    assert "nosuchfilter" in one_line(err, "levelling a piece: ffmpeg failed: ")


def test_a_filter_ffmpeg_refuses_is_one_line_naming_it_when_encoding(tmp_path: Path) -> None:
    record = pieces.level_piece([tone_pcm()], EPISODE_RATE, LEVEL, tmp_path / "piece.raw")
    chain = pieces.Chain(level="anull", master=lambda gain: f"volume={gain}dB,nosuchfilter")
    with pytest.raises(EssaycastError) as err:
        pieces.encode_piece(
            tmp_path / "piece.raw", record.samples, "0.00", 96, chain, tmp_path / "p.mp3"
        )
    assert "nosuchfilter" in one_line(err, "encoding a piece: ffmpeg failed: ")


def test_a_piece_ffmpeg_cannot_decode_is_one_line_with_its_reason(tmp_path: Path) -> None:
    mp3 = tmp_path / "piece.mp3"
    mp3.write_bytes(b"not an mp3 at all" * 100)
    with pytest.raises(EssaycastError) as err:
        pieces.measure_piece(mp3, 1152)
    message = one_line(err, "measuring a piece: ffmpeg failed: ")
    # ffmpeg's own words for it: 7 says what is wrong, 5.1 names the file
    assert "Invalid data found when processing input" in message or "piece.mp3" in message


def test_only_the_last_loudness_summary_counts() -> None:
    """ffmpeg 5.1 prints a summary of an empty graph first (-70 LUFS): issue 12's bug."""
    log = (
        "[Parsed_ebur128_3 @ 0x1] Summary:\n\n  Integrated loudness:\n    I:         -70.0 LUFS\n"
        "    Threshold:   0.0 LUFS\n\n  True peak:\n    Peak:        -inf dBFS\n"
        "[Parsed_ebur128_3 @ 0x2] Summary:\n\n"
        "  Integrated loudness:\n    I:         -19.4 LUFS\n    Threshold: -29.6 LUFS\n\n"
        "  Loudness range:\n    LRA:         3.1 LU\n\n  True peak:\n    Peak:        -2.3 dBFS\n"
    )
    assert ff.read_ebur128(log) == ff.Figures(-19.4, -2.3)


# printf's format: what Debian's ffmpeg 5.1 prints for the graph it configures and discards
EMPTY_SUMMARY = (
    r"[Parsed_ebur128_0 @ 0x1] Summary:\n\n  Integrated loudness:\n"
    r"    I:         -70.0 LUFS\n    Threshold:   0.0 LUFS\n\n"
    r"  True peak:\n    Peak:        -inf dBFS\n"
)


def debian_like_ffmpeg(tmp_path: Path) -> Path:
    """The real ffmpeg, but a measuring run first prints a summary of nothing, as Debian's 5.1."""
    real = ff.ffmpeg_exe()
    script = tmp_path / "ffmpeg"
    script.write_text(
        "#!/bin/sh\n"
        'case "$*" in\n'
        f"  *ebur128=*) printf '{EMPTY_SUMMARY}' >&2 ;;\n"
        "esac\n"
        f'exec "{real}" "$@"\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def test_a_summary_of_nothing_first_is_not_the_pieces_or_the_checks_figure(
    choose, tmp_path: Path
) -> None:
    from pipeline import check

    # the same piece measured by the plain ffmpeg and by one that prints -70 LUFS first
    record = pieces.level_piece([tone_pcm(3.0)], EPISODE_RATE, LEVEL, tmp_path / "piece.raw")
    mp3 = tmp_path / "piece.mp3"
    pieces.encode_piece(tmp_path / "piece.raw", record.samples, "0.00", 96, LEVEL, mp3)
    plain = pieces.measure_piece(mp3, record.samples)
    figures = check.measure(mp3, None, None)
    choose(str(debian_like_ffmpeg(tmp_path)))
    assert ff.ffmpeg().origin == ff.ENV
    log = subprocess.run(
        ff.ffmpeg_command(["-i", str(mp3), "-af", "ebur128=peak=true", "-f", "null", "-"], "info"),
        capture_output=True,
        text=True,
    ).stderr
    assert log.index("-70.0 LUFS") < log.rindex("Summary:")  # the trap is laid
    assert pieces.measure_piece(mp3, record.samples) == plain
    trapped = check.measure(mp3, None, None)
    assert (trapped.loudness, trapped.true_peak) == (figures.loudness, figures.true_peak)
    assert -30.0 < figures.loudness < -10.0 and -30.0 < plain.true_peak < 0.0


def speech_of(count: int) -> SpeechText:
    sentences = tuple(Sentence(f"s{i}", f"Sentence {i}.") for i in range(count))
    return SpeechText((Chapter("", (Paragraph(sentences),)),))


def render(folder: Path, sounds: list[SentenceAudio]) -> pieces.RenderedEpisode:
    """The live path: sentences -> pieces -> one MP3 mastered to -16 LUFS as heard."""
    work = folder / "work"
    work.mkdir(parents=True, exist_ok=True)
    keys = [hashlib.sha256(f"{n}".encode()).hexdigest() for n in range(len(sounds))]
    return pieces.render_mp3(
        speech_of(len(sounds)),
        keys,
        lambda indices: (sounds[i] for i in indices),
        sounds[0],
        intro=None,
        outro=None,
        loudness=-16.0,
        kbps=96,
        cache=PieceCache(folder / "cache"),
        work_dir=work,
        out_mp3=folder / "e.mp3",
    )


def test_speech_that_measures_impossibly_quiet_fails_in_one_line(tmp_path: Path) -> None:
    quiet = [SentenceAudio(f"s{i}", from_float(np.full(22050, 1e-5)), 22050) for i in range(2)]
    with pytest.raises(EssaycastError) as err:
        render(tmp_path, quiet)
    message = one_line(err, "the mastered episode measures ")
    assert message.endswith("not published") and "LUFS as heard" in message


def test_a_first_pass_that_misses_is_corrected_on_the_mp3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = np.arange(int(3.0 * 22050)) / 22050
    voice = from_float(0.1 * np.sin(2 * np.pi * 330 * t)) + bytes(11025 * 2)
    sounds = [SentenceAudio(f"s{i}", voice, 22050) for i in range(3)]
    passes: list[str] = []
    splice = pieces.splice_episode

    def counted(*args, **kwargs):
        passes.append((spliced := splice(*args, **kwargs)).gain)
        return spliced

    monkeypatch.setattr(pieces, "splice_episode", counted)
    right = render(tmp_path / "right", sounds).spliced
    assert len(passes) == 1 and abs(right.heard + 16.0) <= loudness.RETRY_LU
    # told the levelled pieces are 3 dB quieter than they are, the first pass lands too loud
    true_gain = loudness.master_gain
    monkeypatch.setattr(loudness, "master_gain", lambda m, target: true_gain(m - 3.0, target))
    passes.clear()
    corrected = render(tmp_path / "corrected", sounds).spliced
    assert len(passes) == 2 and passes[0] != passes[1]  # missed, then a second pass
    assert abs(corrected.heard + 16.0) <= loudness.TOLERANCE_LU
    assert corrected.true_peak <= loudness.TRUE_PEAK_MAX


def _episode_bytes(root: Path) -> dict[str, str]:
    files = sorted((root / "output" / "episodes").iterdir())
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


@pytest.mark.slow
def test_two_cold_builds_in_separate_folders_give_identical_episodes(tmp_path: Path) -> None:
    """A new CI runner, an evicted cache: the same bytes, so the same URLs (SPEC section 8)."""
    from pipeline.cli import main

    toml = TINY_TOML + '\n[music]\nintro = "default"\n'
    one = make_show(tmp_path / "one", TINY_ESSAYS, toml)
    two = make_show(tmp_path / "two", TINY_ESSAYS, toml)
    # one here, with whatever this process's voice has spoken before...
    result = CliRunner().invoke(main, ["build", "--show", str(one)])
    assert result.exit_code == 0, result.output
    # ...the other in a new process, two essays at once: another order of synthesis
    subprocess.run(
        [sys.executable, "-m", "pipeline", "build", "--show", str(two), "-q", "--jobs", "2"],
        check=True,
        env=dict(os.environ),
        capture_output=True,
    )
    assert not (one / ".essaycast").samefile(two / ".essaycast")
    built = _episode_bytes(one)
    assert len([n for n in built if n.endswith(".mp3")]) == 2
    assert _episode_bytes(two) == built
