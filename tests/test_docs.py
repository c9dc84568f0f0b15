"""Docs that cannot drift: the README's commands, the module map and the layers drawing.

As sqlite-utils' tests/test_docs.py does: a command or option added to the CLI and
not to the README, a module added or moved without its line in docs/ARCHITECTURE.md,
or a layer drawn differently from the import-linter contract fails here.
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import click
import pytest

from pipeline.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
ARCHITECTURE = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
PACKAGE = ROOT / "pipeline"


def _commands_block() -> str:
    """The fenced block under the README's "## Commands" heading."""
    section = README.split("\n## Commands\n", 1)[1]
    return section.split("```\n", 2)[1]


def _synopsis(name: str) -> str:
    """The README's synopsis of one command: its line and the indented lines after it."""
    lines = _commands_block().splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith(f"essaycast {name} ")]
    assert starts, f"README's Commands block has no line for `essaycast {name}`"
    out = [lines[starts[0]]]
    for line in lines[starts[0] + 1 :]:
        if line.startswith("essaycast "):
            break
        out.append(line)
    return "\n".join(out)


def test_every_command_is_in_the_readme_and_every_readme_command_exists() -> None:
    documented = set(re.findall(r"^essaycast (\w+)", _commands_block(), re.M))
    assert documented == set(main.commands)


@pytest.mark.parametrize("name", sorted(main.commands))
def test_the_readme_synopsis_lists_exactly_the_options_of_the_command(name: str) -> None:
    command = main.commands[name]
    synopsis = _synopsis(name)
    named = set(re.findall(r"(?<![\w-])(--?[a-z][\w-]*)", synopsis))
    known: set[str] = set()
    for param in command.params:
        if not isinstance(param, click.Option):
            continue
        spellings = [*param.opts, *param.secondary_opts]
        known.update(spellings)
        assert named & set(spellings), f"`essaycast {name}` {spellings[0]} is not in the README"
    assert named <= known | {"--help", "-h"}, f"README names options `{name}` lacks"


def test_every_command_has_help_with_an_example_or_a_line() -> None:
    for name, command in main.commands.items():
        assert command.help and command.help.strip(), f"essaycast {name} has no --help text"


def _documented_modules() -> set[str]:
    table = ARCHITECTURE.split("<!-- modules:", 1)[1]
    return set(re.findall(r"^\| `([^`]+)` \|", table, re.M))


def _tree_modules() -> set[str]:
    names = set()
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] in ("data", "templates"):
            continue
        if path.name == "__init__.py" and len(rel.parts) > 1:
            names.add(f"{rel.parent.as_posix()}/")  # a package is listed as its folder
        else:
            names.add(rel.as_posix())
    return names


def test_the_module_map_names_every_module_and_nothing_else() -> None:
    documented, tree = _documented_modules(), _tree_modules()
    assert not tree - documented, f"docs/ARCHITECTURE.md lacks {sorted(tree - documented)}"
    assert not documented - tree, f"docs/ARCHITECTURE.md names {sorted(documented - tree)}"


def test_the_layers_drawn_are_the_layers_the_contract_enforces() -> None:
    drawing = ARCHITECTURE.split("<!-- layers:", 1)[1].split("```\n", 2)[1]
    drawn = [" | ".join(part.strip() for part in line.split("|")) for line in drawing.splitlines()]
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    (layers,) = [c["layers"] for c in contracts if c.get("containers") == ["pipeline"]]
    assert drawn == layers


def test_engines_never_import_the_registry_that_imports_them() -> None:
    """`from . import X` in an engine would reach speech/__init__ (import-linter cannot
    tell a container's own __init__ from the container)."""
    for name in ("espeak", "gtts", "hibari", "kokoro", "piper", "base", "onnx_noise"):
        tree = ast.parse((PACKAGE / "speech" / f"{name}.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module is None:
                allowed = {"hibari"}  # kokoro shares hibari's G2P: an engine, not the registry
                assert {a.name for a in node.names} <= allowed, f"speech/{name}.py imports {node}"


def test_every_module_has_a_docstring() -> None:
    for path in PACKAGE.rglob("*.py"):
        if "data" in path.relative_to(PACKAGE).parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), f"{path.relative_to(ROOT)} has no module docstring"
