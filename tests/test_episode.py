"""Cover art for the tag (publish.cover), ID3v2.3 frames (audio.tags), the mastering filter."""

from __future__ import annotations

import io
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from mutagen.id3 import ID3
from PIL import Image

from pipeline.audio.loudness import master_gain, mastering_filter
from pipeline.audio.tags import Tags, tag_mp3
from pipeline.errors import EssaycastError
from pipeline.ffmpeg import ffmpeg_exe
from pipeline.model import ChapterMark
from pipeline.publish.cover import cover_for_tag


def png(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.effect_noise(size, 60).convert("RGB").save(out, "PNG")  # noise: a worst case for JPEG
    return out.getvalue()


def test_cover_is_downscaled_to_an_800px_jpeg() -> None:
    art = cover_for_tag(png((1600, 1600)))
    with Image.open(io.BytesIO(art)) as image:
        assert (image.format, image.size) == ("JPEG", (800, 800))
    assert len(art) < 300_000


def test_a_small_cover_keeps_its_size_and_a_bad_one_is_a_clear_error() -> None:
    with Image.open(io.BytesIO(cover_for_tag(png((600, 600))))) as image:
        assert image.size == (600, 600)
    with pytest.raises(EssaycastError, match="cover art"):
        cover_for_tag(b"not an image")


def test_mastering_gain_closes_the_gap_to_the_target() -> None:
    # -16 as heard is -19 plain; measured -21 -> +2 dB, plus what encoding takes
    assert mastering_filter(master_gain(-21.0, -16.0)).startswith("volume=2.40dB,alimiter=")


def test_tags_are_id3v23_with_front_cover_and_chapters(tmp_path: Path) -> None:
    mp3 = tmp_path / "t.mp3"
    subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "sine=d=3:r=44100",
            "-ac",
            "1",
            "-c:a",
            "libmp3lame",
            "-b:a",
            "96k",
            str(mp3),
        ],
        check=True,
    )
    chapters = [ChapterMark(0.0, 1.0, "Intro"), ChapterMark(1.0, 3.0, "")]
    tags = Tags("Title & <Co>", "Au Thor", "Show", datetime(2026, 1, 5, tzinfo=UTC), "About it.", 7)
    tag_mp3(mp3, tags, chapters, cover=cover_for_tag(png((1400, 1400))))
    id3 = ID3(str(mp3))
    assert id3.version == (2, 3, 0)
    assert [str(id3[k]) for k in ("TIT2", "TPE1", "TALB", "TCON", "TRCK")] == [
        "Title & <Co>",
        "Au Thor",
        "Show",
        "Podcast",
        "7",
    ]
    assert str(id3["TDRC"]).startswith("2026")  # mutagen stores TYER for v2.3
    (apic,) = id3.getall("APIC")
    assert (apic.type, apic.mime) == (3, "image/jpeg")
    chaps = sorted(id3.getall("CHAP"), key=lambda c: c.start_time)
    assert [(c.start_time, c.end_time) for c in chaps] == [(0, 1000), (1000, 3000)]
    assert [str(c.sub_frames["TIT2"]) for c in chaps] == ["Intro", "Title & <Co>"]
    (toc,) = id3.getall("CTOC")
    assert list(toc.child_element_ids) == [c.element_id for c in chaps]
    assert id3.size <= 300_000


def test_a_jpeg_already_fit_to_embed_is_kept_byte_for_byte() -> None:
    out = io.BytesIO()
    Image.new("RGB", (800, 800), (20, 90, 160)).save(out, "JPEG", quality=88)
    assert cover_for_tag(out.getvalue()) == out.getvalue()
