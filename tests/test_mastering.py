"""A short real render (Piper voice, show music, cover) measured as SPEC §5 says."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3, BitrateMode

from pipeline.audio.layout import Pacing
from pipeline.ffmpeg import ffmpeg_exe
from tests.conftest import TINY_TOML, make_show

pytestmark = pytest.mark.slow

ESSAY = """\
---
title: Long Takes
date: 2026-03-01
author: Jo Critic
---

The camera waits. Nobody cuts away.

## The corridor

A woman walks the length of a corridor, and the shot follows her all the way.

## The ending

It simply stops.
"""


def ebur128(path: Path, dualmono: bool) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) from ffmpeg's ebur128 summary."""
    options = "peak=true:framelog=verbose" + (":dualmono=true" if dualmono else "")
    log = subprocess.run(
        [
            ffmpeg_exe(),
            "-hide_banner",
            "-nostats",
            "-i",
            str(path),
            "-af",
            f"ebur128={options}",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    summary = log[log.rindex("Summary:") :]
    integrated = float(re.search(r"I:\s*(-?[\d.]+) LUFS", summary).group(1))
    peak = float(re.search(r"Peak:\s*(-?[\d.]+|-inf) dBFS", summary).group(1))
    return integrated, peak


def decode(path: Path) -> np.ndarray:
    pcm = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-"],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(pcm, "<i2").astype(np.float32) / 32768


def output(episodes: Path, suffix: str) -> Path:
    """The episode's file with `suffix`; names carry a content hash (long-takes-<sha>.mp3)."""
    (path,) = episodes.glob(f"long-takes-*{suffix}")
    return path


def vtt_cues(text: str) -> list[tuple[float, float, str]]:
    def seconds(clock: str) -> float:
        h, m, s = clock.split(":")
        return int(h) * 3600 + int(m) * 60 + float(s)

    cues = []
    for block in text.split("\n\n")[1:]:
        lines = block.strip().splitlines()
        if lines and " --> " not in lines[0]:
            lines = lines[1:]  # the cue identifier (transcript.cue_id)
        if lines:
            start, end = lines[0].split(" --> ")
            cues.append((seconds(start), seconds(end), " ".join(lines[1:])))
    return cues


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The episode's output folder: one essay with two headings, music and a cover."""
    from click.testing import CliRunner
    from PIL import Image

    from pipeline.cli import main

    toml = TINY_TOML + 'image = "cover.png"\n\n[music]\nintro = "music/chord.wav"\n'
    root = make_show(tmp_path_factory.mktemp("mastering") / "show", {"long-takes.md": ESSAY}, toml)
    (root / "music").mkdir()
    # an A major chord with a slow tremolo, 8 s: music enough to duck
    subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "aevalsrc=0.3*(sin(2*PI*220*t)+sin(2*PI*277.2*t)+sin(2*PI*329.6*t))"
            "*(0.8+0.2*sin(2*PI*0.5*t)):s=44100:d=8",
            str(root / "music" / "chord.wav"),
        ],
        check=True,
    )
    Image.new("RGB", (1400, 1400), (180, 40, 60)).save(root / "cover.png")
    result = CliRunner().invoke(main, ["build", "--show", str(root)])
    assert result.exit_code == 0, result.output
    return root / "output" / "episodes"


def test_loudness_and_true_peak_measured_on_the_final_mp3(rendered: Path) -> None:
    mp3 = output(rendered, ".mp3")
    heard, true_peak = ebur128(mp3, dualmono=True)
    plain, _ = ebur128(mp3, dualmono=False)
    assert -17.0 <= heard <= -15.0, heard  # -16 LUFS as heard
    assert -20.0 <= plain <= -18.0, plain  # -19 LUFS measured plainly
    assert true_peak <= -1.0, true_peak


def test_mp3_is_cbr_mono_44k_with_id3v23_frames_and_front_cover(rendered: Path) -> None:
    mp3 = output(rendered, ".mp3")
    info = MP3(str(mp3)).info
    assert (info.sample_rate, info.channels, info.bitrate) == (44100, 1, 96000)
    assert info.bitrate_mode in (BitrateMode.CBR, BitrateMode.UNKNOWN)
    assert mp3.read_bytes()[:3] == b"ID3"
    tags = ID3(str(mp3))
    assert tags.version == (2, 3, 0)
    assert str(tags["TIT2"]) == "Long Takes"
    assert str(tags["TPE1"]) == "Jo Critic"
    assert str(tags["TALB"]) == "Tiny Show"
    assert str(tags["TCON"]) == "Podcast"
    assert str(tags["TDRC"]).startswith("2026-03-01")
    (apic,) = tags.getall("APIC")
    assert apic.type == 3 and apic.mime == "image/jpeg"
    from io import BytesIO

    from PIL import Image

    assert Image.open(BytesIO(apic.data)).size == (800, 800)
    assert tags.size <= 300_000  # FEED-RULES I3


def test_id3_chapters_match_the_json_chapters(rendered: Path) -> None:
    tags = ID3(str(output(rendered, ".mp3")))
    chaps = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    (toc,) = tags.getall("CTOC")
    assert list(toc.child_element_ids) == [c.element_id for c in chaps]
    body = json.loads((output(rendered, ".chapters.json")).read_text())
    assert body["version"] == "1.2.0"
    chapters = body["chapters"]
    titles = [c["title"] for c in chapters]
    assert titles == ["Intro", "Long Takes", "The corridor", "The ending"]
    assert [str(c.sub_frames["TIT2"]) for c in chaps] == titles
    duration = MP3(str(output(rendered, ".mp3"))).info.length
    assert chapters[0]["startTime"] == 0
    for chapter, chap in zip(chapters, chaps, strict=True):
        assert isinstance(chapter["startTime"], int | float)
        assert chapter["startTime"] < chapter["endTime"] <= duration + 0.1
        assert abs(chap.start_time - chapter["startTime"] * 1000) <= 1
    starts = [c["startTime"] for c in chapters]
    assert starts == sorted(starts)


def test_cues_start_after_the_music_rise_and_stay_inside_the_episode(rendered: Path) -> None:
    vtt = (output(rendered, ".vtt")).read_text()
    assert vtt.startswith("WEBVTT\n")
    cues = vtt_cues(vtt)
    # one per sentence (headings are read aloud too, as their own sentences)
    texts = [text for _, _, text in cues]
    # the spoken intro is in the transcript too, as its own cues (SPEC section 5)
    assert texts[:4] == [
        "Tiny Show.",
        "Long Takes, by Jo Critic.",
        "The camera waits.",
        "Nobody cuts away.",
    ]
    assert texts[-1] == "It simply stops."
    # the intro: music alone, then the spoken intro; the essay after the music's fade
    assert Pacing().music_lead <= cues[0][0] < Pacing().music_lead + 0.3
    assert cues[2][0] > cues[1][1] + Pacing().swell
    duration = MP3(str(output(rendered, ".mp3"))).info.length
    for (start, end, _), (next_start, _, _) in zip(
        cues, cues[1:] + [(duration, 0, "")], strict=True
    ):
        assert start < end <= next_start <= duration
    srt = (output(rendered, ".srt")).read_text()
    # the SRT cuts long sentences finer (the Podcast Namespace's 2 lines of 32)
    assert srt.count(" --> ") >= len(cues)
    assert all(len(line) <= 32 for line in srt.splitlines())


def test_each_cue_starts_where_its_sentence_is_heard(rendered: Path) -> None:
    samples = decode(output(rendered, ".mp3"))
    rate = 44100
    cues = vtt_cues((output(rendered, ".vtt")).read_text())
    for start, _, text in cues[2:]:  # the essay's; the spoken intro's lie over music
        at = int(start * rate)
        before = samples[max(0, at - int(0.3 * rate)) : at - int(0.05 * rate)]
        after = samples[at : at + int(0.25 * rate)]
        # quiet in the pause before the cue, speech within 0.25 s of its start
        assert np.abs(before).max() < 0.02, text
        assert np.abs(after).max() > 0.1, text


def test_the_first_seconds_are_music_then_voice_over_ducked_music(rendered: Path) -> None:
    samples = decode(output(rendered, ".mp3"))
    rate, lead = 44100, Pacing().music_lead

    def rms_db(a: float, b: float) -> float:
        chunk = samples[int(a * rate) : int(b * rate)]
        return float(10 * np.log10((chunk**2).mean() + 1e-12))

    music_alone = rms_db(0.5, lead - 0.6)
    assert music_alone > -30  # the chord is there from the start, at a real level
    # while the voice speaks, the chord sits ~14 dB down: between words the bed is quiet
    spoken_with_bed = samples[int((lead + 0.2) * rate) : int((lead + 2.0) * rate)]
    window = int(0.05 * rate)
    frames = spoken_with_bed[: len(spoken_with_bed) // window * window].reshape(-1, window)
    quietest = 10 * np.log10((frames**2).mean(axis=1).min() + 1e-12)
    assert quietest < music_alone - 8


def levels_db(samples: np.ndarray, window: float = 0.05) -> np.ndarray:
    """RMS level in dBFS of each `window` seconds."""
    size = int(window * 44100)
    count = len(samples) // size
    power = (samples[: count * size].astype(np.float64).reshape(count, size) ** 2).mean(axis=1)
    return 10 * np.log10(power + 1e-12)


@pytest.mark.parametrize("silence_db", [-40.0, -50.0, -60.0])
def test_the_essay_begins_within_a_second_of_the_intros_last_sound(
    rendered: Path, silence_db: float
) -> None:
    """No dead air (SPEC section 5), whatever level one calls silence."""
    essay_start = vtt_cues(output(rendered, ".vtt").read_text())[2][0]
    levels = levels_db(decode(output(rendered, ".mp3")))
    before = levels[: int(essay_start / 0.05)]  # windows wholly before the essay's first word
    last_sound = (int(np.flatnonzero(before > silence_db)[-1]) + 1) * 0.05
    assert essay_start - last_sound <= 1.0


def test_no_silence_is_longer_than_the_chapter_pause(rendered: Path) -> None:
    quiet = levels_db(decode(output(rendered, ".mp3"))) < -50.0
    longest = run = 0
    for window in quiet[:-40]:  # the last 2 s: the ring-out after the last word
        run = run + 1 if window else 0
        longest = max(longest, run)
    # the pause itself, plus the quiet edges the trim keeps around each sentence
    assert longest * 0.05 <= Pacing().chapter + 0.1
