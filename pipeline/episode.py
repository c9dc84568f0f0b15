"""Episode WAV -> mastered MP3 with ID3v2.3 tags and chapters.

Mastering runs in ffmpeg, which streams, so a two-hour episode never sits in
memory. Loudness is set by two-pass loudnorm: the first pass measures, the
second applies one linear gain (no pumping) with a true-peak limiter.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .errors import EssaycastError
from .ffmpeg import ffmpeg_exe, run_ffmpeg
from .model import ChapterMark

# A mono file is heard on two ears: it sounds 3 LU louder than it measures.
MONO_OFFSET_LU = 3.0
TRUE_PEAK_CEILING = -1.5  # dBTP before encoding; MP3 adds a little overshoot
LOUDNESS_RANGE = 11.0
# Gentle speech compression evens out sentence-to-sentence level before loudnorm.
COMPRESSOR = "acompressor=threshold=-24dB:ratio=2.5:attack=15:release=250:makeup=2"


@dataclass(frozen=True)
class Tags:
    """What the ID3 frames say."""

    title: str
    artist: str
    album: str
    date: datetime
    description: str = ""
    track: int | None = None


def _loudnorm(target: float, measured: dict[str, str] | None = None) -> str:
    spec = f"loudnorm=I={target:.1f}:TP={TRUE_PEAK_CEILING}:LRA={LOUDNESS_RANGE}"
    if measured is None:
        return spec + ":print_format=json"
    return spec + (
        f":measured_I={measured['input_i']}:measured_TP={measured['input_tp']}"
        f":measured_LRA={measured['input_lra']}:measured_thresh={measured['input_thresh']}"
        f":offset={measured['target_offset']}:linear=true:print_format=summary"
    )


def measure_loudness(wav: Path, target: float) -> dict[str, str]:
    """First loudnorm pass: what the compressed episode measures."""
    cmd = [
        ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats", "-i", str(wav),
        "-af", f"{COMPRESSOR},{_loudnorm(target)}", "-f", "null", "-",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    found = re.search(r"\{[^{}]*\"input_i\"[^{}]*\}", proc.stderr)
    if proc.returncode != 0 or not found:
        raise EssaycastError(f"{wav}: loudness measurement failed: {proc.stderr[-300:]}")
    return json.loads(found.group(0))


def master_to_mp3(wav: Path, mp3: Path, loudness: float, kbps: int) -> None:
    """Compress, normalise to `loudness` LUFS as heard, limit peaks, encode CBR mono."""
    target = loudness - MONO_OFFSET_LU
    measured = measure_loudness(wav, target)
    run_ffmpeg(
        [
            "-i", str(wav),
            "-af", f"{COMPRESSOR},{_loudnorm(target, measured)}",
            "-ar", "44100", "-ac", "1",
            "-c:a", "libmp3lame", "-b:a", f"{kbps}k",
            # no Xing/encoder tag noise beyond what players need; tags come from mutagen
            "-map_metadata", "-1", "-write_xing", "1", "-id3v2_version", "0",
            "-f", "mp3", str(mp3),
        ],
        what=str(mp3),
    )


def tag_mp3(
    mp3: Path,
    tags: Tags,
    chapters: Sequence[ChapterMark] = (),
    cover: bytes | None = None,
    cover_mime: str = "image/jpeg",
) -> None:
    """Write ID3v2.3 frames: text, cover art (front cover) and CHAP/CTOC chapters."""
    from mutagen.id3 import (
        APIC,
        CHAP,
        COMM,
        CTOC,
        ID3,
        TALB,
        TCON,
        TDRC,
        TIT2,
        TPE1,
        TRCK,
        CTOCFlags,
    )

    id3 = ID3()
    id3.add(TIT2(encoding=3, text=tags.title))
    id3.add(TPE1(encoding=3, text=tags.artist))
    id3.add(TALB(encoding=3, text=tags.album))
    id3.add(TCON(encoding=3, text="Podcast"))
    id3.add(TDRC(encoding=3, text=tags.date.strftime("%Y-%m-%d")))
    if tags.track:
        id3.add(TRCK(encoding=3, text=str(tags.track)))
    if tags.description:
        id3.add(COMM(encoding=3, lang="eng", desc="", text=tags.description))
    if cover:
        id3.add(APIC(encoding=3, mime=cover_mime, type=3, desc="Cover", data=cover))
    ids = [f"chp{n}" for n in range(len(chapters))]
    for element_id, mark in zip(ids, chapters, strict=True):
        id3.add(
            CHAP(
                element_id=element_id,
                start_time=round(mark.start * 1000),
                end_time=round(mark.end * 1000),
                sub_frames=[TIT2(encoding=3, text=mark.title or tags.title)],
            )
        )
    if ids:
        id3.add(
            CTOC(
                element_id="toc",
                flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                child_element_ids=ids,
                sub_frames=[TIT2(encoding=3, text=tags.title)],
            )
        )
    # v2.3 is the version every player reads (FEED-RULES I1); it also puts the tag at byte 0
    id3.save(str(mp3), v2_version=3)


def mp3_duration(mp3: Path) -> float:
    """Duration in seconds as players compute it."""
    from mutagen.mp3 import MP3

    return float(MP3(str(mp3)).info.length)
