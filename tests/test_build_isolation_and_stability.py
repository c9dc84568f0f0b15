"""One essay's failure stays its own (-v shows why), a bad setting is one line, numbers and
dates are kept, and a build that has nothing to do loads nothing and writes nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main

from .conftest import make_show

# none of this is about the voice: the counting tone engine speaks (tests/fakes.py)
pytestmark = pytest.mark.usefixtures("tone_voice")


def build(root: Path, *args: str):
    return CliRunner().invoke(main, ["build", "--show", str(root), *args])


def test_an_unexpected_error_in_one_essay_fails_that_essay_only(
    tiny_show: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline import render as episode

    real_render = episode.render_episode

    def flaky(kit, essay, *args, **kwargs):
        if essay.slug == "first-light":
            raise RuntimeError("the disk hiccuped")
        return real_render(kit, essay, *args, **kwargs)

    monkeypatch.setattr(episode, "render_episode", flaky)
    result = build(tiny_show)
    assert result.exit_code == 1
    assert "essays/first.md: unexpected RuntimeError: the disk hiccuped" in result.output
    assert "Traceback" not in result.output
    feed = (tiny_show / "output" / "feed.xml").read_text()
    assert "Second Thoughts" in feed and "First Light" not in feed


@pytest.mark.speaks_nothing
def test_verbose_shows_the_traceback_of_an_unexpected_error(
    tiny_show: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline import build as build_module

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(build_module, "_read_essays", broken)
    quiet = build(tiny_show)
    assert quiet.exit_code == 1 and "Traceback" not in quiet.output
    assert "unexpected RuntimeError: boom (run with -v" in quiet.output
    loud = CliRunner().invoke(main, ["build", "--show", str(tiny_show), "-v"])
    assert loud.exit_code == 1 and "Traceback" in loud.output


@pytest.mark.speaks_nothing
def test_a_missing_music_file_is_one_configuration_error(tiny_show: Path) -> None:
    toml = tiny_show / "podcast.toml"
    toml.write_text(toml.read_text() + '\n[music]\nintro = "music/theme.mp3"\n')
    result = build(tiny_show)
    assert result.exit_code == 2
    (line,) = result.output.strip().splitlines()
    assert line.startswith("Error: ") and "music.intro: music/theme.mp3 not found" in line


def test_episode_numbers_and_dates_are_kept_when_an_older_essay_arrives(tmp_path: Path) -> None:
    root = make_show(
        tmp_path / "show",
        {
            "b.md": "---\ntitle: Bee\ndate: 2026-05-01\n---\n\nSecond written.\n",
            "c.md": "---\ntitle: Sea\n---\n\nNo date in front matter.\n",
        },
    )
    assert build(root).exit_code == 0
    first = json.loads((root / "output" / "manifest.json").read_text())["episodes"]
    # an essay dated before all others arrives later; an undated one is edited
    (root / "essays" / "a.md").write_text("---\ntitle: Ay\ndate: 2020-01-01\n---\n\nOld.\n")
    (root / "essays" / "c.md").write_text("---\ntitle: Sea\n---\n\nEdited, still undated.\n")
    assert build(root).exit_code == 0
    second = json.loads((root / "output" / "manifest.json").read_text())["episodes"]
    for slug in ("bee", "sea"):
        assert second[slug]["number"] == first[slug]["number"]
    assert second["sea"]["episode"]["published"] == first["sea"]["episode"]["published"]
    numbers = [e["number"] for e in second.values()]
    assert sorted(numbers) == [1, 2, 3]
    assert second["ay"]["number"] == 3  # new episodes are numbered after the others


@pytest.mark.speaks_nothing
def test_a_no_change_rebuild_loads_no_feed_voice_or_image_library(built_tone_show: Path) -> None:
    probe = (
        "import sys\n"
        "from pipeline.build import build_show\n"
        "from pipeline.config import load_show\n"
        f"report = build_show(load_show({str(built_tone_show)!r}))\n"
        "assert not report.built, report.built\n"
        "heavy = {'feedgen', 'lxml', 'onnxruntime', 'piper', 'hibari', 'PIL', 'mutagen'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@pytest.mark.speaks_nothing
def test_dry_run_writes_nothing_not_even_the_lock(tiny_show: Path) -> None:
    result = build(tiny_show, "--dry-run")
    assert result.exit_code == 0, result.output
    assert not (tiny_show / ".essaycast").exists()
    assert not (tiny_show / "output").exists() or not any((tiny_show / "output").iterdir())
