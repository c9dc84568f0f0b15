"""Issue 24, case 12: `check` never calls an episode "ready" whose files are not the
ones its build wrote (an MP3 swapped for another episode's, a transcript gone)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.build import build_show
from pipeline.check import check_show
from pipeline.cli import main
from pipeline.config import load_show
from tests.conftest import make_show
from tests.hostile_records import essays, tone  # noqa: F401 - tone: fixture


def test_a_swapped_mp3_with_its_transcript_missing_is_far_off(
    tmp_path: Path,
    tone,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the audio figures and the file checks need no recogniser: leave Whisper out
    monkeypatch.setattr("pipeline.check.recognizer_unavailable", lambda: "no recogniser here")
    root = make_show(tmp_path / "show", essays(2))
    (root / "essays" / "essay-1.md").write_text(
        "---\ntitle: Essay 1\ndate: 2026-02-02\n---\n\n" + "A much longer essay. " * 12 + "\n"
    )
    assert build_show(load_show(root), voice="tone").ok
    manifest = json.loads((root / "output" / "manifest.json").read_text())
    mine = manifest["episodes"]["essay-0"]["episode"]
    theirs = manifest["episodes"]["essay-1"]["episode"]
    out = root / "output"
    (out / mine["audio"]).write_bytes((out / theirs["audio"]).read_bytes())
    (out / mine["transcripts"]["text/vtt"]).unlink()

    report = check_show(load_show(root))
    by_slug = {e.slug: e for e in report.episodes}
    problems = by_slug["essay-0"].problems(report.max_wer)
    assert any("not the" in p and "the build wrote" in p for p in problems), problems
    assert any(p.startswith(mine["transcripts"]["text/vtt"]) for p in problems), problems
    assert not by_slug["essay-1"].damage
    result = CliRunner().invoke(main, ["check", "--show", str(root)])
    assert result.exit_code == 1, result.output
    assert "essay-0:" in result.output and "far off" in result.output
