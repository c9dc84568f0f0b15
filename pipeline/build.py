"""The orchestrator: the one place that knows the order of the stages, one function a mode.

- `plan_show`: read every essay and compare with the manifest (all `--dry-run` prints).
- `build_show`: one machine brings output/ up to date: take the lock -> (restore output/
  from the site) -> (with `--jobs N` > 2, shard builds in child processes) -> merge any
  shard records -> plan -> give stale essays their identities -> render them -> publish
  the manifest, then the feed, last -> collect garbage.
- `build_share`: one job of a CI matrix (`--shard K/N`) renders its share and leaves a
  shard record instead of a feed.
- `publish_show`: `essaycast publish` merges the records and publishes; renders nothing.

Each stage's body lives below: text/ reads, publish/manifest plans and gives
identities, render.py renders, scale/ assigns shares and keeps their records,
publish/writer writes. This is also the only place that isolates one essay's
failure: stages below raise, and an EssayError becomes a line in the report while
the other essays go on.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import Show
from .errors import ConfigError, EssaycastError, EssayError
from .fsutil import usable_cores
from .lock import clear_partials, show_lock
from .model import (
    BuildEvent,
    BuildProgress,
    BuildReport,
    Episode,
    Essay,
    Identity,
    PlannedEssay,
    Shard,
)
from .publish.cover import prune_covers, publish_cover
from .publish.manifest import (
    MANIFEST_NAME,
    Entry,
    Manifest,
    build_time,
    episode_record,
    first_seen_time,
    identities,
    new_entry,
    plan,
)
from .publish.writer import collect_garbage, publish, require_base_url
from .scale import shard as shards
from .scale.restore import restore_output
from .text.essays import read_essays

if TYPE_CHECKING:
    from .render import RenderKit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """One stale essay, ready to render: its plan, its record and what it keeps forever."""

    item: PlannedEssay
    entry: Entry
    identity: Identity

    @property
    def slug(self) -> str:
        return self.item.essay.slug


# progress(BuildEvent): a share starts, an essay starts, each sentence spoken and piece
# rendered, an essay done or failed (model.BuildEvent); called from the rendering threads.
Progress = BuildProgress


# --- the four modes --------------------------------------------------------------------------


def plan_show(
    show: Show,
    *,
    force: bool = False,
    only: Sequence[str] = (),
    voice: str | None = None,
    shard: Shard | None = None,
) -> BuildReport:
    """What a build would do (`--dry-run`): writes nothing, not even the lock, so it may
    run beside a build. With `shard`, what that share would render."""
    started = time.monotonic()
    report = BuildReport(dry_run=True, shard=shard)
    manifest = Manifest.load(show.output_dir / MANIFEST_NAME)
    assignment = _plan(show, manifest, report, force=force, only=only, voice=voice, shard=shard)
    report.built = [
        p.essay.slug
        for p in report.planned
        if p.action != "unchanged" and (shard is None or assignment[p.essay.slug] == shard.index)
    ]
    report.unchanged = [p.essay.slug for p in report.planned if p.action == "unchanged"]
    report.seconds = time.monotonic() - started
    return report


def build_show(
    show: Show,
    *,
    force: bool = False,
    only: Sequence[str] = (),
    voice: str | None = None,
    jobs: int = 1,
    progress: Progress | None = None,
    restore: bool = False,
) -> BuildReport:
    """Bring output/ up to date with the essays on this machine; return what was done.

    Up to two `jobs` are threads taking turns on the one voice engine (the second
    overlaps mastering with synthesis); more are shard builds in child processes,
    each on its own cores, whose records are then merged like a CI matrix's.
    `restore` first fetches what is published at base_url (scale/restore.py).
    """
    started = time.monotonic()
    report = BuildReport()
    require_base_url(show)  # before any work: a feed is the point of a build
    with show_lock(show.state_dir):
        _prepare(show, report, restore=restore, manifest_only=False)
        workers = worker_count(jobs)
        if workers > 1:
            _render_in_processes(
                show, workers, force=force, only=only, voice=voice, progress=progress
            )
            force = False  # the children rendered what force asked for
        manifest = Manifest.load(show.output_dir / MANIFEST_NAME)
        folded = shards.fold_records(show, manifest)
        if workers == 1:  # the children's own records are this build's business, not news
            report.notes += shards.record_summary(folded)
        _plan(show, manifest, report, force=force, only=only, voice=voice)
        cover, work = _identify(show, manifest, report)
        if workers > 1:  # a child's failure is reported, not tried again here
            work = _skip(show, work, report, folded, lambda job: job.slug in folded.failed)
        started_at = time.time()  # what the piece cache must keep
        _render_all(show, work, cover, manifest, report, jobs, progress, force)
        _publish(show, manifest, cover, report, folded)
        if work:
            from .audio.piece_cache import PieceCache
            from .speech.cache import SentenceCache

            # bounded: what this build used stays, the least recently used goes first
            PieceCache(show.state_dir / "cache" / "pieces").prune(keep_since=started_at)
            SentenceCache(show.state_dir / "cache" / "sentences").prune(keep_since=started_at)
    report.seconds = time.monotonic() - started
    return report


def build_share(
    show: Show,
    shard: Shard,
    *,
    force: bool = False,
    only: Sequence[str] = (),
    voice: str | None = None,
    jobs: int = 1,
    progress: Progress | None = None,
    restore: bool = False,
    locked: bool = False,
) -> BuildReport:
    """Render shard K of N's share of the stale essays and leave its record in output/.

    Every shard plans the whole show, so all agree on identities; the feed is left
    for `publish_show` once every shard's output/ is merged. `locked`: the caller
    holds the show's lock (a `--jobs` child of build_show).
    """
    started = time.monotonic()
    report = BuildReport(shard=shard)
    require_base_url(show)
    with contextlib.nullcontext() if locked else show_lock(show.state_dir):
        if not locked:
            _prepare(show, report, restore=restore, manifest_only=True)
        manifest = Manifest.load(show.output_dir / MANIFEST_NAME)
        base_manifest = manifest.dumps()  # what this shard planned from, for its record
        assignment = _plan(show, manifest, report, force=force, only=only, voice=voice, shard=shard)
        cover, work = _identify(show, manifest, report)
        # identities were given over the whole plan first, so every shard agrees on them
        stale = {job.slug: assignment[job.slug] for job in work}
        work = [job for job in work if stale[job.slug] == shard.index]
        _render_all(show, work, cover, manifest, report, jobs, progress, force)
        failed_here = [
            (item.essay.slug, path, reason)
            for item in report.planned
            for path, reason in report.failed
            if path == show.relative(item.essay.path)
        ]
        built = {slug: manifest.entries[slug] for slug in report.built}
        assert manifest.show_guid is not None  # _identify gave it
        shards.write_record(
            show, shard, base_manifest, manifest.show_guid, built, failed_here, stale
        )
    report.seconds = time.monotonic() - started
    return report


def publish_show(show: Show, *, voice: str | None = None, restore: bool = False) -> BuildReport:
    """`essaycast publish`: merge the shard records in output/, then publish; render nothing.

    An essay that needs rendering and that no record brings is reported, with why;
    the episodes published before stay in the feed. `voice`: the one the shards were
    built with, if not the show's (it is part of every essay's fingerprint).
    """
    started = time.monotonic()
    report = BuildReport()
    require_base_url(show)
    with show_lock(show.state_dir):
        _prepare(show, report, restore=restore, manifest_only=False)
        manifest = Manifest.load(show.output_dir / MANIFEST_NAME)
        folded = shards.fold_records(show, manifest)
        report.notes += shards.record_summary(folded)
        _plan(show, manifest, report, voice=voice)
        cover, work = _identify(show, manifest, report)
        _skip(show, work, report, folded, lambda job: True)
        _publish(show, manifest, cover, report, folded)
    report.seconds = time.monotonic() - started
    return report


# --- the stages the modes share ----------------------------------------------------------------


def _prepare(show: Show, report: BuildReport, *, restore: bool, manifest_only: bool) -> None:
    """Holding the lock: clear a killed build's leftovers; catch up with the site."""
    for stale in show.state_dir.glob("render-*"):
        shutil.rmtree(stale, ignore_errors=True)  # no other build is using these
    # a build (or restore) killed mid-write leaves .<name>.<random>.part beside the file
    clear_partials(show.output_dir)
    if restore:  # before the manifest is read
        report.notes.append(restore_output(show, manifest_only=manifest_only))


def _plan(
    show: Show,
    manifest: Manifest,
    report: BuildReport,
    *,
    force: bool = False,
    only: Sequence[str] = (),
    voice: str | None = None,
    shard: Shard | None = None,
) -> dict[str, int]:
    """Read every essay and plan against the manifest into `report`; with `shard`, the
    share of every planned essay (published means published, even without its files)."""
    essays = _read_essays(show, report)
    report.planned, failed = plan(show, essays, manifest, voice=voice, force=force, only=only)
    report.failed += failed
    assignment: dict[str, int] = {}
    if shard:
        report.planned, assignment = shards.own_share(report.planned, manifest, shard, force)
    report.removed = sorted(
        set(manifest.entries)
        - {p.essay.slug for p in report.planned}
        - _failed_slugs(manifest, report)
    )
    return assignment


def _identify(show: Show, manifest: Manifest, report: BuildReport) -> tuple[Path, list[Job]]:
    """The cover, and the stale essays with their GUID, date and number.

    The show's GUID is computed once, at first publication, and then kept. The cover
    comes first: a bad show image is a config error, and episodes embed the cover.
    """
    if manifest.show_guid is None:
        from .publish.feed import podcast_guid

        manifest.show_guid = podcast_guid(show.podcast.feed_url)
    cover = publish_cover(show)
    built_at = build_time()
    stale: list[tuple[PlannedEssay, Entry]] = []
    for item in report.planned:
        entry = manifest.entries.get(item.essay.slug)
        if item.action == "unchanged" and entry is not None:
            # a renamed file with the same slug: keep its record pointing at it
            entry.source = show.relative(item.essay.path)
            report.unchanged.append(item.essay.slug)
            continue
        if entry is None:
            # not the clock alone: every shard of a run must give a new essay one date
            seen = first_seen_time(item.essay.path, built_at)
            entry = new_entry(
                manifest.show_guid, item.essay.slug, show.relative(item.essay.path), seen
            )
        stale.append((item, entry))
    found = identities([(item.essay, entry) for item, entry in stale], manifest)
    jobs = [Job(item, entry, ident) for (item, entry), ident in zip(stale, found, strict=True)]
    return show.output_dir / cover, jobs


def _skip(
    show: Show,
    work: list[Job],
    report: BuildReport,
    folded: shards.Folded,
    skipped: Callable[[Job], bool],
) -> list[Job]:
    """Leave out the jobs `skipped` picks, each reported with why no record brought it."""
    for job in work:
        if skipped(job):
            reason = shards.unrendered_reason(job.slug, folded)
            report.failed.append((show.relative(job.item.essay.path), reason))
    return [job for job in work if not skipped(job)]


def _publish(
    show: Show, manifest: Manifest, cover: Path, report: BuildReport, folded: shards.Folded
) -> None:
    """Manifest, feed and page from the complete episode list; then what nothing names goes."""
    if folded.built:  # what the shard records brought counts as built by this build
        report.unchanged = [s for s in report.unchanged if s not in folded.built]
        report.built = [
            p.essay.slug
            for p in report.planned
            if p.essay.slug in folded.built or p.essay.slug in report.built
        ]
    for slug in report.removed:
        del manifest.entries[slug]
    assert manifest.show_guid is not None  # _identify gave it
    report.episodes = publish(show, manifest, manifest.show_guid, cover.name, report.built)
    shards.remove_records(folded)  # merged into the saved manifest and feed
    # only now that the feed no longer names them may old files go
    collect_garbage(show, manifest)
    prune_covers(show.output_dir, keep=cover.name)


# --- rendering, in threads or in processes ------------------------------------------------------


def _render_all(
    show: Show,
    work: list[Job],
    cover: Path,
    manifest: Manifest,
    report: BuildReport,
    jobs: int,
    progress: Progress | None,
    force: bool = False,
) -> None:
    """Render every job; record each episode in the manifest, each failure in the report."""
    if not work:
        return
    from .render import RenderKit

    kit = RenderKit(show, cover, force=force)
    kit.load_music()  # a missing music file is the show's error (exit 2), once
    # Results are taken in plan order, so the report and manifest do not
    # depend on which worker finished first.
    for job, outcome in zip(work, _run_jobs(kit, work, jobs, progress), strict=True):
        item, entry = job.item, job.entry
        if isinstance(outcome, EssaycastError):
            report.failed.append((show.relative(item.essay.path), _reason(outcome)))
            continue
        entry.source = show.relative(item.essay.path)
        entry.fingerprint = item.fingerprint
        entry.number = outcome.number
        entry.episode = episode_record(outcome)
        manifest.entries[item.essay.slug] = entry
        report.built.append(item.essay.slug)


def _run_jobs(
    kit: RenderKit, work: list[Job], jobs: int, progress: Progress | None
) -> Iterator[Episode | EssaycastError]:
    """Render each job; yield its Episode or the essay's error, in order."""
    from .render import render_episode

    progress = progress or _quiet
    words = sum(len(job.item.essay.body.split()) for job in work)
    progress(BuildEvent("start", essays=len(work), words=words))

    def render(job: Job) -> Episode | EssaycastError:
        essay = job.item.essay
        started = time.monotonic()
        try:
            episode = render_episode(
                kit, essay, job.item.voice, job.identity, progress, cast=job.item.cast
            )
        except Exception as exc:  # noqa: BLE001 - the one place that isolates an essay
            failure = exc if isinstance(exc, EssaycastError) else _unexpected(essay, exc)
            seconds = time.monotonic() - started
            progress(BuildEvent("failed", essay.slug, error=_reason(failure), seconds=seconds))
            return failure  # one essay's failure is reported, not raised
        seconds = time.monotonic() - started
        progress(BuildEvent("done", essay.slug, audio_seconds=episode.duration, seconds=seconds))
        return episode

    if jobs <= 1 or len(work) <= 1:
        # in the calling thread: Ctrl-C stops at once, tracebacks stay simple
        for job in work:
            yield render(job)
        return
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(render, job) for job in work]
        try:
            for future in futures:
                yield future.result()
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def worker_count(jobs: int) -> int:
    """Processes for `--jobs N`: 1 up to two jobs (threads do), else one per core at most."""
    return 1 if jobs <= 2 else min(jobs, usable_cores())


def core_sets(workers: int) -> list[set[int]]:
    """Split this process's cores into `workers` disjoint sets, as even as they go."""
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if not cores:
        return [set() for _ in range(workers)]
    return [set(cores[i::workers]) for i in range(workers)]


# Called first in each child process (tests register their fake engines here).
CHILD_SETUP: Callable[[], None] | None = None


def _render_in_processes(
    show: Show,
    workers: int,
    *,
    force: bool,
    only: Sequence[str],
    voice: str | None,
    progress: Progress | None = None,
) -> None:
    """Render the stale essays with `workers` shard builds in child processes.

    Each child is pinned to its own cores (so the voice engine there, which sizes
    its thread pool by the cores it may use, never oversubscribes), writes its
    record into output/, and the caller merges them. The caller holds the lock.
    The children's progress events come back through a queue to `progress`.
    """
    import multiprocessing
    import threading
    from concurrent.futures import ProcessPoolExecutor

    # spawn: a fresh interpreter, no copy of the parent's threads or locks
    context = multiprocessing.get_context("spawn")
    cores = core_sets(workers)
    args = [
        (str(show.root), show.podcast.base_url, Shard(k + 1, workers), sorted(cores[k]))
        for k in range(workers)
    ]
    relay = context.Queue() if progress else None
    listener = threading.Thread(target=_relay_events, args=(relay, progress), daemon=True)
    if relay is not None:
        listener.start()
    try:
        with ProcessPoolExecutor(
            workers,
            mp_context=context,
            max_tasks_per_child=1,
            initializer=_child_setup,
            initargs=(CHILD_SETUP, relay),
        ) as pool:
            child = functools.partial(_child_build, force=force, only=list(only), voice=voice)
            outcomes = list(pool.map(child, *zip(*args, strict=True)))
    finally:
        if relay is not None:
            relay.put(None)  # after every child has exited, so all their events came first
            listener.join()
    for outcome in outcomes:
        if outcome is not None:
            kind, message = outcome
            raise (ConfigError(message) if kind == "config" else EssaycastError(message))


# In a child process: where its build's progress events go (the parent's queue).
_RELAY: Any = None


def _child_setup(setup: Callable[[], None] | None, relay: Any) -> None:
    """First thing in each child: the tests' setup, and the queue events go back by."""
    global _RELAY
    _RELAY = relay
    if setup is not None:
        setup()


def _relay_events(relay: Any, progress: Progress) -> None:
    """In the parent: pass the children's events on, until the None sent at the end."""
    while (event := relay.get()) is not None:
        progress(event)


def _child_build(
    root: str,
    base_url: str,
    shard: Shard,
    cores: list[int],
    *,
    force: bool,
    only: list[str],
    voice: str | None,
) -> tuple[str, str] | None:
    """One shard build in a child process; an error comes back as (kind, message)."""
    from .config import load_show

    if cores and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, cores)  # before any engine exists: it counts these
    try:
        show = load_show(root, base_url=base_url or None)
        build_share(
            show,
            shard,
            force=force,
            only=only,
            voice=voice,
            jobs=2 if len(cores) >= 2 else 1,
            progress=_RELAY.put if _RELAY is not None else None,
            locked=True,
        )
    except ConfigError as exc:
        return ("config", exc.format_message())
    except EssaycastError as exc:
        return ("error", exc.format_message())
    return None


# --- small helpers ------------------------------------------------------------------------------


def _read_essays(show: Show, report: BuildReport) -> list[Essay]:
    essays, failed = read_essays(show, show.relative)  # where [essays] says they are
    report.failed += failed
    return essays


def _failed_slugs(manifest: Manifest, report: BuildReport) -> set[str]:
    """Slugs whose essay failed this time: their published episode stays."""
    failed_sources = {path for path, _ in report.failed}
    return {slug for slug, e in manifest.entries.items() if e.source in failed_sources}


def _quiet(event: BuildEvent) -> None:
    """The progress callback when nobody is watching."""


def _unexpected(essay: Essay, exc: Exception) -> EssayError:
    """A bug met while rendering one essay, as that essay's failure."""
    log.debug("rendering %s failed", essay.path, exc_info=True)
    return EssayError(
        str(essay.path), f"unexpected {type(exc).__name__}: {exc} (run with -v for the traceback)"
    )


def _reason(exc: EssaycastError) -> str:
    return exc.reason if isinstance(exc, EssayError) else exc.format_message()
