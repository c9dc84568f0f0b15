"""The essay as the check expects to hear it, and where in the episode each sentence is.

Expected words are the written words in their spoken form *before* the lexicon's
respellings: a respelling is there to make the voice say the written word, so the
written word is what must be heard.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Show
from ..errors import ConfigError, EssaycastError
from ..publish.manifest import MANIFEST_NAME, Manifest
from ..publish.transcript import read_vtt
from ..text.normalize import normalize
from .words import ear_words

if TYPE_CHECKING:
    from ..model import Episode, Sentence

# The audio heard for a sentence reaches a little beyond its cue: the voice's
# first consonant can start a few milliseconds early, and the last one rings on.
LEAD, TAIL = 0.15, 0.25

Cues = Sequence[tuple[float, float, str]]  # (start, end, text) of each cue


@dataclass(frozen=True)
class Script:
    """An essay's sentences: as written, as expected by ear, and whether respelled."""

    written: tuple[str, ...]
    expected: tuple[tuple[str, ...], ...]
    respelled: tuple[bool, ...]
    language: str


def read_script(show: Show, source: Path) -> Script:
    """The essay at `source` as the check expects to hear it (words only in English)."""
    from ..text.essays import read_essay
    from ..text.sentences import to_speech_text

    essay = read_essay(source)
    language = show.podcast.language
    plain = list(to_speech_text(essay, {}, language).sentences())
    respelled = [_respelled(s, show.lexicon, language) for s in plain]
    english = language.lower().startswith("en")
    expected = tuple(tuple(ear_words(s.written, language)) if english else () for s in plain)
    return Script(tuple(s.written for s in plain), expected, tuple(respelled), language)


def _respelled(sentence: Sentence, lexicon: dict[str, str], language: str) -> bool:
    return bool(lexicon) and normalize(sentence.written, language, lexicon=lexicon) != (
        sentence.spoken
    )


def built_episodes(show: Show, only: Sequence[str]) -> list[tuple[Episode, Path]]:
    """Each built episode in the manifest (or those in `only`) with its essay's path."""
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


def cues_of(show: Show, episode: Episode) -> list[tuple[float, float, str]]:
    """(start, end, plain text) of each cue of the episode's WebVTT, [] if it has none."""
    vtt = episode.transcripts.get("text/vtt")
    path = show.output_dir / vtt if vtt else None
    if path is None or not path.is_file():
        return []
    return [(cue.start, cue.end, cue.text) for cue in read_vtt(path.read_text(encoding="utf-8"))]


def _letters(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def place_sentences(written: Sequence[str], cues: Cues) -> list[tuple[float, float] | None]:
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


def span_key(start: float, end: float) -> str:
    """A heard stretch's name in the cache: its times, so an essay edited since the
    build still reuses whatever of it the episode holds."""
    return f"{start:.3f}-{end:.3f}"


def sentence_spans(
    placed: Sequence[tuple[float, float] | None], duration: float
) -> list[tuple[float, float]]:
    """The audio heard for each placed sentence: a little beyond its cue, never into
    its neighbours."""
    found = []
    located = [p for p in placed if p is not None]
    for k, (start, end) in enumerate(located):
        before = located[k - 1][1] if k else 0.0
        after = located[k + 1][0] if k + 1 < len(located) else duration
        found.append((max(before, start - LEAD, 0.0), min(after, end + TAIL, duration)))
    return found
