"""ID3v2.3 tags for an episode MP3: text frames, the cover (APIC) and chapters (CHAP/CTOC).

v2.3 is the version every player reads (FEED-RULES I1); ffmpeg and the players
built on it list chapters in frame order, so CHAP frames are put in time order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..model import ChapterMark


@dataclass(frozen=True)
class Tags:
    """What the ID3 frames say."""

    title: str
    artist: str
    album: str
    date: datetime
    description: str = ""
    track: int | None = None


def tag_mp3(
    mp3: Path,
    tags: Tags,
    chapters: Sequence[ChapterMark] = (),
    cover: bytes | None = None,
) -> None:
    """Write ID3v2.3 frames: text, cover art (front cover) and CHAP/CTOC chapters.

    `cover` is the JPEG for the APIC frame as it goes in (publish.cover.cover_for_tag).
    """
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
        id3.add(APIC(encoding=3, mime="image/jpeg", type=3, desc="Cover", data=cover))
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
