"""Discover and read essays: files on disk -> Essay.

Placeholder reader for the first end-to-end path; the full reader (all
front-matter keys, defaults, bad-input checks) lands with issue 3.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import UTC, date, datetime
from pathlib import Path

import yaml

from .errors import EssayError
from .model import Essay

SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".txt": "text"}


def discover_essays(essays_dir: Path) -> list[Path]:
    """Essay files under `essays_dir`, sorted, hidden files skipped."""
    if not essays_dir.is_dir():
        return []
    return sorted(
        p for p in essays_dir.rglob("*")
        if p.suffix.lower() in SUFFIXES and p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(essays_dir).parts)
    )


def read_essay(path: Path) -> Essay:
    """Read one essay file; raise EssayError naming the file for any bad input."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise EssayError(str(path), "is not UTF-8 text") from None
    meta, body = _split_front_matter(text, path)
    title = str(meta.get("title") or path.stem.replace("-", " ").title())
    when = meta.get("date")
    if isinstance(when, date) and not isinstance(when, datetime):
        when = datetime(when.year, when.month, when.day, tzinfo=UTC)
    first_para = next((b.strip() for b in re.split(r"\n\s*\n", body) if b.strip()), "")
    return Essay(
        path=path,
        slug=slugify(str(meta.get("slug") or title)),
        title=title,
        body=body,
        markup=SUFFIXES[path.suffix.lower()],
        description=str(meta.get("description") or first_para),
        digest=hashlib.sha256(raw).hexdigest(),
        date=when,
        author=meta.get("author"),
    )


def slugify(text: str) -> str:
    """ASCII, lowercase, dash-separated. >>> slugify("Amélie & Me!")  -> 'amelie-me'"""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "essay"


def _split_front_matter(text: str, path: Path) -> tuple[dict, str]:
    if not text.startswith("---"):
        return {}, text
    parts = text.split("\n---", 1)
    if len(parts) != 2:
        raise EssayError(str(path), "front matter has no closing --- line")
    try:
        meta = yaml.safe_load(parts[0][3:]) or {}
    except yaml.YAMLError as exc:
        raise EssayError(str(path), f"front matter is not valid YAML: {exc}") from None
    return meta, parts[1].split("\n", 1)[1] if "\n" in parts[1] else ""


def git_first_added(path: Path) -> datetime | None:
    """When git first saw the file (the commit that added it), or None outside git."""
    import subprocess

    try:
        proc = subprocess.run(
            ["git", "log", "--diff-filter=A", "--follow", "--format=%aI", "--", path.name],
            cwd=path.parent, capture_output=True, text=True, timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = proc.stdout.split()
    if proc.returncode != 0 or not lines:
        return None
    return datetime.fromisoformat(lines[-1]).astimezone(UTC)
