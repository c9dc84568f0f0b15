"""Intro and outro music: the bundled jingle, a file from the show, or none.

`[music] intro` / `outro` in podcast.toml is "default" (the jingle that
pipeline/audio/jingle.py composed, shipped as pipeline/data/jingle.wav), "none", or a
path inside the show folder to any file ffmpeg decodes (mp3, wav, ogg, flac, m4a...).
Music arrives as a pydub AudioSegment made from the PCM that ffmpeg decoded, so
pydub never needs ffprobe (which imageio-ffmpeg does not ship); audio.intro composes
the intro and outro from it.
"""

from __future__ import annotations

import functools
import os
import wave
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ConfigError, EssaycastError
from ..ffmpeg import decode_to_pcm
from ..standards import EPISODE_RATE
from .pcm import segment

if TYPE_CHECKING:
    from pydub import AudioSegment

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
        # The jingle is rendered at EPISODE_RATE in mono; anything else means a stale file.
        if (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) != (1, 2, EPISODE_RATE):
            raise EssaycastError(
                f"{JINGLE_RESOURCE}: not 16-bit mono at {EPISODE_RATE} Hz; "
                "re-render it with `python -m pipeline.audio.jingle`"
            )
        return wav.readframes(wav.getnframes())


def default_jingle() -> AudioSegment:
    """The bundled intro jingle, mono at EPISODE_RATE."""
    return segment(_jingle_pcm(), EPISODE_RATE)


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


def load_music(choice: str, show_root: Path, key: str = "music.intro") -> AudioSegment | None:
    """The music that `choice` names, mono at EPISODE_RATE, or None for "none"."""
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
        pcm = decode_to_pcm(path, EPISODE_RATE)
    except ConfigError:  # the ffmpeg itself (ESSAYCAST_FFMPEG), not the file
        raise
    except EssaycastError as exc:
        # ffmpeg's last line says why (bad header, unknown codec); keep it, drop its prefix.
        reason = exc.message.rpartition("ffmpeg failed: ")[2]
        raise ConfigError(
            f"{key}: {choice} is not audio that ffmpeg can decode ({reason}); "
            f'use an mp3, wav, ogg, flac or m4a file or set {name} = "default"'
        ) from None
    if not pcm:
        raise ConfigError(
            f'{key}: {choice} contains no audio; use a file with sound in it or set {name} = "none"'
        )
    return segment(pcm, EPISODE_RATE)
