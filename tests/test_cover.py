"""The cover: generated to Apple's rules, the same bytes every time; or the show's own, checked."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from pipeline.cli import main
from pipeline.config import parse_show
from pipeline.errors import ConfigError
from pipeline.publish.cover import (
    MAX_BYTES,
    cover_name,
    embedded_cover,
    generate_cover,
    prune_covers,
    publish_cover,
)


@pytest.fixture(scope="module")
def quiet_reels() -> bytes:
    return generate_cover("Quiet Reels", "A. Writer")


def show_with(root: Path, image: str = "", **podcast: object):
    settings = {"title": "Quiet Reels", "author": "A. Writer", "base_url": "https://x.org/"}
    settings.update(podcast)
    if image:
        settings["image"] = image
    return parse_show(root, {"podcast": settings})


def save(path: Path, size: tuple[int, int], mode: str = "RGB", fmt: str = "JPEG") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    colour = {"RGB": (20, 40, 80), "RGBA": (20, 40, 80, 128), "CMYK": (0, 0, 0, 0), "L": 9}[mode]
    Image.new(mode, size, colour).save(path, fmt)
    return path


def test_generated_cover_meets_apples_rules(quiet_reels: bytes) -> None:
    with Image.open(io.BytesIO(quiet_reels)) as image:
        assert (image.format, image.mode, image.size) == ("JPEG", "RGB", (3000, 3000))
        assert image.info["dpi"] == (72, 72)
    assert len(quiet_reels) < MAX_BYTES


def test_generated_cover_is_the_same_bytes_for_the_same_words(quiet_reels: bytes) -> None:
    assert generate_cover("Quiet Reels", "A. Writer") == quiet_reels
    assert generate_cover("Loud Reels", "A. Writer") != quiet_reels


@pytest.mark.parametrize(
    "title",
    [
        "The Extraordinarily Long-Winded Podcast About Absolutely Everything in World Cinema Today",
        "שלום עולם",
        "🎬🍿",
        "Supercalifragilisticexpialidociousandthensomemorelettersforgoodmeasure",
    ],
)
def test_awkward_titles_still_make_a_valid_cover(title: str) -> None:
    data = generate_cover(title, "")
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (3000, 3000) and image.mode == "RGB"
    assert len(data) < MAX_BYTES


def test_generated_cover_is_published_once_under_a_name_that_follows_the_title(
    tmp_path: Path,
) -> None:
    show = show_with(tmp_path)
    name = publish_cover(show)
    assert name.startswith("cover-") and name.endswith(".jpg")
    assert (tmp_path / "output" / name).stat().st_size > 0
    assert cover_name(show) == name  # no image work needed to know it
    assert cover_name(show_with(tmp_path, title="Other")) != name


def test_show_image_is_checked_and_copied_under_a_content_name(tmp_path: Path) -> None:
    source = save(tmp_path / "art" / "cover.jpeg", (1400, 1400))
    show = show_with(tmp_path, image="art/cover.jpeg")
    name = publish_cover(show)
    assert name.endswith(".jpg")  # .jpeg becomes .jpg: feedgen drops other suffixes
    assert (tmp_path / "output" / name).read_bytes() == source.read_bytes()
    save(source, (1500, 1500))
    assert publish_cover(show) != name  # new artwork, new URL (F5)


def test_png_show_image_keeps_png(tmp_path: Path) -> None:
    save(tmp_path / "cover.png", (2000, 2000), fmt="PNG")
    assert publish_cover(show_with(tmp_path, image="cover.png")).endswith(".png")


@pytest.mark.parametrize(
    ("size", "mode", "fmt", "message"),
    [
        ((1000, 1000), "RGB", "JPEG", "is 1000x1000 px; it must be square, 1400 to 3000 px"),
        ((1400, 1500), "RGB", "JPEG", "is 1400x1500 px"),
        ((3200, 3200), "RGB", "JPEG", "is 3200x3200 px"),
        ((1400, 1400), "RGBA", "PNG", "has transparency"),
        ((1400, 1400), "CMYK", "JPEG", "is in CMYK colour mode; save it as RGB"),
        ((1400, 1400), "L", "PNG", "is in L colour mode"),
        ((1400, 1400), "RGB", "GIF", "is a GIF image; use a JPEG or PNG"),
    ],
)
def test_bad_show_images_get_one_line_naming_the_key_and_file(
    tmp_path: Path, size: tuple[int, int], mode: str, fmt: str, message: str
) -> None:
    save(tmp_path / "cover.jpg", size, mode, fmt)
    with pytest.raises(ConfigError) as caught:
        publish_cover(show_with(tmp_path, image="cover.jpg"))
    text = caught.value.format_message()
    assert text.startswith("podcast.toml: podcast.image: cover.jpg ")
    assert message in text and "\n" not in text


def test_missing_or_unreadable_show_image(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="podcast.image: cover.jpg was not found"):
        publish_cover(show_with(tmp_path, image="cover.jpg"))
    (tmp_path / "cover.jpg").write_text("not an image")
    with pytest.raises(ConfigError, match="is not an image Pillow can read"):
        publish_cover(show_with(tmp_path, image="cover.jpg"))


def test_build_with_a_bad_cover_exits_2_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "essays").mkdir()
    (tmp_path / "podcast.toml").write_text(
        '[podcast]\ntitle = "T"\nbase_url = "https://x.org/"\nimage = "cover.jpg"\n'
    )
    save(tmp_path / "cover.jpg", (500, 500))
    for command in (["build"], ["feed"]):
        result = CliRunner().invoke(main, [*command, "--show", str(tmp_path)])
        assert result.exit_code == 2, result.output
        assert result.output.strip().splitlines() == [
            "Error: podcast.toml: podcast.image: cover.jpg is 500x500 px; it must be square, "
            "1400 to 3000 px a side (3000x3000 is best)"
        ]


def test_old_covers_are_pruned_and_the_current_one_kept(tmp_path: Path) -> None:
    for name in ("cover-aaaaaaaa.jpg", "cover-bbbbbbbb.png", "cover-cccccccc.jpg", "notes.txt"):
        (tmp_path / name).write_text("x")
    prune_covers(tmp_path, keep="cover-cccccccc.jpg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cover-cccccccc.jpg", "notes.txt"]


def test_embedded_cover_is_small_square_jpeg(tmp_path: Path, quiet_reels: bytes) -> None:
    path = tmp_path / "cover.jpg"
    path.write_bytes(quiet_reels)
    data = embedded_cover(path)
    with Image.open(io.BytesIO(data)) as image:
        assert (image.format, image.size, image.mode) == ("JPEG", (800, 800), "RGB")
    assert len(data) < 200 * 1024


def test_embedded_cover_kept_scaled_gives_the_same_bytes(
    tmp_path: Path, quiet_reels: bytes
) -> None:
    """A warm build embeds the scaled cover it kept: the bytes a cold build scales."""
    path = tmp_path / "cover.jpg"
    path.write_bytes(quiet_reels)
    kept = tmp_path / "kept"
    cold = embedded_cover(path)
    assert embedded_cover(path, kept) == cold
    (first,) = kept.iterdir()
    assert embedded_cover(path, kept) == cold  # read back, not scaled again
    other = Image.open(io.BytesIO(quiet_reels)).convert("RGB").transpose(Image.Transpose.ROTATE_90)
    buffer = io.BytesIO()
    other.save(buffer, "JPEG", quality=90)
    path.write_bytes(buffer.getvalue())
    assert embedded_cover(path, kept) == embedded_cover(path) != cold
    assert [p.name for p in kept.iterdir()] != [first.name]  # the old one went
    assert len(list(kept.iterdir())) == 1
