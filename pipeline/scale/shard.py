"""Sharded builds: which essays shard K of N renders, its record, and the merge.

`essaycast build --shard K/N` renders only its share of the stale essays and
leaves, beside the content-addressed episode files, a *shard record*
(`output/shard-K-of-N.json`) with the manifest entries it made. Copying the
`output/` folders of all N shards into one and running `essaycast publish` (or
a plain `essaycast build`) folds the records into the manifest and writes the
feed and the page, exactly as one build on one machine would have.

Every shard plans the whole show from the same inputs (the essays and the
published manifest), so each computes the same episode numbers, dates and
GUIDs for every stale essay and the shards never need to talk to each other.

The assignment (`assign`), and why it is stable and balanced:

1. Each essay's *expected length* is its word count at 165 words a minute
   (measured: 1,301 words read in 466 s), rounded up to whole minutes, so a
   small edit does not change it.
2. Essays are walked in *arrival order*: published episodes by their episode
   number (given once and kept forever), then new essays by date, then slug.
   A new essay therefore comes after every published one.
3. Each essay ranks the shards by sha256(slug, shard) (rendezvous hashing).
4. Each essay goes to its most-preferred shard whose load so far is within
   one mean essay length of the least-loaded shard.

Because an essay's place depends only on the essays before it (2), adding an
essay never moves a published one; it lands where (3) and (4) put it. The
tolerance in (4) keeps loads within one mean essay (the mean when it was
placed) plus the longest essay of each other, balanced by length, not count;
and it lets most essays sit on their own first choice, so an edit that changes
an essay's length by a minute rarely moves any other. An essay stays on the
shard that rendered it, which is the shard whose sentence cache holds its
sentences.

`build --jobs N` beyond two runs N shard builds in child processes (build.py
owns that pool; this module never imports the orchestrator).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ConfigError, EssaycastError
from ..fsutil import write_atomic
from ..model import Shard
from ..publish.manifest import (
    Entry,
    Invalid,
    Manifest,
    check_unique,
    episode_guid,
    parse_entry,
)

if TYPE_CHECKING:
    from ..config import Show
    from ..model import PlannedEssay

log = logging.getLogger(__name__)

RECORD_VERSION = 2  # 2: carries show_guid and base_url
RECORD_GLOB = "shard-*-of-*.json"
WORDS_PER_MINUTE = 165  # bench/results.json figure (a): 1301 words, 465.7 s of audio

_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


def parse_shard(text: str) -> Shard:
    """'2/4' -> Shard(2, 4); a ConfigError naming --shard otherwise.

    >>> parse_shard("2/4")
    Shard(index=2, count=4)
    """
    match = _SPEC.match(text or "")
    if not match or not 1 <= int(match[1]) <= int(match[2]):
        raise ConfigError(
            f"--shard: {text!r} is not K/N with 1 <= K <= N, e.g. --shard 2/4",
            source="command line",
        )
    return Shard(int(match[1]), int(match[2]))


def expected_minutes(body: str) -> int:
    """Whole minutes of audio an essay is expected to make (at least 1).

    >>> expected_minutes("word " * 400)
    3
    """
    return max(1, math.ceil(len(body.split()) / WORDS_PER_MINUTE))


def assign(essays: Sequence[tuple[str, int]], count: int) -> dict[str, int]:
    """(slug, expected minutes) in arrival order -> slug: shard index (1..count)."""
    loads = [0] * count
    placed = total = 0
    where: dict[str, int] = {}
    for slug, minutes in essays:
        tolerance = total / placed if placed else 0
        floor = min(loads)
        ranked = sorted(range(count), key=lambda k: _rank(slug, k), reverse=True)
        chosen = next(k for k in ranked if loads[k] <= floor + tolerance)
        loads[chosen] += minutes
        placed, total = placed + 1, total + minutes
        where[slug] = chosen + 1
    return where


def _rank(slug: str, shard: int) -> bytes:
    return hashlib.sha256(f"{slug}\0{shard}".encode()).digest()


def arrival_order(plan: Sequence[PlannedEssay], manifest: Manifest) -> list[tuple[str, int]]:
    """The plan's essays as (slug, expected minutes), published ones first by number."""

    def number(slug: str) -> int | None:
        entry = manifest.entries.get(slug)
        if entry is None or not entry.episode:
            return None
        return entry.number or entry.episode.get("number")

    def key(item: PlannedEssay) -> tuple:
        n = number(item.essay.slug)
        if n is not None:
            return (0, n, 0.0, item.essay.slug)
        date = item.essay.date.timestamp() if item.essay.date else math.inf
        return (1, 0, date, item.essay.slug)

    return [(p.essay.slug, expected_minutes(p.essay.body)) for p in sorted(plan, key=key)]


def assign_plan(plan: Sequence[PlannedEssay], manifest: Manifest, count: int) -> dict[str, int]:
    """Every planned essay (stale or not) -> the shard (1..count) that renders it."""
    return assign(arrival_order(plan, manifest), count)


def trust_published(
    plan: list[PlannedEssay], manifest: Manifest, force: bool
) -> list[PlannedEssay]:
    """A shard's output/ may hold only the manifest: an essay whose fingerprint the
    manifest records is published (the publish step restores its files), not stale."""
    from dataclasses import replace

    if force:
        return plan
    kept = []
    for item in plan:
        entry = manifest.entries.get(item.essay.slug)
        if (
            item.action == "changed"
            and entry
            and entry.fingerprint == item.fingerprint
            and entry.episode
        ):
            item = replace(item, action="unchanged")
        kept.append(item)
    return kept


# --- the record a shard leaves, and the merge ------------------------------------------------


@dataclass
class Folded:
    """What the shard records in output/ added to the manifest."""

    built: set[str] = field(default_factory=set)  # slugs whose entries came from a record
    failed: dict[str, tuple[str, str]] = field(default_factory=dict)  # slug -> (file, reason)
    owner: dict[str, str] = field(default_factory=dict)  # slug -> "K/N" that should render it
    count: int | None = None  # N, when records were found
    records: list[Path] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # "K/N" labels with no record


def write_record(
    show: Show,
    shard: Shard,
    base: bytes,
    show_guid: str,
    entries: dict[str, Entry],
    failed: Iterable[tuple[str, str, str]],
    stale: dict[str, int],
) -> Path:
    """Write output/shard-K-of-N.json: the entries this shard built, what failed, and
    which shard each stale essay of the run belongs to (every shard agrees on it)."""
    data = {
        "version": RECORD_VERSION,
        "shard": shard.label,
        # whose record this is: a record from another show is refused, not merged
        "show_guid": show_guid,
        "base_url": show.podcast.base_url,
        # the manifest this shard planned from: records of one run all carry the same
        "base": hashlib.sha256(base).hexdigest(),
        "stale": {slug: f"{k}/{shard.count}" for slug, k in sorted(stale.items())},
        "entries": {slug: asdict(e) for slug, e in sorted(entries.items())},
        "failed": {slug: [path, reason] for slug, path, reason in sorted(failed)},
    }
    path = show.output_dir / shard.record_name
    write_atomic(
        path, (json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode()
    )
    return path


@dataclass
class _Record:
    path: Path
    shard: Shard
    base: str
    stale: dict[str, str]
    entries: dict[str, Entry]
    failed: dict[str, tuple[str, str]]


class RecordRefused(EssaycastError):
    """A shard record that cannot be merged: nothing is published, nothing deleted."""


def fold_records(show: Show, manifest: Manifest) -> Folded:
    """Take every shard record in output/ into `manifest` (in memory); report what came.

    A record is another run's output, so it is checked whole before anything is taken:
    the schema (essaycast's names, a UUID, dates with a zone), this show's GUID and
    base_url, the identities this run agreed on, each essay claimed by the one shard it
    belongs to, its files whole in output/. Any failure raises RecordRefused and the
    manifest is left as it was: a publish is all or nothing.
    """
    from ..publish.feed import podcast_guid

    output_dir = show.output_dir
    folded = Folded()
    paths = sorted(output_dir.glob(RECORD_GLOB))
    if not paths:
        return folded
    show_guid = manifest.show_guid or podcast_guid(show.podcast.feed_url)
    records = [_read_record(path, show, show_guid) for path in paths]
    counts = {r.shard.count for r in records}
    bases = {r.base for r in records}
    stales = {json.dumps(r.stale, sort_keys=True) for r in records}
    if len(counts) > 1 or len(bases) > 1 or len(stales) > 1:
        names = ", ".join(r.path.name for r in records)
        raise RecordRefused(
            f"{output_dir}: the shard records ({names}) come from different runs; "
            "keep only one run's records and publish again"
        )
    taken: dict[str, Entry] = {}
    claimed: dict[str, str] = {}
    for record in records:
        for slug, entry in record.entries.items():
            if slug in claimed:
                raise _refuse(record.path, f"{slug} is claimed by {claimed[slug]} too")
            if record.stale.get(slug) != record.shard.label:
                raise _refuse(record.path, f"{slug} is not shard {record.shard.label}'s to render")
            known = manifest.entries.get(slug)
            agreed = known.guid if known else episode_guid(show_guid, slug)
            if entry.guid != agreed:
                raise _refuse(record.path, f"{slug} has the GUID {entry.guid}, not {agreed}")
            missing = _incomplete(output_dir, entry)
            if missing:
                raise _refuse(
                    record.path,
                    f"{slug}'s {missing} is not whole in output/ (copy that shard's "
                    "output/ in full, or run it again)",
                )
            claimed[slug] = record.path.name
            taken[slug] = entry
    merged = Manifest(show_guid=show_guid, entries={**manifest.entries, **taken})
    try:
        check_unique(merged)
    except Invalid as exc:
        raise RecordRefused(
            f"{output_dir}: the shard records clash: {exc}; nothing was published"
        ) from None

    folded.count = counts.pop()
    folded.records = [r.path for r in records]
    present = {r.shard.index for r in records}
    folded.missing = [f"{k}/{folded.count}" for k in range(1, folded.count + 1) if k not in present]
    for record in records:
        folded.owner.update(record.stale)
        for slug, (source, reason) in record.failed.items():
            folded.failed[slug] = (source, f"{reason} (in shard {record.shard.label})")
    manifest.entries.update(taken)
    folded.built.update(taken)
    return folded


def _refuse(path: Path, problem: str) -> RecordRefused:
    return RecordRefused(f"{path}: {problem}; nothing was published, nothing deleted")


def _read_record(path: Path, show: Show, show_guid: str) -> _Record:
    """One shard record, checked against the schema and this show; RecordRefused if not."""
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
        if not isinstance(data, dict) or data.get("version") != RECORD_VERSION:
            raise Invalid(f"version {data.get('version') if isinstance(data, dict) else None!r}")
        shard = parse_shard(data["shard"] if isinstance(data["shard"], str) else "")
        if path.name != shard.record_name:
            raise Invalid(f"it says it is shard {shard.label}")
        base = data["base"]
        if not isinstance(base, str) or not re.fullmatch(r"[0-9a-f]{64}", base):
            raise Invalid("base is not a sha256")
        stale = data.get("stale", {})
        if not isinstance(stale, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and _label_of(v, shard.count)
            for k, v in stale.items()
        ):
            raise Invalid("stale is not a table of slug = K/N")
        entries = data.get("entries", {})
        failed = data.get("failed", {})
        if not isinstance(entries, dict) or not isinstance(failed, dict):
            raise Invalid("entries or failed is not a table")
        failures = {}
        for slug, pair in failed.items():
            if not (
                isinstance(pair, list)
                and len(pair) == 2
                and all(isinstance(p, str) and len(p) < 10_000 for p in pair)
            ):
                raise Invalid(f"failed.{str(slug)[:80]} is not [file, reason]")
            failures[str(slug)] = (pair[0], pair[1])
        parsed = {slug: parse_entry(slug, raw) for slug, raw in entries.items()}
    except (OSError, ValueError, KeyError, TypeError, ConfigError) as exc:
        reason = exc.format_message() if isinstance(exc, ConfigError) else str(exc)
        raise RecordRefused(
            f"{path}: not a shard record this essaycast can read ({reason}); "
            "delete it and run that shard again"
        ) from None
    if data.get("show_guid") != show_guid or data.get("base_url") != show.podcast.base_url:
        raise _refuse(
            path,
            "it is another show's record (its show GUID or base_url is not this show's); delete it",
        )
    return _Record(path, shard, base, stale, parsed, failures)


def _label_of(label: str, count: int) -> bool:
    try:
        return parse_shard(label).count == count
    except ConfigError:
        return False


def _incomplete(output_dir: Path, entry: Entry) -> str | None:
    """The first file of `entry` that is not a whole regular file in output/, or None."""
    episode = entry.to_episode()
    if episode is None:
        return "episode"
    for name in episode.files:
        path = output_dir / name
        # not a symlink: what is published is what is in output/, nothing it points at
        if path.is_symlink() or not path.is_file():
            return name
    if (output_dir / episode.audio).stat().st_size != episode.size:
        return episode.audio
    return None


def remove_records(folded: Folded) -> None:
    """The records are merged into the manifest (saved): they are not published."""
    for path in folded.records:
        path.unlink(missing_ok=True)


def unrendered_reason(slug: str, folded: Folded) -> str:
    """Why `essaycast publish` did not publish an essay that needs rendering."""
    if slug in folded.failed:
        return folded.failed[slug][1]
    if slug in folded.owner:
        return (
            f"not rendered: shard {folded.owner[slug]} left no episode for it; "
            f"run essaycast build --shard {folded.owner[slug]} again, or essaycast build"
        )
    if folded.count:
        return (
            "not rendered: no shard record names it (was it added after the shards ran?); "
            "run the shards again, or essaycast build"
        )
    return "not rendered yet: no shard record in output/; run essaycast build"


def record_summary(folded: Folded) -> list[str]:
    """Lines for the report about the records that were merged."""
    lines = []
    if folded.count:
        got = folded.count - len(folded.missing)
        lines.append(
            f"Merged {got} of {folded.count} shard records "
            f"({len(folded.built)} episodes rendered by the shards)"
        )
    if folded.missing:
        lines.append(
            f"No record from shard {', '.join(folded.missing)}: "
            "its essays are not published this time"
        )
    return lines


def own_share(
    plan: list[PlannedEssay], manifest: Manifest, shard: Shard, force: bool
) -> tuple[list[PlannedEssay], dict[str, int]]:
    """A shard's plan (published means published, even if output/ holds no copy) and
    the shard each planned essay belongs to."""
    plan = trust_published(plan, manifest, force)
    return plan, assign_plan(plan, manifest, shard.count)
