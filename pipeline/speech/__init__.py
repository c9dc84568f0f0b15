"""Voices behind one interface.

An engine turns sentences into SentenceAudio. ENGINES is the registry: each
row can list its voices and say why it cannot run here, without importing the
engine's heavy libraries; the engine itself is built only on the first
sentence the cache does not hold.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from ..errors import ConfigError
from ..model import SentenceAudio, VoiceSpec


class Engine(Protocol):
    """A loaded voice: sentences in, one SentenceAudio per sentence out, in order."""

    def synthesize(self, sentences: Sequence[str]) -> Iterator[SentenceAudio]: ...


@dataclass(frozen=True)
class EngineInfo:
    """A registry row: what an engine is, its voices, and how to build it."""

    name: str
    summary: str
    default_voice: str
    voices: Callable[[], list[str]]
    unavailable_reason: Callable[[VoiceSpec], str | None]
    create: Callable[[VoiceSpec], Engine]
    # checks a voice name without loading anything; returns an error or None
    check_voice: Callable[[str], str | None]


def _registry() -> dict[str, EngineInfo]:
    from . import piper

    return {"piper": piper.INFO}


ENGINES: dict[str, EngineInfo] = _registry()


def resolve_voice(engine: str, voice: str, speed: float, override: str | None = None) -> VoiceSpec:
    """The VoiceSpec for a show's [voice] settings, optionally overridden.

    `override` is "engine:voice", "engine", or a voice name of the configured
    engine (a path to a Piper .onnx counts as a voice name).
    """
    if override:
        name, sep, rest = override.partition(":")
        if sep and name in ENGINES:
            engine, voice = name, rest or ENGINES[name].default_voice
        elif override in ENGINES:
            engine, voice = override, ENGINES[override].default_voice
        else:
            voice = override
    if engine not in ENGINES:
        raise ConfigError(
            f"voice.engine: unknown engine {engine!r}; the engines are {', '.join(ENGINES)}"
        )
    problem = ENGINES[engine].check_voice(voice)
    if problem:
        raise ConfigError(f"voice.voice: {problem}")
    return VoiceSpec(engine=engine, voice=voice, speed=speed)
