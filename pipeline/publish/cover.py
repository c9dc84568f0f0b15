"""The show's square cover: generated from its title, or the show's own image, checked.

Apple wants a square RGB JPEG or PNG of 1400-3000 px (FEED-RULES §F); we
generate 3000x3000 at 72 dpi, under 512 KB, with the same bytes for the same
title and author. The file name carries a hash of what the artwork is made
from, so changed artwork gets a new URL and apps fetch it again (F5).
"""

from __future__ import annotations

import functools
import hashlib
import io
import unicodedata
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import Show
from ..errors import ConfigError, EssaycastError
from ..fsutil import write_atomic
from ..standards import ARTWORK_MAX_BYTES, ARTWORK_MAX_PX, ARTWORK_MIN_PX

if TYPE_CHECKING:
    from PIL import ImageFont

SIZE = ARTWORK_MAX_PX
MIN_SIDE, MAX_SIDE = ARTWORK_MIN_PX, ARTWORK_MAX_PX
MAX_BYTES = ARTWORK_MAX_BYTES
# Art in the tag: 800 px is enough for any player, and the whole tag should stay
# under ~300 KB (FEED-RULES I3); the feed links the full-size cover anyway.
COVER_PX = 800
COVER_BYTES = 250_000
# Bump when the generated design changes: the cover's name (and so its URL) changes with it.
DESIGN_VERSION = 1
TITLE_FONT = "DejaVuSerifCondensed-Bold.ttf"
SMALL_FONT = "DejaVuSans.ttf"

# (top, bottom, glow, accent, ink): deep film-poster colours; the title picks one
PALETTES: tuple[tuple[tuple[int, int, int], ...], ...] = (
    ((22, 34, 64), (6, 8, 16), (70, 92, 150), (242, 178, 74), (246, 240, 228)),
    ((74, 18, 28), (14, 6, 10), (150, 52, 56), (240, 196, 140), (250, 240, 230)),
    ((12, 58, 62), (4, 14, 18), (40, 120, 118), (244, 128, 96), (238, 246, 242)),
    ((52, 26, 72), (10, 6, 18), (110, 70, 150), (236, 196, 92), (246, 240, 250)),
    ((24, 52, 34), (6, 14, 10), (70, 118, 80), (226, 206, 150), (244, 244, 232)),
)


def cover_name(show: Show) -> str:
    """The published file name of the show's cover, e.g. cover-1a2b3c4d.jpg."""
    if show.podcast.image:
        data, suffix = read_show_image(show)
        return f"cover-{hashlib.sha256(data).hexdigest()[:8]}{suffix}"
    return f"cover-{_design_key(show.podcast.title, show.podcast.author)}.jpg"


def publish_cover(show: Show) -> str:
    """Write the cover into output/ unless it is there already; return its file name."""
    name = cover_name(show)
    target = show.output_dir / name
    if not target.is_file():  # the name is a content hash: an existing file is this cover
        write_atomic(target, cover_bytes(show))
    return name


def cover_bytes(show: Show) -> bytes:
    """The show's cover: its own image, checked, or the one generated from its title."""
    if show.podcast.image:
        return read_show_image(show)[0]
    return generate_cover(show.podcast.title, show.podcast.author)


def prune_covers(output_dir: Path, keep: str) -> None:
    """Delete earlier covers; only after the feed that named them has been replaced."""
    for path in output_dir.glob("cover-*"):
        if path.name != keep and path.suffix in (".jpg", ".png"):
            path.unlink(missing_ok=True)


def read_show_image(show: Show) -> tuple[bytes, str]:
    """The show's own image, checked (square, 1400-3000 px, JPEG/PNG, RGB); bytes + suffix."""
    path = show.root / show.podcast.image
    try:
        data = path.read_bytes()
    except OSError:
        raise _image_error(
            show, "was not found; put the file there or remove the key to have a cover generated"
        ) from None
    check_image(data, lambda problem: _image_error(show, problem))
    return data, ".png" if data.startswith(b"\x89PNG") else ".jpg"


def check_image(data: bytes, error: Callable[[str], Exception]) -> None:
    """Raise error(problem) unless `data` is a cover Apple accepts (F1-F3)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt, mode, (width, height) = image.format, image.mode, image.size
    except (UnidentifiedImageError, OSError):
        raise error("is not an image Pillow can read; use a JPEG or PNG") from None
    if fmt not in ("JPEG", "PNG"):
        raise error(f"is a {fmt} image; use a JPEG or PNG")
    if width != height or not MIN_SIDE <= width <= MAX_SIDE:
        raise error(
            f"is {width}x{height} px; it must be square, {MIN_SIDE} to {MAX_SIDE} px "
            "a side (3000x3000 is best)"
        )
    if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in _info(data)):
        raise error("has transparency (an alpha channel); save it as RGB without alpha")
    if mode != "RGB":
        raise error(f"is in {mode} colour mode; save it as RGB (not CMYK, greyscale or palette)")


def embedded_cover(path: Path, cache_dir: Path | None = None) -> bytes:
    """The cover as the JPEG inside each MP3's APIC frame (one scaling rule: cover_for_tag).

    With `cache_dir`, the scaled JPEG is kept there by the cover's digest and Pillow's
    version, so an edit does not decode and scale a 3000 px image again (0.1-0.2 s);
    a cold build, with no cache, makes the same bytes.
    """
    image = path.read_bytes()
    if cache_dir is None:
        return cover_for_tag(image)
    from PIL import __version__ as pillow

    key = hashlib.sha256(
        b"%s\0%d\0%d\0%s" % (pillow.encode(), COVER_PX, COVER_BYTES, image)
    ).hexdigest()
    kept = cache_dir / f"{key}.jpg"
    try:
        return kept.read_bytes()
    except OSError:
        pass
    scaled = cover_for_tag(image)
    try:
        for old in cache_dir.glob("*.jpg"):  # one cover a show: the last one is enough
            old.unlink(missing_ok=True)
        write_atomic(kept, scaled)  # flushed: a torn JPEG would be embedded as it is
    except OSError:
        pass  # a cache: the next build scales it again
    return scaled


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


# The same words give the same bytes, and drawing 9 megapixels takes seconds:
# a process that publishes one show again and again (tests, serve) draws it once.
@functools.lru_cache(maxsize=4)
def generate_cover(title: str, author: str = "") -> bytes:
    """A designed 3000x3000 JPEG cover for `title`: the same words give the same bytes."""
    from PIL import Image, ImageDraw

    key = _design_key(title, author)
    top, bottom, glow, accent, ink = PALETTES[int(key, 16) % len(PALETTES)]
    image = Image.fromarray(_background(top, bottom, glow), "RGB")
    overlay = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    _film_strip(draw, top_y=250, accent=accent)
    _waveform(draw, key, centre_y=1180, accent=accent)
    image = Image.alpha_composite(image.convert("RGBA"), overlay)
    draw = ImageDraw.Draw(image)
    _title_block(draw, title, author, accent, ink)

    rgb = image.convert("RGB")
    for quality in (90, 85, 80, 72, 64):  # the best quality that stays under 512 KB (F4)
        out = io.BytesIO()
        rgb.save(out, "JPEG", quality=quality, optimize=True, dpi=(72, 72))
        if out.tell() < MAX_BYTES:
            break
    return out.getvalue()


def _design_key(title: str, author: str) -> str:
    return hashlib.sha256(f"{DESIGN_VERSION}\n{title}\n{author}".encode()).hexdigest()[:8]


def _background(top: tuple[int, ...], bottom: tuple[int, ...], glow: tuple[int, ...]) -> Any:
    """A vertical gradient with a soft light from the upper right, as a uint8 array."""
    import numpy as np

    axis = np.linspace(0.0, 1.0, SIZE, dtype=np.float32)
    t = axis[:, None] ** 1.3  # darker sooner: room for light text at the bottom
    base = (
        np.asarray(top, np.float32) * (1 - t[..., None])
        + np.asarray(bottom, np.float32) * (t[..., None])
    )
    dx = axis[None, :] - 0.78
    dy = axis[:, None] - 0.18
    light = np.exp(-(dx * dx + dy * dy) / 0.09)[..., None]
    pixels = base * (1 - 0.55 * light) + np.asarray(glow, np.float32) * 0.55 * light
    return np.clip(pixels + 0.5, 0, 255).astype(np.uint8)


def _film_strip(draw: Any, top_y: int, accent: tuple[int, int, int]) -> None:
    """A band of film across the top: sprocket holes and faint frames."""
    height, hole_w, hole_h, pitch = 420, 92, 62, 170
    draw.rectangle((0, top_y, SIZE, top_y + height), fill=(0, 0, 0, 150))
    for x in range(-40, SIZE, pitch):
        for y in (top_y + 34, top_y + height - 34 - hole_h):
            draw.rounded_rectangle(
                (x, y, x + hole_w, y + hole_h), radius=14, fill=(255, 255, 255, 46)
            )
    frame_top, frame_bottom = top_y + 128, top_y + height - 128
    for x in range(60, SIZE, 560):
        draw.rounded_rectangle(
            (x, frame_top, x + 500, frame_bottom), radius=18, outline=(*accent, 70), width=6
        )


def _waveform(draw: Any, key: str, centre_y: int, accent: tuple[int, int, int]) -> None:
    """A voice's waveform across the cover, shaped by the title so each show differs."""
    import math

    seed = int(key, 16)
    phases = [(seed >> (4 * i)) % 16 / 16 * math.tau for i in range(4)]
    left, right, bar, gap = 240, SIZE - 240, 24, 20
    count = (right - left + gap) // (bar + gap)
    for i in range(count):
        x = left + i * (bar + gap)
        u = i / (count - 1)
        envelope = math.sin(math.pi * u) ** 0.6
        wobble = (
            0.55 * abs(math.sin(7.1 * u * math.tau / 4 + phases[0]))
            + 0.30 * abs(math.sin(17.3 * u + phases[1]))
            + 0.15 * abs(math.sin(41.9 * u + phases[2]))
        )
        half = max(10, round(260 * envelope * (0.25 + 0.75 * wobble)))
        alpha = 150 + round(80 * envelope)
        draw.rounded_rectangle(
            (x, centre_y - half, x + bar, centre_y + half), radius=bar // 2, fill=(*accent, alpha)
        )


def _title_block(
    draw: Any, title: str, author: str, accent: tuple[int, int, int], ink: tuple[int, int, int]
) -> None:
    """The title, large and wrapped, above a rule and the author in spaced capitals."""
    margin, width = 240, SIZE - 480
    font_path = _font_for(title)
    text = _drawable(title, font_path) or "Podcast"
    rtl = _is_rtl(text)
    size, lines = _fit_title(text, font_path, width)
    font = _font(font_path, size)
    leading = round(size * 1.08)
    bottom = 2560 if author else 2700
    y = bottom - leading * len(lines)
    for line in lines:
        x = margin + width - font.getlength(line) if rtl else margin
        draw.text((x, y), line, font=font, fill=ink)
        y += leading
    if author:
        rule_x = SIZE - margin - 220 if rtl else margin
        draw.rectangle((rule_x, 2620, rule_x + 220, 2634), fill=accent)
        small_path = _font_path(SMALL_FONT)
        small = _font(small_path, 96)
        label = _drawable(author.upper(), small_path)
        # tracking: capitals read as a label when spaced out a little
        spaced = label if _is_rtl(label) else "\u200a".join(label)
        while small.getlength(spaced) > width and small.size > 40:
            small = _font(small_path, int(small.size) - 8)
        x = margin + width - small.getlength(spaced) if rtl else margin
        draw.text((x, 2680), spaced, font=small, fill=(*ink,))


def _fit_title(text: str, font_path: str, width: int) -> tuple[int, list[str]]:
    """The largest size (420 px down) at which the title wraps into at most four lines."""
    for size in range(420, 119, -20):
        font = _font(font_path, size)
        lines = _wrap(text, font, width)
        if len(lines) <= 4 and all(font.getlength(line) <= width for line in lines):
            return size, lines
    font = _font(font_path, 120)
    lines = _wrap(text, font, width)[:5]
    return 120, lines


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and font.getlength(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _is_rtl(text: str) -> bool:
    """Does the first strongly directional character read right to left?"""
    for char in text:
        direction = unicodedata.bidirectional(char)
        if direction in ("R", "AL"):
            return True
        if direction == "L":
            return False
    return False


def _font_for(title: str) -> str:
    """The serif for the title, or the sans when the serif lacks some of its letters."""
    serif = _font_path(TITLE_FONT)
    if _drawable(title, serif) == _drawable(title, _font_path(SMALL_FONT)):
        return serif
    return _font_path(SMALL_FONT)


def _drawable(text: str, font_path: str) -> str:
    """`text` without the characters the font has no glyph for (emoji, CJK...)."""
    font = _font(font_path, 48)
    missing = _glyph(font, "\U0010fffd")  # a private-use point: the .notdef box
    kept = [c for c in text if c.isspace() or _glyph(font, c) != missing]
    return " ".join("".join(kept).split())


def _glyph(font: ImageFont.FreeTypeFont, char: str) -> bytes:
    from PIL import Image, ImageDraw

    canvas = Image.new("L", (96, 96))
    ImageDraw.Draw(canvas).text((16, 16), char, font=font, fill=255)
    return canvas.tobytes()


def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont

    return ImageFont.truetype(path, size)


def _font_path(name: str) -> str:
    return str(resources.files("pipeline") / "data" / "fonts" / name)


def _info(data: bytes) -> dict[str, Any]:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return {str(key): value for key, value in image.info.items()}


def _image_error(show: Show, problem: str) -> ConfigError:
    return ConfigError(f"podcast.image: {show.podcast.image} {problem}")
