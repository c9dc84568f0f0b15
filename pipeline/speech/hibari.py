"""hibari: a tiny offline neural voice (ONNX, distilled from Kokoro-82M af_heart).

`hibari-tts` carries one voice, "heart" (American English, female), and its own
G2P; everything is inside the wheel. Its other voices download on first use,
so essaycast never names one: the model is loaded from the wheel's own file by
path, and hibari's download code is never reached.

Speed is hibari's own (0.5 slow to 2.0 fast). Its only randomness, the noise
component of each frame, is seeded from the sentence itself, so the same
sentence gives the same samples in any process.

The lexicon may give hibari phonemes in its own notation (misaki's, as in
`essaycast script --phonemes`): `Ishiguro = "[Ishiguro](/ˌɪʃɪɡˈʊɹO/)"`. Other
engines read the word in the brackets; hibari and kokoro read the phonemes.
Piper's `[[ ... ]]` phonemes mean nothing to hibari and are left out.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import threading
from collections.abc import Iterator, Sequence
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from ..errors import EngineUnavailable
from ..model import SentenceAudio, VoiceSpec
from .base import EngineInfo, VoiceInfo, check_options, distribution_version, split_voice

log = logging.getLogger(__name__)

DEFAULT_VOICE = "heart"
DISTRIBUTION = "hibari-tts"
PIN = "0.2.1"  # pyproject pins it exactly: a young single-author project
SAMPLE_RATE = 24_000
# The only voice inside the wheel. Never pass another name to hibari: it would download it.
VOICES = {"heart": ("American English", "female", "hibari.onnx")}

PIPER_PHONEMES = re.compile(r"\[\[.*?\]\]", re.S)


def prepare(text: str) -> str:
    """What hibari (or kokoro) is given for a spoken sentence: Piper's phonemes left out.

    >>> prepare("Kazuo [Ishiguro](/ˌɪʃɪɡˈʊɹO/) and [[ b'a:n ]] too.")
    'Kazuo [Ishiguro](/ˌɪʃɪɡˈʊɹO/) and too.'
    """
    if "[[" not in text:
        return text
    return " ".join(PIPER_PHONEMES.sub(" ", text).split())


def package_dir() -> Path | None:
    """hibari's package folder, found without importing it."""
    spec = find_spec("hibari")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def model_file(voice: str = DEFAULT_VOICE) -> Path | None:
    folder = package_dir()
    return folder / "assets" / VOICES[voice][2] if folder else None


def check_voice(voice: str) -> str | None:
    """Why this hibari voice name cannot be used, or None; loads nothing."""
    name, settings = split_voice(voice)
    if name not in VOICES:
        return f"unknown hibari voice {name!r}; use {', '.join(VOICES)}"
    return check_options("hibari", settings, {})


def unavailable_reason(spec: VoiceSpec) -> str | None:
    """Why hibari cannot speak here, or None; imports nothing heavy."""
    problem = check_voice(spec.voice)
    if problem:
        return problem
    path = model_file(split_voice(spec.voice)[0])
    if path is None or find_spec("onnxruntime") is None:
        return f"hibari-tts is not installed; pip install {DISTRIBUTION}=={PIN}"
    if not path.is_file():
        return (
            f"hibari's voice file {path} is missing; pip install --force-reinstall "
            f"{DISTRIBUTION}=={PIN}"
        )
    return None


def revision(spec: VoiceSpec) -> str:
    """hibari's version and its FFT backend (scipy's and numpy's round differently)."""
    fft = "scipy" if find_spec("scipy") is not None else "numpy"
    return f"{DISTRIBUTION} {distribution_version(DISTRIBUTION)}; fft {fft}"


def seed_for(text: str, speed: float) -> int:
    """The noise seed for one sentence: from what is spoken, never from the clock.

    >>> seed_for("Hello.", 1.0) == seed_for("Hello.", 1.0) != seed_for("Hello!", 1.0)
    True
    """
    digest = hashlib.sha256(f"{speed!r}\0{text}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


_LOAD_LOCK = threading.Lock()
# hibari's G2P keeps lazily loaded state (its OOV net) and is shared by every speed; the
# ONNX run needs no lock: one thread each, two jobs may speak at once on the two cores
_G2P_LOCK = threading.Lock()


FRAME = 600  # samples per predicted frame: two of the decoder's 300-sample STFT hops at 24 kHz
# hibari's inverse STFT (n_fft 1200, Hann) centres each spectrum frame on its hop, so a
# phoneme's first frame is heard from half a window (600 samples, 25 ms) before the
# sample the frame counts put it at: a word is timed from where its sound begins.
# Measured on the sample show against energy onsets after silence: words were 42 ms
# late without it (bench/RESULTS.md, "Word timings against two references").
SOUND_LEAD = 600
# ...and a word after a separator (space, punctuation, pause), not the start pad, is
# already heard in the separator's last frame (the decoder's convolutions run across
# frames): measured, such words stayed 22 ms late against onsets after silence and
# 38 ms later against pocketsphinx than sentence starts were.
FROM_SEPARATOR = FRAME


@functools.lru_cache(maxsize=1)
def _load(path: str) -> tuple[Any, str | None]:
    """One Hibari per process: its ONNX session on one core, its US G2P; and the name of
    its per-phoneme frame counts, made a model output (None if the model has no such node).
    """
    import tempfile

    from hibari import Hibari

    from .onnx_noise import seeded_pieces, tensor_after

    data = Path(path).read_bytes()
    # the duration predictor's rounded frames: Round -> Clip -> Cast(int64), before the
    # length regulator; exposed as an output, which changes no sample
    durations = tensor_after(data, ("Round", "Clip", "Cast"))
    pieces, _ = seeded_pieces(data, (durations,) if durations else ())
    with tempfile.TemporaryDirectory(prefix="essaycast-hibari-") as scratch:
        edited = Path(scratch) / Path(path).name
        with open(edited, "wb") as out:
            out.writelines(pieces)
        del pieces, data
        # model= by path, so hibari never resolves (or downloads) a voice by name;
        # one thread: hibari is ~100x real time on a core, the other core is the pipeline's
        tts = Hibari(voice=DEFAULT_VOICE, model=str(edited), threads=1)
    tts.g2p  # noqa: B018 - load the G2P now, not racing in two jobs
    return tts, durations


def to_pcm(audio: Any) -> bytes:
    """float32 samples in -1..1 -> 16-bit little-endian PCM (as hibari's own write_wav)."""
    import numpy as np

    return (np.clip(audio, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()


class HibariEngine:
    """hibari's voice "heart": one sentence at a time, each yielded as soon as it is made.

    Word timings come from the model's own duration predictor: each phoneme id's frame
    count (an output added to the graph), summed over the phonemes hibari's G2P made
    from each word, 600 samples a frame (speed is already in the counts), moved earlier
    by the half synthesis window the sound runs ahead of its frames (SOUND_LEAD); a word
    after a separator also takes the separator's last frame (FROM_SEPARATOR).
    """

    sample_rate = SAMPLE_RATE

    def __init__(self, spec: VoiceSpec) -> None:
        problem = unavailable_reason(spec)
        if problem:
            raise EngineUnavailable(f"hibari: {problem}")
        path = model_file(split_voice(spec.voice)[0])
        assert path is not None  # checked above
        with _LOAD_LOCK:
            self.tts, self.durations = _load(str(path))
        self.speed = spec.speed

    def phonemes(self, sentence: str) -> list[str]:
        """hibari's phoneme chunks for one sentence (long ones split at clause marks)."""
        with _G2P_LOCK:
            return self.tts.phonemize(prepare(sentence))

    def _owners(self, sentence: str, chunks: list[str]) -> tuple[list[list[int | None]], list[str]]:
        """Whose each phoneme of each chunk is (the index of its word), and the words."""
        from .words import owned_phonemes, owners_of

        phonemes: list[str] = []
        owners: list[int | None] = []
        names: list[str] = []
        with _G2P_LOCK:
            for line in self.tts.split_sentences(prepare(sentence)):
                ps, mine, words = owned_phonemes(self.tts.g2p, line)
                if phonemes:
                    phonemes.append(" ")
                    owners.append(None)
                phonemes.append(ps)
                owners += [None if o is None else o + len(names) for o in mine]
                names += words
        found = owners_of(chunks, "".join(phonemes), owners)
        if found is None:  # pragma: no cover - hibari's G2P changed its joins
            log.warning("hibari: no word timings for %r (phonemes did not line up)", sentence)
            return [[None] * len(c) for c in chunks], []
        return found, names

    def synthesize(self, sentences: Sequence[str]) -> Iterator[SentenceAudio]:
        import numpy as np
        from hibari import dsp

        from .words import timed_tokens, to_words

        vocab = self.tts.vocab
        for sentence in sentences:
            rng = np.random.default_rng(seed_for(sentence, self.speed))
            chunks = self.phonemes(sentence)
            owners, names = self._owners(sentence, chunks) if self.durations else ([], [])
            parts = []
            spans: dict[int, tuple[int, int]] = {}
            at = 0
            for n, chunk in enumerate(chunks):
                ids = self.tts.ids(chunk)
                if len(ids) < 3:  # as hibari's from_ids: nothing to say, no noise drawn
                    continue
                feed = {
                    "ids": np.asarray([ids], np.int64),
                    "speed": np.asarray([self.speed], np.float32),
                }
                out = self.tts.sess.run(None, feed)
                parts.append(dsp.synth(*(o[0] for o in out[:6]), rng))
                if self.durations and names:
                    mine = [
                        None,
                        *(o for c, o in zip(chunk, owners[n], strict=True) if c in vocab),
                        None,
                    ]
                    frames = out[6].reshape(-1).tolist()
                    if len(frames) == len(mine) and sum(frames) * FRAME == len(parts[-1]):
                        timed = timed_tokens(frames, mine, FRAME, SOUND_LEAD, FROM_SEPARATOR)
                        for owner, (a, b) in timed.items():
                            a, b = a + at, b + at
                            old = spans.get(owner)
                            spans[owner] = (min(old[0], a), max(old[1], b)) if old else (a, b)
                at += len(parts[-1])
            audio = np.concatenate(parts) if parts else np.zeros(0, np.float32)
            yield SentenceAudio(
                text=sentence,
                pcm=to_pcm(audio),
                sample_rate=SAMPLE_RATE,
                words=to_words(spans, names, SAMPLE_RATE),
            )


@functools.lru_cache(maxsize=2)
def g2p(british: bool = False) -> Any:
    """hibari's G2P alone (no voice model): for kokoro and `essaycast script --phonemes`."""
    from hibari.g2p import G2P

    return G2P(british=british)


def phonemize(text: str, british: bool = False) -> str:
    """One sentence in misaki phonemes, as hibari or kokoro would read it."""
    with _G2P_LOCK:
        return g2p(british)(prepare(text))


def _voices() -> list[VoiceInfo]:
    return [
        VoiceInfo(name, f"{accent}, {gender}; bundled (pip)")
        for name, (accent, gender, _) in VOICES.items()
    ]


def _usage() -> str:
    return (
        f"{DISTRIBUTION} {distribution_version(DISTRIBUTION)} (Apache-2.0). "
        "Settings: speed (0.5..2.0). "
        'Lexicon phonemes in its own notation: word = "[word](/phonemes/)"; '
        "`essaycast script --phonemes` shows what it reads"
    )


INFO = EngineInfo(
    name="hibari",
    summary='offline neural voice, tiny and fast (ONNX, distilled Kokoro); voice "heart"',
    default_voice=DEFAULT_VOICE,
    voices=_voices,
    unavailable_reason=unavailable_reason,
    create=HibariEngine,
    check_voice=check_voice,
    revision=revision,
    usage=_usage,
    prepare=prepare,
    phonemes=lambda spec, text: phonemize(text),
)
