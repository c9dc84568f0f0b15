"""Issue 12: one known ffmpeg, one-line ffmpeg errors, no impossible figures, cold builds agree.

Every test here runs with whichever ffmpeg the run chose: the bundled one by
default, Debian's in .ci/run's second pass (ESSAYCAST_FFMPEG=/usr/bin/ffmpeg).
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
from pipeline.audio.layout import assemble
from pipeline.audio.loudness import measure, parse_summary
from pipeline.audio.pcm import from_float
from pipeline.errors import ConfigError, EssaycastError
from pipeline.model import Chapter, Paragraph, Sentence, SentenceAudio, SpeechText
from pipeline.render import master_to_mp3
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


@pytest.mark.skipif(not HAS_DEV_FULL, reason="needs /dev/full")
def test_a_full_disk_while_streaming_is_one_line_too(tmp_path: Path) -> None:
    stream = ff.FfmpegStream(
        ["-f", "s16le", "-ar", "22050", "-ac", "1", "-i", "pipe:0", "-f", "wav", "/dev/full"],
        what="assembling the episode",
    )
    stream.write(bytes(44100 * 4))
    with pytest.raises(EssaycastError) as err:
        stream.finish()
    message = err.value.format_message()
    assert message.startswith("assembling the episode: ffmpeg failed: ")
    assert "No space left on device" in message and "\n" not in message


def test_an_unreadable_input_names_the_reason() -> None:
    with pytest.raises(EssaycastError) as err:
        ff.run_ffmpeg(["-i", "/nonexistent.wav", "-f", "null", "-"], "music.wav")
    message = err.value.format_message()
    assert "No such file or directory" in message and "\n" not in message


def test_only_the_last_loudness_summary_counts() -> None:
    """ffmpeg 5.1 prints a summary of an empty graph first (-70 LUFS): issue 12's bug."""
    log = (
        "[Parsed_ebur128_3 @ 0x1] Summary:\n\n  Integrated loudness:\n    I:         -70.0 LUFS\n"
        "    Threshold:   0.0 LUFS\n[Parsed_ebur128_3 @ 0x2] Summary:\n\n"
        "  Integrated loudness:\n    I:         -19.4 LUFS\n    Threshold: -29.6 LUFS\n"
    )
    assert parse_summary(log).integrated == -19.4


def speech_of(count: int) -> SpeechText:
    sentences = tuple(Sentence(f"s{i}", f"Sentence {i}.") for i in range(count))
    return SpeechText((Chapter("", (Paragraph(sentences),)),))


def test_speech_that_measures_impossibly_quiet_fails_in_one_line(tmp_path: Path) -> None:
    silent = [SentenceAudio(f"s{i}", bytes(44100), 22050) for i in range(2)]
    with pytest.raises(EssaycastError) as err:
        assemble(speech_of(2), iter(silent), tmp_path / "e.wav", loudness=-16.0)
    message = err.value.format_message()
    assert "cannot be right for speech" in message and "\n" not in message


def test_a_wrong_measured_figure_is_caught_on_the_mp3_and_corrected(tmp_path: Path) -> None:
    wav = tone_wav(tmp_path / "t.wav", seconds=4.0, amp=0.1)  # about -23 LUFS plainly
    # told the WAV is 8 dB quieter than it is, the first pass lands 8 dB too loud
    true = measure(wav).integrated
    heard = master_to_mp3(wav, tmp_path / "t.mp3", -16.0, 96, measured=true - 8.0)
    assert abs(heard.integrated + 16.0) <= 0.5
    assert heard.true_peak is not None and heard.true_peak <= -1.0
    again = measure(tmp_path / "t.mp3", heard=True, true_peak=True)
    assert again == heard  # what was checked is what is published


def test_an_impossible_measured_figure_is_measured_again(tmp_path: Path) -> None:
    wav = tone_wav(tmp_path / "t.wav", seconds=4.0, amp=0.1)
    heard = master_to_mp3(wav, tmp_path / "t.mp3", -16.0, 96, measured=-70.0)
    assert abs(heard.integrated + 16.0) <= 0.5


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
