"""Sentence audio stored by the hash of what was spoken and how.

A rebuild of an unchanged essay synthesises nothing; an edit synthesises only
the sentences whose words changed. Audio is written to disk as soon as it is
made and read back one sentence at a time, so memory stays flat however long
the essay is.

Beside each WAV, under the same key, `.words-N.json` (N: the timings' version)
holds the sentence's word timings (`[[start, end, text], ...]`, seconds into the
WAV; `[]` when the voice gives none). It is written before the WAV, and a sentence
counts as cached only with both: so an entry from before word timings (or from an
older version of them) is spoken once more (the same samples: the voices are
deterministic) and a warm rebuild needs no engine.
"""

from __future__ import annotations

import hashlib
import io
import json
import unicodedata
import wave
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from ..fsutil import ContentStore
from ..model import SentenceAudio, VoiceSpec, Word
from . import ENGINES
from .base import Engine

# Bump when engine output for the same inputs changes (e.g. a new Piper setting).
CACHE_VERSION = 3
# The sentence cache's bound, least recently used first: an hour of 24 kHz speech is
# about 170 MB, so this keeps a back catalogue's worth of edits cheap.
CACHE_LIMIT_BYTES = 4 << 30
# The word timings beside each sentence's ".wav". Its name carries their version: bump
# it when the timings change but the samples do not (2: hibari's words start where their
# sound does: SOUND_LEAD, FROM_SEPARATOR); each sentence of a retimed engine is then
# spoken once more for its words (the same samples), and no piece of any MP3 is
# rendered again; list the old name in OLDER_WORDS.
WORDS = ".words-2.json"
# Each older sidecar name, and the engines whose word times changed since it: another
# engine's older sidecar is carried forward as it is, not spoken again (gTTS would need
# the network for it, and every voice its CPU).
OLDER_WORDS = {".words.json": frozenset({"hibari"})}


def normalize_sentence(text: str) -> str:
    """The sentence as the cache sees it: NFC, whitespace runs collapsed.

    >>> normalize_sentence("  Cafe\u0301   au lait. ")
    'Café au lait.'
    """
    return " ".join(unicodedata.normalize("NFC", text).split())


class SentenceCache:
    """WAV files under `root`, named by the sentence key (a ContentStore, LRU-pruned)."""

    def __init__(self, root: Path, limit: int = CACHE_LIMIT_BYTES) -> None:
        # not durable: a sentence a power cut left unreadable is spoken again
        self.store = ContentStore(root, limit, durable=False)
        self._revisions: dict[VoiceSpec, str] = {}

    def key(self, spec: VoiceSpec, text: str) -> str:
        """Content hash of the sentence and every setting that changes its sound.

        The engine's revision (library and model version) is in it, so an
        upgrade re-synthesises rather than mixing two versions in one episode.
        """
        if spec not in self._revisions:
            info = ENGINES.get(spec.engine)
            self._revisions[spec] = info.revision(spec) if info else ""
        payload = json.dumps(
            [
                CACHE_VERSION,
                spec.engine,
                self._revisions[spec],
                spec.voice,
                spec.speed,
                normalize_sentence(text),
            ],
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def get(self, key: str, text: str) -> SentenceAudio | None:
        data = self.store.read(key, ".wav")
        if data is None:
            return None
        try:
            with wave.open(io.BytesIO(data), "rb") as wav:
                pcm, rate = wav.readframes(wav.getnframes()), wav.getframerate()
        except (wave.Error, EOFError):
            return None
        return SentenceAudio(text, pcm, rate, self.words(key) or ())

    def words(self, key: str) -> tuple[Word, ...] | None:
        """The sentence's word timings (seconds into its WAV), or None if none are stored."""
        data = self.store.read(key, WORDS)
        if data is None:
            return None
        try:
            return tuple(Word(float(a), float(b), str(t)) for a, b, t in json.loads(data))
        except (ValueError, TypeError):
            return None

    def carry_words(self, key: str, engine: str) -> bool:
        """Copy an older version's word sidecar forward if `engine`'s times are unchanged
        since it and the WAV is here; True if the sentence is now cached."""
        for name, retimed in OLDER_WORDS.items():
            if engine in retimed or (key, ".wav") not in self.store:
                continue
            data = self.store.read(key, name)
            if data is not None:
                self.store.write(key, WORDS, data)
                return key in self
        return False

    def __contains__(self, key: str) -> bool:
        return (key, WORDS) in self.store and (key, ".wav") in self.store

    def put(self, key: str, audio: SentenceAudio) -> None:
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(audio.sample_rate)
            wav.writeframes(audio.pcm)
        self.store.write(key, WORDS, words_json(audio.words))
        self.store.write(key, ".wav", buffer.getvalue())

    def prune(self, keep_since: float | None = None) -> int:
        """Drop the least recently used sentences beyond the bound; bytes freed."""
        return self.store.prune(keep_since)


def words_json(words: tuple[Word, ...]) -> bytes:
    """The sidecar's bytes: the same words give the same bytes in any process.

    >>> words_json((Word(0.1, 0.35, "Hello"),))
    b'[[0.1,0.35,"Hello"]]'
    """
    rows = [[round(w.start, 4), round(w.end, 4), w.text] for w in words]
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def stored(words: tuple[Word, ...]) -> tuple[Word, ...]:
    """Words as the sidecar keeps them (times to 0.1 ms): a fresh sentence times as a cached one."""
    return tuple(Word(round(w.start, 4), round(w.end, 4), w.text) for w in words)


def synthesize_cached(
    sentences: Sequence[str],
    spec: VoiceSpec,
    cache: SentenceCache,
    engine_factory: Callable[[], Engine],
    on_sentence: Callable[[SentenceAudio], None] | None = None,
) -> Iterator[SentenceAudio]:
    """Yield every sentence's audio in order, synthesising only cache misses.

    The engine is built only if something is missing, so a warm rebuild never
    loads a voice model. All misses go to the engine in one call, letting it
    batch or parallelise; each result is stored, then yielded as soon as every
    sentence before it is, so assembly runs while the voice is still speaking.
    `on_sentence` hears of each sentence the engine speaks, as it is stored.
    """
    keys = [cache.key(spec, s) for s in sentences]
    missing: dict[str, str] = {}
    for key, text in zip(keys, sentences, strict=True):
        if key not in cache and not cache.carry_words(key, spec.engine):
            missing.setdefault(key, text)
    made: Iterator[tuple[str, SentenceAudio]] = iter(())
    if missing:
        engine = engine_factory()
        info = ENGINES.get(spec.engine)
        prepare = info.prepare if info else str
        spoken = engine.synthesize([prepare(text) for text in missing.values()])
        made = zip(missing, spoken, strict=True)
    for key, text in zip(keys, sentences, strict=True):
        fresh: SentenceAudio | None = None
        while key not in cache:
            made_key, audio = next(made)  # the engine speaks the misses in this same order
            cache.put(made_key, audio)
            if on_sentence:
                on_sentence(audio)
            if made_key == key:
                fresh = SentenceAudio(text, audio.pcm, audio.sample_rate, stored(audio.words))
        found = fresh or cache.get(key, text)
        if found is None:  # unreadable (a power cut mid-write) or deleted mid-build
            engine = engine_factory()
            prepare = info.prepare if (info := ENGINES.get(spec.engine)) else str
            (audio,) = engine.synthesize([prepare(text)])
            cache.put(key, audio)
            found = SentenceAudio(text, audio.pcm, audio.sample_rate, stored(audio.words))
        yield found
