"""Builds you can schedule: incremental, atomic, isolated, locked (SPEC §8, §9)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from pipeline.cli import main
from pipeline.config import load_show
from pipeline.lock import show_lock

from .conftest import make_show

# none of this is about the voice: the counting tone engine speaks (tests/fakes.py)
pytestmark = pytest.mark.usefixtures("tone_voice")


def build(root: Path, *args: str):
    return CliRunner().invoke(main, ["build", "--show", str(root), *args])


def snapshot(output: Path) -> dict[str, str]:
    return {
        str(p.relative_to(output)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(output.rglob("*"))
        if p.is_file()
    }


def feed_enclosures(output: Path) -> dict[str, int]:
    """Enclosure path under output/ -> length, from feed.xml."""
    tree = etree.parse(str(output / "feed.xml"))
    base = tree.findtext("channel/link")
    found = {}
    for enclosure in tree.iterfind("channel/item/enclosure"):
        found[enclosure.get("url").removeprefix(base)] = int(enclosure.get("length"))
    return found


def test_a_rebuild_with_nothing_changed_does_nothing_and_changes_no_byte(tiny_show: Path) -> None:
    assert build(tiny_show).exit_code == 0
    before = snapshot(tiny_show / "output")
    result = build(tiny_show, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["built"] == [] and sorted(report["unchanged"]) == [
        "first-light",
        "second-thoughts",
    ]
    assert snapshot(tiny_show / "output") == before


def test_an_edit_rebuilds_only_that_essay(tiny_show: Path) -> None:
    assert build(tiny_show).exit_code == 0
    essay = tiny_show / "essays" / "second.txt"
    essay.write_text(essay.read_text() + "\nOne more line.\n")
    report = json.loads(build(tiny_show, "--json").output)
    assert report["built"] == ["second-thoughts"]
    assert report["unchanged"] == ["first-light"]


def test_dry_run_prints_the_plan_and_writes_nothing(tiny_show: Path) -> None:
    result = build(tiny_show, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "new" in result.output and "first-light" in result.output
    assert not (tiny_show / "output" / "feed.xml").exists()
    assert (
        not list((tiny_show / "output").rglob("*.mp3")) if (tiny_show / "output").exists() else True
    )


def test_a_second_build_is_refused_while_one_holds_the_lock(tiny_show: Path) -> None:
    show = load_show(tiny_show)
    with show_lock(show.state_dir):
        result = build(tiny_show)
    assert result.exit_code == 1
    assert "another build is running" in result.output and "pid" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_removed_essay_leaves_the_feed_and_output(tiny_show: Path) -> None:
    assert build(tiny_show).exit_code == 0
    (tiny_show / "essays" / "second.txt").unlink()
    report = json.loads(build(tiny_show, "--json").output)
    assert report["removed"] == ["second-thoughts"]
    (enclosure,) = feed_enclosures(tiny_show / "output")
    assert enclosure.startswith("episodes/first-light-")
    assert not list((tiny_show / "output" / "episodes").glob("second-thoughts*"))


BAD_ESSAYS = {
    "good.md": "---\ntitle: Good\ndate: 2026-03-01\n---\n\nThis one is fine.\n",
    "empty.md": "",
    "broken.md": "---\ntitle: [unclosed\n---\n\nText.\n",
    "unknown-voice.md": "---\ntitle: Odd Voice\nvoice: nosuch:thing\n---\n\nHello there.\n",
}


def test_bad_essays_fail_alone_with_one_line_each_and_the_good_one_is_published(
    tmp_path: Path,
) -> None:
    root = make_show(tmp_path / "show", BAD_ESSAYS)
    (root / "essays" / "binary.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01")
    (root / "essays" / "latin1.txt").write_bytes("Café crème, déjà vu.".encode("latin-1"))
    result = build(root)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    for name in ("empty.md", "broken.md", "unknown-voice.md", "binary.md", "latin1.txt"):
        lines = [line for line in result.output.splitlines() if name in line]
        assert len(lines) == 1, (name, result.output)
        assert lines[0].startswith("Error: ")
    (enclosure,) = feed_enclosures(root / "output")
    assert enclosure.startswith("episodes/good-")


def test_a_published_episode_stays_when_its_essay_breaks(tiny_show: Path) -> None:
    assert build(tiny_show).exit_code == 0
    (tiny_show / "essays" / "first.md").write_text("---\ntitle: [broken\n---\nText\n")
    result = build(tiny_show)
    assert result.exit_code == 1
    assert "first.md" in result.output
    enclosures = feed_enclosures(tiny_show / "output")
    assert any(path.startswith("episodes/first-light-") for path in enclosures)
    for path, length in enclosures.items():
        assert (tiny_show / "output" / path).stat().st_size == length


def test_a_corrupt_manifest_means_a_full_rebuild_not_a_crash(tiny_show: Path) -> None:
    assert build(tiny_show).exit_code == 0
    (tiny_show / "output" / "manifest.json").write_text("{not json")
    result = build(tiny_show, "--json")
    assert result.exit_code == 0, result.output
    assert sorted(json.loads(result.output[result.output.index("{") :])["built"]) == [
        "first-light",
        "second-thoughts",
    ]


def test_a_missing_base_url_is_a_configuration_error(tmp_path: Path) -> None:
    root = make_show(tmp_path / "show", toml='[podcast]\ntitle = "No URL"\n')
    result = build(root)
    assert result.exit_code == 2
    assert "podcast.base_url" in result.output and "--base-url" in result.output


def test_base_url_from_the_command_line(tmp_path: Path) -> None:
    root = make_show(tmp_path / "show", toml='[podcast]\ntitle = "No URL"\n')
    result = build(root, "--base-url", "https://example.org/cli")
    assert result.exit_code == 0, result.output
    assert "https://example.org/cli/episodes/" in (root / "output" / "feed.xml").read_text()


def test_an_edit_gives_the_episode_new_urls_and_removes_the_old_files(tiny_show: Path) -> None:
    assert build(tiny_show).exit_code == 0
    old = set(feed_enclosures(tiny_show / "output"))
    essay = tiny_show / "essays" / "first.md"
    essay.write_text(essay.read_text() + "\nA new closing line.\n")
    assert build(tiny_show).exit_code == 0
    new = set(feed_enclosures(tiny_show / "output"))
    assert len(old - new) == 1 and len(new - old) == 1
    (gone,) = old - new
    stem = gone.removesuffix(".mp3")
    assert not list((tiny_show / "output").glob(f"{stem}.*"))
    names = {p.name for p in (tiny_show / "output" / "episodes").iterdir()}
    # mp3, vtt, srt, json transcript, chapters.json, and the read-along <slug>.json
    assert len(names) == 2 * 6


def test_new_show_artwork_renders_the_episodes_again(tiny_show: Path) -> None:
    from PIL import Image

    Image.new("RGB", (1400, 1400), (30, 60, 90)).save(tiny_show / "art.jpg")
    toml = tiny_show / "podcast.toml"
    toml.write_text(toml.read_text().replace("[podcast]\n", '[podcast]\nimage = "art.jpg"\n'))
    assert build(tiny_show).exit_code == 0
    assert json.loads(build(tiny_show, "--json").output)["built"] == []
    Image.new("RGB", (1400, 1400), (200, 60, 90)).save(tiny_show / "art.jpg")
    assert sorted(json.loads(build(tiny_show, "--json").output)["built"]) == [
        "first-light",
        "second-thoughts",
    ]


def test_a_non_utf8_file_name_fails_that_file_only_and_the_rest_publish(tiny_show: Path) -> None:
    """Issue 24, case 9: the manifest save used to fail for every build."""
    import os

    bad = os.fsdecode(bytes(tiny_show / "essays") + b"/r\xe9sum\xe9.md")
    Path(bad).write_text("# Odd name\n\nWords.\n", encoding="utf-8")
    result = build(tiny_show)
    assert result.exit_code == 1, result.output
    assert "essays/r\\xe9sum\\xe9.md" in result.output and "not valid UTF-8" in result.output
    assert set(json.loads((tiny_show / "output" / "manifest.json").read_text())["episodes"]) == {
        "first-light",
        "second-thoughts",
    }
    assert len(feed_enclosures(tiny_show / "output")) == 2
    assert build(tiny_show).exit_code == 1  # and the next build is no worse
