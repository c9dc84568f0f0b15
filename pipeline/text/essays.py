"""Find essays where a show keeps them and read each one, with its front matter, into an `Essay`.

Where: `essays/` by default, or podcast.toml's `[essays] paths` (folders or globs
relative to the show, so the show can be a blog repo: `_posts`,
`content/posts/**/*.md`) less its `exclude`. A reader per suffix (.md, .markdown
and .mdx are Markdown, .txt is plain text). Front matter as blogs write it is read
by text/frontmatter.py; Liquid, shortcodes, MDX and wikilinks are turned into plain
Markdown by text/templates.py. Every way a file can be unreadable becomes one
EssayError naming the file and what to do, never a traceback; a file whose name is
not UTF-8, or a link to a file outside the show, is refused with one line.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import EssayError
from ..model import Essay, Reading
from . import frontmatter
from .frontmatter import slugify
from .markup import blocks
from .templates import plain_inline, to_markdown

if TYPE_CHECKING:
    from ..config import Show

READERS: dict[str, str] = {
    ".md": "markdown", ".markdown": "markdown", ".mdx": "markdown", ".txt": "text",
}  # fmt: skip
# folders no post lives in: a site's dependencies and its built pages
_NEVER = {"node_modules", "_site", "__pycache__"}
# Markdown a description may carry (links, emphasis, code, a URL): read, not shown raw
_MARKDOWN_MARKS = re.compile(r"[*_`\[\]]|https?://|^#|\n\s*\n", re.M)
_MORE = re.compile(r"<!--\s*more\s*-->", re.I)  # Hugo, Jekyll and MkDocs: the summary ends here
__all__ = [
    "discover_essays",
    "find_essays",
    "git_first_added",
    "read_essay",
    "read_essays",
    "slugify",
]


# -- finding -------------------------------------------------------------------------------------


def discover_essays(essays_dir: Path) -> list[Path]:
    """Every essay under `essays_dir`, sorted; hidden files and folders are skipped."""
    found, _ = find_essays(essays_dir, ["."])
    return found


def find_essays(
    root: Path, paths: Iterable[str], exclude: Iterable[str] = ()
) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The essays `paths` name under `root` less `exclude`, sorted by their path; and the
    files refused, as (path, reason): a name that is not UTF-8, a link out of `root`.

    A path is a folder (every essay under it) or a glob (`content/posts/**/*.md`); hidden
    files and folders, linked folders, node_modules and the show's output/ are skipped.
    """
    root = Path(root)
    excluded = [_glob(p, prefix=True) for p in exclude]
    found: dict[str, Path] = {}
    refused: dict[str, tuple[Path, str]] = {}
    for pattern in paths:
        base, matcher = _walk_base(pattern)
        for path in _walk(root, base):
            relative = path.relative_to(root).as_posix()
            if matcher is not None and not matcher.match(relative):
                continue
            if any(rx.match(relative) for rx in excluded) or relative in found:
                continue
            reason = _refusal(root, path, relative)
            if reason:
                refused[relative] = (path, reason)
            else:
                found[relative] = path
    # sort by the relative POSIX path so the order is the same on every machine
    return [found[k] for k in sorted(found)], [refused[k] for k in sorted(refused)]


def _walk_base(pattern: str) -> tuple[str, re.Pattern[str] | None]:
    """(the folder to walk, the glob a file must match there, or None for all of it)."""
    parts = [p for p in pattern.strip().strip("/").split("/") if p not in ("", ".")]
    fixed: list[str] = []
    for part in parts:
        if any(c in part for c in "*?["):
            return "/".join(fixed), _glob("/".join(parts))
        fixed.append(part)
    return "/".join(fixed), None


def _glob(pattern: str, prefix: bool = False) -> re.Pattern[str]:
    """A glob over POSIX paths (`**` any folders, `*` within one) -> a regex; `prefix`
    also matches everything under a folder the glob names."""
    text = "/".join(p for p in pattern.strip().strip("/").split("/") if p not in ("", "."))
    out, i = "", 0
    while i < len(text):
        if text.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif text.startswith("**", i):
            out, i = out + ".*", i + 2
        elif text[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif text[i] == "?":
            out, i = out + "[^/]", i + 1
        elif text[i] == "[" and "]" in text[i + 2 :]:
            end = text.index("]", i + 2)
            inner = text[i + 1 : end]
            out += (
                "["
                + ("^" + inner[1:] if inner.startswith("!") else inner).replace("\\", "\\\\")
                + "]"
            )
            i = end + 1
        else:
            out, i = out + re.escape(text[i]), i + 1
    return re.compile(out + ("(?:/.*)?" if prefix else "") + r"\Z")


def _walk(root: Path, base: str) -> Iterable[Path]:
    """Every essay file under root/base: no hidden or linked folders, no node_modules."""
    start = root / base if base else root
    if start.is_file() or (start.is_symlink() and not start.is_dir()):
        if start.suffix.lower() in READERS:
            yield start
        return
    if not start.is_dir() or (start.is_symlink() and base):
        return
    for folder, subfolders, names in os.walk(start):  # never follows a linked folder
        here = Path(folder)
        subfolders[:] = sorted(
            d
            for d in subfolders
            if not d.startswith(".") and d not in _NEVER and not (here == root and d in ("output",))
        )
        for name in names:
            if not name.startswith(".") and Path(name).suffix.lower() in READERS:
                yield here / name


def _refusal(root: Path, path: Path, relative: str) -> str:
    """Why a found file is refused, or "": a file name that is not UTF-8, a link outside."""
    if any("\udc80" <= c <= "\udcff" for c in relative):
        # undecodable bytes would break every later step that writes the name (manifest, feed)
        return "its file name is not valid UTF-8; rename it (e.g. with only letters and digits)"
    if path.is_symlink():
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return "is a link to nothing; remove it or copy the essay in"
        if not target.is_relative_to(root.resolve()):
            return "is a link to a file outside the show; copy the essay into the show instead"
        if not target.is_file():
            return "is a link to something that is not a file; copy the essay in instead"
    return ""


def printable(name: str) -> str:
    """A file name fit to print and save: undecodable bytes shown as \\xNN."""
    return os.fsencode(name).decode("utf-8", "backslashreplace") if name else name


# -- reading -------------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    if not data.strip():
        raise ValueError("is empty; write the essay, or remove the file")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValueError("is UTF-16 text; save it as UTF-8")
    if b"\x00" in data:
        raise ValueError("is a binary file, not text; essays are UTF-8 .md or .txt files")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        hint = ""
        try:
            data.decode("cp1252")
            hint = " (it looks like Windows-1252/Latin-1)"
        except UnicodeDecodeError:
            pass
        raise ValueError(
            f"is not valid UTF-8: byte 0x{data[exc.start]:02x} on line {line}{hint}; "
            "save it as UTF-8"
        ) from None


def _title_from_name(path: Path) -> str:
    """'2026-11-02-on_rewatching.txt' -> 'On rewatching'; a page bundle's index.md: its folder."""
    stem = path.parent.name if path.stem in ("index", "_index") and path.parent.name else path.stem
    stem = re.sub(r"^\d{4}-\d{1,2}-\d{1,2}[-_ ]*", "", stem) or stem
    words = re.sub(r"[-_\s]+", " ", stem).strip() or stem
    return words[0].upper() + words[1:] if words.islower() else words


class DataFiles:
    """The folder-level Eleventy data a batch of reads finds, each folder looked at once.

    A show of a thousand posts in one folder would otherwise resolve that folder, and
    look for its data files, a thousand times: a no-change rebuild reads every essay.
    One instance lives for one `read_essays` (files do not change under it).
    """

    def __init__(self) -> None:
        self._folders: dict[tuple[Path, Path | None], list[tuple[dict[str, Any], bytes]]] = {}

    def folder_data(self, folder: Path, root: Path | None) -> list[tuple[dict[str, Any], bytes]]:
        """The data files of `folder` and each folder above it up to `root`, lowest first."""
        key = (folder, root)
        if key not in self._folders:
            self._folders[key] = _folder_data(folder, root)
        return self._folders[key]


def _folder_data(start: Path, root: Path | None) -> list[tuple[dict[str, Any], bytes]]:
    folders: list[Path] = []
    folder = start
    stop = (root or start).resolve()
    while True:
        folders.append(folder)
        if folder.resolve() == stop or folder.parent == folder or len(folders) > 32:
            break
        folder = folder.parent
    found = (
        _data_file(f / f"{f.name}{suffix}")
        for f in reversed(folders)
        for suffix in (".11tydata.json", ".json")
    )
    return [data for data in found if data is not None]


def _data_file(candidate: Path) -> tuple[dict[str, Any], bytes] | None:
    """A data file's JSON object and bytes; None: absent, a link, unreadable, not an object."""
    if candidate.suffix != ".json" or not candidate.is_file() or candidate.is_symlink():
        return None
    try:
        raw = candidate.read_bytes()
        data = json.loads(raw)
    except (OSError, ValueError):
        return None  # the site's own file; Eleventy reports it, not us
    return (data, raw) if isinstance(data, dict) else None


def _eleventy_data(
    path: Path, root: Path | None, files: DataFiles | None = None
) -> tuple[dict[str, Any], list[bytes]]:
    """Eleventy's directory and template data files (JSON) for a post, lowest first, merged;
    and their bytes, so an edit to one is an edit to the essay. JavaScript data is not run."""
    found = (files or DataFiles()).folder_data(path.parent, root) + [
        own
        for suffix in (".11tydata.json", ".json")
        if (own := _data_file(path.with_name(f"{path.stem}{suffix}"))) is not None
    ]
    merged: dict[str, Any] = {}
    for values, _ in found:
        merged.update(values)
    return merged, [raw for _, raw in found]


def read_essay(
    path: Path,
    reading: Reading | None = None,
    *,
    root: Path | None = None,
    now: datetime | None = None,
    data_files: DataFiles | None = None,
) -> Essay:
    """Read one essay file; every bad input raises EssayError(path, reason).

    `reading` holds the show's [essays] choices; `root` is the show (Eleventy data files
    are looked for up to it); `now` decides what has expired or is still to come;
    `data_files` shares what a batch of reads found of those files.
    """
    reading = reading or Reading()
    markup = READERS.get(path.suffix.lower())
    if markup is None:
        raise EssayError(str(path), f"is not an essay; use one of {', '.join(sorted(READERS))}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise EssayError(str(path), f"cannot be read: {exc.strerror or exc}") from None
    try:
        text = _decode(data).replace("\r\n", "\n").replace("\r", "\n")
        kind, source, body = frontmatter.split(text)
        body_line = text[: len(text) - len(body)].count("\n") + 1  # for errors by line
        meta = frontmatter.parse(kind, source) if source is not None else {}
        cascade, extra = (
            _eleventy_data(path, root, data_files) if markup == "markdown" else ({}, [])
        )
        if cascade:
            meta = {**cascade, **meta}
        fields = frontmatter.interpret(meta, path, now)
    except ValueError as exc:
        raise EssayError(str(path), str(exc)) from None
    if not body.strip():
        raise EssayError(str(path), "has front matter but no text; write the essay below it")

    values = {**meta, "title": fields.title} if fields.title else dict(meta)
    if markup == "markdown":
        body = to_markdown(
            body, values, mdx=path.suffix.lower() == ".mdx", read_maths=reading.maths == "read"
        )
    title = plain_inline(fields.title, values) if fields.title else None
    description = _plain_description(fields.description, values, reading)
    # parse the body only when front matter leaves a default to find: a rebuild reads every essay
    found = [] if title and description else blocks(body, markup, reading)
    title = (
        title
        or next((b.text for b in found if b.kind == "heading" and b.level == 1 and b.text), None)
        or _title_from_name(path)
    )
    description = (
        description
        or _summary(text, body, values, markup, reading)
        or next((b.text for b in found if b.kind == "paragraph"), "")
    )
    slug = fields.slug or slugify(title) or slugify(path.stem) or "essay"
    digest = hashlib.sha256(data)
    for raw in extra:  # the data files that say something about this post
        digest.update(b"\0" + raw)
    return Essay(
        path=path,
        slug=slug,
        title=title,
        body=body,
        markup=markup,
        description=description,
        digest=digest.hexdigest(),
        date=fields.date,
        author=plain_inline(fields.author, values) if fields.author else None,
        episode=fields.episode,
        season=fields.season,
        explicit=fields.explicit,
        voice=fields.voice,
        quotes=fields.quotes,
        body_line=body_line,
        image=fields.image,
        draft=bool(fields.skip_reason),
        skip_reason=fields.skip_reason,
        updated=fields.updated,
        tags=fields.tags,
        unknown_keys=fields.unknown,
        reading=reading,
        canonical=fields.canonical,
        source_id=fields.source_id,
    )


def _plain_description(written: str | None, values: dict[str, Any], reading: Reading) -> str:
    """A front matter description as plain words: no Markdown, template syntax or URL paths."""
    if not written:
        return ""
    if not _MARKDOWN_MARKS.search(written):
        # plain words (maybe "3 < 5" or "<tricky>"): the writer's own characters, as written
        return plain_inline(written, values)
    words = " ".join(b.text for b in blocks(to_markdown(written, values), "markdown", reading))
    return plain_inline(words, values) or plain_inline(written, values)


def _summary(text: str, body: str, values: dict[str, Any], markup: str, reading: Reading) -> str:
    """The words before `<!--more-->`, the summary Hugo, Jekyll and MkDocs show."""
    if markup != "markdown" or not _MORE.search(text):
        return ""
    _, _, raw_body = frontmatter.split(text)
    before = _MORE.split(raw_body, maxsplit=1)[0]
    found = blocks(to_markdown(before, values), markup, reading)
    return " ".join(b.text for b in found if b.kind == "paragraph")


def read_essays(
    source: Path | Show,
    name: Callable[[Path], str] = str,
    now: datetime | None = None,
) -> tuple[list[Essay], list[tuple[str, str]]]:
    """Every essay of a show (or in a folder) that is to be published, and the files that
    failed as (`name(path)`, reason); a slug already taken fails the later file.

    `source` is a Show (its [essays] paths, exclude and reading choices) or, as before
    [essays], the essays folder itself, whose parent is the show.
    """
    paths: Iterable[str]
    exclude: Iterable[str]
    if isinstance(source, Path):
        root, paths, exclude, reading = source.parent, [source.name], (), Reading()
    else:
        root, paths, exclude = source.root, source.essays.paths, source.essays.exclude
        reading = source.essays.reading
    now = now or datetime.now(UTC)
    files, refused = find_essays(root, paths, exclude)
    failed: list[tuple[str, str]] = [(printable(name(p)), why) for p, why in refused]
    essays: list[Essay] = []
    seen: dict[str, Path] = {}
    data_files = DataFiles()
    for path in files:
        try:
            essay = read_essay(path, reading, root=root, now=now, data_files=data_files)
        except EssayError as exc:
            failed.append((name(path), exc.reason))
            continue
        if essay.draft:
            continue
        if essay.slug in seen:
            failed.append(
                (
                    name(path),
                    f"slug {essay.slug!r} is already used by {name(seen[essay.slug])}; "
                    "give one of them a different slug in its front matter",
                )
            )
            continue
        seen[essay.slug] = path
        essays.append(essay)
    return essays, failed


def git_first_added(path: Path) -> datetime | None:
    """When git first saw this file (author date of the adding commit, across renames), in UTC."""
    path = path.resolve()
    try:
        result = subprocess.run(
            ["git", "log", "--follow", "--diff-filter=A", "--format=%aI", "--", path.name],
            cwd=path.parent,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):  # no git here, or it hung
        return None
    stamps = result.stdout.split() if result.returncode == 0 else []
    if not stamps:
        return None  # not a repository, or the file was never committed
    try:
        return datetime.fromisoformat(stamps[-1]).astimezone(UTC)  # the oldest: log is newest first
    except ValueError:
        return None
