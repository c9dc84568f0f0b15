"""Intro and outro music: the bundled jingle, a file from the show, or none.

`[music] intro` / `outro` in podcast.toml is "default" (the jingle that
pipeline/jingle.py composed, shipped as pipeline/data/jingle.wav), "none", or a
path inside the show folder to any file ffmpeg decodes (mp3, wav, ogg, flac, m4a...).
"""

from __future__ import annotations

import functools
import os
import wave
from importlib import resources
from pathlib import Path

import numpy as np

from .errors import ConfigError, EssaycastError
from .ffmpeg import decode_to_pcm

MUSIC_RATE = 44100
JINGLE_RESOURCE = "data/jingle.wav"


@functools.cache
def _jingle_pcm() -> bytes:
    """The shipped jingle's 16-bit samples, read once per process."""
    # importlib.resources finds the file in a wheel or site-packages install too, not only
    # in a source checkout.
    with (
        resources.as_file(resources.files("pipeline") / JINGLE_RESOURCE) as path,
        wave.open(str(path), "rb") as wav,
    ):
        # The jingle is rendered at MUSIC_RATE in mono; anything else means a stale file.
        if (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) != (1, 2, MUSIC_RATE):
            raise EssaycastError(
                f"{JINGLE_RESOURCE}: not 16-bit mono at {MUSIC_RATE} Hz; "
                "re-render it with `python -m pipeline.jingle`"
            )
        return wav.readframes(wav.getnframes())


def pcm_to_float(pcm: bytes) -> np.ndarray:
    """Little-endian 16-bit PCM as float32 samples in [-1, 1)."""
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0


def default_jingle() -> np.ndarray:
    """The bundled intro jingle as float32 mono at MUSIC_RATE (a fresh copy each call)."""
    return pcm_to_float(_jingle_pcm())


def _show_path(choice: str, show_root: Path, key: str) -> Path:
    """`choice` resolved inside `show_root`; a path that leaves the show is a ConfigError."""
    root = Path(os.path.abspath(show_root))
    # Normalise without following symlinks: `..` may not climb out, but a symlink the
    # podcaster put in the show (to a music library, say) is theirs to keep.
    path = Path(os.path.normpath(root / choice))
    if not path.is_relative_to(root):
        name = key.rpartition(".")[2]
        raise ConfigError(
            f"{key}: {choice} is outside the show folder {root}; "
            f'put the file in the show (e.g. music/) or set {name} = "default"'
        )
    return path


def load_music(choice: str, show_root: Path, key: str = "music.intro") -> np.ndarray | None:
    """The music that `choice` names, as float32 mono at MUSIC_RATE, or None for "none"."""
    if choice == "none":
        return None
    if choice == "default":
        return default_jingle()
    path = _show_path(choice, show_root, key)
    name = key.rpartition(".")[2]
    if not path.is_file():
        where = Path(os.path.abspath(show_root))
        raise ConfigError(
            f'{key}: {choice} not found in {where}; put the file there or set {name} = "default"'
        )
    try:
        pcm = decode_to_pcm(path, MUSIC_RATE)
    except EssaycastError as exc:
        # ffmpeg's last line says why (bad header, unknown codec); keep it, drop its prefix.
        reason = exc.message.rpartition("ffmpeg failed: ")[2]
        raise ConfigError(
            f"{key}: {choice} is not audio that ffmpeg can decode ({reason}); "
            f'use an mp3, wav, ogg, flac or m4a file or set {name} = "default"'
        ) from None
    samples = pcm_to_float(pcm)
    if samples.size == 0:
        raise ConfigError(
            f'{key}: {choice} contains no audio; use a file with sound in it or set {name} = "none"'
        )
    return samples
