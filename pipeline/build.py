"""The orchestrator: the one place that knows the order of the stages.

take the lock -> read every essay -> compare with the manifest (the plan) ->
render only what is stale -> write the manifest, then the feed, last.

It is also the only place that isolates one essay's failure: stages below
raise, and this module turns an EssayError into a line in the report while
the other essays go on.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .config import Show
from .cover import embedded_cover, prune_covers, publish_cover
from .errors import ConfigError, EssaycastError, EssayError
from .essays import discover_essays, git_first_added, read_essay
from .fsutil import atomic_path, write_atomic
from .lock import show_lock
from .manifest import MANIFEST_NAME, Entry, Manifest, episode_record, fingerprint
from .model import Episode, Essay, VoiceSpec

if TYPE_CHECKING:
    import numpy as np

    from .speech import Engine

log = logging.getLogger(__name__)

# Bump when a change to the pipeline changes what an unchanged essay sounds like.
RENDER_VERSION = 1
EPISODES_DIR = "episodes"
FEED_NAME = "feed.xml"
PAGE_NAME = "index.html"


@dataclass(frozen=True)
class PlannedEssay:
    """One essay's place in the plan."""

    essay: Essay
    voice: VoiceSpec
    fingerprint: str
    action: str  # "new" | "changed" | "unchanged"


@dataclass
class BuildReport:
    """What a build did; the CLI prints it, --json dumps it."""

    planned: list[PlannedEssay] = field(default_factory=list)
    built: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    episodes: list[Episode] = field(default_factory=list)  # what the feed now lists
    seconds: float = 0.0
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        verb = "Would build" if self.dry_run else "Built"
        count = len(self.built)
        parts = [f"{len(self.unchanged)} unchanged"]
        if self.removed:
            parts.append(f"{len(self.removed)} removed")
        if self.failed:
            parts.append(f"{len(self.failed)} failed")
        noun = "episode" if count == 1 else "episodes"
        return f"{verb} {count} {noun} ({', '.join(parts)}) in {self.seconds:.1f} s"


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
) -> BuildReport:
    """Bring output/ up to date with essays/; return what was done.

    `jobs` essays are rendered at once; their syntheses still take turns on
    the one voice engine (which uses every core), so extra jobs overlap one
    essay's mastering and encoding with the next one's synthesis.
    """
    started = time.monotonic()
    started_at = time.time()  # what the piece cache must not evict
    report = BuildReport(dry_run=dry_run)
    if not dry_run:
        _require_base_url(show)  # before any work: a feed is the point of a build
    # a dry run writes nothing, not even the lock, and may run beside a build
    with contextlib.nullcontext() if dry_run else show_lock(show.state_dir):
        # holding the lock, no other build is using these: a killed build's leftovers
        for stale in [] if dry_run else show.state_dir.glob("render-*"):
            shutil.rmtree(stale, ignore_errors=True)
        manifest = Manifest.load(show.output_dir / MANIFEST_NAME)
        built_at = _build_time()
        essays = _read_essays(show, report)
        plan = _plan(show, essays, manifest, report, voice=voice, force=force, only=only)
        report.planned = plan
        removed = sorted(set(manifest.entries) - {item.essay.slug for item in plan}
                         - _failed_slugs(manifest, report))
        report.removed = removed
        if dry_run:
            report.built = [p.essay.slug for p in plan if p.action != "unchanged"]
            report.unchanged = [p.essay.slug for p in plan if p.action == "unchanged"]
            report.seconds = time.monotonic() - started
            return report

        if manifest.show_guid is None:
            from .feed import podcast_guid  # computed once at first publication, then kept

            manifest.show_guid = podcast_guid(show.podcast.feed_url)
        # before rendering: a bad show image is a config error, and episodes embed the cover
        cover = publish_cover(show)
        renderer = _Renderer(show, progress, show.output_dir / cover, force=force)
        jobs_to_run = []
        for item in plan:
            entry = manifest.entries.get(item.essay.slug)
            if item.action == "unchanged" and entry is not None:
                # a renamed file with the same slug: keep its record pointing at it
                entry.source = _relative(show, item.essay.path)
                report.unchanged.append(item.essay.slug)
                continue
            if entry is None:
                entry = Entry(
                    source=_relative(show, item.essay.path),
                    guid=_episode_guid(manifest.show_guid, item.essay.slug),
                    first_seen=built_at.isoformat(),
                )
            published = _publication_date(item.essay, entry, built_at)
            jobs_to_run.append((item, entry, published))
        numbers = _episode_numbers(
            [(item.essay, entry, published) for item, entry, published in jobs_to_run],
            manifest,
        )
        jobs_to_run = [(*job, numbers[job[0].essay.slug]) for job in jobs_to_run]
        if jobs_to_run:
            renderer.load_music()  # a missing music file is the show's error (exit 2), once

        # Results are taken in plan order, so the report and manifest do not
        # depend on which worker finished first.
        for (item, entry, *_), outcome in zip(
            jobs_to_run, _run_jobs(renderer, jobs_to_run, jobs), strict=True
        ):
            if isinstance(outcome, EssaycastError):
                report.failed.append((_relative(show, item.essay.path), _reason(outcome)))
                continue
            entry.source = _relative(show, item.essay.path)
            entry.fingerprint = item.fingerprint
            entry.number = outcome.number
            entry.episode = episode_record(outcome)
            manifest.entries[item.essay.slug] = entry
            report.built.append(item.essay.slug)

        for slug in removed:
            del manifest.entries[slug]
        report.episodes = [e for e in (x.to_episode() for x in manifest.entries.values()) if e]
        # manifest before feed: the feed must never name an episode the manifest forgot
        manifest.save(show.output_dir / MANIFEST_NAME)
        feed_key = fingerprint(
            __version__, asdict(show.podcast), manifest.show_guid, cover,
            sorted((episode_record(e) for e in report.episodes), key=lambda r: r["slug"]),
        )
        published_files = (show.output_dir / FEED_NAME, show.output_dir / PAGE_NAME)
        # a no-change rebuild leaves the feed alone (and never imports feedgen)
        if feed_key != manifest.feed_key or not all(p.is_file() for p in published_files):
            write_feed(show, report.episodes, manifest.show_guid, cover)
            # recorded only once the feed is written: a build killed in between
            # writes it again next time
            manifest.feed_key = feed_key
            manifest.save(show.output_dir / MANIFEST_NAME)
        # only now that the feed no longer names them may old files go
        _collect_garbage(show, manifest)
        prune_covers(show.output_dir, keep=cover)
        if jobs_to_run:
            from .pieces import PieceCache

            # bounded: what this build used stays, the least recently used goes first
            PieceCache(show.state_dir / "cache" / "pieces").prune(keep_since=started_at)
    report.seconds = time.monotonic() - started
    return report


def _run_jobs(renderer: _Renderer, work: list, jobs: int) -> Iterator[Episode | EssaycastError]:
    """Render each (item, entry, published, number); yield an Episode or the essay's error."""

    def render(item: PlannedEssay, entry: Entry, published: datetime, number: int | None):
        if renderer.progress:
            renderer.progress("essay", item.essay.slug, 0, 0)
        try:
            episode = renderer.render(item, entry.guid, published, number)
        except EssaycastError as exc:  # one essay's failure is reported, not raised
            failure: EssaycastError = exc
        except Exception as exc:  # noqa: BLE001 - the one place that isolates an essay
            log.debug("rendering %s failed", item.essay.path, exc_info=True)
            failure = EssayError(
                str(item.essay.path),
                f"unexpected {type(exc).__name__}: {exc} (run with -v for the traceback)",
            )
        else:
            if renderer.progress:
                renderer.progress("done", item.essay.slug, 0, 0)
            return episode
        if renderer.progress:
            renderer.progress("failed", item.essay.slug, 0, 0)
        return failure

    if jobs <= 1 or len(work) <= 1:
        # in the calling thread: Ctrl-C stops at once, tracebacks stay simple
        for args in work:
            yield render(*args)
        return
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(render, *args) for args in work]
        try:
            for future in futures:
                yield future.result()
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def build_episode(
    path: Path, out: Path | None = None, voice: str | None = None, show: Show | None = None
) -> tuple[Episode, list[Path]]:
    """One essay to one MP3 with its transcripts and chapters; no feed, no manifest.

    `show` supplies the voice, music, lexicon and sentence cache; without one,
    the defaults are used and the spoken intro names only the title and author.
    Returns the episode and the files written (the MP3 first).
    """
    from .config import standalone_show
    from .speech import resolve_voice

    alone = show is None
    show = show or standalone_show()
    essay = read_essay(path)
    spec = resolve_voice(show.voice.engine, show.voice.voice, show.voice.speed,
                         voice or essay.voice)
    out = out or Path(f"{essay.slug}.mp3")
    if out.suffix.lower() != ".mp3":
        raise ConfigError(f"-o: {out} must end in .mp3", source="command line")
    published = essay.date or git_first_added(path) or _build_time()
    item = PlannedEssay(essay, spec, "", "new")
    # Everything happens in a scratch folder: the show's output/ stays untouched,
    # and a build starting beside us (which clears stale render folders) cannot
    # pull the floor away.
    with tempfile.TemporaryDirectory(prefix="essaycast-episode-") as scratch:
        cover = None
        if not alone:  # inside a show the episode carries the show's cover, like its build
            from .cover import generate_cover, read_show_image

            cover = Path(scratch) / "cover.jpg"
            cover.write_bytes(
                read_show_image(show)[0] if show.podcast.image
                else generate_cover(show.podcast.title, show.podcast.author)
            )
        renderer = _Renderer(show, None, cover, output_dir=Path(scratch), work_root=Path(scratch))
        renderer.load_music()
        started_at = time.time()
        episode = renderer.render(item, f"urn:essaycast:{essay.slug}", published, essay.episode)
        if alone:  # a show's own cache is pruned by its builds, under their lock
            from .pieces import PieceCache

            PieceCache(show.state_dir / "cache" / "pieces").prune(keep_since=started_at)
        written = []
        # the MP3 last: a reader that sees it also sees its transcripts
        for source in [*episode.transcripts.values(), episode.chapters, episode.audio]:
            suffix = source.split(".", 1)[1] if "." in source else ""
            target = out.with_name(f"{out.stem}.{suffix}") if suffix != "mp3" else out
            with atomic_path(target) as tmp:
                shutil.move(Path(scratch) / source, tmp)
            written.append(target)
    return episode, [written[-1], *written[:-1]]


def write_feed(
    show: Show, episodes: Sequence[Episode], show_guid: str, cover: str | None = None
) -> None:
    """Write feed.xml, then index.html, from the complete episode list, by atomic rename."""
    from .feed import render_feed
    from .site import load_transcripts, render_site

    _require_base_url(show)
    write_atomic(show.output_dir / FEED_NAME, render_feed(show, episodes, show_guid, cover))
    page = render_site(show, episodes, cover, load_transcripts(show.output_dir, episodes))
    write_atomic(show.output_dir / PAGE_NAME, page)


def rewrite_feed(show: Show) -> list[Episode]:
    """`essaycast feed`: feed.xml and index.html again from the manifest; nothing rendered."""
    from .feed import podcast_guid

    _require_base_url(show)
    with show_lock(show.state_dir):
        manifest = Manifest.load(show.output_dir / MANIFEST_NAME)
        show_guid = manifest.show_guid or podcast_guid(show.podcast.feed_url)
        episodes = [e for e in (x.to_episode() for x in manifest.entries.values()) if e]
        cover = publish_cover(show)
        write_feed(show, episodes, show_guid, cover)
        prune_covers(show.output_dir, keep=cover)
    return episodes


def _require_base_url(show: Show) -> None:
    if not show.podcast.base_url:
        raise ConfigError(
            "podcast.base_url: required to publish a feed; set it to where output/ is served, "
            'e.g. "https://you.github.io/show/", or pass --base-url'
        )


class _Renderer:
    """Renders stale essays; owns the voice engines so each model loads once per build."""

    def __init__(
        self,
        show: Show,
        progress: Progress | None,
        cover: Path | None = None,
        output_dir: Path | None = None,
        work_root: Path | None = None,
        force: bool = False,
    ) -> None:
        self.show = show
        self.force = force  # --force: no cached piece is used
        self.output_dir = output_dir or show.output_dir
        self.work_root = work_root or show.state_dir  # where render-* scratch folders go
        self.progress = progress
        self.cover = cover
        self._cover_art: bytes | None = None
        self._cover_lock = threading.Lock()
        self.engines: dict[VoiceSpec, Engine] = {}
        self._engines_lock = threading.Lock()
        self.music: np.ndarray | None = None
        self.outro: np.ndarray | None = None

    def load_music(self) -> None:
        """Decode the intro and outro once per build; a bad file is a ConfigError."""
        from .music import load_music

        self.music = load_music(self.show.music.intro, self.show.root, key="music.intro")
        self.outro = load_music(self.show.music.outro, self.show.root, key="music.outro")

    def engine(self, spec: VoiceSpec) -> Engine:
        """The engine for `spec`, loaded on first use and shared by every job."""
        with self._engines_lock:
            if spec not in self.engines:
                from .speech import ENGINES

                # engines serialise their own native calls (speech.NATIVE_LOCK)
                self.engines[spec] = ENGINES[spec.engine].create(spec)
            return self.engines[spec]

    def cover_art(self) -> bytes | None:
        """The cover for the APIC frame, scaled once per build."""
        with self._cover_lock:  # jobs share it: scale once
            if self._cover_art is None and self.cover is not None:
                self._cover_art = embedded_cover(self.cover)
            return self._cover_art

    def render(
        self, item: PlannedEssay, guid: str, published: datetime, number: int | None
    ) -> Episode:
        from .audio import mix_intro, to_episode_rate
        from .episode import Tags, tag_mp3
        from .pieces import PieceCache, render_episode
        from .speech.cache import SentenceCache, synthesize_cached
        from .text import to_speech_text
        from .transcript import render_chapters, render_srt, render_vtt

        show, essay, spec = self.show, item.essay, item.voice
        speech = to_speech_text(essay, show.lexicon, show.podcast.language)
        sentences = [s.spoken for s in speech.sentences()]
        if not sentences:
            raise EssayError(_relative(show, essay.path), "has no text to read aloud")
        author = essay.author or show.podcast.author
        # "<Show>. <Title>, by <Author>." -- a lone episode has no show to name
        intro_lines = [f"{show.podcast.title}."] if show.podcast.title else []
        intro_lines.append(f"{essay.title}, by {author}." if author else f"{essay.title}.")
        cache = SentenceCache(show.state_dir / "cache" / "sentences")

        def on_sentence(done: int, total: int) -> None:
            if self.progress:
                self.progress("sentence", essay.slug, done, total)

        def voice(indices: list[int]):
            wanted = [sentences[i] for i in indices]
            return synthesize_cached(wanted, spec, cache, lambda: self.engine(spec), on_sentence)

        intro_voice = [
            to_episode_rate(a)
            for a in synthesize_cached(intro_lines, spec, cache, lambda: self.engine(spec))
        ]
        episodes_dir = self.output_dir / EPISODES_DIR
        episodes_dir.mkdir(parents=True, exist_ok=True)
        self.work_root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.work_root, prefix="render-") as work:
            work_dir = Path(work)
            mp3 = work_dir / "episode.mp3"
            # the episode in pieces: only those whose sentences changed are rendered again
            audio = render_episode(
                speech,
                [cache.key(spec, s) for s in sentences],
                voice,
                next(voice([0])),
                intro=mix_intro(self.music, intro_voice),
                outro=self.outro,
                loudness=show.audio.loudness,
                kbps=show.audio.kbps,
                cache=PieceCache(show.state_dir / "cache" / "pieces"),
                work_dir=work_dir,
                out_mp3=mp3,
                force=self.force,
            )
            tag_mp3(
                mp3,
                Tags(essay.title, author, show.podcast.title or essay.title, published,
                     essay.description, number),
                audio.chapters,
                cover=self.cover_art(),
            )
            duration = audio.duration
            size = mp3.stat().st_size
            # Content-addressed names: a changed episode gets new URLs, so the feed
            # on disk never names a file whose bytes changed under it (and apps
            # see new audio as new), even if this build is killed right here.
            digest = hashlib.sha256(mp3.read_bytes()).hexdigest()[:10]
            stem = f"{EPISODES_DIR}/{essay.slug}-{digest}"
            files = {
                f"{stem}.vtt": render_vtt(audio.cues).encode(),
                f"{stem}.srt": render_srt(audio.cues).encode(),
                f"{stem}.chapters.json": render_chapters(audio.chapters, essay.title).encode(),
            }
            for name, data in files.items():
                write_atomic(self.output_dir / name, data)
            with atomic_path(self.output_dir / f"{stem}.mp3") as tmp:
                shutil.move(mp3, tmp)
        return Episode(
            slug=essay.slug,
            guid=guid,
            title=essay.title,
            description=essay.description,
            published=published,
            audio=f"{stem}.mp3",
            size=size,
            duration=duration,
            author=author or show.podcast.title,
            explicit=essay.explicit if essay.explicit is not None else show.podcast.explicit,
            number=number,
            season=essay.season,
            transcripts={"text/vtt": f"{stem}.vtt", "application/x-subrip": f"{stem}.srt"},
            chapters=f"{stem}.chapters.json",
        )


def _read_essays(show: Show, report: BuildReport) -> list[Essay]:
    essays: list[Essay] = []
    seen: dict[str, Path] = {}
    for path in discover_essays(show.essays_dir):
        try:
            essay = read_essay(path)
        except EssayError as exc:
            report.failed.append((_relative(show, path), exc.reason))
            continue
        if essay.draft:
            continue
        if essay.slug in seen:
            report.failed.append((
                _relative(show, path),
                f"slug {essay.slug!r} is already used by {_relative(show, seen[essay.slug])}; "
                "give one of them a different slug in its front matter",
            ))
            continue
        seen[essay.slug] = path
        essays.append(essay)
    return essays


def _plan(
    show: Show,
    essays: list[Essay],
    manifest: Manifest,
    report: BuildReport,
    *,
    voice: str | None,
    force: bool,
    only: Sequence[str],
) -> list[PlannedEssay]:
    """Decide, before any engine exists, which essays need rendering."""
    from .speech import resolve_voice

    music_digests = {
        key: _file_digest(show.root / choice)
        for key, choice in (("intro", show.music.intro), ("outro", show.music.outro))
        if choice not in ("default", "none")
    }
    # the cover is embedded in every MP3 (APIC): new artwork means new files
    cover_digest = _file_digest(show.root / show.podcast.image) if show.podcast.image else None
    # podcast.toml's voice (or --voice) is the show's, not an essay's: a bad one is exit 2
    resolve_voice(show.voice.engine, show.voice.voice, show.voice.speed, voice)
    plan: list[PlannedEssay] = []
    for essay in essays:
        try:
            spec = resolve_voice(
                show.voice.engine, show.voice.voice, show.voice.speed, voice or essay.voice
            )
        except ConfigError as exc:
            if voice:  # a bad --voice is the command line's fault, not the essay's
                raise
            report.failed.append((_relative(show, essay.path), "; ".join(exc.problems)))
            continue
        stamp = fingerprint(
            RENDER_VERSION, essay.digest, spec.engine, spec.voice, spec.speed,
            show.lexicon, show.music.intro, show.music.outro, music_digests,
            show.audio.bitrate, show.audio.loudness, show.podcast.image, cover_digest,
            show.podcast.title, show.podcast.author, show.podcast.language,
        )
        entry = manifest.entries.get(essay.slug)
        if entry is None:
            action = "new"
        elif force or entry.fingerprint != stamp or not _outputs_present(show, entry):
            action = "changed"
        else:
            action = "unchanged"
        if only and essay.slug not in only and action != "new":
            action = "unchanged" if entry and entry.episode else action
        plan.append(PlannedEssay(essay, spec, stamp, action))
    if only:
        unknown = sorted(set(only) - {p.essay.slug for p in plan})
        if unknown:
            raise ConfigError(f"--only: no essay has the slug {', '.join(unknown)}",
                              source="command line")
        plan = [p for p in plan if p.essay.slug in only or p.action == "unchanged"]
    return plan


def _outputs_present(show: Show, entry: Entry) -> bool:
    episode = entry.to_episode()
    if episode is None:
        return False
    mp3 = show.output_dir / episode.audio
    return mp3.is_file() and mp3.stat().st_size == episode.size


def _failed_slugs(manifest: Manifest, report: BuildReport) -> set[str]:
    """Slugs whose essay failed this time: their published episode stays."""
    failed_sources = {path for path, _ in report.failed}
    return {slug for slug, e in manifest.entries.items() if e.source in failed_sources}


def _collect_garbage(show: Show, manifest: Manifest) -> None:
    """Delete episode files no manifest entry names: old versions, removed essays,
    and temporary files a killed build left behind."""
    keep: set[str] = set()
    for entry in manifest.entries.values():
        episode = entry.to_episode()
        if episode:
            keep.update([episode.audio, *episode.transcripts.values()])
            if episode.chapters:
                keep.add(episode.chapters)
    episodes_dir = show.output_dir / EPISODES_DIR
    if not episodes_dir.is_dir():
        return
    for path in episodes_dir.iterdir():
        if path.is_file() and f"{EPISODES_DIR}/{path.name}" not in keep:
            path.unlink(missing_ok=True)


def _episode_numbers(
    stale: list[tuple[Essay, Entry, datetime]], manifest: Manifest
) -> dict[str, int]:
    """itunes:episode for each essay about to render: front matter wins; a number
    once given is kept; a new episode gets the next free one, in date order."""
    numbers: dict[str, int] = {}
    def kept(entry: Entry) -> int | None:  # older manifests kept it in the record only
        return entry.number or (entry.episode or {}).get("number")

    taken = {n for n in map(kept, manifest.entries.values()) if n}
    new = []
    for essay, entry, published in stale:
        if essay.episode:
            numbers[essay.slug] = essay.episode
        elif kept(entry):
            numbers[essay.slug] = kept(entry)
        else:
            new.append((published, essay.slug))
    taken |= set(numbers.values())
    for _, slug in sorted(new):
        number = max(taken, default=0) + 1
        numbers[slug] = number
        taken.add(number)
    return numbers


def _publication_date(essay: Essay, entry: Entry, built_at: datetime) -> datetime:
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


def _episode_guid(show_guid: str, slug: str) -> str:
    """Stable forever for a slug: the file may be renamed, the GUID stays."""
    return f"urn:uuid:{uuid.uuid5(uuid.UUID(show_guid), slug)}"


def _build_time() -> datetime:
    """Now, or SOURCE_DATE_EPOCH for reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return datetime.now(tz=UTC).replace(microsecond=0)


def _file_digest(path: Path) -> str:
    from hashlib import sha256

    try:
        return sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "missing"


def _relative(show: Show, path: Path) -> str:
    try:
        return str(path.resolve().relative_to(show.root))
    except ValueError:
        return str(path)


def _reason(exc: EssaycastError) -> str:
    return exc.reason if isinstance(exc, EssayError) else exc.format_message()
