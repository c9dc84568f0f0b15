"""What every engine module needs: the Engine protocol, registry rows, voice settings.

Engines import this module and never the package (speech/__init__.py holds the
registry, which imports the engines): so the imports run one way.
"""

from __future__ import annotations

import functools
import os
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Protocol

from ..model import SentenceAudio, VoiceSpec

# Piper's ONNX session already uses every core, and espeak-ng keeps one global
# state that Piper's phonemizer shares: so native synthesis runs one sentence
# at a time per process, whatever the number of essays rendered in parallel.
NATIVE_LOCK = threading.Lock()

OFFLINE_ENGINES = "hibari, kokoro, piper or espeak"

# `[word](/phonemes/)` in a lexicon value: misaki phonemes that hibari and kokoro read
PHONEME_LINK = re.compile(r"\[([^\]]+)\]\(/([^)]*)/\)")


def words_only(text: str) -> str:
    """What an engine without misaki phonemes is given: the word in the brackets.

    >>> words_only("Kazuo [Ishiguro](/ˌɪʃɪɡˈʊɹO/) wrote it.")
    'Kazuo Ishiguro wrote it.'
    """
    return PHONEME_LINK.sub(r"\1", text) if "](/" in text else text


class Engine(Protocol):
    """A loaded voice: sentences in, one SentenceAudio per sentence out, in order."""

    def synthesize(self, sentences: Sequence[str]) -> Iterator[SentenceAudio]: ...


@dataclass(frozen=True)
class VoiceInfo:
    """One voice an engine offers, with a human note (its language, say)."""

    name: str
    note: str = ""  # e.g. "British English, male; bundled (pip)"
    language: str = ""  # BCP 47 where the engine knows it ("fr-FR"): `voices --check` speaks it


@dataclass(frozen=True)
class EngineInfo:
    """A registry row: what an engine is, its voices, and how to build it.

    Everything but `create` is cheap: no model is loaded, no network touched.
    """

    name: str
    summary: str
    default_voice: str
    voices: Callable[[], list[VoiceInfo]]
    # why this voice cannot speak here and now, or None
    unavailable_reason: Callable[[VoiceSpec], str | None]
    create: Callable[[VoiceSpec], Engine]
    # checks a voice name (and its settings) without loading anything; an error or None
    check_voice: Callable[[str], str | None]
    # what would speak this voice (library/model version): part of every cache key
    revision: Callable[[VoiceSpec], str] = lambda spec: ""
    # one line for `essaycast voices`: where the engine comes from, its settings
    usage: Callable[[], str] = lambda: ""
    online: bool = False
    # online engines only: try the service with this timeout; an error or None
    probe: Callable[[float], str | None] | None = None
    # a spoken sentence -> what this engine is given (lexicon phonemes it cannot read removed)
    prepare: Callable[[str], str] = words_only
    # engines that read misaki phonemes: the ones they would read for a sentence (G2P only)
    phonemes: Callable[[VoiceSpec, str], str] | None = None


_OPTION = re.compile(r"^([a-z]+)(?:=(.*))?$")


def split_voice(voice: str) -> tuple[str, dict[str, str]]:
    """Split "name,key=value,flag" into the name and its settings.

    Settings are taken from the right only while they look like settings, so a
    path with a comma in it stays whole.

    >>> split_voice("en-us+f3,pitch=60")
    ('en-us+f3', {'pitch': '60'})
    >>> split_voice("en,slow")
    ('en', {'slow': ''})
    """
    name, options = voice, {}
    while "," in name:
        head, _, tail = name.rpartition(",")
        match = _OPTION.match(tail.strip())
        if not match:
            break
        options[match.group(1)] = (match.group(2) or "").strip()
        name = head
    return name.strip(), dict(reversed(options.items()))


def check_options(
    engine: str, options: dict[str, str], parsers: Mapping[str, Callable[[str], object]]
) -> str | None:
    """An error for an unknown or malformed setting, naming the choices; else None."""
    for key, value in options.items():
        if key not in parsers:
            choices = ", ".join(parsers) or "none"
            return f"{engine} has no voice setting {key!r}; its settings are {choices}"
        try:
            parsers[key](value)
        except ValueError as exc:
            return f"{engine} voice setting {key}={value!r}: {exc}"
    return None


@functools.cache
def distribution_version(distribution: str) -> str:
    """An installed distribution's version, or "?" (for the sentence cache key)."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "?"


def cpu_session_options() -> Any:
    """onnxruntime SessionOptions for one session per process that uses every core.

    NATIVE_LOCK keeps a second essay from running another inference beside it (that
    would oversubscribe the CPU); "every core" is the cores this process may use (a
    `build --jobs` child is pinned to its share). Every sentence is a new input shape;
    the memory-pattern planner keeps a plan per shape, so memory crept up with essay
    length. Off: flat, and no slower (measured: +5 MB vs +17 MB over 250 sentences;
    bench/RESULTS.md).
    """
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    )
    options.inter_op_num_threads = 1
    options.enable_mem_pattern = False
    return options
