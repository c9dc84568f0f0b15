"""Find essays in a folder and read each one, with its front matter, into an `Essay`.

A reader per suffix (.md/.markdown are Markdown, .txt is plain text); both accept YAML
front matter between `---` lines. Every way a file can be unreadable becomes one
EssayError naming the file and what to do, never a traceback.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import yaml

from ..errors import EssayError
from ..model import Essay
from .markup import blocks

READERS: dict[str, str] = {".md": "markdown", ".markdown": "markdown", ".txt": "text"}
FRONT_MATTER_KEYS = (
    "title", "date", "author", "description", "slug",
    "episode", "season", "explicit", "voice", "image", "draft",
    "canonical", "source_id",  # an imported post's page and feed id (essaycast import)
)  # fmt: skip
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_FENCE = re.compile(r"^---[ \t]*$")
_FENCE_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$")


def discover_essays(essays_dir: Path) -> list[Path]:
    """Every essay under `essays_dir`, sorted; hidden files and folders are skipped."""
    if not essays_dir.is_dir():
        return []
    found = [
        path
        for path in essays_dir.rglob("*")
        if path.suffix.lower() in READERS
        and path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(essays_dir).parts)
    ]
    # sort by the relative POSIX path so the order is the same on every machine
    return sorted(found, key=lambda p: p.relative_to(essays_dir).as_posix())


# -- front matter --------------------------------------------------------------------------------


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML that leaves dates as text: we parse ISO 8601 ourselves, time zone included."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _split_front_matter(text: str) -> tuple[str | None, str, int]:
    """(front matter or None, body, the body's first line number)."""
    lines = text.split("\n")
    if not lines or not _FENCE.match(lines[0].rstrip("\r")):
        return None, text, 1
    for index in range(1, len(lines)):
        if _FENCE_END.match(lines[index].rstrip("\r")):
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 2
    raise ValueError("front matter starts with --- but never ends; add a closing --- line")


def _parse_front_matter(source: str) -> dict[str, Any]:
    try:
        data = yaml.load(source, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" on line {mark.line + 2}" if mark else ""  # +2: the opening --- and 1-based
        raise ValueError(f"front matter is not valid YAML{where}: {exc.problem or exc}") from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise ValueError(f"front matter is not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError("front matter must be `key: value` lines, e.g. `title: My Essay`")
    unknown = [str(k) for k in data if k not in FRONT_MATTER_KEYS]
    if unknown:
        raise ValueError(
            f"front matter key {', '.join(map(repr, unknown))} is unknown; "
            f"the keys are {', '.join(FRONT_MATTER_KEYS)}"
        )
    return {k: v for k, v in data.items() if v is not None}  # `author:` with nothing = unset


def _text(key: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"front matter {key}: must be text, not {value!r}; put it in quotes")
    text = str(value).strip()
    if not text:
        raise ValueError(f"front matter {key}: is empty; remove the key or give it a value")
    return text


def _positive(key: str, value: Any) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"front matter {key}: must be a whole number from 1, not {value!r}")
    return value


def _flag(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"front matter {key}: must be true or false, not {value!r}")
    return value


def _date(key: str, value: Any) -> datetime:
    """ISO 8601 -> tz-aware; a bare date is 00:00 UTC, a time without zone is UTC."""
    text = str(value).strip() if isinstance(value, str | int) else ""
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            parsed = datetime.combine(date.fromisoformat(text), time(0), UTC)
        else:
            parsed = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise ValueError(
            f"front matter {key}: {value!r} is not an ISO 8601 date; "
            "use e.g. 2026-11-02 or 2026-11-02T09:30:00+01:00"
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _slug_value(key: str, value: Any) -> str:
    slug = _text(key, value)
    if not _SLUG.match(slug):
        raise ValueError(
            f"front matter slug: {slug!r} must be lower-case letters, digits and hyphens; "
            f"e.g. {slugify(slug) or 'my-essay'!r}"
        )
    return slug


def _web_address(key: str, value: Any) -> str:
    url = _text(key, value)
    if not re.match(r"^https?://[^\s/]+", url) or any(c.isspace() for c in url):
        raise ValueError(f"front matter {key}: {url!r} must be a full http(s) address")
    return url


_CHECKS: dict[str, Callable[[str, Any], Any]] = {
    "title": _text, "author": _text, "description": _text, "voice": _text, "image": _text,
    "slug": _slug_value, "date": _date, "episode": _positive, "season": _positive,
    "explicit": _flag, "draft": _flag, "canonical": _web_address, "source_id": _text,
}  # fmt: skip


# -- defaults ------------------------------------------------------------------------------------


def slugify(text: str, limit: int = 80) -> str:
    """'Café Society (1984)!' -> 'cafe-society-1984': ASCII, lower case, hyphens."""
    from unidecode import unidecode  # transliterates accents and non-Latin scripts

    slug = re.sub(r"[^a-z0-9]+", "-", unidecode(text).lower()).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0] if "-" in slug[:limit] else slug[:limit]
    return slug


def _title_from_name(path: Path) -> str:
    """'2026-11-02-on_rewatching.txt' -> 'On rewatching'."""
    stem = re.sub(r"^\d{4}-\d{2}-\d{2}[-_ ]*", "", path.stem) or path.stem
    words = re.sub(r"[-_\s]+", " ", stem).strip() or path.stem
    return words[0].upper() + words[1:] if words.islower() else words


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


def read_essay(path: Path) -> Essay:
    """Read one essay file; every bad input raises EssayError(path, reason)."""
    markup = READERS.get(path.suffix.lower())
    if markup is None:
        raise EssayError(str(path), f"is not an essay; use one of {', '.join(sorted(READERS))}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise EssayError(str(path), f"cannot be read: {exc.strerror or exc}") from None
    try:
        text = _decode(data).replace("\r\n", "\n").replace("\r", "\n")
        source, body, _ = _split_front_matter(text)
        meta = _parse_front_matter(source) if source is not None else {}
        values = {key: _CHECKS[key](key, value) for key, value in meta.items()}
    except ValueError as exc:
        raise EssayError(str(path), str(exc)) from None
    if not body.strip():
        raise EssayError(str(path), "has front matter but no text; write the essay below it")

    # parse the body only when front matter leaves a default to find: a rebuild reads every essay
    found = [] if "title" in values and "description" in values else blocks(body, markup)
    title = (
        values.get("title")
        or next((b.text for b in found if b.kind == "heading" and b.level == 1 and b.text), None)
        or _title_from_name(path)
    )
    description = values.get("description") or next(
        (b.text for b in found if b.kind == "paragraph"), ""
    )
    slug = values.get("slug") or slugify(title) or slugify(path.stem) or "essay"
    return Essay(
        path=path,
        slug=slug,
        title=title,
        body=body,
        markup=markup,
        description=description,
        digest=hashlib.sha256(data).hexdigest(),
        date=values.get("date"),
        author=values.get("author"),
        episode=values.get("episode"),
        season=values.get("season"),
        explicit=values.get("explicit"),
        voice=values.get("voice"),
        image=values.get("image"),
        draft=values.get("draft", False),
        canonical=values.get("canonical"),
        source_id=values.get("source_id"),
    )


def read_essays(
    essays_dir: Path, name: Callable[[Path], str] = str
) -> tuple[list[Essay], list[tuple[str, str]]]:
    """Every essay in the folder that is not a draft, and the files that failed as
    (`name(path)`, reason); a slug already taken fails the later file."""
    essays: list[Essay] = []
    failed: list[tuple[str, str]] = []
    seen: dict[str, Path] = {}
    for path in discover_essays(essays_dir):
        try:
            essay = read_essay(path)
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
