"""The real pipeline's output passes validate with nothing to report, and stays byte-identical."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main

pytestmark = pytest.mark.slow


def tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".gitkeep"
    }


def test_a_built_show_passes_validate_with_no_warnings(built_tiny_show: Path) -> None:
    result = CliRunner().invoke(main, ["validate", "--show", str(built_tiny_show)])
    assert result.exit_code == 0, result.output
    # the tests' tiny show sets no copyright, which B14 rightly mentions; nothing else may
    *findings, summary = result.output.strip().splitlines()
    assert findings == ["B14: warning: the channel has no <copyright>"]
    assert "0 errors, 1 warning" in summary


def test_a_built_show_has_its_cover_and_page(built_tiny_show: Path) -> None:
    output = built_tiny_show / "output"
    (cover,) = output.glob("cover-*.jpg")
    page = (output / "index.html").read_text(encoding="utf-8")
    assert f'src="{cover.name}"' in page
    assert page.count("<audio ") == 2 and page.count('<details class="transcript"') == 2
    assert page.count("<summary>Chapters</summary>") == 2  # Intro and the essay
    feed = (output / "feed.xml").read_text(encoding="utf-8")
    assert f'<itunes:image href="http://127.0.0.1:8000/tiny/{cover.name}"/>' in feed


def test_rebuild_and_feed_command_leave_every_byte_the_same(built_tiny_show: Path) -> None:
    before = tree(built_tiny_show / "output")
    assert CliRunner().invoke(main, ["build", "--show", str(built_tiny_show)]).exit_code == 0
    assert tree(built_tiny_show / "output") == before
    result = CliRunner().invoke(main, ["feed", "--show", str(built_tiny_show)])
    assert result.exit_code == 0, result.output
    assert tree(built_tiny_show / "output") == before
