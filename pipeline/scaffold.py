"""`essaycast init`: write a new show folder from the templates in pipeline/templates/.

A scaffold never overwrites: files that exist are skipped and reported, and a
folder that already has a podcast.toml is refused whole, so running init twice
(or in the wrong place) cannot destroy a show. In a blog repo (Jekyll, Hugo,
Eleventy, Astro, MkDocs' blog plugin, an Obsidian vault) `detect_blog` finds
where the posts are, and the podcast.toml it writes reads them there.
"""

from __future__ import annotations

import json
import re
import subprocess
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Any

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
class Blog:
    """A site generator's blog found in the show folder, and where its posts are."""

    generator: str  # "Jekyll", "Hugo", "Eleventy", "Astro", "MkDocs", "Obsidian"
    evidence: tuple[str, ...]  # what showed it: "_config.yml", "_posts/"
    paths: tuple[str, ...]  # [essays] paths
    exclude: tuple[str, ...] = ()
    posts: int = 0  # how many essay files those paths hold now
    title: str | None = None  # the site's own title, for the show's
    note: str = ""  # one thing the writer should know about this generator

    @property
    def found(self) -> str:
        """'a Jekyll site', 'an Obsidian vault'."""
        kind = "vault" if self.generator == "Obsidian" else "site"
        article = "an" if self.generator[0] in "AEIOU" else "a"
        return f"{article} {self.generator} {kind}"

    def toml(self) -> str:
        """The [essays] table for podcast.toml."""
        lines = [
            f"# Found {self.found} ({', '.join(self.evidence)}):",
            "# its posts are the essays, read where they are.",
            *_ESSAYS_HELP,
            "[essays]",
            f"paths = {_toml_list(self.paths)}",
        ]
        if self.exclude:
            lines.append(f"exclude = {_toml_list(self.exclude)}")
        lines += ['# links = "site"', '# tables = "read"', '# maths = "announce"']
        return "\n".join(lines)


_ESSAYS_HELP = (
    "# paths: folders or globs relative to this folder; exclude: globs to leave out.",
    '# links: a bare URL is said as its site ("site") or not at all ("drop").',
    '# tables: "read" row by row, the header as labels, or "skip" (says a table is shown).',
    '# maths: display maths is "announce"d (says a formula is shown) or "read" when simple.',
)
ESSAYS_DEFAULT = "\n".join(
    [
        "# Where the essays are. Without [essays]: every .md, .markdown, .mdx and .txt in essays/.",
        "# In a blog repo, point at the posts where they are (`essaycast init` there finds them).",
        *_ESSAYS_HELP,
        "# [essays]",
        '# paths = ["essays"]                       # e.g. ["_posts"], ["content/posts/**/*.md"]',
        '# exclude = []                             # e.g. ["**/_index.md", "drafts"]',
        '# links = "site"',
        '# tables = "read"',
        '# maths = "announce"',
    ]
)


@dataclass(frozen=True)
class ScaffoldReport:
    """What init did, as paths relative to the show folder."""

    root: Path
    branch: str
    created: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why)
    outside_repo_root: Path | None = None  # set when DIR is a subfolder of a git work tree
    blog: Blog | None = None  # the blog found in DIR, whose posts the show reads
    updated: list[str] = field(default_factory=list)  # files init added lines to


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
    blog = detect_blog(root) if root.is_dir() else None
    report = ScaffoldReport(
        root=root,
        branch=branch,
        outside_repo_root=toplevel if toplevel and toplevel != root.resolve() else None,
        blog=blog,
    )
    show_files = render_show_files(
        title or (blog and blog.title) or title_from_folder(root),
        today or date.today(),
        branch,
        shards=shards,
        blog=blog,
    )
    if follow:
        follow_files(show_files, follow, branch)
    root.mkdir(parents=True, exist_ok=True)
    if blog is not None:
        # the blog's posts are the essays: an example would be published among them
        show_files.pop(EXAMPLE_PATH, None)
    elif EXAMPLE_PATH in show_files and _has_essays(root / "essays"):
        # an example among real essays would be published as an episode of their show
        del show_files[EXAMPLE_PATH]
        report.skipped.append((EXAMPLE_PATH, "essays/ already has essays"))
    if blog is not None and (root / ".gitignore").is_file():
        # the show is the blog's own repo: without these lines output/ would be committed
        del show_files[".gitignore"]
        if _extend_gitignore(root / ".gitignore"):
            report.updated.append(".gitignore")
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
    title: str, today: date, branch: str = "main", *, shards: int = 1, blog: Blog | None = None
) -> dict[str, str]:
    """The new show's files, path -> text, in the order they are written; pure."""
    key_files: tuple[str, ...] = SHOW_KEY_FILES
    if blog is not None:  # the workflow's cache key hashes the posts where they are
        posts = tuple(
            p if any(c in p for c in "*?[") else f"{p.rstrip('/')}/**" for p in blog.paths
        )
        key_files = ("podcast.toml", *posts, *SHOW_KEY_FILES[2:])
    return {
        # podcast.toml first: if anything below fails, the folder is already recognisably a show
        CONFIG_NAME: _render(
            "podcast.toml",
            title=_toml_string(title),
            essays=blog.toml() if blog else ESSAYS_DEFAULT,
        ),
        EXAMPLE_PATH: _render("example.md", date=today.isoformat()),
        "output/.gitkeep": "",
        ".gitignore": _render("gitignore"),
        WORKFLOW_PATH: render_workflow(
            origin="Written by `essaycast init`; edit freely.",
            install="python -m pip install essaycast",
            # a show has no requirements file; the workflow holds the install line instead
            pip_cache_path=WORKFLOW_PATH,
            key_files=key_files,
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


def _toml_list(values: Sequence[str]) -> str:
    return "[" + ", ".join(_toml_string(v) for v in values) + "]"


def _extend_gitignore(path: Path) -> bool:
    """Add essaycast's lines to a blog's own .gitignore (never removing any); True if added."""
    ours = _render("gitignore")
    text = path.read_text(encoding="utf-8", errors="replace")
    have = {line.strip() for line in text.splitlines()}
    missing = [line for line in ours.splitlines() if line.strip() and not line.startswith("#")]
    if all(line in have for line in missing):
        return False
    with open(path, "a", encoding="utf-8", newline="\n") as handle:
        handle.write(("" if text.endswith("\n") or not text else "\n") + "\n" + ours)
    return True


# -- finding a blog --------------------------------------------------------------------------------

_POST_SUFFIXES = (".md", ".markdown", ".mdx")
_POST_FOLDERS = ("posts", "post", "blog", "articles", "writing", "essays")


def detect_blog(root: Path) -> Blog | None:
    """The site generator whose blog `root` is, with where its posts live; None if none."""
    for detect in (_astro, _eleventy, _hugo, _mkdocs, _jekyll, _obsidian):
        blog = detect(root)
        if blog is not None:
            return _counted(root, blog)
    return None


def _counted(root: Path, blog: Blog) -> Blog:
    from dataclasses import replace

    from .text.essays import find_essays  # local: only init in a blog needs it

    found, _ = find_essays(root, blog.paths, blog.exclude)
    return replace(blog, posts=len(found))


def _first(root: Path, names: Sequence[str]) -> str | None:
    return next((n for n in names if (root / n).is_file()), None)


def _has_posts(folder: Path) -> bool:
    return folder.is_dir() and any(
        p.suffix.lower() in _POST_SUFFIXES for p in folder.rglob("*") if p.is_file()
    )


def _read_config(path: Path) -> dict[str, Any]:
    """A site's config file (TOML, YAML or JSON) as a dict; {} when it cannot be read."""
    import yaml

    class Lenient(yaml.SafeLoader):
        """YAML that reads MkDocs' `!!python/name:` and `!ENV` tags as nothing."""

    Lenient.add_multi_constructor("", lambda loader, suffix, node: None)
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".toml":
            data: Any = tomllib.loads(text)
        elif path.suffix == ".json":
            data = json.loads(text)
        else:
            data = yaml.load(text, Loader=Lenient)  # noqa: S506 - SafeLoader, tags read as None
    except (OSError, ValueError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


def _site_title(config: dict[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = config.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _jekyll(root: Path) -> Blog | None:
    config = _first(root, ("_config.yml", "_config.yaml", "_config.toml"))
    if not (root / "_posts").is_dir() or config is None and not _has_posts(root / "_posts"):
        return None
    # posts may also sit in <category>/_posts folders
    nested = sorted(
        p.relative_to(root).as_posix()
        for p in root.glob("*/_posts")
        if p.is_dir() and not p.parts[-2].startswith((".", "_"))
    )
    settings = _read_config(root / config) if config else {}
    return Blog(
        "Jekyll",
        tuple(e for e in (config, "_posts/") if e),
        ("_posts", *nested),
        title=_site_title(settings, "title"),
        note="Jekyll copies every folder without a leading _ into the site: add output/ and "
        "podcast.toml to `exclude:` in _config.yml unless you want them published there too.",
    )


def _hugo(root: Path) -> Blog | None:
    names = [f"hugo.{s}" for s in ("toml", "yaml", "yml", "json")]
    config = _first(root, names) or _first(root, [f"config.{s}" for s in ("toml", "yaml", "yml")])
    if config is None:
        config = next(
            (f"config/_default/{n}" for n in names if (root / "config/_default" / n).is_file()),
            None,
        )
    settings = _read_config(root / config) if config else {}
    content = str(settings.get("contentDir") or settings.get("contentdir") or "content")
    if config is None or not (root / content).is_dir():
        return None
    section = next((s for s in _POST_FOLDERS if _has_posts(root / content / s)), None)
    where = f"{content}/{section}" if section else content
    return Blog(
        "Hugo",
        (config, f"{content}/"),
        (f"{where}/**/*.md",),
        exclude=("**/_index.md",),  # a section's list page, not a post
        title=_site_title(settings, "title"),
    )


def _eleventy(root: Path) -> Blog | None:
    config = _first(
        root,
        (
            ".eleventy.js", ".eleventy.cjs", ".eleventy.mjs", "eleventy.config.js",
            "eleventy.config.mjs", "eleventy.config.cjs", "eleventy.config.ts",
        ),
    )  # fmt: skip
    if config is None:
        return None
    text = (root / config).read_text(encoding="utf-8", errors="replace")
    match = re.search(r"\binput\s*:\s*[\"'`]([^\"'`]+)[\"'`]", text)
    source = (match.group(1) if match else ".").strip("./") or ""
    base = root / source if source else root
    candidates = [*_POST_FOLDERS, *(f"content/{s}" for s in _POST_FOLDERS)]
    folder = next((c for c in candidates if _has_posts(base / c)), None)
    prefix = f"{source}/" if source else ""
    if folder:
        paths: tuple[str, ...] = (f"{prefix}{folder}/**/*.md",)
        exclude: tuple[str, ...] = ()
    else:
        paths = (f"{prefix}**/*.md",)
        exclude = ("**/_includes", "**/_data", "README.md")
    data = _read_config(base / "_data" / "metadata.json") or _read_config(
        base / "_data" / "site.json"
    )
    return Blog("Eleventy", (config,), paths, exclude, title=_site_title(data, "title"))


def _astro(root: Path) -> Blog | None:
    config = next(
        (f"astro.config.{s}" for s in ("mjs", "js", "ts", "mts", "cjs") if
         (root / f"astro.config.{s}").is_file()),
        None,
    )  # fmt: skip
    if config is None:
        return None
    content = root / "src" / "content"
    collections = sorted(
        p.name for p in content.iterdir() if p.is_dir() and _has_posts(p)
    ) if content.is_dir() else []  # fmt: skip
    chosen = [c for c in collections if c in _POST_FOLDERS] or collections
    if not chosen and _has_posts(root / "src" / "data" / "blog"):  # Astro 5's content layer
        return Blog("Astro", (config, "src/data/blog/"), ("src/data/blog/**/*.md*",))
    if not chosen:
        return None
    return Blog(
        "Astro",
        (config, *(f"src/content/{c}/" for c in chosen)),
        tuple(f"src/content/{c}/**/*.md*" for c in chosen),
    )


def _mkdocs(root: Path) -> Blog | None:
    config = _first(root, ("mkdocs.yml", "mkdocs.yaml"))
    if config is None:
        return None
    settings = _read_config(root / config)
    plugins = settings.get("plugins") or []
    options: dict[str, Any] | None = None
    for plugin in plugins if isinstance(plugins, list) else [plugins]:
        name = plugin if isinstance(plugin, str) else next(iter(plugin), "") if isinstance(
            plugin, dict) else ""  # fmt: skip
        if name in ("blog", "material/blog"):
            value = plugin.get(name) if isinstance(plugin, dict) else None
            options = value if isinstance(value, dict) else {}
    if options is None:
        return None
    docs = str(settings.get("docs_dir") or "docs").strip("/")
    blog_dir = str(options.get("blog_dir") or "blog").strip("/")
    post_dir = str(options.get("post_dir") or "{blog}/posts").replace("{blog}", blog_dir)
    where = f"{docs}/{post_dir}".replace("/./", "/")
    return Blog(
        "MkDocs",
        (f"{config} (blog plugin)", f"{where}/"),
        (f"{where}/**/*.md",),
        title=_site_title(settings, "site_name"),
    )


def _obsidian(root: Path) -> Blog | None:
    if not (root / ".obsidian").is_dir():
        return None
    folders = {p.name.lower(): p.name for p in root.iterdir() if p.is_dir()}
    chosen = next(
        (folders[f] for f in (*_POST_FOLDERS, "published") if f in folders and
         _has_posts(root / folders[f])),
        None,
    )  # fmt: skip
    if chosen:
        return Blog("Obsidian", (".obsidian/", f"{chosen}/"), (f"{chosen}/**/*.md",))
    templates = [folders[t] for t in ("templates", "_templates") if t in folders]
    return Blog(
        "Obsidian",
        (".obsidian/",),
        ("**/*.md",),
        exclude=tuple(templates),
        note="Every note in the vault is an episode: narrow [essays] paths to the folder of "
        "finished pieces, or mark notes `podcast: false`.",
    )
