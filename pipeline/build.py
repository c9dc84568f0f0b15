"""The orchestrator: the one place that knows the order of the stages.

take the lock -> (restore output/ from the site) -> read every essay -> compare
with the manifest (the plan) -> give stale essays their identities -> render
them -> write the manifest, then the feed, last -> collect garbage. Each stage's
body lives in its own module (restore, manifest.plan, manifest.identities,
episode.render_episode, shard, publish).

It is also the only place that isolates one essay's failure: stages below
raise, and this module turns an EssayError into a line in the report while
the other essays go on.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Show
from .errors import EssaycastError, EssayError
from .lock import show_lock
from .model import BuildReport, Episode, Essay, Identity, PlannedEssay
from .publish.cover import prune_covers, publish_cover
from .publish.manifest import (
    MANIFEST_NAME,
    Entry,
    Manifest,
    build_time,
    episode_record,
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


# progress(event, slug, done, total): "essay" when an essay starts rendering,
# "sentence" after each newly synthesised sentence, "done" when it is published.
Progress = Callable[[str, str, int, int], None]


def build_show(
    show: Show,
    *,
    force: bool = False,
    only: Sequence[str] = (),
    dry_run: bool = False,
    voice: str | None = None,
    jobs: int = 1,
    progress: Progress | None = None,
    shard: shards.Shard | None = None,
    restore: bool = False,
    render: bool = True,
    locked: bool = False,
) -> BuildReport:
    """Bring output/ up to date with essays/; return what was done.

    Up to two `jobs` are threads taking turns on the one voice engine (the second
    overlaps mastering with synthesis); more are shard builds in processes, each on
    its own cores. `shard` renders one share and leaves a shard record instead of
    the manifest and feed (pipeline/scale/shard.py); `render=False` (`essaycast publish`)
    publishes what the records bring; `restore` first fetches what is published at
    base_url (pipeline/scale/restore.py); `locked`: the caller holds the lock (a child).
    """
    started = time.monotonic()
    report = BuildReport(dry_run=dry_run, shard=shard)
    if not dry_run:
        require_base_url(show)  # before any work: a feed is the point of a build
    # a dry run writes nothing, not even the lock, and may run beside a build
    with contextlib.nullcontext() if dry_run or locked else show_lock(show.state_dir):
        if not (dry_run or locked):
            _clear_stale_renders(show)
        if restore and not dry_run:  # before the manifest is read: catch up with the site
            report.notes.append(restore_output(show, manifest_only=shard is not None))
        # --jobs beyond two: shard builds in child processes leave records, folded below
        workers = 1 if dry_run or shard or not render else shards.worker_count(jobs)
        if workers > 1:
            shards.render_in_processes(show, workers, force=force, only=only, voice=voice)
            force = False  # the children rendered what force asked for
        manifest = Manifest.load(show.output_dir / MANIFEST_NAME)
        base_manifest = manifest.dumps()  # what a shard planned from, for its record
        # shard records in output/ join the manifest (a shard never folds)
        folded = shards.Folded() if shard else shards.fold_records(show.output_dir, manifest)
        if workers == 1:
            report.notes += shards.record_summary(folded)
        built_at = build_time()
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
        if dry_run:
            report.built = [
                p.essay.slug
                for p in report.planned
                if p.action != "unchanged"
                and (not shard or assignment[p.essay.slug] == shard.index)
            ]
            report.unchanged = [p.essay.slug for p in report.planned if p.action == "unchanged"]
            report.seconds = time.monotonic() - started
            return report

        if manifest.show_guid is None:
            from .publish.feed import podcast_guid  # computed once at first publication, then kept

            manifest.show_guid = podcast_guid(show.podcast.feed_url)
        # before rendering: a bad show image is a config error, and episodes embed the cover
        cover = publish_cover(show)
        work = _identify(show, manifest, manifest.show_guid, report, built_at)
        started_at = time.time()  # what the piece cache must keep
        if shard:
            work, stale = shards.take_share(work, shard, assignment)
        elif not render or workers > 1:
            work = shards.skip_unrendered(show, work, report, folded, render=render)
        _render_all(show, work, show.output_dir / cover, manifest, report, jobs, progress, force)
        if shard:
            shards.leave_record(show, shard, base_manifest, manifest, report, stale)
            report.seconds = time.monotonic() - started
            return report
        shards.count_folded(report, folded)
        for slug in report.removed:
            del manifest.entries[slug]
        report.episodes = manifest.episodes()
        publish(show, manifest, manifest.show_guid, cover, report, folded)
        # only now that the feed no longer names them may old files go
        collect_garbage(show, manifest)
        prune_covers(show.output_dir, keep=cover)
        if work:
            from .audio.pieces import PieceCache

            # bounded: what this build used stays, the least recently used goes first
            PieceCache(show.state_dir / "cache" / "pieces").prune(keep_since=started_at)
    report.seconds = time.monotonic() - started
    return report


def _clear_stale_renders(show: Show) -> None:
    """Holding the lock, no other build is using these: a killed build's leftovers."""
    for stale in show.state_dir.glob("render-*"):
        shutil.rmtree(stale, ignore_errors=True)


def _identify(
    show: Show, manifest: Manifest, show_guid: str, report: BuildReport, built_at: datetime
) -> list[Job]:
    """The stale essays with their GUID, date and number; unchanged ones are reported."""
    stale: list[tuple[PlannedEssay, Entry]] = []
    for item in report.planned:
        entry = manifest.entries.get(item.essay.slug)
        if item.action == "unchanged" and entry is not None:
            # a renamed file with the same slug: keep its record pointing at it
            entry.source = show.relative(item.essay.path)
            report.unchanged.append(item.essay.slug)
            continue
        if entry is None:
            entry = new_entry(show_guid, item.essay.slug, show.relative(item.essay.path), built_at)
        stale.append((item, entry))
    found = identities([(item.essay, entry) for item, entry in stale], manifest)
    return [Job(item, entry, ident) for (item, entry), ident in zip(stale, found, strict=True)]


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

    def render(job: Job) -> Episode | EssaycastError:
        essay = job.item.essay
        progress("essay", essay.slug, 0, 0)
        on_sentence = functools.partial(progress, "sentence", essay.slug)
        try:
            episode = render_episode(kit, essay, job.item.voice, job.identity, on_sentence)
        except EssaycastError as exc:  # one essay's failure is reported, not raised
            progress("failed", essay.slug, 0, 0)
            return exc
        except Exception as exc:  # noqa: BLE001 - the one place that isolates an essay
            log.debug("rendering %s failed", essay.path, exc_info=True)
            progress("failed", essay.slug, 0, 0)
            return EssayError(
                str(essay.path),
                f"unexpected {type(exc).__name__}: {exc} (run with -v for the traceback)",
            )
        progress("done", essay.slug, 0, 0)
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


def _read_essays(show: Show, report: BuildReport) -> list[Essay]:
    essays, failed = read_essays(show.essays_dir, show.relative)
    report.failed += failed
    return essays


def _failed_slugs(manifest: Manifest, report: BuildReport) -> set[str]:
    """Slugs whose essay failed this time: their published episode stays."""
    failed_sources = {path for path, _ in report.failed}
    return {slug for slug, e in manifest.entries.items() if e.source in failed_sources}


def _quiet(event: str, slug: str, done: int, total: int) -> None:
    """The progress callback when nobody is watching."""


def _reason(exc: EssaycastError) -> str:
    return exc.reason if isinstance(exc, EssayError) else exc.format_message()
