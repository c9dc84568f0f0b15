"""The dataclasses that cross stage borders.

essays ──read──> Essay ──speak──> SpeechText ──synthesize──> SentenceAudio*
       ──lay out, level, encode, splice──> MP3 + Cue* + ChapterMark* ──tag──> Episode
       ──publish──> feed, site

(audio.layout, audio.pieces, render.py, publish/; the MP3 is measured as heard
from its pieces' figures before it is tagged.)

Every one is frozen: a stage returns a new value, it never edits the one it got.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

# -- essays ------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """A narrator's choices for text written for the eye (podcast.toml [essays])."""

    links: str = "site"  # a bare URL: "site" says its site ("example.org"), "drop" says nothing
    tables: str = "read"  # "read": row by row, the header as labels; "skip": announced, not read
    maths: str = "announce"  # display maths: "announce" says a formula is shown; "read" reads it


@dataclass(frozen=True)
class Essay:
    """One essay as read from disk: its words and what its front matter says."""

    path: Path  # the source file
    slug: str  # URL-safe ASCII name: episodes/<slug>-<hash>.mp3
    title: str
    # the text after the front matter, with site-generator syntax (Liquid, shortcodes, MDX,
    # wikilinks) already turned into plain Markdown by text/templates.py
    body: str
    markup: str  # "markdown" or "text"
    description: str  # plain text, for the feed and the page
    digest: str  # sha256 of the file's bytes: what the manifest fingerprints
    date: datetime | None = None  # from front matter (tz-aware); None: git or first build
    author: str | None = None
    episode: int | None = None
    season: int | None = None
    explicit: bool | None = None
    voice: str | None = None  # "engine:voice", "voice" or a path to an .onnx
    image: str | None = None  # per-episode artwork: a path or URL as the front matter gives it
    draft: bool = False  # not to be published: a draft, `published: false`, expired, opted out
    skip_reason: str = ""  # why it is not published, for reports ("draft: true")
    updated: datetime | None = None  # lastmod / updated, tz-aware
    tags: tuple[str, ...] = ()  # tags and categories, as written
    unknown_keys: tuple[str, ...] = ()  # front matter keys essaycast does not use (the site's)
    reading: Reading = field(default_factory=Reading)
    # an imported post (essaycast import): its original page, and the feed's id for it
    canonical: str | None = None  # absolute http(s) URL; the feed item's <link>
    source_id: str | None = None


# -- speech text -------------------------------------------------------------


@dataclass(frozen=True)
class Sentence:
    """The unit of synthesis, caching and transcript timing."""

    spoken: str  # what the voice is given (normalised, lexicon applied)
    written: str  # what the essay says, for the transcript
    # written text the voice cannot speak (another script): in `written`, not in `spoken`;
    # `essaycast script` marks it so the writer can add a respelling to [lexicon]
    skipped: tuple[str, ...] = ()


@dataclass(frozen=True)
class Paragraph:
    sentences: tuple[Sentence, ...]


@dataclass(frozen=True)
class Chapter:
    """A stretch of the essay under one heading ("" for the untitled opening)."""

    title: str
    paragraphs: tuple[Paragraph, ...]


@dataclass(frozen=True)
class SpeechText:
    """What the narrator will say, in chapters, paragraphs and sentences."""

    chapters: tuple[Chapter, ...]

    def sentences(self) -> Iterator[Sentence]:
        for chapter in self.chapters:
            for paragraph in chapter.paragraphs:
                yield from paragraph.sentences


# -- speech ------------------------------------------------------------------


@dataclass(frozen=True)
class VoiceSpec:
    """Which engine speaks, with which voice and settings; part of every cache key."""

    engine: str
    voice: str
    speed: float = 1.0

    @property
    def label(self) -> str:
        return f"{self.engine}:{self.voice}"


@dataclass(frozen=True)
class SentenceAudio:
    """One sentence spoken: 16-bit signed little-endian mono PCM."""

    text: str
    pcm: bytes
    sample_rate: int
    words: tuple[Word, ...] = ()

    @property
    def duration(self) -> float:
        return len(self.pcm) / 2 / self.sample_rate


# -- episode -----------------------------------------------------------------

EPISODES_DIR = "episodes"  # under output/: every episode's MP3, transcripts and chapters


@dataclass(frozen=True)
class Word:
    """One word's place in the episode (or in its sentence, inside SentenceAudio), as the
    voice timed it."""

    start: float  # seconds
    end: float
    text: str  # as written, with the punctuation that clings to it


@dataclass(frozen=True)
class Cue:
    """A sentence's place in the finished episode, for VTT, SRT and the JSON transcript."""

    start: float
    end: float
    text: str
    # the sentence's words in order, inside [start, end]; empty when the voice gave none
    # (then the JSON transcript and the player time whole sentences)
    words: tuple[Word, ...] = ()
    speaker: str | None = None  # None: the episode's author


@dataclass(frozen=True)
class ChapterMark:
    start: float
    end: float
    title: str


@dataclass(frozen=True)
class Identity:
    """What an episode keeps forever once published (manifest.identities decides it)."""

    guid: str
    published: datetime  # tz-aware
    number: int | None = None  # itunes:episode


@dataclass(frozen=True)
class Episode:
    """A published episode: everything the feed and the page need to know."""

    slug: str
    guid: str
    title: str
    description: str
    published: datetime  # tz-aware
    audio: str  # path under output/, e.g. "episodes/<slug>-<hash>.mp3"
    size: int  # bytes of the final, tagged MP3
    duration: float  # seconds
    author: str
    explicit: bool
    number: int | None = None
    season: int | None = None
    transcripts: dict[str, str] = field(default_factory=dict)  # mime type -> path under output/
    chapters: str | None = None  # path under output/ of the JSON chapters
    link: str | None = None  # the original post (an essay's canonical); else the show's page

    @property
    def files(self) -> list[str]:
        """Every file under output/ this episode publishes: the MP3 first, then its texts."""
        return [self.audio, *self.transcripts.values(), *([self.chapters] if self.chapters else [])]


@dataclass(frozen=True)
class Shard:
    """Shard `index` of `count`, both counted from 1 as in a CI matrix."""

    index: int
    count: int

    @property
    def label(self) -> str:
        return f"{self.index}/{self.count}"

    @property
    def record_name(self) -> str:
        return f"shard-{self.index}-of-{self.count}.json"


# -- the build -----------------------------------------------------------------


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
    notes: list[str] = field(default_factory=list)  # restore and shard lines for the CLI
    shard: Shard | None = None  # a `build --shard K/N`

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
        where = f" for shard {self.shard.label}" if self.shard else ""
        return f"{verb} {count} {noun}{where} ({', '.join(parts)}) in {self.seconds:.1f} s"


# -- progress: what long work tells whoever watches it (the CLI's display) --------
# The library never prints: it calls a callback with these, from any thread.


@dataclass(frozen=True)
class BuildEvent:
    """One step of a build.

    kind: "start" (a share of `essays` essays, of `words` words, begins rendering);
    "essay" (one begins: its `sentences`, how many are `cached`, its `words`);
    "sentence" (one newly spoken: the `spoken`-th of this essay, `audio_seconds` long);
    "levelled" / "encoded" (piece `pieces_done` of `pieces_total` of this pass);
    "done" (`audio_seconds`: the episode's length; `seconds`: the essay's wall time);
    "failed" (`error`: why; `seconds`).
    """

    kind: str
    slug: str = ""
    essays: int = 0
    words: int = 0
    sentences: int = 0
    cached: int = 0
    spoken: int = 0
    audio_seconds: float = 0.0
    pieces_done: int = 0
    pieces_total: int = 0
    seconds: float = 0.0
    error: str = ""


@dataclass(frozen=True)
class CheckEvent:
    """One step of `essaycast check`.

    kind: "start" (`episodes` episodes, `audio_seconds` long in all); "episode" (one
    begins, `audio_seconds` long); "heard" (sentence `done` of `total`); "done" (it is
    checked; `cached`: the cache answered).
    """

    kind: str
    slug: str = ""
    episodes: int = 0
    audio_seconds: float = 0.0
    done: int = 0
    total: int = 0
    cached: bool = False


@dataclass(frozen=True)
class ImportEvent:
    """One step of `essaycast import`.

    kind: "start" (`total` posts to read); "post" (the `done`-th is read: its `action`,
    as follow.importer.ItemResult says, and `line`, its line for the report).
    """

    kind: str
    done: int = 0
    total: int = 0
    action: str = ""
    line: str = ""


BuildProgress = Callable[[BuildEvent], None]
CheckProgress = Callable[[CheckEvent], None]
ImportProgress = Callable[[ImportEvent], None]
