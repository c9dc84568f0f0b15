"""espeak-ng: offline formant voices in about a hundred languages.

The espeak-ng that speaks is the one inside Piper's wheel: its `espeakbridge`
extension links all of libespeak-ng and exports the C API, so ctypes can drive
espeak_Synth with nothing else installed (SPEC §2). A system `espeak-ng` on
PATH is the fallback when that library is missing.

Voice names: a language ("en-us", "de", "fr") with an optional variant
("en-us+f3"); settings: ",pitch=0..100" (50 is the voice's own pitch).
Speed scales espeak's 175 words a minute.

Word timings: espeak-ng reports each word as it speaks it (an espeakEVENT_WORD
with its character position and its time in ms, through the synth callback);
each written word starts at its event and ends where the next begins. The
system executable reports none: there, words are spread over the voiced
stretches found by energy (words.voiced_words), as for gTTS.
"""

from __future__ import annotations

import atexit
import ctypes
import functools
import hashlib
import re
import shutil
import struct
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path

from ..errors import EngineUnavailable
from ..model import SentenceAudio, VoiceSpec, Word
from .base import NATIVE_LOCK, EngineInfo, VoiceInfo, check_options, split_voice
from .words import fit_groups, is_word, voiced_words

DEFAULT_VOICE = "en-us"
BASE_RATE = 175  # espeak-ng's default words per minute
DEFAULT_PITCH = 50

# from espeak-ng's speak_lib.h
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000  # report a data error instead of exit()ing our process
_CHARS_UTF8 = 1
_POS_CHARACTER = 1
_RATE, _PITCH = 1, 3


class _Event(ctypes.Structure):
    """espeak_EVENT (speak_lib.h): what the synth callback is told beside the samples."""

    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),  # 1-based, in characters of the text
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),  # milliseconds into the utterance
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", ctypes.c_char * 8),  # a union of an int, a pointer and 8 chars
    ]


_EVENT_END_OF_LIST, _EVENT_WORD = 0, 1
_SYNTH_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)


def _pitch(value: str) -> int:
    pitch = int(value)
    if not 0 <= pitch <= 100:
        raise ValueError("use 0 to 100 (50 is the voice's own pitch)")
    return pitch


SETTINGS = {"pitch": _pitch}


@dataclass(frozen=True)
class Backend:
    """Where espeak-ng lives here: Piper's library or a system executable."""

    kind: str  # "piper" (ctypes on Piper's espeakbridge) or "system" (espeak-ng --stdout)
    path: Path
    data_dir: Path
    version: str


@functools.cache
def find_backend() -> tuple[Backend | None, str]:
    """The espeak-ng to use, or None and why there is none; cheap, remembered."""
    spec = find_spec("piper")
    if spec is not None and spec.submodule_search_locations:
        piper_dir = Path(next(iter(spec.submodule_search_locations)))
        data_dir = piper_dir / "espeak-ng-data"
        for library in sorted(piper_dir.glob("espeakbridge*")):
            if library.suffix not in (".so", ".pyd", ".dylib") or not data_dir.is_dir():
                continue
            try:
                lib = ctypes.CDLL(str(library))
            except OSError:
                continue
            if hasattr(lib, "espeak_Synth") and hasattr(lib, "espeak_Info"):
                lib.espeak_Info.restype = ctypes.c_char_p
                lib.espeak_Info.argtypes = [ctypes.c_void_p]
                version = (lib.espeak_Info(None) or b"?").decode("ascii", "replace")
                return Backend("piper", library, data_dir, version), ""
    exe = shutil.which("espeak-ng")
    if exe:
        try:
            out = subprocess.run(
                [exe, "--version"], capture_output=True, text=True, timeout=10
            ).stdout
        except (OSError, subprocess.TimeoutExpired) as exc:
            return None, f"{exe} does not run: {exc}"
        # "eSpeak NG text-to-speech: 1.51  Data at: /usr/lib/x86_64-linux-gnu/espeak-ng-data"
        version = out.split(":", 1)[-1].split("Data at:")[0].strip() or "?"
        data = out.split("Data at:", 1)[-1].strip() if "Data at:" in out else ""
        return Backend("system", Path(exe), Path(data), version), ""
    return None, (
        "no espeak-ng here: piper-tts (whose wheel carries it) is not installed and "
        "there is no espeak-ng on PATH; pip install piper-tts"
    )


@dataclass(frozen=True)
class Language:
    """An espeak-ng voice file: what SetVoiceByName takes, and the language's name."""

    file: str  # the file's name, e.g. "en-US": espeak-ng finds voices by it
    title: str  # e.g. "English (America)"


@functools.cache
def languages(data_dir: Path) -> dict[str, Language]:
    """Voice names espeak-ng accepts here (lower case) -> its voice file."""
    files: dict[str, Language] = {}
    aliases: dict[str, tuple[int, Language]] = {}
    for path in sorted((data_dir / "lang").rglob("*")):
        if not path.is_file():
            continue
        title, codes = path.name, []
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.strip().partition(" ")
            if key == "name":
                title = value.strip()
            elif key == "language" and value.split():
                code, *priority = value.split()
                codes.append(
                    (
                        code.lower(),
                        int(priority[0]) if priority[0:1] and priority[0].isdigit() else 5,
                    )
                )
        language = Language(path.name, title)
        files[path.name.lower()] = language
        for code, rank in codes:
            if code not in aliases or rank < aliases[code][0]:
                aliases[code] = (rank, language)
    # A language code that names no file ("en-gb") means the file that claims it
    # first: espeak_SetVoiceByName itself only knows file and voice names.
    return {**{code: lang for code, (_, lang) in aliases.items()}, **files}


@functools.cache
def variants(data_dir: Path) -> list[str]:
    """Voice variants ("f3", "klatt", ...) that may follow a language after '+'."""
    folder = data_dir / "voices" / "!v"
    return sorted(p.name for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []


def check_voice(voice: str) -> str | None:
    """Why this espeak voice name cannot be used, or None; loads nothing."""
    backend, _ = find_backend()
    name, settings = split_voice(voice)
    if backend is None or not (backend.data_dir / "lang").is_dir():
        # nothing to check against; the engine says why it cannot run when asked to
        return check_options("espeak", settings, SETTINGS)
    language, _, variant = name.partition("+")
    known = languages(backend.data_dir)
    if language.lower() not in known:
        return (
            f"unknown espeak voice {language!r}; use a language such as en-us, en-gb, de, fr, "
            "es (`essaycast voices espeak` lists them all), "
            'optionally with a variant: "en-us+f3"'
        )
    if variant and variant not in variants(backend.data_dir):
        some = ", ".join(v for v in variants(backend.data_dir) if len(v) <= 2)
        return f"unknown espeak variant {variant!r}; use e.g. {some}"
    return check_options("espeak", settings, SETTINGS)


def unavailable_reason(spec: VoiceSpec) -> str | None:
    """Why espeak-ng cannot speak this voice here, or None."""
    backend, why = find_backend()
    if backend is None:
        return why
    return check_voice(spec.voice)


def revision(spec: VoiceSpec) -> str:
    backend, _ = find_backend()
    if backend is None:
        return "none"
    if backend.kind == "piper":
        return f"espeak-ng {backend.version} from piper-tts {_piper_version()}"
    return f"espeak-ng {backend.version} system"


def _piper_version() -> str:
    try:
        return metadata.version("piper-tts")
    except metadata.PackageNotFoundError:
        return "?"


class _Library:
    """One fresh instance of libespeak-ng through ctypes, for one sentence.

    espeak-ng keeps state from one utterance to the next (its random seed, the
    phase of its flutter and voicing): the same sentence spoken twice in one
    process gives different samples, and espeak_ng_SetRandSeed alone does not
    make them equal (measured). So every sentence gets a library with no past:
    a private copy of Piper's espeakbridge (its own statics, not shared with
    Piper's phonemizer), loaded, initialised, seeded, spoken and unloaded again.
    That costs ~5 ms a sentence; espeak speaks one in about as long.
    """

    def __init__(self, path: Path, data_dir: Path) -> None:
        lib = ctypes.CDLL(str(path))
        self.handle = lib._handle
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetSynthCallback.restype = None
        lib.espeak_SetSynthCallback.argtypes = [_SYNTH_CALLBACK]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.restype = ctypes.c_int
        lib.espeak_Synth.argtypes = [
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        lib.espeak_Terminate.restype = ctypes.c_int
        lib.espeak_Terminate.argtypes = []
        self.lib = lib
        self.sample_rate = 0
        rate = lib.espeak_Initialize(
            _AUDIO_OUTPUT_SYNCHRONOUS, 0, str(data_dir).encode(), _INITIALIZE_DONT_EXIT
        )
        if rate <= 0:
            self.close()
            raise EngineUnavailable(f"espeak: espeak-ng cannot read its data in {data_dir}")
        self.sample_rate = rate
        self._chunks: list[bytes] = []
        self._words: list[tuple[float, int]] = []  # (seconds, character) of each word event
        self._callback = _SYNTH_CALLBACK(self._collect)  # kept alive as long as the library

    def _collect(self, wav: ctypes._Pointer, count: int, events: ctypes._Pointer) -> int:
        if count > 0 and wav:
            self._chunks.append(ctypes.string_at(wav, count * 2))
        if events:
            k = 0
            while events[k].type != _EVENT_END_OF_LIST:
                if events[k].type == _EVENT_WORD:
                    event = events[k]
                    self._words.append((event.audio_position / 1000, event.text_position - 1))
                k += 1
        return 0  # 0: go on synthesising

    def speak(self, text: str, voice: str, rate: int, pitch: int) -> tuple[bytes, tuple[Word, ...]]:
        """The sentence's samples and its words, timed by espeak's own word events."""
        data = text.encode("utf-8") + b"\0"
        self.lib.espeak_SetSynthCallback(self._callback)
        if self.lib.espeak_SetVoiceByName(voice.encode("utf-8")) != 0:
            raise EngineUnavailable(f"espeak: espeak-ng has no voice {voice!r}")
        self.lib.espeak_SetParameter(_RATE, rate, 0)
        self.lib.espeak_SetParameter(_PITCH, pitch, 0)
        if hasattr(self.lib, "espeak_ng_SetRandSeed"):  # espeak-ng >= 1.52
            seed = hashlib.sha256(f"{voice}|{rate}|{pitch}|{text}".encode()).digest()
            self.lib.espeak_ng_SetRandSeed(ctypes.c_long(int.from_bytes(seed[:4], "little")))
        self._chunks, self._words = [], []
        error = self.lib.espeak_Synth(
            data, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None
        )
        chunks, self._chunks = self._chunks, []
        if error != 0:
            raise EngineUnavailable(f"espeak: espeak-ng failed on {text[:40]!r} (error {error})")
        pcm = b"".join(chunks)
        return pcm, event_words(text, self._words, len(pcm) / 2 / self.sample_rate)

    def close(self) -> None:
        import _ctypes

        # espeak_Terminate frees the phoneme data and dictionary (~0.9 MB a time)
        if getattr(self, "sample_rate", 0) > 0:
            self.lib.espeak_Terminate()
        _ctypes.dlclose(self.handle)


@functools.cache
def _private_copy(library: Path) -> Path:
    """A copy of `library` that nothing else in this process has loaded."""
    folder = Path(tempfile.mkdtemp(prefix="essaycast-espeak-"))
    atexit.register(shutil.rmtree, folder, True)
    copy = folder / library.name
    shutil.copyfile(library, copy)
    return copy


def event_words(text: str, events: list[tuple[float, int]], duration: float) -> tuple[Word, ...]:
    """The text's words timed by espeak's word events: each whitespace-separated token
    starts at the first event inside it and ends where the next timed token starts (the
    last, at the end of the audio). A token espeak sent no event for shares its
    neighbour's span (words.fit_groups).

    >>> timed = event_words("Hi there, you.", [(0.1, 0), (0.4, 3), (0.9, 10)], 1.5)
    >>> [(w.start, w.end, w.text) for w in timed]
    [(0.1, 0.4, 'Hi'), (0.4, 0.9, 'there,'), (0.9, 1.5, 'you.')]
    """
    tokens = [(m.start(), m.end(), m.group()) for m in re.finditer(r"\S+", text)]
    tokens = [t for t in tokens if is_word(t[2])]
    starts: list[float | None] = [None] * len(tokens)
    for seconds, at in sorted(events, key=lambda e: e[0]):
        for k, (a, b, _) in enumerate(tokens):
            if a <= at < b:
                if starts[k] is None:
                    starts[k] = seconds
                break
    timed = [(start, tokens[k][2]) for k, start in enumerate(starts) if start is not None]
    if not timed:
        return ()
    groups = [
        (start, timed[n + 1][0] if n + 1 < len(timed) else duration, len(name))
        for n, (start, name) in enumerate(timed)
    ]
    groups = [(a, max(a, b), size) for a, b, size in groups]
    return fit_groups(groups, [name for _, _, name in tokens])


def speak_with_library(
    backend: Backend, text: str, voice: str, rate: int, pitch: int
) -> tuple[bytes, int, tuple[Word, ...]]:
    """PCM, sample rate and word timings from a fresh libespeak-ng: the same text, the
    same samples."""
    # Piper's phonemizer drives the same C library: nobody else in until we are done
    with NATIVE_LOCK:
        library = _Library(_private_copy(backend.path), backend.data_dir)
        try:
            pcm, words = library.speak(text, voice, rate, pitch)
            return pcm, library.sample_rate, words
        finally:
            library.close()


def speak_with_executable(
    exe: Path, text: str, voice: str, rate: int, pitch: int
) -> tuple[bytes, int]:
    """PCM and sample rate from `espeak-ng --stdout`, the text given on stdin."""
    proc = subprocess.run(
        [
            str(exe),
            "--stdout",
            "--stdin",
            "-b",
            "1",
            "-v",
            voice,
            "-s",
            str(rate),
            "-p",
            str(pitch),
        ],
        input=text.encode("utf-8"),
        capture_output=True,
    )
    if proc.returncode != 0:
        last = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise EngineUnavailable(f"espeak: {exe} failed: {last[-1] if last else proc.returncode}")
    return wav_pcm(proc.stdout)


def wav_pcm(data: bytes) -> tuple[bytes, int]:
    """16-bit mono PCM and sample rate from a WAV, even a streamed one with a bogus size."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise EngineUnavailable("espeak: espeak-ng did not write a WAV")
    pos, rate = 12, 0
    while pos + 8 <= len(data):
        chunk, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        if chunk == b"fmt ":
            rate = struct.unpack("<I", data[pos + 12 : pos + 16])[0]
        elif chunk == b"data":
            pcm = data[pos + 8 : pos + 8 + size]  # a streamed WAV's size runs past the end
            return pcm[: len(pcm) // 2 * 2], rate
        pos += 8 + size + (size & 1)
    raise EngineUnavailable("espeak: espeak-ng wrote a WAV without audio")


class EspeakEngine:
    """espeak-ng with one voice, rate and pitch."""

    def __init__(self, spec: VoiceSpec) -> None:
        problem = unavailable_reason(spec)
        backend, _ = find_backend()
        if problem or backend is None:
            raise EngineUnavailable(f"espeak: {problem}")
        name, settings = split_voice(spec.voice)
        language, plus, variant = name.partition("+")
        known = languages(backend.data_dir) if (backend.data_dir / "lang").is_dir() else {}
        if language.lower() in known:
            language = known[language.lower()].file
        self.voice = f"{language}{plus}{variant}"
        self.rate = max(80, min(450, round(BASE_RATE * spec.speed)))
        self.pitch = _pitch(settings["pitch"]) if "pitch" in settings else DEFAULT_PITCH
        self._speak: Callable[[str], tuple[bytes, int, tuple[Word, ...]]]
        if backend.kind == "piper":
            self._speak = lambda text: speak_with_library(
                backend, text, self.voice, self.rate, self.pitch
            )
        else:  # a new process per sentence: no state carried from one to the next
            self._speak = lambda text: _with_voiced_words(
                text, *speak_with_executable(backend.path, text, self.voice, self.rate, self.pitch)
            )

    def synthesize(self, sentences: Sequence[str]) -> Iterator[SentenceAudio]:
        for sentence in sentences:
            pcm, rate, words = self._speak(sentence)
            yield SentenceAudio(text=sentence, pcm=pcm, sample_rate=rate, words=words)


def _with_voiced_words(text: str, pcm: bytes, rate: int) -> tuple[bytes, int, tuple[Word, ...]]:
    # `espeak-ng --stdout` reports no events: words spread over the voiced stretches
    return pcm, rate, voiced_words(pcm, rate, text)


def _voices() -> list[VoiceInfo]:
    backend, _ = find_backend()
    if backend is None or not (backend.data_dir / "lang").is_dir():
        return [VoiceInfo(DEFAULT_VOICE, "English (America)")]
    # list the voice files; the bare language codes they also answer to are implied
    found = languages(backend.data_dir)
    names = {p.name.lower() for p in (backend.data_dir / "lang").rglob("*") if p.is_file()}
    return [VoiceInfo(name, found[name].title) for name in sorted(names)]


def _usage() -> str:
    backend, why = find_backend()
    if backend is None:
        where = why
    else:
        origin = "piper-tts" if backend.kind == "piper" else str(backend.path)
        where = f"espeak-ng {backend.version} from {origin}"
    some = " ".join(variants(backend.data_dir)) if backend else ""
    return (
        f'{where}. Settings: speed; pitch=0..100, e.g. "en-us+f3,pitch=60". '
        + (f"Variants (+NAME): {some}" if some else "")
    ).strip()


INFO = EngineInfo(
    name="espeak",
    summary="offline formant voices in about a hundred languages (espeak-ng)",
    default_voice=DEFAULT_VOICE,
    voices=_voices,
    unavailable_reason=unavailable_reason,
    create=EspeakEngine,
    check_voice=check_voice,
    revision=revision,
    usage=_usage,
)
