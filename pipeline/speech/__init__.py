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

from collections.abc import Callable
from dataclasses import dataclass

from ..errors import ConfigError
from ..model import VoiceSpec
from .base import (
    NATIVE_LOCK,
    OFFLINE_ENGINES,
    PHONEME_LINK,
    Engine,
    EngineInfo,
    VoiceInfo,
    check_options,
    cpu_session_options,
    distribution_version,
    split_voice,
    words_only,
)

__all__ = [
    "ENGINES",
    "NATIVE_LOCK",
    "OFFLINE_ENGINES",
    "PHONEME_LINK",
    "Engine",
    "EngineInfo",
    "VoiceInfo",
    "VoiceRow",
    "check_options",
    "cpu_session_options",
    "distribution_version",
    "received",
    "resolve_voice",
    "split_voice",
    "voice_table",
    "words_only",
]


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
# `voices --check` says one sentence in each voice's own language
CHECK_SENTENCES = {
    "en": CHECK_SENTENCE,
    "fr": "Voici comment je parle.",
    "es": "Así es como hablo.",
    "it": "Ecco come parlo.",
    "pt": "É assim que eu falo.",
    "de": "So klinge ich.",
}


def check_sentence(language: str) -> str:
    """The sentence `voices --check` says in a voice of `language` (BCP 47; English if unknown)."""
    return CHECK_SENTENCES.get(language.split("-")[0].lower(), CHECK_SENTENCE)


def voice_table(
    engine: str | None = None, check_network: bool = False, speak: bool = False
) -> list[VoiceRow]:
    """Every engine's voices and whether each can speak here and now.

    Loads no model unless `speak` asks: then every offline voice that looks
    usable says one sentence in its own language (espeak: its default voice
    stands for its languages). Touches the network only when `check_network` asks.
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
                status = _speak_once(info, spec, check_sentence(voice.language))
            note = voice.note
            if voice.name == info.default_voice:
                note = f"{note}; default" if note else "default"
            rows.append(VoiceRow(info.name, voice.name, status, note))
    return rows


def _speak_once(info: EngineInfo, spec: VoiceSpec, sentence: str = CHECK_SENTENCE) -> str:
    """Build the engine and say `sentence`: "ok (spoke ...)" or why it failed."""
    import time

    from ..errors import EngineUnavailable

    started = time.perf_counter()
    try:
        (audio,) = info.create(spec).synthesize([sentence])
    except EngineUnavailable as exc:
        return f"failed: {exc.format_message()}"
    seconds = len(audio.pcm) / 2 / audio.sample_rate
    if seconds < 0.3:
        return f"failed: spoke only {seconds:.2f} s for {sentence!r}"
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
