"""`essaycast init`: write a new show folder from the templates in pipeline/templates/.

A scaffold never overwrites: files that exist are skipped and reported, and a
folder that already has a podcast.toml is refused whole, so running init twice
(or in the wrong place) cannot destroy a show.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib.resources import files
from pathlib import Path

from .config import CONFIG_NAME
from .errors import ConfigError

WORKFLOW_PATH = ".github/workflows/podcast.yml"
EXAMPLE_PATH = "essays/example.md"
FOLLOW_WORKFLOW_PATH = ".github/workflows/follow.yml"

# What the scaffolded show's cache key hashes: everything the episodes are built from.
SHOW_KEY_FILES = ("podcast.toml", "essays/**", "music/**", "*.jpg", "*.jpeg", "*.png")
# The sample show in essaycast's own repo also rebuilds when the pipeline's code changes.
SAMPLE_KEY_FILES = (*SHOW_KEY_FILES, "pipeline/**", "pyproject.toml")

_BRANCH = re.compile(r"^[A-Za-z0-9._/-]+$")
_MARKER = re.compile(r"@@\w+@@")
_URL = re.compile(r"^[A-Za-z0-9._~:/?#\[\]@!&'()*+,;=%-]+$")  # RFC 3986 characters only


@dataclass(frozen=True)
class ScaffoldReport:
    """What init did, as paths relative to the show folder."""

    root: Path
    branch: str
    created: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why)
    outside_repo_root: Path | None = None  # set when DIR is a subfolder of a git work tree


def scaffold_show(
    root: Path | str,
    title: str | None = None,
    *,
    today: date | None = None,
    shards: int = 1,
    follow: str | None = None,
) -> ScaffoldReport:
    """Create a show in `root`; raise ConfigError if it already has a podcast.toml."""
    root = Path(root)
    config = root / CONFIG_NAME
    if config.exists():
        raise ConfigError("already a show; nothing written", source=str(config))
    branch, toplevel = _git_context(root)
    report = ScaffoldReport(
        root=root,
        branch=branch,
        outside_repo_root=toplevel if toplevel and toplevel != root.resolve() else None,
    )
    show_files = render_show_files(
        title or title_from_folder(root), today or date.today(), branch, shards=shards
    )
    if follow:
        follow_files(show_files, follow, branch)
    root.mkdir(parents=True, exist_ok=True)
    if EXAMPLE_PATH in show_files and _has_essays(root / "essays"):
        # an example among real essays would be published as an episode of their show
        del show_files[EXAMPLE_PATH]
        report.skipped.append((EXAMPLE_PATH, "essays/ already has essays"))
    for name, text in show_files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # "x": create or fail, so a file that appeared since the check is never clobbered
            with open(path, "x", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
        except FileExistsError:
            report.skipped.append((name, "exists"))
            continue
        report.created.append(name)
    return report


def render_show_files(
    title: str, today: date, branch: str = "main", *, shards: int = 1
) -> dict[str, str]:
    """The new show's files, path -> text, in the order they are written; pure."""
    return {
        # podcast.toml first: if anything below fails, the folder is already recognisably a show
        CONFIG_NAME: _render("podcast.toml", title=_toml_string(title)),
        EXAMPLE_PATH: _render("example.md", date=today.isoformat()),
        "output/.gitkeep": "",
        ".gitignore": _render("gitignore"),
        WORKFLOW_PATH: render_workflow(
            origin="Written by `essaycast init`; edit freely.",
            install="python -m pip install essaycast",
            # a show has no requirements file; the workflow holds the install line instead
            pip_cache_path=WORKFLOW_PATH,
            key_files=SHOW_KEY_FILES,
            branch=branch,
            shards=shards,
        ),
    }


def follow_files(show_files: dict[str, str], feed_url: str, branch: str) -> None:
    """`init --follow FEED_URL`: the daily import-and-build workflow instead of the
    build-only one, and no example essay (it would be published among the posts)."""
    _check_feed_url(feed_url)
    del show_files[WORKFLOW_PATH]
    del show_files[EXAMPLE_PATH]
    show_files[FOLLOW_WORKFLOW_PATH] = _render(
        "podcast-follow.yml",
        feed_url=feed_url.replace("'", "''"),  # a YAML single-quoted string
        branch=branch,
        install="python -m pip install essaycast",
    )


def _check_feed_url(url: str) -> None:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    # the URL goes into the workflow file: nothing that YAML or a shell could read as syntax
    if parts.scheme not in ("http", "https") or not parts.hostname or not _URL.match(url):
        raise ConfigError(
            f"--follow: {url!r} is not an http(s) feed address; e.g. https://example.org/feed",
            source="command line",
        )


def render_sample_workflow() -> str:
    """The workflow for the sample show at the root of essaycast's own repo."""
    return render_workflow(
        origin="The sample show's copy of `essaycast init`'s workflow, installing from this repo."
        "\n# Regenerate, never edit: make it with pipeline.scaffold.render_sample_workflow().",
        install="python -m pip install -e .",
        pip_cache_path="pyproject.toml",
        key_files=SAMPLE_KEY_FILES,
        branch="main",
    )


def render_workflow(
    *,
    origin: str,
    install: str,
    pip_cache_path: str,
    key_files: Sequence[str],
    branch: str,
    shards: int = 1,
) -> str:
    """The GitHub Actions workflow that builds a show and publishes it on Pages.

    One job; or, with `shards` > 1, a render matrix of that many jobs
    (`build --shard K/N`) and one publish job that merges their output/.
    """
    values = {
        "origin": origin,
        "install": install,
        "pip_cache_path": pip_cache_path,
        "key_files": ", ".join(f"'{pattern}'" for pattern in key_files),
        "branch": branch,
    }
    if shards <= 1:
        return _render("podcast.yml", **values)
    return _render(
        "podcast-sharded.yml",
        **values,
        shards=str(shards),
        shard_list=", ".join(str(k) for k in range(1, shards + 1)),
    )


def title_from_folder(root: Path) -> str:
    """A readable title from a folder's name: quiet-reels -> Quiet Reels."""
    name = Path(root).resolve().name
    words = re.sub(r"[-_.]+", " ", name).strip()
    if not words:
        return "My Podcast"
    # only a lowercase name is recapitalised: "BBC essays" stays as its owner wrote it
    return words.title() if words == words.lower() else words


def _has_essays(essays_dir: Path) -> bool:
    from .text.essays import discover_essays  # local: init needs it only when essays/ exists

    return essays_dir.is_dir() and bool(discover_essays(essays_dir))


def _render(template: str, **values: str) -> str:
    text = (files("pipeline") / "templates" / template).read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(f"@@{key}@@", value)
    left = _MARKER.search(text)
    if left:  # a template and its caller disagree: a bug, not a user error
        raise ValueError(f"template {template}: no value for {left.group()}")
    return text


def _toml_string(value: str) -> str:
    # JSON's escapes (\" \\ \n \uXXXX) are all valid in a TOML basic string
    return json.dumps(value, ensure_ascii=False)


def _git_context(root: Path) -> tuple[str, Path | None]:
    """The branch the workflow should build on, and the enclosing work tree's top, if any."""
    # walk up to the nearest folder that exists: DIR itself may not be made yet
    probe = root.resolve()
    while not probe.is_dir():
        probe = probe.parent
    branch = _git(probe, "symbolic-ref", "--short", "-q", "HEAD")
    toplevel = _git(probe, "rev-parse", "--show-toplevel")
    return (
        branch if branch and _BRANCH.match(branch) else "main",
        Path(toplevel).resolve() if toplevel else None,
    )


def _git(cwd: Path, *args: str) -> str | None:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None  # no git here: the scaffold does not need it
    return proc.stdout.strip() if proc.returncode == 0 and proc.stdout.strip() else None
