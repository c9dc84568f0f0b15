"""What long work shows while it runs, and the summary it ends with (the CLI's display).

The library never prints: `build`, `check` and `import` call back with model's
BuildEvent, CheckEvent and ImportEvent, and the watchers here turn those into
text. How depends on where it goes (`display_mode`):

- "live": a person at a terminal (stderr is a TTY, not CI, not -q/--json): one
  frame redrawn in place at most ten times a second (plus once on each essay
  started or finished, so short work still moves), with plain ANSI: cursor up,
  erase below, one write per frame, so nothing flickers. Lines that stay (an
  essay finished, a log warning) are written above it.
- "lines": CI and pipes: no control characters at all, one line per essay when
  it finishes, for a GitHub Actions log.
- "silent": -q and --json; the watcher still collects figures for the summary.

Plain click and ANSI rather than rich: rich is not a runtime dependency, and a
frame of a few lines needs only cursor-up and erase-below.

The estimate of the time left is audio-seconds made per second so far, against
the audio still to make, which is estimated from the words of the essays not
yet finished at scale.shard's WORDS_PER_MINUTE (a measured reading speed); the
share of an essay in flight is the share of its sentences spoken, or, where
the voice has nothing to say, of its pieces levelled and encoded.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .model import BuildEvent, BuildReport, CheckEvent, ImportEvent
from .scale.shard import WORDS_PER_MINUTE

if TYPE_CHECKING:
    from .config import Show

Clock = Callable[[], float]
FRAME_INTERVAL = 0.1  # seconds between redraws at most: ten a second
TICK = 1.0  # redraw this often without news, so the clock and the estimate move
SETTLE_SECONDS = 1.0  # no estimate before this much time and some audio made


def display_mode(quiet: bool, as_json: bool) -> str:
    """ "live" for a person at a terminal, "lines" in CI and when piped, "silent" for -q/--json."""
    if quiet or as_json:
        return "silent"
    terminal = sys.stderr.isatty() and os.environ.get("TERM") != "dumb"
    return "live" if terminal and not os.environ.get("CI") else "lines"


def clock_text(seconds: float) -> str:
    """M:SS or H:MM:SS, for times left and taken.

    >>> clock_text(65.4), clock_text(3725)
    ('1:05', '1:02:05')
    """
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def minutes_text(seconds: float) -> str:
    """Audio length in minutes, one decimal: '5.2 min'."""
    return f"{seconds / 60:.1f} min"


def speed_text(audio_seconds: float, seconds: float) -> str:
    """How many times faster than real time: '31.8x real time' ('' if nothing was timed)."""
    if seconds <= 0 or audio_seconds <= 0:
        return ""
    ratio = audio_seconds / seconds
    return f"{ratio:.1f}x real time" if ratio < 100 else f"{ratio:.0f}x real time"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


# -- the display: a frame redrawn in place, lines written above it ------------------------------


class _Display:
    """A frame of lines on stderr, redrawn in place ("live"), with lines that stay above it."""

    def __init__(self, mode: str, clock: Clock = time.monotonic) -> None:
        self.mode = mode
        self.clock = clock
        self.lock = threading.RLock()
        self._drawn = 0  # lines of the frame on screen now
        self._shown = ""  # the frame on screen now
        self._last_draw = float("-inf")
        self._dirty = False
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self._handlers: list[logging.Handler] = []

    # what each watcher shows
    def frame(self) -> list[str]:
        """The live frame's lines, now."""
        raise NotImplementedError

    def __enter__(self) -> _Display:
        if self.mode == "live":
            self._ticker = threading.Thread(target=self._tick, daemon=True)
            self._ticker.start()
            self._capture_logging()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop redrawing; the last frame (the totals) stays on screen above what follows."""
        if self._ticker is not None:
            self._stop.set()
            self._ticker.join()
            self._ticker = None
            self._release_logging()
            with self.lock:
                if self._drawn:
                    self._draw(force=True)
                    click.echo("", err=True)  # what follows starts on a line of its own
                    self._drawn = 0

    def line(self, text: str, *, err: bool = True) -> None:
        """A line that stays: above the frame when live, as it is when piped."""
        if self.mode == "silent":
            return
        with self.lock:
            if self.mode == "live" and self._drawn:
                self._erase()
                self._drawn = 0
                click.echo(text, err=err)
                if not err:
                    sys.stdout.flush()
                self._draw(force=True)
            else:
                click.echo(text, err=err)

    def changed(self, *, now: bool = False) -> None:
        """The figures moved: redraw (at most ten times a second unless `now`)."""
        if self.mode == "live":
            with self.lock:
                self._draw(force=now)

    def _draw(self, force: bool = False) -> None:
        at = self.clock()
        if not force and at - self._last_draw < FRAME_INTERVAL:
            self._dirty = True
            return
        width = _terminal_width()
        text = "\n".join(line[: width - 1] for line in self.frame())
        if self._drawn and text == self._shown:
            self._dirty = False
            return  # nothing moved: no write at all
        # one write: back to the frame's first line, erase to the end, the new frame
        click.echo(self._erase_codes() + text, err=True, nl=False)
        self._drawn = text.count("\n") + 1
        self._shown = text
        self._last_draw = at
        self._dirty = False

    def _erase_codes(self) -> str:
        up = f"\033[{self._drawn - 1}A" if self._drawn > 1 else ""
        return "\r" + up + "\033[J" if self._drawn else "\r\033[K"

    def _erase(self) -> None:
        click.echo(self._erase_codes(), err=True, nl=False)

    def _tick(self) -> None:
        while not self._stop.wait(FRAME_INTERVAL):
            with self.lock:
                # nothing until the first news: no empty frame while the work is planned
                if self._dirty or (self._drawn and self.clock() - self._last_draw >= TICK):
                    self._draw(force=True)

    def _capture_logging(self) -> None:
        """While the frame is up, warnings are written above it, not through it."""
        root = logging.getLogger()
        self._handlers = list(root.handlers)
        above = _AboveFrame(self)
        if self._handlers:
            above.setFormatter(self._handlers[0].formatter)
            above.setLevel(self._handlers[0].level)
        root.handlers = [above]

    def _release_logging(self) -> None:
        logging.getLogger().handlers = self._handlers


class _AboveFrame(logging.Handler):
    def __init__(self, display: _Display) -> None:
        super().__init__()
        self.display = display

    def emit(self, record: logging.LogRecord) -> None:
        self.display.line(self.format(record))


def _terminal_width() -> int:
    try:
        return os.get_terminal_size(sys.stderr.fileno()).columns or 80
    except (OSError, ValueError, AttributeError):
        return 80


# -- the build ----------------------------------------------------------------------------------


@dataclass
class EssayFigures:
    """One essay's render as the events told it."""

    slug: str
    words: int = 0
    sentences: int = 0
    cached: int = 0
    spoken: int = 0
    spoken_seconds: float = 0.0  # audio of the sentences spoken so far
    step: str = ""  # the pieces' pass under way: "levelled" or "encoded"
    pieces_done: int = 0
    pieces_total: int = 0
    levelled: float = 0.0  # share of its pieces levelled, of the pass that went furthest
    encoded: float = 0.0
    state: str = "running"  # running | done | failed
    audio_seconds: float = 0.0  # the episode's length, once done
    seconds: float = 0.0  # wall time, once done or failed
    error: str = ""

    @property
    def expected_seconds(self) -> float:
        """Its audio, judged from its words before it is made."""
        return self.words / WORDS_PER_MINUTE * 60

    def share_done(self) -> float:
        """How far it is, 0 to 1: the share of its sentences spoken (the voice is most of a
        cold render), or, with nothing to speak, of its pieces levelled and encoded."""
        if self.state != "running":
            return 1.0
        to_speak = self.sentences - self.cached
        if to_speak > 0:
            share = 0.95 * min(self.spoken / to_speak, 1.0) + 0.05 * self.encoded
        else:
            share = (self.levelled + self.encoded) / 2
        return min(share, 0.99)

    def line(self) -> str:
        """Its line when it finishes, as a CI log shows it."""
        if self.state == "failed":
            return f"{self.slug}: failed after {self.seconds:.1f} s"
        figures = [
            f"{minutes_text(self.audio_seconds)} of audio",
            f"{_plural(self.sentences, 'sentence')} ({self.spoken} spoken, "
            f"{self.sentences - self.spoken} cached)",
            f"{self.seconds:.1f} s",
        ]
        speed = speed_text(self.audio_seconds, self.seconds)
        return f"{self.slug}: " + ", ".join(figures + ([speed] if speed else []))

    def status(self) -> str:
        """Its line in the live frame while it renders."""
        done = self.cached + self.spoken
        text = f"  {self.slug}: {done}/{self.sentences} sentences"
        if self.sentences:
            text += f" ({self.spoken} spoken, {self.cached} cached)"
        if self.step:
            verb = "levelling" if self.step == "levelled" else "encoding"
            text += f", {verb} piece {self.pieces_done}/{self.pieces_total}"
        return text


class BuildWatch(_Display):
    """Watches a build's events: the live frame, a line per essay, the figures for the end."""

    def __init__(self, mode: str, clock: Clock = time.monotonic) -> None:
        super().__init__(mode, clock)
        self.essays: dict[str, EssayFigures] = {}
        self.total_essays = 0
        self.total_words = 0
        self.started: float | None = None

    def __call__(self, event: BuildEvent) -> None:
        with self.lock:
            now = self._take(event)
            self.changed(now=now)

    def _take(self, event: BuildEvent) -> bool:
        """Fold one event into the figures; whether the frame must show it at once."""
        kind = event.kind
        if kind == "start":
            self.total_essays += event.essays
            self.total_words += event.words
            if self.started is None:
                self.started = self.clock()
            return True
        essay = self.essays.setdefault(event.slug, EssayFigures(event.slug))
        if kind == "essay":
            essay.words, essay.sentences, essay.cached = event.words, event.sentences, event.cached
            return True
        if kind == "sentence":
            essay.spoken = event.spoken
            essay.spoken_seconds += event.audio_seconds
        elif kind in ("levelled", "encoded"):
            essay.step, essay.pieces_done, essay.pieces_total = (
                kind,
                event.pieces_done,
                event.pieces_total,
            )
            share = event.pieces_done / event.pieces_total if event.pieces_total else 1.0
            if kind == "levelled":
                essay.levelled = max(essay.levelled, share)
            else:
                essay.encoded = max(essay.encoded, share)
        elif kind in ("done", "failed"):
            essay.state, essay.seconds, essay.error = kind, event.seconds, event.error
            essay.audio_seconds = event.audio_seconds
            self.line(essay.line())
            return True
        return False

    # the figures

    def finished(self) -> list[EssayFigures]:
        return [e for e in self.essays.values() if e.state != "running"]

    def running(self) -> list[EssayFigures]:
        return [e for e in self.essays.values() if e.state == "running"]

    def audio_made(self) -> float:
        """Seconds of audio made: the episodes finished and the sentences spoken in flight."""
        return sum(
            e.audio_seconds if e.state == "done" else e.spoken_seconds for e in self.essays.values()
        )

    def seconds_left(self) -> float | None:
        """The time left: audio still to make over audio made a second so far (None: too soon)."""
        if self.started is None:
            return None
        elapsed = self.clock() - self.started
        made = left = 0.0
        words_started = 0
        for essay in self.essays.values():
            words_started += essay.words
            if essay.state == "done":
                made += essay.audio_seconds
            elif essay.state == "running":
                share = essay.share_done()
                made += share * essay.expected_seconds
                left += (1 - share) * essay.expected_seconds
        left += max(0, self.total_words - words_started) / WORDS_PER_MINUTE * 60
        if elapsed < SETTLE_SECONDS or made <= 0:
            return None
        return left / (made / elapsed)

    def frame(self) -> list[str]:
        finished = len(self.finished())
        spoken = sum(e.spoken for e in self.essays.values())
        cached = sum(
            e.cached if e.state == "running" else e.sentences - e.spoken
            for e in self.essays.values()
        )
        elapsed = self.clock() - self.started if self.started is not None else 0.0
        left = self.seconds_left()
        # the time first: a narrow terminal cuts the end of the line, not the estimate
        if finished == self.total_essays and self.total_essays:
            when = f"done in {clock_text(elapsed)}"
        elif left is None:
            when = f"{clock_text(elapsed)}, estimating"
        else:
            when = f"{clock_text(elapsed)}, about {clock_text(left)} left"
        parts = [
            when,
            f"{finished}/{self.total_essays} essays",
            f"{spoken} sentences spoken, {cached} cached",
            f"{minutes_text(self.audio_made())} of audio",
        ]
        return [" | ".join(parts), *(e.status() for e in self.running())]


def built_audio(report: BuildReport, watch: BuildWatch | None = None) -> float:
    """Seconds of audio in the episodes this build made (what the feed lists, else the events)."""
    lengths = {e.slug: e.duration for e in report.episodes}
    if watch is not None:
        lengths.update({e.slug: e.audio_seconds for e in watch.finished() if e.state == "done"})
    return sum(lengths.get(slug, 0.0) for slug in report.built)


def build_summary(report: BuildReport, show: Show, watch: BuildWatch | None = None) -> list[str]:
    """The end of a build: counts, audio, time and speed; then where the feed is."""
    head = report.summary()
    audio = built_audio(report, watch)
    if audio and not report.dry_run:
        speed = speed_text(audio, report.seconds)
        head += f": {minutes_text(audio)} of audio" + (f", {speed}" if speed else "")
    lines = [head]
    if report.dry_run:
        return lines
    if report.shard is not None:
        lines.append("The feed is written by `essaycast publish` once every shard is merged.")
        return lines
    lines.append(f"Feed: {_shown(show.output_dir / 'feed.xml')}, published at {feed_url(show)}")
    return lines


def feed_url(show: Show) -> str:
    return show.podcast.feed_url


def _shown(path: Path) -> str:
    """A path as short as it reads: relative to here when it is under here."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def renders_json(watch: BuildWatch | None) -> list[dict[str, Any]]:
    """Each essay rendered by this process (and its --jobs children), for --json."""
    if watch is None:
        return []
    return [
        {
            "slug": e.slug,
            "ok": e.state == "done",
            "audio_seconds": round(e.audio_seconds, 2),
            "sentences": e.sentences,
            "spoken": e.spoken,
            "cached": e.sentences - e.spoken if e.state == "done" else e.cached,
            "seconds": round(e.seconds, 2),
        }
        for e in sorted(watch.finished(), key=lambda e: e.slug)
    ]


# -- check --------------------------------------------------------------------------------------


class CheckWatch(_Display):
    """Watches `essaycast check`: episodes and minutes heard, the episode being heard."""

    def __init__(self, mode: str, clock: Clock = time.monotonic) -> None:
        super().__init__(mode, clock)
        self.total_episodes = 0
        self.total_audio = 0.0
        self.checked = 0
        self.heard_audio = 0.0  # of the episodes finished
        self.current: CheckEvent | None = None  # the episode under way
        self.current_heard = (0, 0)  # its sentences heard, of
        self.current_started = 0.0
        self.started: float | None = None

    def __call__(self, event: CheckEvent) -> None:
        with self.lock:
            self._take(event)
            self.changed(now=event.kind != "heard")

    def _take(self, event: CheckEvent) -> None:
        if event.kind == "start":
            self.total_episodes, self.total_audio = event.episodes, event.audio_seconds
            self.started = self.clock()
        elif event.kind == "episode":
            self.current, self.current_heard = event, (0, 0)
            self.current_started = self.clock()
        elif event.kind == "heard":
            self.current_heard = (event.done, event.total)
        elif event.kind == "done":
            self.checked += 1
            self.heard_audio += event.audio_seconds
            self.current = None
            took = self.clock() - self.current_started
            how = "from the cache" if event.cached else f"in {took:.1f} s"
            self.line(f"{event.slug}: {minutes_text(event.audio_seconds)} heard {how}")

    def minutes_heard(self) -> float:
        """Seconds of audio heard: the episodes finished and the share of the one under way."""
        heard = self.heard_audio
        done, total = self.current_heard
        if self.current is not None and total:
            heard += self.current.audio_seconds * done / total
        return heard

    def frame(self) -> list[str]:
        heard = self.minutes_heard()
        elapsed = self.clock() - self.started if self.started is not None else 0.0
        if self.checked == self.total_episodes:
            when = f"done in {clock_text(elapsed)}"
        elif elapsed >= SETTLE_SECONDS and heard > 0:
            left = (self.total_audio - heard) / (heard / elapsed)
            when = f"{clock_text(elapsed)}, about {clock_text(left)} left"
        else:
            when = f"{clock_text(elapsed)}, estimating"
        parts = [
            when,
            f"{self.checked}/{self.total_episodes} episodes checked",
            f"{heard / 60:.1f} of {self.total_audio / 60:.1f} min heard",
        ]
        lines = [" | ".join(parts)]
        if self.current is not None:
            done, total = self.current_heard
            lines.append(
                f"  {self.current.slug}: heard {done}/{total} sentences"
                if total
                else f"  {self.current.slug}: measuring"
            )
        return lines


# -- import -------------------------------------------------------------------------------------

_WRITTEN = ("new", "updated", "would-write", "would-update")
_SKIPPED = ("unchanged", "changed", "edited")


class ImportWatch(_Display):
    """Watches `essaycast import`: posts read of all, to write, skipped, failed; a line each."""

    def __init__(self, mode: str, *, verbose: bool = False, clock: Clock = time.monotonic) -> None:
        super().__init__(mode, clock)
        self.verbose = verbose
        self.total = 0
        self.read = 0
        self.counts = {"written": 0, "skipped": 0, "failed": 0}

    def __call__(self, event: ImportEvent) -> None:
        with self.lock:
            if event.kind == "start":
                self.total = event.total
            elif event.kind == "post":
                self.read = event.done
                if event.action == "failed":
                    self.counts["failed"] += 1
                    self.error(f"Error: {event.line}")
                else:
                    self.counts["written" if event.action in _WRITTEN else "skipped"] += 1
                    if event.action not in ("unchanged",) or self.verbose:
                        self.line(event.line, err=False)
            self.changed(now=True)

    def error(self, text: str) -> None:
        """An error line: printed even with -q."""
        if self.mode == "silent":
            click.echo(text, err=True)
        else:
            self.line(text)

    def frame(self) -> list[str]:
        c = self.counts
        text = (
            f"{self.read}/{self.total} posts read: {c['written']} to write, {c['skipped']} skipped"
        )
        return [text + (f", {c['failed']} failed" if c["failed"] else "")]


# -- GitHub Actions job summary -------------------------------------------------------------------


def job_summary_path() -> Path | None:
    """$GITHUB_STEP_SUMMARY, the file GitHub Actions shows on the run's page, if set."""
    name = os.environ.get("GITHUB_STEP_SUMMARY")
    return Path(name) if name else None


def append_job_summary(markdown: str) -> None:
    """Append to the job summary (GitHub Actions keeps what every step appends)."""
    path = job_summary_path()
    if path is None:
        return
    try:
        with open(path, "a", encoding="utf-8") as summary:
            summary.write(markdown.rstrip("\n") + "\n\n")
    except OSError as exc:  # a summary is a courtesy: never the build's failure
        logging.getLogger(__name__).warning(
            "%s: could not write the job summary: %s", path, exc.strerror
        )


def _cell(text: object) -> str:
    """Text for a Markdown table cell: pipes escaped, on one line."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def build_job_summary(
    report: BuildReport, show: Show, watch: BuildWatch | None, command: str = "build"
) -> str:
    """The build (or publish) as Markdown: its totals, an episode table, failures, the feed."""
    lines = [f"### essaycast {command}", "", build_summary(report, show, watch)[0], ""]
    renders = {e.slug: e for e in watch.finished()} if watch is not None else {}
    lengths = {e.slug: e.duration for e in report.episodes}
    if report.built:
        lines += [
            "| Episode | Audio | Sentences | Spoken | Cached | Time | Speed |",
            "|---|--:|--:|--:|--:|--:|--:|",
        ]
        for slug in report.built:
            figures = renders.get(slug)
            audio = figures.audio_seconds if figures else lengths.get(slug, 0.0)
            if figures is None:
                lines.append(f"| {_cell(slug)} | {minutes_text(audio)} | | | | | |")
                continue
            speed = speed_text(audio, figures.seconds).replace(" real time", "")
            lines.append(
                f"| {_cell(slug)} | {minutes_text(audio)} | {figures.sentences} | "
                f"{figures.spoken} | {figures.sentences - figures.spoken} | "
                f"{figures.seconds:.1f} s | {speed} |"
            )
        lines.append("")
    if report.failed:
        lines += ["**Failed**", ""]
        lines += [f"- `{_cell(path)}`: {_cell(reason)}" for path, reason in report.failed]
        lines.append("")
    if not report.dry_run and report.shard is None:
        lines.append(f"Feed: <{feed_url(show)}>")
    return "\n".join(lines)


def check_job_summary(report: Any) -> str:
    """`essaycast check` as Markdown: an episode table with its verdict, and the total."""
    lines = ["### essaycast check", "", report.lines()[-1], ""]
    lines += [
        "| Episode | Audio | WER | Loudness | True peak | Verdict |",
        "|---|--:|--:|--:|--:|---|",
    ]
    for episode in report.episodes:
        f = episode.figures
        wer = "" if episode.wer is None else f"{episode.wer:.1f} %"
        problems = episode.problems(report.max_wer)
        verdict = "far off: " + "; ".join(problems) if problems else "ready"
        lines.append(
            f"| {_cell(episode.slug)} | {minutes_text(f.duration)} | {wer} | "
            f"{f.loudness:.1f} LUFS | {f.true_peak:.1f} dBTP | {_cell(verdict)} |"
        )
    return "\n".join(lines)
