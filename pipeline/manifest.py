"""output/manifest.json: what each published episode was built from.

Fingerprints are content hashes, never mtimes: a git checkout resets mtimes,
and CI would otherwise rebuild everything every night.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .fsutil import write_atomic
from .model import Episode

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1


def fingerprint(*parts: Any) -> str:
    """A stable hash of JSON-able parts (sorted keys, exact floats)."""
    payload = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass
class Entry:
    """One episode's record: its identity, its inputs' fingerprint, its outputs."""

    source: str  # essay path relative to the show
    guid: str
    first_seen: str  # ISO 8601; the date of last resort, fixed forever
    fingerprint: str = ""
    number: int | None = None  # itunes:episode, kept once given
    episode: dict[str, Any] | None = None  # the published Episode, as JSON

    def to_episode(self) -> Episode | None:
        if not self.episode:
            return None
        data = dict(self.episode)
        data["published"] = datetime.fromisoformat(data["published"])
        return Episode(**data)


@dataclass
class Manifest:
    show_guid: str | None = None
    entries: dict[str, Entry] = field(default_factory=dict)  # slug -> Entry
    feed_key: str | None = None  # what feed.xml and index.html were last written from
    # sha256 of every published file under output/ (episodes, cover, feed, page), so a
    # lost output/ can be fetched back from the site and checked (pipeline/restore.py)
    files: dict[str, str] = field(default_factory=dict)

    @staticmethod
    def load(path: Path) -> Manifest:
        """Read the manifest; a missing or corrupt one means a full rebuild, not a crash."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") != MANIFEST_VERSION:
                raise ValueError(f"version {data.get('version')!r}")
            entries = {slug: Entry(**raw) for slug, raw in data.get("episodes", {}).items()}
            for entry in entries.values():
                entry.to_episode()  # a malformed record fails here, not mid-build
            return Manifest(data.get("show_guid"), entries, data.get("feed_key"),
                            dict(data.get("files", {})))
        except FileNotFoundError:
            return Manifest()
        except (ValueError, TypeError, AttributeError) as exc:
            log.warning("%s is unreadable (%s); rebuilding every episode", path, exc)
            return Manifest()

    def dumps(self) -> bytes:
        data = {
            "version": MANIFEST_VERSION,
            "show_guid": self.show_guid,
            "feed_key": self.feed_key,
            "episodes": {slug: asdict(entry) for slug, entry in sorted(self.entries.items())},
            "files": dict(sorted(self.files.items())),
        }
        return (json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode()

    def save(self, path: Path) -> None:
        write_atomic(path, self.dumps())


def episode_record(episode: Episode) -> dict[str, Any]:
    """An Episode as JSON for the manifest."""
    data = asdict(episode)
    data["published"] = episode.published.isoformat()
    # normalised as it will read back from disk, so a fresh build and a rebuild
    # render the feed from identical records (key order included)
    return json.loads(json.dumps(data, sort_keys=True))
