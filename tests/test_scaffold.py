"""`essaycast init`: the files it writes, what it refuses to overwrite, and the CI workflow."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from dataclasses import MISSING, fields
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.config import AudioSettings, MusicSettings, PodcastSettings, VoiceSettings, load_show
from pipeline.scaffold import (
    WORKFLOW_PATH,
    render_sample_workflow,
    render_show_files,
    scaffold_show,
    title_from_folder,
)
from pipeline.text.essays import read_essay

REPO = Path(__file__).resolve().parent.parent
REPO_WORKFLOW = REPO / WORKFLOW_PATH
SHOW_FILES = ["podcast.toml", "essays/example.md", "output/.gitkeep", ".gitignore", WORKFLOW_PATH]
SECTIONS = {
    "podcast": PodcastSettings,
    "voice": VoiceSettings,
    "music": MusicSettings,
    "audio": AudioSettings,
}


def _init(*args: str) -> Any:
    return CliRunner().invoke(main, ["init", *args])


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


# --- the files ---------------------------------------------------------------------------


def test_init_creates_a_show_and_says_what_next(tmp_path: Path) -> None:
    root = tmp_path / "quiet-reels"
    result = _init(str(root))
    assert result.exit_code == 0, result.output
    assert sorted(_tree(root)) == sorted(SHOW_FILES)
    for name in SHOW_FILES:
        assert f"  {name}\n" in result.output
    assert "essaycast build --show" in result.output and "GitHub Actions" in result.output


def test_the_scaffolded_podcast_toml_loads_with_the_folder_name_as_title(tmp_path: Path) -> None:
    root = tmp_path / "quiet-reels"
    assert _init(str(root)).exit_code == 0
    show = load_show(root)
    assert show.podcast.title == "Quiet Reels"
    assert show.podcast.base_url == "http://127.0.0.1:8000/"
    assert show.lexicon == {"essaycast": "essay cast"}


def test_a_title_with_toml_specials_round_trips(tmp_path: Path) -> None:
    title = 'Tom & "Jerry" \\ Ünïcode\tTab'
    assert _init(str(tmp_path / "s"), "--title", title).exit_code == 0
    assert load_show(tmp_path / "s").podcast.title == title


def test_every_key_is_written_with_its_default_and_a_comment(tmp_path: Path) -> None:
    text = render_show_files("T", date(2026, 1, 5))["podcast.toml"]
    data = tomllib.loads(text)
    placeholders = {"title", "base_url"}  # the only values that are not the defaults
    # without them, the show's language picks its natural voice: commented, not set
    by_language = {("voice", "engine"), ("voice", "voice")}
    for section, cls in SECTIONS.items():
        for f in fields(cls):
            if (section, f.name) in by_language:
                assert f"# {f.name} = " in text, f"{section}.{f.name} not shown"
                continue
            assert f.name in data[section], f"{section}.{f.name} missing"
            if f.name not in placeholders:
                assert f.default is not MISSING and data[section][f.name] == f.default
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if "=" in line and not line.startswith("#"):
            assert lines[i - 1].startswith("#"), f"no comment above {line!r}"


def test_the_example_essay_reads_with_its_front_matter(tmp_path: Path) -> None:
    scaffold_show(tmp_path, title="T", today=date(2026, 3, 4))
    essay = read_essay(tmp_path / "essays" / "example.md")
    assert (essay.title, essay.slug) == ("Why Read Aloud", "why-read-aloud")
    assert essay.date is not None and essay.date.date() == date(2026, 3, 4)
    assert essay.description.startswith("A short welcome")


def test_gitignore_keeps_output_placeholder_and_ignores_state(tmp_path: Path) -> None:
    scaffold_show(tmp_path, title="T")
    lines = (tmp_path / ".gitignore").read_text().splitlines()
    assert {"output/*", "!output/.gitkeep", ".essaycast/"} <= set(lines)


@pytest.mark.parametrize(
    ("folder", "title"),
    [("quiet-reels", "Quiet Reels"), ("my_essays", "My Essays"), ("BBC essays", "BBC essays")],
)
def test_title_from_folder(tmp_path: Path, folder: str, title: str) -> None:
    assert title_from_folder(tmp_path / folder) == title


# --- never overwrite ---------------------------------------------------------------------


def test_init_twice_exits_2_with_one_line_and_changes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "show"
    assert _init(str(root)).exit_code == 0
    (root / "podcast.toml").write_text('[podcast]\ntitle = "Mine"\n', encoding="utf-8")
    before = _tree(root)
    result = _init(str(root))
    assert result.exit_code == 2
    assert result.output == f"Error: {root / 'podcast.toml'}: already a show; nothing written\n"
    assert _tree(root) == before


def test_other_existing_files_are_skipped_and_listed(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("*.pyc\n", encoding="utf-8")
    result = _init(str(tmp_path))
    assert result.exit_code == 0, result.output
    assert (tmp_path / ".gitignore").read_text() == "*.pyc\n"
    assert "  .gitignore: skipped, exists\n" in result.output
    assert (tmp_path / "podcast.toml").is_file()


def test_no_example_essay_among_real_essays(tmp_path: Path) -> None:
    (tmp_path / "essays").mkdir()
    (tmp_path / "essays" / "mine.md").write_text("# Mine\n\nWords.\n", encoding="utf-8")
    report = scaffold_show(tmp_path, title="T")
    assert not (tmp_path / "essays" / "example.md").exists()
    assert ("essays/example.md", "essays/ already has essays") in report.skipped


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_the_workflow_builds_on_the_repositorys_branch(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", "-b", "trunk", str(tmp_path)], check=True)
    report = scaffold_show(tmp_path, title="T")
    workflow = yaml.safe_load((tmp_path / WORKFLOW_PATH).read_text())
    assert report.branch == "trunk" and report.outside_repo_root is None
    assert _triggers(workflow)["push"]["branches"] == ["trunk"]


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_show_in_a_subfolder_of_a_repository_is_warned_about(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    result = _init(str(tmp_path / "show"))
    assert result.exit_code == 0, result.output
    assert "runs workflows only from .github/workflows/ at a repository's root" in result.output


# --- the workflow ------------------------------------------------------------------------


def _scaffolded_workflow(tmp_path: Path) -> Path:
    scaffold_show(tmp_path / "show", title="T")
    return tmp_path / "show" / WORKFLOW_PATH


def _triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    return workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as True


def _step(workflow: dict[str, Any], uses: str) -> dict[str, Any]:
    steps = workflow["jobs"]["publish"]["steps"]
    return next(s for s in steps if s.get("uses", "").startswith(uses + "@"))


def _named(workflow: dict[str, Any], step_id: str) -> dict[str, Any]:
    return next(s for s in workflow["jobs"]["publish"]["steps"] if s.get("id") == step_id)


def _actionlint() -> tuple[str, dict[str, str]]:
    # the venv's bin is not on PATH under `.venv/bin/pytest`; actionlint finds shellcheck there too
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    binary = shutil.which("actionlint", path=path)
    if binary is None:
        pytest.fail("actionlint is missing; install the test tools: pip install -e '.[dev]'")
    return binary, {**os.environ, "PATH": path}


@pytest.mark.parametrize("which", ["scaffolded", "repo"])
def test_actionlint_passes(tmp_path: Path, which: str) -> None:
    path = _scaffolded_workflow(tmp_path) if which == "scaffolded" else REPO_WORKFLOW
    binary, env = _actionlint()
    proc = subprocess.run(
        [binary, "-no-color", str(path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=path.parent.parent.parent,
        timeout=300,  # a bound on a hang
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_repo_workflow_is_the_template_rendered_for_the_sample_show() -> None:
    assert REPO_WORKFLOW.read_text(encoding="utf-8") == render_sample_workflow(), (
        "regenerate .github/workflows/podcast.yml from pipeline.scaffold.render_sample_workflow()"
    )
    assert "pip install -e ." in REPO_WORKFLOW.read_text()


@pytest.mark.parametrize("which", ["scaffolded", "repo"])
def test_workflow_structure(tmp_path: Path, which: str) -> None:
    path = _scaffolded_workflow(tmp_path) if which == "scaffolded" else REPO_WORKFLOW
    wf = yaml.safe_load(path.read_text(encoding="utf-8"))

    on = _triggers(wf)
    assert on["push"]["branches"] == ["main"]
    assert on["schedule"][0]["cron"] and "workflow_dispatch" in on
    assert wf["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert wf["concurrency"]["group"] and wf["concurrency"]["cancel-in-progress"] is False
    assert wf["jobs"]["publish"]["environment"]["name"] == "github-pages"

    assert _step(wf, "actions/checkout")["with"]["fetch-depth"] == 0
    python = _step(wf, "actions/setup-python")["with"]
    assert python["python-version"] == "3.11" and python["cache"] == "pip"

    restore, save = _step(wf, "actions/cache/restore"), _step(wf, "actions/cache/save")
    for cache in (restore, save):
        assert cache["with"]["path"].split() == ["output/", ".essaycast/cache/"]
    assert "podcast.toml" in _named(wf, "key")["env"]["SHOW_HASH"]
    assert "essays/**" in _named(wf, "key")["env"]["SHOW_HASH"]
    assert restore["with"]["restore-keys"].strip()
    assert save["if"] == "steps.cache.outputs.cache-hit != 'true'"  # runs on exit 0 and 1

    steps = wf["jobs"]["publish"]["steps"]
    install = next(s for s in steps if s.get("name") == "Install essaycast")
    expected = "pip install -e ." if which == "repo" else "pip install essaycast"
    assert expected in install["run"]

    assert _step(wf, "actions/configure-pages")["id"] == "pages"
    build = _named(wf, "build")
    assert build["env"]["BASE_URL"] == "${{ steps.pages.outputs.base_url }}"
    assert 'essaycast build --base-url "$BASE_URL/"' in build["run"]
    assert _step(wf, "actions/upload-pages-artifact")["with"]["path"] == "output/"
    assert _step(wf, "actions/deploy-pages")["id"] == "deployment"
    last = wf["jobs"]["publish"]["steps"][-1]
    assert last["if"] == "steps.build.outputs.status == '1'" and "exit 1" in last["run"]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize(("exit_code", "step_code"), [(0, 0), (1, 0), (2, 2)])
def test_the_build_step_publishes_partial_builds_and_stops_on_config_errors(
    tmp_path: Path, exit_code: int, step_code: int
) -> None:
    """Run the build step's script as the runner would, with a stand-in essaycast."""
    wf = yaml.safe_load(_scaffolded_workflow(tmp_path).read_text())
    fake = tmp_path / "bin" / "essaycast"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\necho "$@" > "{tmp_path}/args"\nexit {exit_code}\n')
    fake.chmod(0o755)
    outputs = tmp_path / "github_output"
    env = {
        "PATH": f"{fake.parent}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_OUTPUT": str(outputs),
        "BASE_URL": "https://me.github.io/show",
    }
    # GitHub runs `run:` with bash --noprofile --norc -eo pipefail
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", _named(wf, "build")["run"]],
        env=env,
        capture_output=True,
        timeout=300,  # a bound on a hang
    )
    assert proc.returncode == step_code
    assert outputs.read_text() == f"status={exit_code}\n"
    assert (tmp_path / "args").read_text() == "build --base-url https://me.github.io/show/\n"
