"""`essaycast init --follow FEED_URL`: the daily import-build-deploy workflow, actionlint-clean."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.scaffold import EXAMPLE_PATH, FOLLOW_WORKFLOW_PATH, WORKFLOW_PATH

from .test_scaffold import _actionlint

FEED = "https://example.org/blog/feed?format=rss&lang=en"


@pytest.fixture
def followed(tmp_path: Path) -> Path:
    root = tmp_path / "my-blog"
    result = CliRunner().invoke(main, ["init", str(root), "--follow", FEED])
    assert result.exit_code == 0, result.output
    assert f"essaycast import {FEED} --show {root}" in result.output
    return root


def test_follow_writes_the_follow_workflow_instead_of_the_build_one(followed: Path) -> None:
    assert (followed / FOLLOW_WORKFLOW_PATH).is_file()
    assert not (followed / WORKFLOW_PATH).exists()  # two workflows would both deploy Pages
    assert not (followed / EXAMPLE_PATH).exists()  # it would be published among the posts
    assert (followed / "podcast.toml").is_file()


def test_the_workflow_runs_daily_and_by_hand_imports_commits_builds_and_deploys(
    followed: Path,
) -> None:
    workflow = yaml.safe_load((followed / FOLLOW_WORKFLOW_PATH).read_text(encoding="utf-8"))
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert "schedule" in triggers and "workflow_dispatch" in triggers
    assert workflow["permissions"] == {
        "contents": "write",
        "pages": "write",
        "id-token": "write",
    }
    job = workflow["jobs"]["follow"]
    assert job["env"]["FEED_URL"] == FEED
    runs = "\n".join(step.get("run", "") for step in job["steps"])
    assert 'essaycast import "$FEED_URL"' in runs
    assert "git commit" in runs and "git push" in runs
    assert "essaycast build --restore" in runs
    uses = [step.get("uses", "") for step in job["steps"]]
    assert any(u.startswith("actions/deploy-pages@") for u in uses)
    order = [step.get("name", step.get("uses")) for step in job["steps"]]
    assert order.index("Import new posts") < order.index("Commit the new essays")
    assert order.index("Commit the new essays") < order.index("Build the episodes")


def test_actionlint_passes_the_follow_workflow(followed: Path) -> None:
    binary, env = _actionlint()
    path = followed / FOLLOW_WORKFLOW_PATH
    proc = subprocess.run(
        [binary, "-no-color", str(path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=followed,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize(
    "url", ["ftp://example.org/feed", "example.org/feed", "https://x.org/${{ github.token }}"]
)
def test_a_feed_address_that_is_no_http_url_is_refused_and_nothing_written(
    tmp_path: Path, url: str
) -> None:
    root = tmp_path / "blog"
    result = CliRunner().invoke(main, ["init", str(root), "--follow", url])
    assert result.exit_code == 2
    assert "--follow:" in result.output and "is not an http(s) feed address" in result.output
    assert not root.exists()
