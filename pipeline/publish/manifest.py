"""output/manifest.json: what each published episode was built from, and the plan.

Fingerprints are content hashes, never mtimes: a git checkout resets mtimes,
and CI would otherwise rebuild everything every night. The identities an
episode keeps forever (GUID, itunes:episode number, publication date) are
decided here too, from the manifest, so the published site stays the truth.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from ..fsutil import write_atomic
from ..model import Episode, Essay, Identity, PlannedEssay
from ..text.essays import git_first_added

if TYPE_CHECKING:
    from ..config import Show

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1
# Bump when a change to the pipeline changes what an unchanged essay sounds like.
# 3: blogs read as they are (URLs as sites, tables by row, template syntax gone), the
# narrator's readings of issue 28, and word timings with a JSON transcript for every
# episode; the sentence and piece caches keep what did not change.
# 4: pieces in one ffmpeg pass and the episode's gain from its first piece (issue 29).
RENDER_VERSION = 4


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
    # lost output/ can be fetched back from the site and checked (pipeline/scale/restore.py)
    checksums: dict[str, str] = field(default_factory=dict)  # "files" in manifest.json

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
            return Manifest(
                data.get("show_guid"), entries, data.get("feed_key"), dict(data.get("files", {}))
            )
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
            "files": dict(sorted(self.checksums.items())),
        }
        return (json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode()

    def save(self, path: Path) -> None:
        write_atomic(path, self.dumps())

    def episodes(self) -> list[Episode]:
        """The published episodes, as the feed lists them."""
        return [e for e in (entry.to_episode() for entry in self.entries.values()) if e]

    def files(self) -> set[str]:
        """Every file under output/ an entry names: what garbage collection keeps."""
        return {name for episode in self.episodes() for name in episode.files}


def episode_record(episode: Episode) -> dict[str, Any]:
    """An Episode as JSON for the manifest."""
    data = asdict(episode)
    data["published"] = episode.published.isoformat()
    if data.get("link") is None:
        del data["link"]  # only imported posts have one; other records stay as they were
    # normalised as it will read back from disk, so a fresh build and a rebuild
    # render the feed from identical records (key order included)
    return json.loads(json.dumps(data, sort_keys=True))


# -- the plan ------------------------------------------------------------------


def plan(
    show: Show,
    essays: Sequence[Essay],
    manifest: Manifest,
    *,
    voice: str | None = None,
    force: bool = False,
    only: Sequence[str] = (),
) -> tuple[list[PlannedEssay], list[tuple[str, str]]]:
    """Decide, before any engine exists, which essays need rendering.

    Returns the plan and the essays that cannot be planned, as (file, reason).
    """
    from ..errors import EssayError
    from ..speech import resolve_voice
    from ..speech.cast import cast_fingerprint, resolve_cast

    shared = show_fingerprint_parts(show)
    # podcast.toml's voice (or --voice) is the show's, not an essay's: a bad one is exit 2
    show_voice = resolve_voice(show.voice.engine, show.voice.voice, show.voice.speed, voice)
    resolve_cast(show_voice, show.voice.quotes, show.voices)  # so are its quotes and [voices]
    items: list[PlannedEssay] = []
    failed: list[tuple[str, str]] = []
    warned: set[str] = set()
    for essay in essays:
        try:
            spec = resolve_voice(
                show.voice.engine, show.voice.voice, show.voice.speed, voice or essay.voice
            )
        except ConfigError as exc:
            if voice:  # a bad --voice is the command line's fault, not the essay's
                raise
            failed.append((show.relative(essay.path), "; ".join(exc.problems)))
            continue
        try:
            cast, warnings = resolve_cast(
                spec, show.voice.quotes, show.voices, essay.quotes, show.relative(essay.path)
            )
        except EssayError as exc:
            failed.append((show.relative(essay.path), exc.reason))
            continue
        for warning in warnings:  # once a build, not once an essay
            if warning not in warned:
                warned.add(warning)
                log.warning("%s", warning)
        stamp = fingerprint(
            RENDER_VERSION,
            essay.digest,
            spec.engine,
            spec.voice,
            spec.speed,
            *shared,
            *cast_fingerprint(cast),  # nothing when the narrator reads every word
        )
        entry = manifest.entries.get(essay.slug)
        if entry is None:
            action = "new"
        elif force or entry.fingerprint != stamp or not outputs_present(show, entry):
            action = "changed"
        else:
            action = "unchanged"
        if only and essay.slug not in only and action != "new":
            action = "unchanged" if entry and entry.episode else action
        items.append(PlannedEssay(essay, spec, stamp, action, cast))
    if only:
        unknown = sorted(set(only) - {p.essay.slug for p in items})
        if unknown:
            raise ConfigError(
                f"--only: no essay has the slug {', '.join(unknown)}", source="command line"
            )
        items = [p for p in items if p.essay.slug in only or p.action == "unchanged"]
    return items, failed


def show_fingerprint_parts(show: Show) -> tuple[Any, ...]:
    """The show's settings that change how every one of its episodes sounds or is tagged."""
    music_digests = {
        key: _file_digest(show.root / choice)
        for key, choice in (("intro", show.music.intro), ("outro", show.music.outro))
        if choice not in ("default", "none")
    }
    # the cover is embedded in every MP3 (APIC): new artwork means new files
    cover_digest = _file_digest(show.root / show.podcast.image) if show.podcast.image else None
    return (
        show.lexicon,
        show.music.intro,
        show.music.outro,
        music_digests,
        show.audio.bitrate,
        show.audio.loudness,
        show.podcast.image,
        cover_digest,
        show.podcast.title,
        show.podcast.author,
        show.podcast.language,
        asdict(show.essays.reading),  # links, tables and maths: what the voice is given
        # [voices] names decide which passages are a speaker's (a plain-text "Name:");
        # nothing when there are none, so shows without them keep their fingerprints
        *([sorted(show.voices)] if show.voices else []),
    )


def outputs_present(show: Show, entry: Entry) -> bool:
    """Whether the entry's MP3 is on disk, whole."""
    episode = entry.to_episode()
    if episode is None:
        return False
    mp3 = show.output_dir / episode.audio
    return mp3.is_file() and mp3.stat().st_size == episode.size


def _file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "missing"


# -- identities: GUID, number, date ----------------------------------------------


def build_time() -> datetime:
    """Now, or SOURCE_DATE_EPOCH for reproducible builds: when a first-seen essay was seen."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return datetime.now(tz=UTC).replace(microsecond=0)


def new_entry(show_guid: str, slug: str, source: str, built_at: datetime) -> Entry:
    """The record of an essay seen for the first time: its GUID and date of last resort."""
    return Entry(source=source, guid=episode_guid(show_guid, slug), first_seen=built_at.isoformat())


def identities(stale: Sequence[tuple[Essay, Entry]], manifest: Manifest) -> list[Identity]:
    """GUID, publication date and itunes:episode for each essay about to render, in order."""
    dated = [(essay, entry, publication_date(essay, entry)) for essay, entry in stale]
    numbers = episode_numbers(dated, manifest)
    return [
        Identity(entry.guid, published, numbers[essay.slug]) for essay, entry, published in dated
    ]


def episode_numbers(
    stale: Sequence[tuple[Essay, Entry, datetime]], manifest: Manifest
) -> dict[str, int]:
    """itunes:episode for each essay about to render: front matter wins; a number
    once given is kept; a new episode gets the next free one, in date order."""
    numbers: dict[str, int] = {}

    def kept(entry: Entry) -> int | None:  # older manifests kept it in the record only
        return entry.number or (entry.episode or {}).get("number")

    taken = {n for n in map(kept, manifest.entries.values()) if n}
    new = []
    for essay, entry, published in stale:
        number = essay.episode or kept(entry)
        if number:
            numbers[essay.slug] = number
        else:
            new.append((published, essay.slug))
    taken |= set(numbers.values())
    for _, slug in sorted(new):
        number = max(taken, default=0) + 1
        numbers[slug] = number
        taken.add(number)
    return numbers


def publication_date(essay: Essay, entry: Entry) -> datetime:
    """Front matter, else the date published before, else the git commit that added
    the file, else the first build: recorded, so it never changes on a later build."""
    if essay.date is not None:
        return essay.date
    if entry.episode and entry.episode.get("published"):
        return datetime.fromisoformat(entry.episode["published"])
    added = git_first_added(essay.path)
    if added is not None:
        return added
    return datetime.fromisoformat(entry.first_seen)


def episode_guid(show_guid: str, slug: str) -> str:
    """Stable forever for a slug: the file may be renamed, the GUID stays.

    >>> episode_guid("a6f1a1bc-5a6b-5d40-9b6e-8ca2a5a2b2e8", "the-long-take")
    'urn:uuid:9fe879bc-a41c-532d-8a50-ae0e1708440e'
    """
    return f"urn:uuid:{uuid.uuid5(uuid.UUID(show_guid), slug)}"


# --- what the manifest says is published, and its checksums (what a restore checks) ---


def entry_files(entry: Entry) -> list[str]:
    """The files under output/ one manifest entry publishes."""
    episode = entry.to_episode()
    return episode.files if episode is not None else []


def record_checksums(
    manifest: Manifest, output_dir: Path, fresh: Iterable[str] = (), extra: Iterable[str] = ()
) -> None:
    """Set manifest.checksums to the sha256 of every file it publishes.

    Only files in `fresh` (just written) or not yet known are read, so a rebuild
    with nothing changed hashes nothing. `extra` names published files that no
    entry names (the cover, feed.xml, index.html).
    """
    fresh = set(fresh)
    names = {name for entry in manifest.entries.values() for name in entry_files(entry)}
    names.update(extra)
    files = {}
    for name in sorted(names):
        known = manifest.checksums.get(name)
        if known and name not in fresh:
            files[name] = known
            continue
        path = output_dir / name
        if path.is_file():
            files[name] = sha256_file(path)
    manifest.checksums = files


def built_files(manifest: Manifest, slugs: Iterable[str]) -> list[str]:
    """The files of the episodes just built, whose checksums must be read again."""
    return [
        name
        for slug in slugs
        if slug in manifest.entries
        for name in entry_files(manifest.entries[slug])
    ]


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
