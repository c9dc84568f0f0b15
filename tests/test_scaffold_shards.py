"""`essaycast init --shards N`: a render matrix of N jobs and one publish job."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.scaffold import WORKFLOW_PATH
from tests.test_scaffold import _actionlint


def _workflow(tmp_path: Path, *args: str) -> tuple[Path, dict[str, Any]]:
    result = CliRunner().invoke(main, ["init", str(tmp_path / "show"), *args])
    assert result.exit_code == 0, result.output
    path = tmp_path / "show" / WORKFLOW_PATH
    return path, yaml.safe_load(path.read_text(encoding="utf-8"))


def _uses(steps: list[dict[str, Any]], action: str) -> dict[str, Any]:
    return next(s for s in steps if s.get("uses", "").startswith(action + "@"))


def _by_id(steps: list[dict[str, Any]], step_id: str) -> dict[str, Any]:
    return next(s for s in steps if s.get("id") == step_id)


@pytest.mark.parametrize("args", [(), ("--shards", "4"), ("--shards", "2")])
def test_actionlint_accepts_the_plain_and_the_sharded_workflow(tmp_path: Path, args) -> None:
    path, _ = _workflow(tmp_path, *args)
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


def test_plain_init_stays_one_job(tmp_path: Path) -> None:
    _, wf = _workflow(tmp_path)
    assert list(wf["jobs"]) == ["publish"]
    assert "build --shard" not in (tmp_path / "show" / WORKFLOW_PATH).read_text()


def test_shards_4_is_a_render_matrix_and_a_publish_job(tmp_path: Path) -> None:
    _, wf = _workflow(tmp_path, "--shards", "4")
    assert list(wf["jobs"]) == ["render", "publish"]
    render, publish = wf["jobs"]["render"], wf["jobs"]["publish"]

    assert render["strategy"]["matrix"]["shard"] == [1, 2, 3, 4]
    assert render["strategy"]["fail-fast"] is False
    steps = render["steps"]
    assert _uses(steps, "actions/checkout")["with"]["fetch-depth"] == 0
    restore, save = _uses(steps, "actions/cache/restore"), _uses(steps, "actions/cache/save")
    for cache in (restore, save):  # each shard its own sentence cache; output/ is an artifact
        assert cache["with"]["path"].split() == [".essaycast/cache/"]
    key = _by_id(steps, "key")
    assert "shard-$SHARD-of-4" in key["run"] and key["env"]["SHARD"] == "${{ matrix.shard }}"
    assert save["if"] == "steps.cache.outputs.cache-hit != 'true'"
    build = _by_id(steps, "build")
    assert 'essaycast build --shard "$SHARD/4" --base-url "$BASE_URL/"' in build["run"]
    upload = _uses(steps, "actions/upload-artifact")["with"]
    assert upload["name"] == "output-shard-${{ matrix.shard }}" and upload["path"] == "output/"

    assert publish["needs"] == "render" and publish["environment"]["name"] == "github-pages"
    assert publish["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    steps = publish["steps"]
    download = _uses(steps, "actions/download-artifact")["with"]
    assert download == {"pattern": "output-shard-*", "merge-multiple": True, "path": "output/"}
    names = [s.get("uses", s.get("name")) for s in steps]
    # the artifacts are merged before publishing, and the site deployed after it
    assert names.index(
        next(n for n in names if n.startswith("actions/download-artifact"))
    ) < names.index("Publish the feed and the page")
    assert 'essaycast publish --base-url "$BASE_URL/"' in _by_id(steps, "build")["run"]
    assert _uses(steps, "actions/upload-pages-artifact")["with"]["path"] == "output/"
    assert _uses(steps, "actions/deploy-pages")["id"] == "deployment"
    assert steps[-1]["if"] == "steps.build.outputs.status == '1'"


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_the_render_step_runs_its_shard(tmp_path: Path) -> None:
    """Run the render step's script as the runner would, with a stand-in essaycast."""
    _, wf = _workflow(tmp_path, "--shards", "3")
    fake = tmp_path / "bin" / "essaycast"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\necho "$@" > "{tmp_path}/args"\nexit 1\n')
    fake.chmod(0o755)
    outputs = tmp_path / "github_output"
    env = {
        "PATH": f"{fake.parent}{os.pathsep}{os.environ['PATH']}",
        "SHARD": "2",
        "GITHUB_OUTPUT": str(outputs),
        "BASE_URL": "https://me.github.io/show",
    }
    script = _by_id(wf["jobs"]["render"]["steps"], "build")["run"]
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        env=env,
        capture_output=True,
        timeout=300,  # a bound on a hang
    )
    assert proc.returncode == 0  # exit 1: some essays failed; the rest are uploaded
    assert outputs.read_text() == "status=1\n"
    assert (tmp_path / "args").read_text() == (
        "build --shard 2/3 --base-url https://me.github.io/show/\n"
    )
