"""Shared fixtures: tiny shows made in a temp dir, built with the real pipeline."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

TINY_TOML = """\
[podcast]
title = "Tiny Show"
description = "A show made by the tests."
author = "Test Writer"
email = "tests@example.org"
language = "en"
base_url = "http://127.0.0.1:8000/tiny/"
category = "Arts > Books"
"""

TINY_ESSAYS = {
    "first.md": """\
        ---
        title: First Light
        date: 2026-01-05
        ---

        The film opens at dawn. Nobody speaks.
        """,
    "second.txt": """\
        ---
        title: Second Thoughts
        date: 2026-02-10
        ---
        A short review, read aloud.
        """,
}


def make_show(root: Path, essays: dict[str, str] | None = None, toml: str = TINY_TOML) -> Path:
    """Write a show folder: podcast.toml and essays/ (dedented)."""
    (root / "essays").mkdir(parents=True, exist_ok=True)
    (root / "podcast.toml").write_text(toml, encoding="utf-8")
    for name, text in (TINY_ESSAYS if essays is None else essays).items():
        (root / "essays" / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return root


@pytest.fixture
def tiny_show(tmp_path: Path) -> Path:
    return make_show(tmp_path / "show")


@pytest.fixture(scope="module")
def built_tiny_show(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny show built once per test module with the real Piper voice."""
    from click.testing import CliRunner

    from pipeline.cli import main

    root = make_show(tmp_path_factory.mktemp("built") / "show")
    result = CliRunner().invoke(main, ["build", "--show", str(root)])
    assert result.exit_code == 0, result.output
    return root
