"""Voices behind one interface.

An engine turns sentences into SentenceAudio. ENGINES is the registry: each
row can list its voices and say why it cannot run here, without importing the
engine's heavy libraries or touching the network; the engine itself is built
only on the first sentence the cache does not hold.

A voice name may carry engine settings after commas, so podcast.toml's
[voice] table stays engine, voice, speed: "en-us+f3,pitch=60" (espeak),
"en,tld=co.uk" (gtts), "en_US-joe-medium,volume=0.8" (piper).

Each engine receives a sentence through its row's `prepare`: lexicon phonemes
"[word](/phonemes/)" (misaki's notation) reach hibari and kokoro, and every
other engine reads the word in the brackets.
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

from ..errors import ConfigError
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


def resolve_voice(engine: str, voice: str, speed: float, override: str | None = None) -> VoiceSpec:
    """The VoiceSpec for a show's [voice] settings, optionally overridden.

    `override` (from --voice or an essay's front matter) is "engine:voice",
    "engine", or a voice name of the configured engine (a path to a Piper
    .onnx counts as a voice name). Its errors say "command line"; build.py
    reports a front-matter error by its problems alone, under the essay's file.
    """
    key = "voice.voice"
    if override:
        key = f"voice {override!r}"
        name, sep, rest = override.partition(":")
        if sep and name in ENGINES:
            engine, voice = name, rest or ENGINES[name].default_voice
        elif override in ENGINES:
            engine, voice = override, ENGINES[override].default_voice
        elif sep and len(name) > 1 and engine in ENGINES and ENGINES[engine].check_voice(override):
            # "nosuch:x" is a typo in the engine's name, not a voice called "nosuch:x"
            raise ConfigError(
                f"{key}: unknown engine {name!r}; the engines are {', '.join(ENGINES)}",
                source="command line",
            )
        else:
            voice = override
    if engine not in ENGINES:
        raise ConfigError(
            f"voice.engine: unknown engine {engine!r}; the engines are {', '.join(ENGINES)}"
        )
    voice = voice or ENGINES[engine].default_voice
    problem = ENGINES[engine].check_voice(voice)
    if problem:
        source = "command line" if override else "podcast.toml"
        raise ConfigError(f"{key}: {problem}", source=source)
    return VoiceSpec(engine=engine, voice=voice, speed=speed)


def received(spec: VoiceSpec, phonemes: bool = False) -> Callable[[str], str]:
    """A spoken sentence -> what this voice receives, for `essaycast script`.

    With `phonemes`, a line "  /.../" follows with the phonemes hibari or kokoro
    would read (their G2P only; no voice model is loaded).
    """
    info = ENGINES[spec.engine]
    if phonemes and info.phonemes is None:
        readers = ", ".join(name for name, row in ENGINES.items() if row.phonemes)
        raise ConfigError(
            f"--phonemes: {spec.engine} reads no phonemes from essaycast; use {readers}",
            source="command line",
        )

    def say(spoken: str) -> str:
        text = info.prepare(spoken)
        if phonemes and info.phonemes is not None:
            return f"{text}\n  /{info.phonemes(spec, spoken)}/"
        return text

    return say


@dataclass(frozen=True)
class VoiceRow:
    """A line of `essaycast voices`."""

    engine: str
    voice: str
    status: str  # "ok" or "unavailable: why" or, for online engines, what is known
    note: str = ""


CHECK_SENTENCE = "This is how I sound."


def voice_table(
    engine: str | None = None, check_network: bool = False, speak: bool = False
) -> list[VoiceRow]:
    """Every engine's voices and whether each can speak here and now.

    Loads no model unless `speak` asks: then every offline voice that looks
    usable says one sentence (espeak: its default voice stands for its
    languages). Touches the network only when `check_network` asks.
    """
    if engine is not None and engine not in ENGINES:
        raise ConfigError(
            f"unknown engine {engine!r}; the engines are {', '.join(ENGINES)}",
            source="command line",
        )
    rows: list[VoiceRow] = []
    for info in ENGINES.values():
        if engine is not None and info.name != engine:
            continue
        online_status = None
        if info.online:
            if check_network and info.probe is not None:
                failure = info.probe(2.0)
                online_status = f"unavailable: {failure}" if failure else "ok (online)"
            else:
                online_status = "online; needs network (not checked: --check)"
        for voice in info.voices():
            spec = VoiceSpec(info.name, voice.name)
            reason = info.unavailable_reason(spec)
            status = f"unavailable: {reason}" if reason else online_status or "ok"
            if (
                speak
                and status == "ok"
                and (info.name != "espeak" or voice.name == info.default_voice)
            ):
                status = _speak_once(info, spec)
            note = voice.note
            if voice.name == info.default_voice:
                note = f"{note}; default" if note else "default"
            rows.append(VoiceRow(info.name, voice.name, status, note))
    return rows


def _speak_once(info: EngineInfo, spec: VoiceSpec) -> str:
    """Build the engine and say CHECK_SENTENCE: "ok (spoke ...)" or why it failed."""
    import time

    from ..errors import EngineUnavailable

    started = time.perf_counter()
    try:
        (audio,) = info.create(spec).synthesize([CHECK_SENTENCE])
    except EngineUnavailable as exc:
        return f"failed: {exc.format_message()}"
    seconds = len(audio.pcm) / 2 / audio.sample_rate
    if seconds < 0.3:
        return f"failed: spoke only {seconds:.2f} s for {CHECK_SENTENCE!r}"
    return f"ok (spoke {seconds:.1f} s in {time.perf_counter() - started:.1f} s)"


# Last: the engine modules import the helpers above from this package.
def _registry() -> dict[str, EngineInfo]:
    from . import espeak, gtts, hibari, kokoro, piper

    return {
        "hibari": hibari.INFO,
        "kokoro": kokoro.INFO,
        "piper": piper.INFO,
        "espeak": espeak.INFO,
        "gtts": gtts.INFO,
    }


ENGINES: dict[str, EngineInfo] = _registry()
