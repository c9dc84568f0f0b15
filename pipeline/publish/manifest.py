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
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import MISSING, asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from ..fsutil import write_atomic
from ..model import Cast, Episode, Essay, Identity, PlannedEssay, VoiceSpec
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
# 5: hibari's words start where their sound does (word sidecar .words-2.json): the
# transcripts are re-timed; the samples, the pieces and the MP3 bytes stay the same.
RENDER_VERSION = 5


def fingerprint(*parts: Any) -> str:
    """A stable hash of JSON-able parts (sorted keys, exact floats)."""
    payload = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass
class Entry:
    """One episode's record: its identity, its inputs' fingerprint, its outputs.

    Only `parse_entry` makes one from JSON, so every field here has been checked:
    code below the edges never re-checks what a manifest or a record said.
    """

    source: str  # essay path relative to the show
    guid: str
    first_seen: str  # ISO 8601, tz-aware; the date of last resort, fixed forever
    fingerprint: str = ""
    number: int | None = None  # itunes:episode, kept once given
    episode: dict[str, Any] | None = None  # the published Episode, as checked JSON

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
        """Read the local manifest. Nothing in it can stop a build: a value that is not
        essaycast's is dropped with one warning, and what it named is rebuilt from the
        essays and the sentence cache, keeping every identity that is valid."""
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return Manifest()
        except OSError as exc:
            log.warning("%s is unreadable (%s); rebuilding every episode", path, exc)
            return Manifest()
        manifest, problems = parse_manifest(raw, lenient=True)
        if problems:
            log.warning(
                "%s: %s; rebuilding what %s, keeping every identity that is valid",
                path,
                _problem_list(problems),
                "it names" if len(problems) == 1 else "they name",
            )
        return manifest

    def dumps(self) -> bytes:
        data = {
            "version": MANIFEST_VERSION,
            "show_guid": self.show_guid,
            "feed_key": self.feed_key,
            # the fields as they are: json writes the checked JSON values within, and
            # asdict's deep copy of a thousand records was most of a no-change save
            "episodes": {slug: _fields(entry) for slug, entry in sorted(self.entries.items())},
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


def _fields(entry: Entry) -> dict[str, Any]:
    """An Entry's fields by name, as asdict gives them, without copying what they hold."""
    return {f.name: getattr(entry, f.name) for f in _ENTRY_FIELDS}


_ENTRY_FIELDS = fields(Entry)


# --- the one schema for everything read from a manifest, a shard record or the site ----------


class Invalid(ValueError):
    """A value from a manifest or a record that is not essaycast's; the message says where."""


SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
# essaycast's own names under output/: nothing else is ever fetched, published or read
_EPISODE_FILE = re.compile(
    r"^episodes/(?P<stem>[a-z0-9]+(?:-[a-z0-9]+)*)\.(?P<kind>mp3|vtt|srt|chapters\.json|json)$"
)
_CONTENT_HASH = re.compile(r"^[0-9a-f]{6,64}$")
_SITE_FILE = re.compile(r"^(cover-[0-9a-f]{8}\.(jpg|png)|feed\.xml|index\.html|player\.js)$")
_TRANSCRIPT_KINDS = {"text/vtt": "vtt", "application/x-subrip": "srt", "application/json": "json"}
_EPISODE_KEYS = {f.name for f in fields(Episode)}
_REQUIRED_EPISODE_KEYS = {
    f.name for f in fields(Episode) if f.default is MISSING and f.default_factory is MISSING
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_TEXT = 100_000  # characters: a title, a description, an author
MAX_NUMBER = 10**9


def published_name(name: object) -> bool:
    """Whether `name` has the shape of a file essaycast publishes under output/:
    episodes/<slug>[-<hash>].mp3|.vtt|.srt|.chapters.json, cover-<hash>.jpg|.png,
    feed.xml or index.html. Never `..`, an absolute path, a record or a manifest."""
    return isinstance(name, str) and bool(_EPISODE_FILE.match(name) or _SITE_FILE.match(name))


def episode_file(name: object, slug: str, kind: str) -> str:
    """`name` if it is `slug`'s file of that kind (episodes/<slug>[-<hex>].<kind>)."""
    match = _EPISODE_FILE.match(name) if isinstance(name, str) else None
    stem = match["stem"] if match else ""
    # no regex built per name: thousands of episodes are read on every CI build
    hashed = stem.startswith(slug + "-") and _CONTENT_HASH.match(stem[len(slug) + 1 :])
    if not match or match["kind"] != kind or not (stem == slug or hashed):
        raise Invalid(f"{name!r} is not this episode's .{kind} under episodes/")
    return str(name)


def parse_show_guid(value: object) -> str:
    """A show GUID: a UUID, in its canonical lower-case form."""
    if not isinstance(value, str):
        raise Invalid(f"show_guid {value!r} is not a UUID")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise Invalid(f"show_guid {value!r} is not a UUID") from None


def parse_time(value: object, what: str) -> str:
    """A tz-aware ISO 8601 time, as its canonical isoformat()."""
    try:
        when = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        when = None
    if when is None or when.tzinfo is None or when.utcoffset() is None:
        raise Invalid(f"{what} {value!r} is not an ISO 8601 time with a time zone")
    return when.isoformat()


def _text(value: object, what: str, limit: int = MAX_TEXT) -> str:
    if not isinstance(value, str) or len(value) > limit or "\0" in value:
        raise Invalid(f"{what} is not text")
    return value


def _count(value: object, what: str, *, optional: bool = True, low: int = 1) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_NUMBER:
        raise Invalid(f"{what} {value!r} is not a whole number from {low}")
    return value


def parse_guid(value: object) -> str:
    guid = _text(value, "guid", 500)
    if not guid.strip() or _CONTROL.search(guid):
        raise Invalid(f"guid {value!r} is empty or holds control characters")
    return guid


def parse_episode(slug: str, guid: str, raw: object) -> dict[str, Any]:
    """A published episode's record, checked field by field (as JSON, ready for to_episode)."""
    if not isinstance(raw, dict):
        raise Invalid("episode is not a record")
    unknown = set(raw) - _EPISODE_KEYS
    missing = _REQUIRED_EPISODE_KEYS - set(raw)
    if unknown or missing:
        raise Invalid(f"episode has {'unknown' if unknown else 'no'} {sorted(unknown or missing)}")
    if raw["slug"] != slug:
        raise Invalid(f"episode.slug {raw['slug']!r} is not its key")
    if raw["guid"] != guid:
        raise Invalid(f"episode.guid {raw['guid']!r} is not the entry's")
    duration = raw["duration"]
    if (
        isinstance(duration, bool)
        or not isinstance(duration, int | float)
        or not 0 <= duration < 10**7
    ):
        raise Invalid(f"episode.duration {duration!r} is not a number of seconds")
    if not isinstance(raw["explicit"], bool):
        raise Invalid(f"episode.explicit {raw['explicit']!r} is not true or false")
    transcripts = raw.get("transcripts", {})
    if not isinstance(transcripts, dict) or set(transcripts) - set(_TRANSCRIPT_KINDS):
        raise Invalid(f"episode.transcripts {transcripts!r} is not a table of VTT, SRT and JSON")
    chapters = raw.get("chapters")
    record = {
        "slug": slug,
        "guid": guid,
        "title": _text(raw["title"], "episode.title"),
        "description": _text(raw["description"], "episode.description"),
        "author": _text(raw["author"], "episode.author"),
        "published": parse_time(raw["published"], "episode.published"),
        "audio": episode_file(raw["audio"], slug, "mp3"),
        "size": _count(raw["size"], "episode.size", optional=False, low=0),
        "duration": float(duration),
        "explicit": raw["explicit"],
        "number": _count(raw.get("number"), "episode.number"),
        "season": _count(raw.get("season"), "episode.season"),
        "transcripts": {
            mime: episode_file(name, slug, _TRANSCRIPT_KINDS[mime])
            for mime, name in sorted(transcripts.items())
        },
        "chapters": None if chapters is None else episode_file(chapters, slug, "chapters.json"),
    }
    if raw.get("link") is not None:  # only imported posts have one (episode_record)
        record["link"] = _web_link(raw["link"])
    return record


def _web_link(value: object) -> str:
    """An episode's link (the original post): an absolute http(s) address, nothing else."""
    link = _text(value, "episode.link", 2048)
    if not link.startswith(("https://", "http://")) or any(
        ch.isspace() or ord(ch) < 32 for ch in link
    ):
        raise Invalid(f"episode.link {link[:80]!r} is not an http(s) address")
    return link


def parse_entry(slug: object, raw: object) -> Entry:
    """One manifest or record entry, checked whole; Invalid names what is wrong."""
    if not isinstance(slug, str) or not SLUG.match(slug) or len(slug) > 200:
        raise Invalid(f"slug {slug!r} is not lower-case letters, digits and hyphens")
    if not isinstance(raw, dict):
        raise Invalid(f"{slug}: not a record")
    unknown = set(raw) - {f.name for f in fields(Entry)}
    if unknown or not {"source", "guid", "first_seen"} <= set(raw):
        raise Invalid(f"{slug}: not an episode record (keys {sorted(raw)})")
    try:
        source = _text(raw["source"], "source", 4096)
        if not source or source.startswith("/") or ".." in source.split("/"):
            raise Invalid(f"source {source!r} is not a path inside the show")
        guid = parse_guid(raw["guid"])
        fingerprint = raw.get("fingerprint", "")
        if fingerprint != "" and not (isinstance(fingerprint, str) and _HEX64.match(fingerprint)):
            raise Invalid(f"fingerprint {fingerprint!r} is not a sha256")
        entry = Entry(
            source=source,
            guid=guid,
            first_seen=parse_time(raw["first_seen"], "first_seen"),
            fingerprint=fingerprint,
            number=_count(raw.get("number"), "number"),
        )
        if raw.get("episode") is not None:
            entry.episode = parse_episode(slug, guid, raw["episode"])
    except Invalid as exc:
        raise Invalid(f"{slug}: {exc}") from None
    return entry


def parse_checksums(raw: object, problems: list[str]) -> dict[str, str]:
    """The "files" table: essaycast's own names only, each with a sha256."""
    if not isinstance(raw, dict):
        problems.append("files is not a table")
        return {}
    found = {}
    for name, sha in raw.items():
        if published_name(name) and isinstance(sha, str) and _HEX64.match(sha):
            found[name] = sha
        else:
            problems.append(f"files: {str(name)[:80]!r} is not a file essaycast publishes")
    return found


def parse_manifest(raw: bytes, *, lenient: bool) -> tuple[Manifest, list[str]]:
    """manifest.json's bytes -> (Manifest, problems). Each bad value is left out (with its
    entry) and named in `problems`; `lenient` (the local manifest) keeps an entry whose
    identity is sound without its episode, so it is rendered again under that identity."""
    problems: list[str] = []
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return Manifest(), [f"not JSON ({exc})"]
    if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION:
        version = data.get("version") if isinstance(data, dict) else None
        return Manifest(), [f"not a manifest this essaycast reads (version {version!r})"]
    manifest = Manifest()
    if data.get("show_guid") is not None:
        try:
            manifest.show_guid = parse_show_guid(data["show_guid"])
        except Invalid as exc:
            problems.append(str(exc))
    feed_key = data.get("feed_key")
    manifest.feed_key = feed_key if isinstance(feed_key, str) and _HEX64.match(feed_key) else None
    episodes = data.get("episodes", {})
    if not isinstance(episodes, dict):
        problems.append("episodes is not a table")
        episodes = {}
    guids: set[str] = set()
    names: set[str] = set()
    for slug, raw_entry in sorted(episodes.items(), key=lambda item: str(item[0])):
        entry: Entry | None
        try:
            entry = parse_entry(slug, raw_entry)
        except Invalid as exc:
            problems.append(str(exc))
            entry = _salvage(slug, raw_entry) if lenient else None
            if entry is None:
                continue
        files = entry_files(entry)
        if entry.guid in guids or names.intersection(files):
            # two episodes can never share a GUID or a file: the first (by slug) keeps it
            problems.append(f"{slug}: its GUID or a file is another episode's")
            continue
        guids.add(entry.guid)
        names.update(files)
        manifest.entries[slug] = entry
    manifest.checksums = parse_checksums(data.get("files", {}), problems)
    return manifest, problems


def _salvage(slug: object, raw: object) -> Entry | None:
    """An entry whose episode is bad but whose identity is sound: the identity, to render
    again under it (same GUID, number and first-seen date); None if that is bad too."""
    if not isinstance(raw, dict):
        return None
    try:
        return parse_entry(slug, {**raw, "episode": None, "fingerprint": ""})
    except Invalid:
        return None


def _problem_list(problems: Sequence[str]) -> str:
    shown = "; ".join(problems[:3])
    more = len(problems) - 3
    return shown + (f"; and {more} more" if more > 0 else "")


def check_unique(manifest: Manifest) -> None:
    """Refuse a manifest in which two episodes share a GUID or a file (publish's last guard)."""
    guids: dict[str, str] = {}
    files: dict[str, str] = {}
    for slug, entry in sorted(manifest.entries.items()):
        if entry.guid in guids:
            raise Invalid(f"{slug} and {guids[entry.guid]} have the same GUID {entry.guid}")
        guids[entry.guid] = slug
        for name in entry_files(entry):
            if name in files:
                raise Invalid(f"{slug} and {files[name]} both publish {name}")
            files[name] = slug


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
    # a thousand essays mostly name no voice of their own: each choice is resolved once
    specs: dict[str | None, VoiceSpec] = {}
    casts: dict[VoiceSpec, tuple[Cast, list[str]]] = {}
    for essay in essays:
        choice = voice or essay.voice
        try:
            if choice not in specs:
                specs[choice] = resolve_voice(
                    show.voice.engine, show.voice.voice, show.voice.speed, choice
                )
            spec = specs[choice]
        except ConfigError as exc:
            if voice:  # a bad --voice is the command line's fault, not the essay's
                raise
            failed.append((show.relative(essay.path), "; ".join(exc.problems)))
            continue
        try:
            if essay.quotes or spec not in casts:  # an essay's own quotes: its own errors
                found = resolve_cast(
                    spec, show.voice.quotes, show.voices, essay.quotes, show.relative(essay.path)
                )
                if not essay.quotes:
                    casts[spec] = found
            else:
                found = casts[spec]
            cast, warnings = found
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


def first_seen_time(path: Path, built_at: datetime) -> datetime:
    """When a new essay was first seen: the same on every machine and every shard that
    holds the same files, so shards a few seconds apart agree with one machine's build.

    SOURCE_DATE_EPOCH when set; else the file's modification time (whole seconds, never
    after `built_at`, the build's own clock). git's date, when there is one, comes
    first anyway (publication_date).
    """
    if os.environ.get("SOURCE_DATE_EPOCH", "").isdigit():
        return built_at
    try:
        modified = int(path.stat().st_mtime)
    except (OSError, OverflowError, ValueError):
        return built_at
    return min(built_at, datetime.fromtimestamp(max(modified, 0), tz=UTC))


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
