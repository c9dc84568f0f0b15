"""Episode WAV -> mastered MP3 with ID3v2.3 tags and chapters.

Mastering is one ffmpeg pass that streams, so a two-hour episode never sits in
memory: a fixed gain (the integrated loudness was measured while the WAV was
written, see audio.assemble) brings the episode to its target, a lookahead
limiter keeps the peaks under the true-peak ceiling, and LAME encodes CBR mono.
One linear gain keeps the voice's dynamics and costs nothing; loudnorm's
dynamic mode would resample to 192 kHz and pump. The MP3 is then measured as a
listener hears it before it may be published. The numbers live in mastering.py.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .errors import EssaycastError
from .ffmpeg import run_ffmpeg
from .mastering import (
    MASTER_CEILING,
    RETRY_LU,
    TOLERANCE_LU,
    TRUE_PEAK_MAX,
    Figures,
    master_gain,
    mastering_filter,
    measure,
    off_target,
    plausible,
)
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


def master_to_mp3(
    wav: Path, mp3: Path, loudness: float, kbps: int, measured: float | None = None
) -> Figures:
    """Bring the episode to `loudness` LUFS as heard, limit its peaks, encode CBR mono.

    `measured` is the WAV's integrated loudness if it is known already (assemble
    measures it while writing); otherwise, or if it cannot be right, it is
    measured here in a separate pass. The MP3 is then measured as a listener
    hears it; a miss gets one more pass with the gain and ceiling corrected by
    what was measured, and a second miss is an error: the file is not published.
    Returns the MP3's figures (LUFS as heard, dBTP).
    """
    if measured is None or not plausible(Figures(measured)):
        measured = measure(wav).integrated
    gain, ceiling = master_gain(measured, loudness), MASTER_CEILING
    for attempt in range(2):
        _encode(wav, mp3, mastering_filter(gain, ceiling), kbps)
        heard = measure(mp3, heard=True, true_peak=True)
        problem = off_target(heard, loudness, RETRY_LU if attempt == 0 else TOLERANCE_LU)
        if problem is None:
            return heard
        assert heard.true_peak is not None
        gain += loudness - heard.integrated
        ceiling -= max(0.0, heard.true_peak - (TRUE_PEAK_MAX - 0.3))
    raise EssaycastError(f"the mastered episode measures {problem}; not published")


def _encode(wav: Path, mp3: Path, mastering: str, kbps: int) -> None:
    run_ffmpeg(
        [
            "-i", str(wav),
            "-af", mastering,
            "-ar", "44100", "-ac", "1",
            "-c:a", "libmp3lame", "-b:a", f"{kbps}k",
            # no Xing/encoder tag noise beyond what players need; tags come from mutagen
            "-map_metadata", "-1", "-write_xing", "1", "-id3v2_version", "0",
            "-f", "mp3", str(mp3),
        ],
        what=mp3.name,
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


def mp3_duration(mp3: Path) -> float:
    """Duration in seconds as players compute it."""
    from mutagen.mp3 import MP3

    return float(MP3(str(mp3)).info.length)
