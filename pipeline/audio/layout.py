"""Where each sentence and pause of an episode falls, from the text alone.

`layout` walks a SpeechText and says, for each sentence in order, the pause
before it (Pacing: sentence < paragraph < chapter) and the chapter it opens:
audio.pieces cuts the episode into pieces along it, without any audio. `trim`
drops a voice's own padding around a sentence; `pre_gain` estimates from the
first sentence the gain that brings the voice near the target before the
compressor and limiter; `close_chapters` gives each chapter mark its end. The
intro and outro are composed in audio.intro.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from ..model import ChapterMark, Sentence, SentenceAudio, SpeechText, Word
from ..standards import EPISODE_RATE
from .loudness import ENCODER_LOSS_LU, MONO_OFFSET_LU, SPEECH_K_OFFSET
from .pcm import to_float

# Piper pads each sentence with ~40 ms before and 70-160 ms after; anything quieter
# than this (-54 dBFS) at the edges is padding, not speech.
TRIM_THRESHOLD = 64  # of 32768
TRIM_LEAD = 0.02  # seconds kept before the first audible sample (a soft onset)
TRIM_TAIL = 0.06  # seconds kept after the last one (the decay of the last phoneme)


@dataclass(frozen=True)
class Pacing:
    """Silences and the intro's shape, in seconds and dB: sentence < paragraph < chapter."""

    sentence: float = 0.45
    paragraph: float = 0.95
    chapter: float = 1.8
    music_lead: float = 3.0  # music alone before the spoken intro
    music_level: float = -2.0  # the music's level against the voice's, before ducking
    duck_db: float = -14.0  # music under the voice
    duck_ramp: float = 0.5  # the duck lands as the voice comes in
    swell_db: float = -6.0  # after the spoken intro the music comes back up a little...
    swell: float = 0.6
    music_fade: float = 1.4  # ...eases down by fade_ease_db...
    fade_ease_db: float = -3.0
    music_drop: float = 0.6  # ...and drops to silence: heard almost to its end, no long tail
    after_intro: float = 0.3  # from the intro's last audible sound to the essay...
    # ...but never sooner after the intro's last word than a paragraph's pause, nor
    # later after its last sound than this: the essay begins within 1.0 s of it
    after_intro_max: float = 0.8


def trim_bounds(pcm: bytes, sample_rate: int) -> tuple[int, int]:
    """The first and the end sample `trim` keeps of a sentence ((0, 0) if it is silent)."""
    values = np.frombuffer(pcm, dtype="<i2")
    loud = np.flatnonzero(np.abs(values.astype(np.int32)) > TRIM_THRESHOLD)
    if loud.size == 0:
        return 0, 0
    start = max(0, int(loud[0]) - round(TRIM_LEAD * sample_rate))
    end = min(values.size, int(loud[-1]) + 1 + round(TRIM_TAIL * sample_rate))
    return start, end


def trim(pcm: bytes, sample_rate: int) -> bytes:
    """Drop the engine's leading and trailing silence, keeping a short soft edge."""
    start, end = trim_bounds(pcm, sample_rate)
    return pcm[2 * start : 2 * end]


def trim_words(audio: SentenceAudio) -> tuple[Word, ...]:
    """The sentence's words timed from the start of its trimmed audio: shifted by the
    lead `trim` drops and held inside what it keeps."""
    if not audio.words:
        return ()
    start, end = trim_bounds(audio.pcm, audio.sample_rate)
    lead, length = start / audio.sample_rate, (end - start) / audio.sample_rate
    return tuple(
        Word(
            min(max(0.0, w.start - lead), length),
            min(max(0.0, w.end - lead), length),
            w.text,
        )
        for w in audio.words
    )


_TOKEN = re.compile(r"\S+")


def _plain(token: str) -> str:
    """A token as the two texts can agree on it: letters and digits, lower case, ’ as '."""
    return "".join(c for c in token.lower().replace("’", "'") if c.isalnum() or c == "'")


def written_words(
    words: Sequence[Word], written: str, offset: float, end: float
) -> tuple[Word, ...]:
    """The voice's words (spoken text, times in the sentence) as the written sentence's
    words in the episode: each whitespace-separated written token gets the time of the
    spoken words it became ("1948" -> "nineteen forty-eight"), found by matching the
    two word sequences; times shifted by `offset` and kept inside [offset, end].

    A written token with nothing spoken for it (a symbol left unsaid) takes no time, at
    the start of the next spoken word.

    >>> spoken = [Word(0.0, 0.3, "In"), Word(0.3, 0.8, "nineteen"), Word(0.8, 1.4, "forty-eight.")]
    >>> [(w.start, w.end, w.text) for w in written_words(spoken, "In 1948.", 10.0, 12.0)]
    [(10.0, 10.3, 'In'), (10.3, 11.4, '1948.')]
    """
    tokens = _TOKEN.findall(written)
    if not words or not tokens:
        return ()
    said = [_plain(w.text) for w in words]
    wrote = [_plain(t) for t in tokens]
    times: list[tuple[float, float] | None] = [None] * len(tokens)
    matcher = difflib.SequenceMatcher(None, wrote, said, autojunk=False)
    for op, t0, t1, s0, s1 in matcher.get_opcodes():
        if op == "equal":
            for k in range(t1 - t0):
                times[t0 + k] = (words[s0 + k].start, words[s0 + k].end)
        elif op == "replace":
            _share(times, tokens, t0, t1, words[s0].start, words[s1 - 1].end)
        elif op == "insert" and t0 > 0 and times[t0 - 1] is not None:
            # spoken words with no written token of their own (a read-out symbol): the
            # written token before them takes their time too
            before = times[t0 - 1]
            assert before is not None
            times[t0 - 1] = (before[0], words[s1 - 1].end)
    out: list[Word] = []
    following = [w.start for w in words] + [words[-1].end]
    for k, token in enumerate(tokens):
        span = times[k]
        if span is None:  # unsaid: no time, where the next said word starts
            later = next((t[0] for t in times[k + 1 :] if t is not None), following[-1])
            span = (later, later)
        a = min(max(offset + span[0], offset, out[-1].end if out else offset), end)
        b = min(max(offset + span[1], a), end)
        out.append(Word(round(a, 3), round(b, 3), token))
    return tuple(out)


def _share(
    times: list[tuple[float, float] | None],
    tokens: Sequence[str],
    t0: int,
    t1: int,
    start: float,
    end: float,
) -> None:
    """Tokens t0..t1 share [start, end] in proportion to their letters."""
    sizes = [len(_plain(tokens[k])) for k in range(t0, t1)]  # a dash takes no time
    if not any(sizes):
        sizes = [1] * len(sizes)
    total, at = sum(sizes), start
    for k, size in zip(range(t0, t1), sizes, strict=True):
        step = (end - start) * size / total
        times[k] = (at, at + step)
        at += step


def level_db(values: np.ndarray, rate: int = EPISODE_RATE) -> float:
    """Gated RMS level in dBFS over 400 ms blocks (BS.1770's gating, without K-weighting).

    >>> round(level_db(np.full(44100, 0.1, dtype=np.float32)), 1)
    -20.0
    """
    block = int(0.4 * rate)
    usable = values[: len(values) // block * block].astype(np.float64)
    if usable.size == 0:
        usable = values.astype(np.float64)
        block = max(1, usable.size)
    power = (usable.reshape(-1, block) ** 2).mean(axis=1)
    power = power[power > 1e-7]  # absolute gate, -70 dB
    if power.size == 0:
        return -120.0
    # relative gate: blocks 10 dB under the mean are pauses, not programme
    power = power[power > power.mean() / 10]
    return float(10 * np.log10(power.mean()))


@dataclass(frozen=True)
class Step:
    """One sentence of the body: the pause before it, and the chapter it opens, if any."""

    pause: float
    sentence: Sentence
    chapter: str | None = None  # the chapter's title ("" for an untitled first part)


def layout(speech: SpeechText, pacing: Pacing = Pacing()) -> Iterator[Step]:
    """The body in order, from the text alone: each sentence and the pause before it.

    Pure: the same SpeechText and Pacing give the same steps, so a piece of the
    body (a chapter, a paragraph) can be found, and rendered, without the rest.
    """
    first = True
    for chapter in speech.chapters:
        opens: str | None = chapter.title
        for paragraph in chapter.paragraphs:
            for s, sentence in enumerate(paragraph.sentences):
                if first:
                    pause = 0.0  # the intro's end already holds the pause before the essay
                elif opens is not None:
                    pause = pacing.chapter
                else:
                    pause = pacing.sentence if s else pacing.paragraph
                yield Step(pause, sentence, opens)
                first, opens = False, None


def pre_gain(first: SentenceAudio | None, loudness: float | None) -> float:
    """A gain, in dB, that takes this voice to about `loudness` (as heard), from one sentence.

    The limiter's bite depends on how far the gain lifts the peaks; applying most
    of the gain before the limiter and the measurement makes the measurement
    include what the limiter took, so the mastering gain lands on target.
    """
    if loudness is None or first is None:
        return 0.0
    values = to_float(trim(first.pcm, first.sample_rate))
    if values.size == 0:
        return 0.0
    estimate = level_db(values, first.sample_rate) + SPEECH_K_OFFSET
    # aim the WAV at what the MP3 should measure plus what encoding will take
    target = loudness - MONO_OFFSET_LU + ENCODER_LOSS_LU
    return float(np.clip(target - estimate, -20.0, 30.0))


def close_chapters(marks: list[ChapterMark], duration: float) -> tuple[ChapterMark, ...]:
    """Give each chapter its end (the next one's start) and drop empty ones."""
    closed = []
    for i, mark in enumerate(marks):
        end = marks[i + 1].start if i + 1 < len(marks) else duration
        if end > mark.start:
            closed.append(ChapterMark(mark.start, end, mark.title))
    return tuple(closed)
