"""Rules E to I of FEED-RULES.md: the files behind the feed's URLs that are on this
disk (chapters, transcripts, artwork, the MP3s and their ID3 tags)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..publish.transcript import read_vtt
from ..standards import ARTWORK_MAX_BYTES, ARTWORK_MAX_PX, ARTWORK_MIN_PX
from .context import ITUNES, MUST, NS, SHOULD, Check, Context, rule

_CLOCK = r"(\d{2,}):([0-5]\d):([0-5]\d)"
VTT_TIMING = re.compile(rf"^{_CLOCK}\.(\d{{3}}) --> {_CLOCK}\.(\d{{3}})")
SRT_TIMING = re.compile(rf"^{_CLOCK},(\d{{3}}) --> {_CLOCK},(\d{{3}})$")


def _image_problems(data: bytes, url: str) -> Iterator[tuple[str, str]]:
    """(rule, message) for artwork bytes against F1-F4."""
    import io

    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt, mode, size, info = image.format, image.mode, image.size, dict(image.info)
    except (UnidentifiedImageError, OSError):
        yield "F2", f"{url} is not a readable image"
        return
    width, height = size
    if width != height or not ARTWORK_MIN_PX <= width <= ARTWORK_MAX_PX:
        yield (
            "F1",
            (
                f"{url} is {width}x{height} px; it must be square, "
                f"{ARTWORK_MIN_PX} to {ARTWORK_MAX_PX} px a side"
            ),
        )
    path = urlsplit(url).path.lower()
    expected = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}.get(Path(path).suffix)
    if fmt not in ("JPEG", "PNG") or (expected and fmt != expected):
        yield "F2", f"{url} is a {fmt} file; it must be JPEG or PNG, matching its extension"
    if mode != "RGB":
        yield "F3", f"{url} is in {mode} mode; it must be RGB without alpha"
    dpi = info.get("dpi")
    if dpi is not None and round(float(dpi[0])) != 72:
        yield "F4", f"{url} is set to {round(float(dpi[0]))} dpi; 72 dpi is expected"
    if len(data) > ARTWORK_MAX_BYTES:
        yield (
            "F4",
            (f"{url} is {len(data) // 1024} KB; keep artwork under {ARTWORK_MAX_BYTES // 1024} KB"),
        )


def _artwork(ctx: Context) -> list[tuple[str, bytes | None]]:
    """(url, bytes or None if not local) for the channel and item itunes:image files."""
    urls: list[str] = []
    for element in ctx.root.iter(f"{{{ITUNES}}}image") if ctx.root is not None else ():
        href = element.get("href")
        if href and href not in urls:
            urls.append(href)
    found: list[tuple[str, bytes | None]] = []
    for url in urls:
        path = ctx.local(url)
        found.append((url, path.read_bytes() if path and path.is_file() else None))
    return found


def _artwork_rule(rule: str) -> Check:
    def check(ctx: Context) -> Iterator[str]:
        for url, data in _artwork(ctx):
            if data is None:
                if rule == "F1" and ctx.local(url) is not None:
                    yield f"{url}: the file is missing from the output folder"
                continue
            for found, message in _image_problems(data, url):
                if found == rule:
                    yield message

    return check


rule("F1", MUST, f"artwork square, {ARTWORK_MIN_PX} to {ARTWORK_MAX_PX} px")(_artwork_rule("F1"))
rule("F2", MUST, "artwork JPEG or PNG, matching its extension")(_artwork_rule("F2"))
rule("F3", MUST, "artwork RGB without alpha")(_artwork_rule("F3"))
rule("F4", SHOULD, f"artwork 72 dpi and at most {ARTWORK_MAX_BYTES // 1024} KB")(
    _artwork_rule("F4")
)


def _parse_clock(groups: tuple[str, ...]) -> tuple[float, float]:
    h1, m1, s1, f1, h2, m2, s2, f2 = (int(g) for g in groups)
    return h1 * 3600 + m1 * 60 + s1 + f1 / 1000, h2 * 3600 + m2 * 60 + s2 + f2 / 1000


def _transcripts(ctx: Context, mime: str) -> Iterator[tuple[Any, Any, Path, float | None]]:
    """(item, element, local file, episode duration) for each local transcript of `mime`."""
    for item in ctx.items:
        duration = _item_duration(ctx, item)
        for element in item.findall("podcast:transcript", NS):
            if element.get("type") != mime:
                continue
            path = ctx.local(element.get("url"))
            if path is not None and path.is_file():
                yield item, element, path, duration


def _item_duration(ctx: Context, item: Any) -> float | None:
    for candidate, _, path in ctx.enclosures:
        if candidate is item and path is not None and path.is_file():
            info = ctx.mp3_info(path)
            return float(info.info.length) if info is not None else None
    return None


# -- E. chapter and transcript files ----------------------------------------------


def _chapter_files(ctx: Context) -> Iterator[tuple[Any, Path, float | None]]:
    for item in ctx.items:
        for element in item.findall("podcast:chapters", NS):
            path = ctx.local(element.get("url"))
            if path is not None and path.is_file():
                yield item, path, _item_duration(ctx, item)


def _load_chapters(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


@rule("E1", MUST, "JSON chapters: version, chapters[], startTime numbers")
def check_e1(ctx: Context) -> Iterator[str]:
    for _, path, _ in _chapter_files(ctx):
        data = _load_chapters(path)
        where = f"{path.name}"
        if not isinstance(data, dict):
            yield f"{where} is not a JSON object"
            continue
        if not isinstance(data.get("version"), str):
            yield f"{where} has no version string"
        chapters = data.get("chapters")
        if not isinstance(chapters, list):
            yield f"{where} has no chapters array"
            continue
        for n, chapter in enumerate(chapters, start=1):
            start = chapter.get("startTime") if isinstance(chapter, dict) else None
            if not isinstance(start, int | float) or isinstance(start, bool) or start < 0:
                yield f"{where} chapter {n}: startTime must be a number >= 0"
                continue
            end = chapter.get("endTime")
            if end is not None and (not isinstance(end, int | float) or end <= start):
                yield f"{where} chapter {n}: endTime must be a number after startTime"
            if "title" in chapter and not isinstance(chapter["title"], str):
                yield f"{where} chapter {n}: title must be a string"
            for key in ("img", "url"):
                if key in chapter and not str(chapter[key]).startswith("https://"):
                    yield f"{where} chapter {n}: {key} must be an https URL"


@rule("E2", SHOULD, "JSON chapters sorted, first at 0, inside the episode")
def check_e2(ctx: Context) -> Iterator[str]:
    for _, path, duration in _chapter_files(ctx):
        data = _load_chapters(path)
        if not isinstance(data, dict) or not isinstance(data.get("chapters"), list):
            continue
        chapters = [
            c
            for c in data["chapters"]
            if isinstance(c, dict) and isinstance(c.get("startTime"), int | float)
        ]
        starts = [c["startTime"] for c in chapters]
        if starts != sorted(starts):
            yield f"{path.name}: chapters are not sorted by startTime"
        if starts and starts[0] != 0:
            yield f"{path.name}: the first chapter starts at {starts[0]}, not 0"
        if duration is not None and any(s >= duration for s in starts):
            yield f"{path.name}: a chapter starts after the episode ends ({duration:.1f} s)"
        for before, after in zip(chapters, chapters[1:], strict=False):
            if isinstance(before.get("endTime"), int | float) and (
                before["endTime"] > after["startTime"] + 0.001
            ):
                yield f"{path.name}: chapters overlap at {after['startTime']}"


@rule("E4", MUST, "WebVTT header and ordered cue timings")
def check_e4(ctx: Context) -> Iterator[str]:
    for _, element, path, duration in _transcripts(ctx, "text/vtt"):
        text = path.read_text(encoding="utf-8", errors="replace")
        if not text.startswith(("WEBVTT", "\ufeffWEBVTT")):
            yield f"{path.name} does not start with WEBVTT"
            continue
        # timings as written, strictly, row by row: this is a syntax check, and the reader
        # (read_vtt) forgives what a player may not; the caption text is read by read_vtt
        previous = 0.0
        for row in text.splitlines():
            if "-->" not in row:
                continue
            match = VTT_TIMING.match(row)
            if not match:
                yield f"{path.name}: bad cue timing {row!r}"
                break
            start, end = _parse_clock(match.groups())
            if start < previous or end < start:
                yield f"{path.name}: cue at {row[:12]} runs backwards"
                break
            if duration is not None and end > duration + 0.5:
                yield f"{path.name}: cue at {row[:12]} ends after the episode ({duration:.1f} s)"
                break
            previous = start
        if element.get("rel") == "captions":  # caption lines are read on screen: keep them short
            long = [r for cue in read_vtt(text) for r in cue.lines if len(r) > 65]
            if long:
                yield f"{path.name}: {len(long)} caption lines are longer than 65 characters"


@rule("E5", SHOULD, "SRT numbered cues with HH:MM:SS,mmm timings")
def check_e5(ctx: Context) -> Iterator[str]:
    for _, element, path, _ in _transcripts(ctx, "application/x-subrip"):
        text = path.read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n")
        blocks = [b for b in re.split(r"\n\s*\n", text.strip()) if b.strip()]
        for expected, block in enumerate(blocks, start=1):
            lines = block.splitlines()
            if (
                len(lines) < 3
                or lines[0].strip() != str(expected)
                or not SRT_TIMING.match(lines[1].strip())
            ):
                yield f"{path.name}: cue {expected} is not 'number, HH:MM:SS,mmm --> ..., text'"
                break
            if element.get("rel") == "captions" and (
                len(lines) > 4 or any(len(line) > 32 for line in lines[2:])
            ):
                yield f"{path.name}: caption cue {expected} exceeds 2 lines of 32 characters"
                break


@rule("E7", SHOULD, "JSON chapters agree with the ID3 CHAP frames")
def check_e7(ctx: Context) -> Iterator[str]:
    for item, path, _ in _chapter_files(ctx):
        mp3 = next((p for i, _, p in ctx.enclosures if i is item and p and p.is_file()), None)
        data = _load_chapters(path)
        if mp3 is None or not isinstance(data, dict) or ctx.id3(mp3) is None:
            continue
        frames = sorted(ctx.id3(mp3).getall("CHAP"), key=lambda f: f.start_time)
        if not frames:
            continue
        json_marks = [
            (round(c.get("startTime", 0) * 1000), c.get("title"))
            for c in data.get("chapters", [])
            if isinstance(c, dict)
        ]
        id3_marks = [
            (f.start_time, str(f.sub_frames["TIT2"]) if "TIT2" in f.sub_frames else None)
            for f in frames
        ]
        if len(json_marks) != len(id3_marks) or any(
            abs(a[0] - b[0]) > 2 or a[1] != b[1]
            for a, b in zip(json_marks, id3_marks, strict=False)
        ):
            yield f"{path.name} and the CHAP frames in {mp3.name} disagree"


# -- G. MP3 technical / I. ID3 ---------------------------------------------------


def each_mp3(check: Callable[[Path, Any, Context], Iterator[str]]) -> Check:
    def run(ctx: Context) -> Iterator[str]:
        for _, path in ctx.mp3s:
            for message in check(path, ctx.mp3_info(path), ctx):
                yield f"{path.name}: {message}"

    return run


@rule("G1", MUST, "MPEG-1/2 audio layer III", per=each_mp3)
def check_g1(path: Path, mp3: Any, ctx: Context) -> Iterator[str]:
    if mp3 is None:
        yield "is not an MPEG audio file"
    elif mp3.info.layer != 3:
        yield f"is MPEG layer {mp3.info.layer}, not layer III (MP3)"


@rule("G2", MUST, "decodes without errors", per=each_mp3)
def check_g2(path: Path, mp3: Any, ctx: Context) -> Iterator[str]:
    from ..ffmpeg import ffmpeg_command

    proc = subprocess.run(
        ffmpeg_command(["-i", str(path), "-f", "null", "-"]), capture_output=True, text=True
    )
    if proc.returncode != 0 or proc.stderr.strip():
        yield f"ffmpeg reports decoding errors: {proc.stderr.strip().splitlines()[-1:]}"
    if shutil.which("mp3val"):  # a finer frame/Xing check, when installed
        out = subprocess.run(["mp3val", str(path)], capture_output=True, text=True).stdout
        problems = [line for line in out.splitlines() if line.startswith(("WARNING", "PROBLEM"))]
        if problems:
            yield f"mp3val: {problems[0]}"


@rule("G3", MUST, "duration greater than zero", per=each_mp3)
def check_g3(path: Path, mp3: Any, ctx: Context) -> Iterator[str]:
    if mp3 is not None and mp3.info.length <= 0:
        yield "has no duration"


@rule("G4", SHOULD, "constant bit rate", per=each_mp3)
def check_g4(path: Path, mp3: Any, ctx: Context) -> Iterator[str]:
    from mutagen.mp3 import BitrateMode

    if mp3 is not None and mp3.info.bitrate_mode not in (BitrateMode.CBR, BitrateMode.UNKNOWN):
        yield f"is {mp3.info.bitrate_mode.name} bit rate; constant bit rate seeks reliably"


@rule("G5", SHOULD, "44.1 kHz (or 48 kHz)", per=each_mp3)
def check_g5(path: Path, mp3: Any, ctx: Context) -> Iterator[str]:
    if mp3 is not None and mp3.info.sample_rate not in (44100, 48000):
        yield f"sample rate is {mp3.info.sample_rate} Hz; use 44100"


# MPEG audio's own bit rates (kbps): mutagen averages over the file, so a short CBR file
# can read 95 for 96; the nearest standard rate is what the encoder was asked for.
_KBPS = (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 192, 224, 256, 320)


def _kbps(mp3: Any) -> int:
    return min(_KBPS, key=lambda rate: abs(rate * 1000 - mp3.info.bitrate))


@rule("G6", MUST, "bit rate at Apple's minimum or above", per=each_mp3)
def check_g6(path: Path, mp3: Any, ctx: Context) -> Iterator[str]:
    if mp3 is None:
        return
    floor = 32 if mp3.info.channels == 1 else 64
    if _kbps(mp3) < floor:
        yield f"bit rate {_kbps(mp3)} kbps is under Apple's {floor} kbps"


@rule("G7", SHOULD, "bit rate 96-128 kbps mono", per=each_mp3)
def check_g7(path: Path, mp3: Any, ctx: Context) -> Iterator[str]:
    if mp3 is None:
        return
    low, high = (96, 128) if mp3.info.channels == 1 else (128, 256)
    if not low <= _kbps(mp3) <= high:
        yield f"bit rate {_kbps(mp3)} kbps; {low}-{high} kbps is recommended"


@rule("G8", SHOULD, "mono for a single voice", per=each_mp3)
def check_g8(path: Path, mp3: Any, ctx: Context) -> Iterator[str]:
    if mp3 is not None and mp3.info.channels != 1:
        yield f"has {mp3.info.channels} channels; one voice needs only mono"


@rule("G9", SHOULD, "ID3v2 tag at byte 0", per=each_mp3)
def check_g9(path: Path, mp3: Any, ctx: Context) -> Iterator[str]:
    with open(path, "rb") as handle:
        if handle.read(3) != b"ID3":
            yield "does not start with an ID3v2 tag"


@rule("I1", SHOULD, "ID3v2.3 tags", per=each_mp3)
def check_i1(path: Path, mp3: Any, ctx: Context) -> Iterator[str]:
    tags = ctx.id3(path)
    if tags is None:
        yield "has no ID3v2 tag"
    elif tags.version[:2] != (2, 3):
        yield f"has an ID3v2.{tags.version[1]} tag; v2.3 is read by the most players"


@rule("I2", SHOULD, "TIT2, TPE1, TALB and TCON=Podcast frames", per=each_mp3)
def check_i2(path: Path, mp3: Any, ctx: Context) -> Iterator[str]:
    tags = ctx.id3(path)
    if tags is None:
        return
    missing = [f for f in ("TIT2", "TPE1", "TALB", "TCON") if not tags.getall(f)]
    if missing:
        yield f"lacks the {', '.join(missing)} frames"
    elif str(tags["TCON"]) != "Podcast":
        yield f"genre is {str(tags['TCON'])!r}, not Podcast"


@rule("I3", SHOULD, "one front-cover APIC, square, tag under 300 KB", per=each_mp3)
def check_i3(path: Path, mp3: Any, ctx: Context) -> Iterator[str]:
    import io

    from PIL import Image, UnidentifiedImageError

    tags = ctx.id3(path)
    if tags is None:
        return
    covers = [a for a in tags.getall("APIC") if a.type == 3]
    if len(covers) != 1:
        yield f"has {len(covers)} front-cover APIC frames; one is expected"
        return
    if covers[0].mime not in ("image/jpeg", "image/png"):
        yield f"cover art is {covers[0].mime}; use image/jpeg or image/png"
    try:
        with Image.open(io.BytesIO(covers[0].data)) as image:
            width, height = image.size
        if width != height:
            yield f"cover art is {width}x{height}, not square"
    except (UnidentifiedImageError, OSError):
        yield "cover art is not a readable image"
    if tags.size > 300 * 1024:
        yield f"the ID3 tag is {tags.size // 1024} KB; keep it under 300 KB (art ~800 px)"


@rule("I4", SHOULD, "CHAP frames ordered, titled, listed by one CTOC", per=each_mp3)
def check_i4(path: Path, mp3: Any, ctx: Context) -> Iterator[str]:
    from mutagen.id3 import CTOCFlags

    tags = ctx.id3(path)
    if tags is None or not tags.getall("CHAP"):
        return
    chapters = sorted(tags.getall("CHAP"), key=lambda f: f.start_time)
    tocs = tags.getall("CTOC")
    if len(tocs) != 1:
        yield f"has {len(tocs)} CTOC frames; one lists the chapters"
    else:
        toc = tocs[0]
        if not (toc.flags & CTOCFlags.TOP_LEVEL and toc.flags & CTOCFlags.ORDERED):
            yield "CTOC is not flagged top-level and ordered"
        if list(toc.child_element_ids) != [c.element_id for c in chapters]:
            yield "CTOC does not list every CHAP in time order"
    if chapters[0].start_time != 0:
        yield f"the first chapter starts at {chapters[0].start_time} ms, not 0"
    duration_ms = (mp3.info.length * 1000) if mp3 is not None else None
    for before, after in zip(chapters, chapters[1:], strict=False):
        if before.end_time > after.start_time:
            yield f"chapters {before.element_id} and {after.element_id} overlap"
    for chapter in chapters:
        if chapter.start_time >= chapter.end_time:
            yield f"chapter {chapter.element_id} ends before it starts"
        if duration_ms is not None and chapter.end_time > duration_ms + 500:
            yield f"chapter {chapter.element_id} ends after the episode"
        if "TIT2" not in chapter.sub_frames:
            yield f"chapter {chapter.element_id} has no title (TIT2)"
