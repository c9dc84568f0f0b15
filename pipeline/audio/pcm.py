"""16-bit mono PCM, the one form audio takes between stages, and its two other faces.

Engines, the sentence cache, ffmpeg's decoder and the episode stream all speak
little-endian 16-bit mono PCM. numpy floats are for measuring and for the
jingle's synthesis; pydub's AudioSegment is for composing the intro and outro.
The conversions between them live here, once.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from pydub import AudioSegment


def to_float(pcm: bytes) -> np.ndarray:
    """Little-endian 16-bit PCM as float32 samples in [-1, 1).

    >>> to_float(b"\\x00\\x40\\x00\\xc0").tolist()
    [0.5, -0.5]
    """
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0


def from_float(samples: np.ndarray) -> bytes:
    """Float samples in [-1, 1] as little-endian 16-bit PCM, rounded to the nearest step.

    >>> np.frombuffer(from_float(np.array([0.0, 0.5, -0.5, 1.0, -1.0, 2.0])), "<i2").tolist()
    [0, 16384, -16384, 32767, -32767, 32767]
    """
    clipped = np.clip(np.round(samples.astype(np.float64) * 32767.0), -32768, 32767)
    return clipped.astype("<i2").tobytes()


def segment(pcm: bytes, rate: int) -> AudioSegment:
    """16-bit mono PCM as a pydub AudioSegment (no file, no ffprobe)."""
    with warnings.catch_warnings():
        # pydub warns at import when no ffmpeg is on PATH (it is never asked to run one),
        # and Python 3.11/3.12 warn that its audioop is deprecated (audioop-lts on 3.13+)
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        from pydub import AudioSegment
    return AudioSegment(data=pcm, sample_width=2, frame_rate=rate, channels=1)


def samples(audio: AudioSegment) -> np.ndarray:
    """An AudioSegment's samples as float32 (for measuring)."""
    return to_float(audio.raw_data)
