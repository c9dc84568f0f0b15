"""What `essaycast check` found, and the report as printed or dumped as JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..audio.loudness import TOLERANCE_LU as LOUDNESS_TOLERANCE
from ..audio.loudness import TRUE_PEAK_MAX as MAX_TRUE_PEAK
from .words import ear_words, same_sound, sound_key

# SPEC section 5: loudness within LOUDNESS_TOLERANCE of the target, true peak at or
# under MAX_TRUE_PEAK (both audio.loudness's), the essay starting within 1.0 s of the
# intro's last sound.
MAX_INTRO_GAP = 1.0
# The longest pause essaycast writes is a chapter break (1.8 s, audio.layout.Pacing); a
# silence much longer than that is a sentence the voice left out.
MAX_SILENCE = 3.0


@dataclass(frozen=True)
class Doubt:
    """A sentence where what was heard differs from what was written."""

    start: float  # seconds into the episode: ffplay -ss START
    end: float
    text: str  # the sentence as written
    expected: tuple[str, ...]  # the words that were not heard
    heard: tuple[str, ...]  # what was heard in their place
    errors: int  # word errors in this sentence
    respelled: bool  # the lexicon changes a word of this sentence


@dataclass(frozen=True)
class AudioFigures:
    """What the final MP3 measures, against SPEC section 5."""

    loudness: float  # integrated LUFS as heard (ebur128 dualmono=true)
    true_peak: float  # dBTP
    longest_silence: float  # seconds
    silence_at: float  # where it starts
    intro_gap: float | None  # silence just before the essay's first sentence
    clipped: int  # runs of samples at full scale
    duration: float

    def problems(self, target: float) -> list[str]:
        """Each target this episode misses, as a short phrase."""
        found = []
        if abs(self.loudness - target) > LOUDNESS_TOLERANCE:
            found.append(f"loudness {self.loudness:.1f} LUFS (target {target:g} ±1)")
        if self.true_peak > MAX_TRUE_PEAK:
            found.append(f"true peak {self.true_peak:.1f} dBTP (max {MAX_TRUE_PEAK:g})")
        if self.clipped:
            found.append(f"{self.clipped} clipped peaks")
        if self.intro_gap is not None and self.intro_gap > MAX_INTRO_GAP:
            found.append(f"{self.intro_gap:.1f} s of dead air before the essay (max 1.0)")
        if self.longest_silence > MAX_SILENCE:
            found.append(
                f"{self.longest_silence:.1f} s of silence at {clock(self.silence_at)} "
                f"(max {MAX_SILENCE:g})"
            )
        return found


@dataclass
class EpisodeCheck:
    """One episode: its audio figures and, in English, what the recogniser heard."""

    slug: str
    title: str
    audio: str  # path under output/
    figures: AudioFigures
    target: float  # the show's loudness target
    words_note: str | None = None  # why words were not checked, if they were not
    sentences: int = 0
    words: int = 0
    errors: int = 0
    doubts: list[Doubt] = field(default_factory=list)
    unplaced: int = 0  # sentences of the essay not found in the episode's transcript
    note_own: bool = False  # words_note is this episode's own, not the show's
    misses: list[tuple[str, str, float]] = field(default_factory=list)  # (word, heard, start)
    # files not as the build left them (a swapped MP3, a lost transcript): never "ready"
    damage: list[str] = field(default_factory=list)

    @property
    def wer(self) -> float | None:
        """Word error rate in percent, or None when words were not checked."""
        if self.words_note is not None or not self.words:
            return None
        return 100.0 * self.errors / self.words

    def problems(self, max_wer: float) -> list[str]:
        found = self.figures.problems(self.target)
        if self.wer is not None and self.wer > max_wer:
            found.insert(0, f"WER {self.wer:.1f} % (max {max_wer:g} %)")
        return [*self.damage, *found]

    def summary(self, max_wer: float) -> str:
        f = self.figures
        parts = []
        if self.wer is not None:
            parts.append(
                f"{self.sentences} sentences, {self.words} words, WER {self.wer:.1f} %"
                f" ({len(self.doubts)} doubtful)"
            )
        parts.append(f"{f.loudness:.1f} LUFS, {f.true_peak:.1f} dBTP")
        parts.append(f"longest silence {f.longest_silence:.1f} s at {clock(f.silence_at)}")
        if f.intro_gap is not None:
            parts.append(f"intro gap {f.intro_gap:.1f} s")
        parts.append(f"{f.clipped} clipped" if f.clipped else "no clipping")
        problems = self.problems(max_wer)
        verdict = "far off: " + "; ".join(problems) if problems else "ready"
        return f"{self.slug}: " + ", ".join(parts) + f" -- {verdict}"


@dataclass(frozen=True)
class Advice:
    """A word misheard in several places, and a lexicon line to try."""

    word: str
    places: int
    heard: str  # what it was most often heard as
    entry: str | None  # its respelling in [lexicon] now, if any
    suggestion: str  # a respelling to try

    def lines(self) -> list[str]:
        now = ""
        if self.entry and same_sound(
            sound_key("".join(ear_words(self.entry))), sound_key(self.heard.replace(" ", ""))
        ):
            now = f' (its [lexicon] entry "{self.entry}" is heard as said: remove it, or respell)'
        elif self.entry:
            now = f' (its [lexicon] entry is "{self.entry}")'
        line = f'{self.word} = "{self.suggestion}"'
        return [
            f'"{self.word}" misheard in {self.places} places, as "{self.heard or "nothing"}"{now}.'
            f" Try in [lexicon]: {line}",
            f"  essaycast check --try '{self.word}={self.suggestion}'",
        ]


@dataclass
class CheckReport:
    """What `essaycast check` found; the CLI prints it, --json dumps it."""

    episodes: list[EpisodeCheck] = field(default_factory=list)
    advice: list[Advice] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # one line each: missing extra, language
    max_wer: float = 5.0
    cached: int = 0  # episodes answered from the cache
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not any(e.problems(self.max_wer) for e in self.episodes)

    def lines(self) -> list[str]:
        """The report as printed: doubts, then a summary per episode, advice, a total."""
        out = list(self.notes)
        for e in self.episodes:
            for d in e.doubts:
                why = " (respelled by [lexicon])" if d.respelled else ""
                expected = " ".join(d.expected) or "-"
                heard = " ".join(d.heard) or "-"
                out.append(
                    f'{e.slug} {clock(d.start)}  expected "{expected}", heard "{heard}"'
                    f'{why}: "{d.text}"'
                )
            if e.note_own:
                out.append(f"{e.slug}: {e.words_note}")
            if e.unplaced:
                out.append(
                    f"{e.slug}: {e.unplaced} sentences of the essay are not in the "
                    "episode (edited since the build?); run essaycast build"
                )
            out.append(e.summary(self.max_wer))
        for advice in self.advice:
            out += advice.lines()
        far = sum(bool(e.problems(self.max_wer)) for e in self.episodes)
        noun = "episode" if len(self.episodes) == 1 else "episodes"
        out.append(
            f"Checked {len(self.episodes)} {noun} ({len(self.episodes) - far} ready, "
            f"{far} far off; {self.cached} from the cache) in {self.seconds:.1f} s"
        )
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "max_wer": self.max_wer,
            "notes": self.notes,
            "episodes": [
                {
                    "slug": e.slug,
                    "audio": e.audio,
                    "ready": not e.problems(self.max_wer),
                    "problems": e.problems(self.max_wer),
                    "wer": None if e.wer is None else round(e.wer, 2),
                    "sentences": e.sentences,
                    "words": e.words,
                    "errors": e.errors,
                    "words_note": e.words_note,
                    "unplaced": e.unplaced,
                    "figures": {
                        k: (round(v, 2) if isinstance(v, float) else v)
                        for k, v in asdict(e.figures).items()
                    },
                    "doubts": [
                        {
                            "start": round(d.start, 2),
                            "end": round(d.end, 2),
                            "text": d.text,
                            "expected": list(d.expected),
                            "heard": list(d.heard),
                            "errors": d.errors,
                            "respelled": d.respelled,
                        }
                        for d in e.doubts
                    ],
                }
                for e in self.episodes
            ],
            "advice": [asdict(a) for a in self.advice],
        }


def clock(seconds: float) -> str:
    """M:SS.s, the way ffplay -ss and a player's scrubber read it.

    >>> clock(83.44)
    '1:23.4'
    >>> clock(3725.0)
    '1:02:05.0'
    """
    tenths = round(seconds * 10)
    minutes, tenths = divmod(tenths, 600)
    hours, minutes = divmod(minutes, 60)
    head = f"{hours}:{minutes:02d}" if hours else f"{minutes}"
    return f"{head}:{tenths // 10:02d}.{tenths % 10}"
