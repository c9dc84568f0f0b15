"""Sentence audio stored by the hash of what was spoken and how.

A rebuild of an unchanged essay synthesises nothing; an edit synthesises only
the sentences whose words changed. Audio is written to disk as soon as it is
made and read back one sentence at a time, so memory stays flat however long
the essay is.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import unicodedata
import wave
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from ..model import SentenceAudio, VoiceSpec
from . import ENGINES
from .base import Engine

# Bump when engine output for the same inputs changes (e.g. a new Piper setting).
CACHE_VERSION = 3


def normalize_sentence(text: str) -> str:
    """The sentence as the cache sees it: NFC, whitespace runs collapsed.

    >>> normalize_sentence("  Cafe\u0301   au lait. ")
    'Café au lait.'
    """
    return " ".join(unicodedata.normalize("NFC", text).split())


class SentenceCache:
    """WAV files under `root`, named by the sentence key."""

    def __init__(self, root: Path) -> None:
        self.root = root
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

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.wav"

    def get(self, key: str, text: str) -> SentenceAudio | None:
        path = self._path(key)
        try:
            with wave.open(str(path), "rb") as wav:
                return SentenceAudio(text, wav.readframes(wav.getnframes()), wav.getframerate())
        except (FileNotFoundError, wave.Error, EOFError):
            return None

    def __contains__(self, key: str) -> bool:
        return self._path(key).is_file()

    def put(self, key: str, audio: SentenceAudio) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # write then rename: a killed build never leaves a half sentence behind
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as raw, wave.open(raw, "wb") as wav:
                wav.setnchannels(1)
                wav.setsampwidth(2)
                wav.setframerate(audio.sample_rate)
                wav.writeframes(audio.pcm)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def synthesize_cached(
    sentences: Sequence[str],
    spec: VoiceSpec,
    cache: SentenceCache,
    engine_factory: Callable[[], Engine],
    on_sentence: Callable[[int, int], None] | None = None,
) -> Iterator[SentenceAudio]:
    """Yield every sentence's audio in order, synthesising only cache misses.

    The engine is built only if something is missing, so a warm rebuild never
    loads a voice model. All misses go to the engine in one call, letting it
    batch or parallelise; each result is stored, then yielded as soon as every
    sentence before it is, so assembly runs while the voice is still speaking.
    """
    keys = [cache.key(spec, s) for s in sentences]
    missing: dict[str, str] = {}
    for key, text in zip(keys, sentences, strict=True):
        if key not in cache:
            missing.setdefault(key, text)
    made: Iterator[tuple[str, SentenceAudio]] = iter(())
    if missing:
        engine = engine_factory()
        info = ENGINES.get(spec.engine)
        prepare = info.prepare if info else str
        spoken = engine.synthesize([prepare(text) for text in missing.values()])
        made = zip(missing, spoken, strict=True)
    done = 0
    for key, text in zip(keys, sentences, strict=True):
        fresh: SentenceAudio | None = None
        while key not in cache:
            made_key, audio = next(made)  # the engine speaks the misses in this same order
            cache.put(made_key, audio)
            done += 1
            if on_sentence:
                on_sentence(done, len(missing))
            if made_key == key:
                fresh = SentenceAudio(text, audio.pcm, audio.sample_rate)
        found = fresh or cache.get(key, text)
        if found is None:  # pragma: no cover - only if the cache is deleted mid-build
            raise RuntimeError(f"sentence cache lost {key}")
        yield found
