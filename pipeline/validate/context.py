"""What a rule sees: the parsed feed, where its media lives on disk, the MP3 and ID3
views of each file (read once); and how a rule is declared.

The declaring decorator lives here, below the rule modules, so that they never import
the package they belong to; the package's __init__ derives the table from it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..standards import ATOM_NS, CONTENT_NS, ITUNES_NS, PODCAST_NS

ITUNES, PODCAST, ATOM, CONTENT = ITUNES_NS, PODCAST_NS, ATOM_NS, CONTENT_NS
NS = {"itunes": ITUNES, "podcast": PODCAST, "atom": ATOM, "content": CONTENT}

MUST, SHOULD = "MUST", "SHOULD"
Check = Callable[["Context"], Iterator[str]]


@dataclass(frozen=True)
class Rule:
    """One named rule: FEED-RULES.md's ID and level, and the check that tests it."""

    id: str
    level: str
    description: str
    check: Callable[[Context], Iterator[str]]


@dataclass
class Context:
    """The parsed feed and where its media lives on disk; rules read it, never change it."""

    feed_path: Path
    data: bytes
    feed_url: str
    base_url: str
    output_dir: Path
    preview: bool
    root: Any = None  # lxml element of <rss>, None when the XML did not parse
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def channel(self) -> Any:
        found = self.root.find("channel") if self.root is not None else None
        return found

    @property
    def items(self) -> list[Any]:
        return list(self.channel.findall("item")) if self.channel is not None else []

    def local(self, url: str | None) -> Path | None:
        """The file under output/ that `url` serves, if the URL is under the base URL."""
        if not url or not url.startswith(self.base_url):
            return None
        relative = url[len(self.base_url) :].split("?", 1)[0].split("#", 1)[0]
        path = (self.output_dir / relative).resolve()
        if not path.is_relative_to(self.output_dir.resolve()):
            return None
        return path

    @functools.cached_property
    def enclosures(self) -> list[tuple[Any, Any, Path | None]]:
        """(item, enclosure, local MP3) for each item with exactly one enclosure."""
        found = []
        for item in self.items:
            enclosures = item.findall("enclosure")
            if len(enclosures) == 1:
                found.append((item, enclosures[0], self.local(enclosures[0].get("url"))))
        return found

    @functools.cached_property
    def mp3s(self) -> list[tuple[str, Path]]:
        """(item title, path) of each local MP3 that exists."""
        return [
            (label(item), path)
            for item, _, path in self.enclosures
            if path is not None and path.is_file()
        ]

    _media: dict[tuple[str, Path], Any] = field(default_factory=dict)

    def mp3_info(self, path: Path) -> Any:
        """mutagen's MP3 view of `path` (None if it is not MPEG audio), read once."""
        if ("mp3", path) not in self._media:
            self._media["mp3", path] = _mp3(path)
        return self._media["mp3", path]

    def id3(self, path: Path) -> Any:
        """The ID3v2 tag of `path`, or None, read once."""
        if ("id3", path) not in self._media:
            self._media["id3", path] = _id3(path)
        return self._media["id3", path]


# -- declaring a rule ------------------------------------------------------------

DECLARED: list[Rule] = []


def rule(
    id: str, level: str, description: str, *, per: Callable[[Any], Check] | None = None
) -> Callable[[Any], Any]:
    """Declare the check below it as FEED-RULES.md's rule `id` (MUST or SHOULD).

    `per=each_item` runs it on every <item> (its messages name the item);
    `per=each_mp3` on every MP3 found in the output folder. The package derives
    RULES from DECLARED.
    """

    def declare(check: Any) -> Any:
        DECLARED.append(Rule(id, level, description, per(check) if per else check))
        return check

    return declare


def label(item: Any) -> str:
    """An <item> as messages name it: its title quoted, or "an untitled item"."""
    title = (item.findtext("title") or "").strip()
    return repr(title) if title else "an untitled item"


def _mp3(path: Path) -> Any:
    from mutagen import MutagenError
    from mutagen.mp3 import MP3

    try:
        return MP3(str(path))
    except MutagenError:
        return None


def _id3(path: Path) -> Any:
    from mutagen.id3 import ID3, ID3NoHeaderError

    try:
        return ID3(str(path))
    except ID3NoHeaderError:
        return None
