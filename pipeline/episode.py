"""Episode WAV -> mastered MP3 with ID3v2.3 tags and chapters.

Mastering is one ffmpeg pass that streams, so a two-hour episode never sits in
memory: a fixed gain (the integrated loudness was measured while the WAV was
written, see audio.assemble) brings the episode to its target, a lookahead
limiter keeps the peaks under the true-peak ceiling, and LAME encodes CBR mono.
One linear gain keeps the voice's dynamics and costs nothing; loudnorm's
dynamic mode would resample to 192 kHz and pump.
"""

from __future__ import annotations

import io
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .audio import ENCODER_LOSS_LU, MASTER_CEILING, MONO_OFFSET_LU, limiter, parse_integrated
from .errors import EssaycastError
from .ffmpeg import ffmpeg_exe, run_ffmpeg
from .model import ChapterMark

# Art in the tag: 800 px is enough for any player, and the whole tag should stay
# under ~300 KB (FEED-RULES I3); the feed links the full-size cover anyway.
COVER_PX = 800
COVER_BYTES = 250_000


@dataclass(frozen=True)
class Tags:
    """What the ID3 frames say."""

    title: str
    artist: str
    album: str
    date: datetime
    description: str = ""
    track: int | None = None


def measure_loudness(wav: Path) -> float:
    """Integrated loudness of a file in LUFS (plain, mono as mono), by ffmpeg's ebur128."""
    cmd = [
        ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats", "-i", str(wav),
        "-af", "ebur128=framelog=verbose", "-f", "null", "-",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise EssaycastError(f"{wav}: loudness measurement failed: {proc.stderr[-300:]}")
    return parse_integrated(proc.stderr)


def mastering_filter(measured: float, loudness: float) -> str:
    """The ffmpeg filter that takes an episode measured at `measured` LUFS to `loudness`.

    >>> mastering_filter(-19.6, -16.0)
    'volume=1.00dB,alimiter=limit=0.8318:attack=5:release=80:level=0:latency=1'
    """
    gain = loudness - MONO_OFFSET_LU - measured + ENCODER_LOSS_LU
    return f"volume={gain:.2f}dB,{limiter(MASTER_CEILING)}"


def master_to_mp3(
    wav: Path, mp3: Path, loudness: float, kbps: int, measured: float | None = None
) -> None:
    """Bring the episode to `loudness` LUFS as heard, limit its peaks, encode CBR mono.

    `measured` is the WAV's integrated loudness if it is known already (assemble
    measures it while writing); otherwise it is measured here.
    """
    if measured is None:
        measured = measure_loudness(wav)
    run_ffmpeg(
        [
            "-i", str(wav),
            "-af", mastering_filter(measured, loudness),
            "-ar", "44100", "-ac", "1",
            "-c:a", "libmp3lame", "-b:a", f"{kbps}k",
            # no Xing/encoder tag noise beyond what players need; tags come from mutagen
            "-map_metadata", "-1", "-write_xing", "1", "-id3v2_version", "0",
            "-f", "mp3", str(mp3),
        ],
        what=str(mp3),
    )


def cover_for_tag(image: bytes, size: int = COVER_PX) -> bytes:
    """The cover as a JPEG of at most `size` px and COVER_BYTES, small enough to embed."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(image)) as opened:
            art = opened.convert("RGB")
    except (UnidentifiedImageError, OSError) as exc:
        raise EssaycastError(f"cover art: not an image Pillow can read ({exc})") from None
    if opened.format == "JPEG" and max(art.size) <= size and len(image) <= COVER_BYTES:
        return image  # already fit to embed (cover.embedded_cover): no second lossy pass
    if max(art.size) > size:
        art = art.resize(_fit(art.size, size), Image.Resampling.LANCZOS)
    # a photo-like cover fits at quality 85; a noisy one steps down until it fits
    for quality in (85, 75, 65, 50, 35):
        out = io.BytesIO()
        art.save(out, "JPEG", quality=quality, optimize=True)
        if out.tell() <= COVER_BYTES:
            break
    return out.getvalue()


def _fit(dims: tuple[int, int], size: int) -> tuple[int, int]:
    """Scale (w, h) so the longer side is `size`.

    >>> _fit((1600, 900), 800)
    (800, 450)
    """
    w, h = dims
    scale = size / max(w, h)
    return max(1, round(w * scale)), max(1, round(h * scale))


def tag_mp3(
    mp3: Path,
    tags: Tags,
    chapters: Sequence[ChapterMark] = (),
    cover: bytes | None = None,
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
        TDAT,
        TIT2,
        TPE1,
        TRCK,
        TYER,
        CTOCFlags,
    )

    id3 = ID3()
    id3.add(TIT2(encoding=3, text=tags.title))
    id3.add(TPE1(encoding=3, text=tags.artist))
    id3.add(TALB(encoding=3, text=tags.album))
    id3.add(TCON(encoding=3, text="Podcast"))
    # v2.3 has no TDRC (a v2.4 frame that eyeD3 and others skip in a v2.3 tag):
    # the year is TYER, the day and month TDAT as DDMM
    id3.add(TYER(encoding=3, text=f"{tags.date.year:04d}"))
    id3.add(TDAT(encoding=3, text=f"{tags.date.day:02d}{tags.date.month:02d}"))
    if tags.track:
        id3.add(TRCK(encoding=3, text=str(tags.track)))
    if tags.description:
        id3.add(COMM(encoding=3, lang="eng", desc="", text=tags.description))
    if cover:
        # type 3 = front cover; pydub's cover= writes type 0 "Other" (FEED-RULES I3)
        id3.add(APIC(encoding=3, mime="image/jpeg", type=3, desc="Cover",
                     data=cover_for_tag(cover)))
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
    order_chapter_frames(mp3)


def order_chapter_frames(mp3: Path) -> None:
    """Rewrite the ID3v2.3 tag at the head of `mp3` with its CHAP frames in time order.

    mutagen writes frames sorted by size, and ffmpeg (and the players built on it)
    list chapters in the order their frames come. The same frames are moved, not
    changed, so the tag keeps its size and the rewrite happens in place. CTOC goes
    just before the chapters it lists.
    """
    with open(mp3, "r+b") as file:
        header = file.read(10)
        if len(header) < 10 or header[:3] != b"ID3" or header[3] != 3 or header[5] & 0xC0:
            return  # not a plain v2.3 tag (no unsynchronisation, no extended header)
        size = _syncsafe(header[6:10])
        body = file.read(size)
        frames, offset = [], 0
        while offset + 10 <= len(body) and body[offset] != 0:  # a zero byte starts the padding
            frame_size = int.from_bytes(body[offset + 4 : offset + 8], "big")
            frames.append(body[offset : offset + 10 + frame_size])
            offset += 10 + frame_size
        others = [f for f in frames if f[:4] not in (b"CHAP", b"CTOC")]
        tocs = [f for f in frames if f[:4] == b"CTOC"]
        chapters = sorted((f for f in frames if f[:4] == b"CHAP"), key=_chapter_start)
        file.seek(10)
        file.write(b"".join(others + tocs + chapters))


def _syncsafe(data: bytes) -> int:
    """An ID3 tag size: four bytes of seven bits each.

    >>> _syncsafe(bytes([0, 0, 2, 1]))
    257
    """
    return (data[0] << 21) | (data[1] << 14) | (data[2] << 7) | data[3]


def _chapter_start(frame: bytes) -> int:
    """A CHAP frame's start time in ms: after the header and the element ID's NUL."""
    at = frame.index(b"\0", 10) + 1
    return int.from_bytes(frame[at : at + 4], "big")


def mp3_duration(mp3: Path) -> float:
    """Duration in seconds as players compute it."""
    from mutagen.mp3 import MP3

    return float(MP3(str(mp3)).info.length)
