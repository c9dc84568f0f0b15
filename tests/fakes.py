"""The one fake voice: a tone engine that counts, for every test that is not about the voice.

Locking, atomicity, incrementality, the feed: none of them needs a neural voice,
so those tests speak with `ToneEngine`, which turns each sentence into
speech-length PCM (a vowel-like buzz with a syllable rhythm) in microseconds and
records what it was asked to say. bench/probe.py uses the same engine
(BENCH_ENGINE=tone) to profile assembly, mastering and encoding without a model.

The real voices stay for the end-to-end, mastering and validate-built tests.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.model import SentenceAudio

TONE_RATE = 22050
CHARS_PER_SECOND = 16.5  # en_US-joe-medium reads about 16 characters a second


@dataclass
class Counter:
    """What the tone engines were asked to do: how many were built, every sentence said."""

    engines: int = 0
    sentences: list[str] = field(default_factory=list)


class ToneEngine:
    """Speech-length PCM without a model; counts engines and sentences in `counter`."""

    def __init__(self, spec: object = None, counter: Counter | None = None) -> None:
        self.counter = counter if counter is not None else Counter()
        self.counter.engines += 1

    def synthesize(self, sentences: Sequence[str]) -> Iterator[SentenceAudio]:
        import numpy as np

        for text in sentences:
            self.counter.sentences.append(text)
            n = int(max(0.3, len(text) / CHARS_PER_SECOND) * TONE_RATE)
            t = np.arange(n, dtype=np.float32) / TONE_RATE
            pitch = 110.0 + 15.0 * np.sin(2 * np.pi * 0.7 * t)
            voice = sum(np.sin(2 * np.pi * k * pitch * t) / k for k in (1, 2, 3, 5))
            syllables = 0.5 + 0.5 * np.sin(2 * np.pi * 4.0 * t) ** 2
            pcm = (0.25 * voice * syllables * 32767 / 2).astype("<i2").tobytes()
            yield SentenceAudio(text=text, pcm=pcm, sample_rate=TONE_RATE)


def speaking_as(engine: str, counter: Counter) -> Any:
    """The registry row `engine` with its voice replaced by a counting ToneEngine.

    The row keeps its name, voices and revision, so fingerprints and cache keys
    are those the real engine writes: a show built with the tone is "unchanged"
    for the real voice afterwards.
    """
    from pipeline.speech import ENGINES

    return dataclasses.replace(ENGINES[engine], create=lambda spec: ToneEngine(spec, counter))


def tone_cli(*args: str) -> list[str]:
    """A command line that runs `essaycast ARGS` in a new process, speaking as the tone."""
    return [sys.executable, "-m", "tests.fakes", *args]


def tone_env() -> dict[str, str]:
    """The environment for tone_cli: this checkout importable from any directory."""
    root = str(Path(__file__).resolve().parents[1])
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
    }


def main() -> None:
    """`python -m tests.fakes ARGS`: the real command line, with piper speaking as the tone."""
    from pipeline.cli import main as cli_main
    from pipeline.speech import ENGINES

    ENGINES["piper"] = speaking_as("piper", Counter())
    cli_main(prog_name="essaycast")


if __name__ == "__main__":
    main()
