"""Intro and outro music: the bundled jingle, a file from the show, or none."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import numpy as np

from .errors import ConfigError
from .ffmpeg import decode_to_pcm

MUSIC_RATE = 44100


def load_music(choice: str, show_root: Path, key: str = "music.intro") -> np.ndarray | None:
    """Float mono samples at MUSIC_RATE for a [music] setting, or None for "none"."""
    if choice == "none":
        return None
    if choice == "default":
        jingle = files("pipeline").joinpath("data/jingle.wav")
        if not jingle.is_file():
            return None
        path = Path(str(jingle))
    else:
        path = show_root / choice
        if not path.is_file():
            raise ConfigError(f'{key}: {choice} not found in {show_root}; put the file there '
                              'or set it to "default" or "none"')
    pcm = decode_to_pcm(path, MUSIC_RATE)
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
