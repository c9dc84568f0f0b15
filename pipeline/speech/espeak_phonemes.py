"""espeak-ng phonemes in Kokoro's symbols, made as misaki's EspeakG2P makes them.

Kokoro-82M learned French, Spanish, Italian and Portuguese from misaki's EspeakG2P
(misaki/espeak.py): phonemizer 3.3's espeak backend (IPA with stress marks, '^' tied
inside a phoneme, language-switch flags removed, punctuation kept) and a small table,
E2M, that folds tied pairs into Kokoro's one-letter symbols. This module makes the same
string with the espeak-ng inside Piper's wheel, through ctypes: neither phonemizer nor
misaki is needed, and nothing is fetched.

The lexicon's phoneme form `[word](/phonemes/)` gives Kokoro symbols directly: the
phonemes go in as written, the text around them through espeak-ng.
"""

from __future__ import annotations

import atexit
import ctypes
import functools
import re
import shutil
import tempfile
import threading
from importlib.util import find_spec
from pathlib import Path

from ..errors import EngineUnavailable
from .base import PHONEME_LINK

# misaki.espeak.EspeakG2P.E2M, applied in the same (sorted) order
E2M = sorted(
    {
        "a^ɪ": "I",
        "a^ʊ": "W",
        "d^z": "ʣ",
        "d^ʒ": "ʤ",
        "e^ɪ": "A",
        "o^ʊ": "O",
        "ə^ʊ": "Q",
        "s^s": "S",
        "t^s": "ʦ",
        "t^ʃ": "ʧ",
        "ɔ^ɪ": "Y",
    }.items()
)
TIE = "^"  # misaki's tie character; espeak-ng writes U+0361, phonemizer swaps it
_ESPEAK_TIE = "\u0361"

# phonemizer 3.3's default punctuation marks (phonemizer/punctuation.py, _DEFAULT_MARKS)
MARKS = ';:,.!?¡¿—…"«»“”(){}[]'
_MARKS_RE = re.compile(rf"(\s*[{re.escape(MARKS)}]+\s*)+")
_FLAGS = re.compile(r"\(.+?\)")  # espeak-ng's language switches: "(en)week-end(fr)"

# espeak_TextToPhonemes: UTF-8 text; IPA (0x02), ties (0x80) with U+0361 (bits 8..23)
_TEXT_UTF8 = 1
_PHONEME_MODE = 0x02 | 0x80 | (ord(_ESPEAK_TIE) << 8)
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000
_MISSING = (
    "kokoro's French, Spanish, Italian and Portuguese voices read espeak-ng's phonemes "
    "from Piper's wheel; pip install piper-tts"
)


@functools.cache
def piper_library() -> tuple[Path, Path] | None:
    """Piper's espeakbridge library (all of libespeak-ng) and its espeak-ng-data, or None.

    Found as espeak.py finds it, without importing the espeak engine: engines are siblings.
    """
    spec = find_spec("piper")
    if spec is None or not spec.submodule_search_locations:
        return None
    piper_dir = Path(next(iter(spec.submodule_search_locations)))
    data_dir = piper_dir / "espeak-ng-data"
    for library in sorted(piper_dir.glob("espeakbridge*")):
        if library.suffix in (".so", ".pyd", ".dylib") and data_dir.is_dir():
            return library, data_dir
    return None


class _Phonemizer:
    """A private copy of Piper's libespeak-ng that only ever makes phonemes.

    Its own copy of the library, so its state is shared neither with Piper's phonemizer
    nor with the espeak engine, which loads and unloads a library per sentence.
    """

    def __init__(self, library: Path, data_dir: Path) -> None:
        folder = Path(tempfile.mkdtemp(prefix="essaycast-kokoro-g2p-"))
        atexit.register(shutil.rmtree, folder, True)
        copy = folder / library.name
        shutil.copyfile(library, copy)
        lib = ctypes.CDLL(str(copy))
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
        lib.espeak_TextToPhonemes.argtypes = [
            ctypes.POINTER(ctypes.c_char_p),
            ctypes.c_int,
            ctypes.c_int,
        ]
        rate = lib.espeak_Initialize(
            _AUDIO_OUTPUT_SYNCHRONOUS, 0, str(data_dir).encode(), _INITIALIZE_DONT_EXIT
        )
        if rate <= 0:
            raise EngineUnavailable(f"kokoro: espeak-ng cannot read its data in {data_dir}")
        self.lib = lib
        self.voice = ""

    def text_to_phonemes(self, text: str, voice: str) -> str:
        """phonemizer's EspeakWrapper.text_to_phonemes(text, tie=True): clause by clause."""
        if voice != self.voice:
            if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise EngineUnavailable(f"kokoro: espeak-ng has no voice {voice!r}")
            self.voice = voice
        pointer = ctypes.pointer(ctypes.c_char_p(text.encode("utf-8")))
        result = []
        while pointer.contents.value is not None:
            phonemes = self.lib.espeak_TextToPhonemes(pointer, _TEXT_UTF8, _PHONEME_MODE)
            if phonemes:
                result.append(phonemes.decode("utf-8"))
        return " ".join(result)


_LOCK = threading.Lock()


@functools.lru_cache(maxsize=1)
def _phonemizer() -> _Phonemizer:
    found = piper_library()
    if found is None:
        raise EngineUnavailable(f"kokoro: {_MISSING}")
    return _Phonemizer(*found)


def unavailable_reason() -> str | None:
    """Why espeak-ng phonemes cannot be made here, or None; loads nothing."""
    return _MISSING if piper_library() is None else None


def _postprocess(line: str) -> str:
    """phonemizer's EspeakBackend._postprocess_line with stress kept, a tie and no strip."""
    line = line.strip().replace("\n", " ").replace("  ", " ")
    line = re.sub(r"_+", "_", line)
    line = re.sub(r"_ ", " ", line)
    line = _FLAGS.sub("", line)  # language_switch="remove-flags"
    if not line:
        return ""
    return "".join(word.strip().replace(_ESPEAK_TIE, TIE) + " " for word in line.split(" "))


def _preserve(line: str) -> tuple[list[str], list[tuple[str, str]]]:
    """phonemizer's Punctuation.preserve for one line: the text chunks, the marks and where."""
    matches = list(_MARKS_RE.finditer(line))
    if not matches:
        return [line], []
    if len(matches) == 1 and matches[0].group() == line:
        return [], [(line, "A")]
    marks = []
    for match in matches:
        position = "I"
        if match == matches[0] and line.startswith(match.group()):
            position = "B"
        elif match == matches[-1] and line.endswith(match.group()):
            position = "E"
        marks.append((match.group(), position))
    chunks = []
    for mark, _ in marks:
        prefix, _, line = line.partition(mark)
        chunks.append(prefix)
    return [chunk for chunk in [*chunks, line] if chunk], marks


def _restore(text: list[str], marks: list[tuple[str, str]]) -> list[str]:
    """phonemizer's Punctuation.restore for one line (word separator ' ', no strip)."""
    out: list[str] = []
    while text or marks:
        if not marks:
            out += [line if line.endswith(" ") else line + " " for line in text]
            text = []
        elif not text:
            out.append("".join(mark for mark, _ in marks))
            marks = []
        else:
            mark, position = marks.pop(0)
            if text[0].endswith(" "):
                text[0] = text[0][:-1]
            if position == "B":
                text[0] = mark + text[0]
            elif position == "E":
                out.append(text.pop(0) + mark + ("" if mark.endswith(" ") else " "))
            elif position == "A":
                out.append(mark + ("" if mark.endswith(" ") else " "))
            elif len(text) == 1:
                text[0] += mark
            else:
                first = text.pop(0)
                text[0] = first + mark + text[0]
    return out


def _misaki(text: str, voice: str) -> str:
    """misaki's EspeakG2P.__call__ on plain text (no lexicon phonemes in it)."""
    text = text.replace("«", "“").replace("»", "”")  # angles to curly quotes
    text = text.replace("(", "«").replace(")", "»")  # parentheses to angles
    chunks, marks = _preserve(text)
    engine = _phonemizer()
    phonemized = [_postprocess(engine.text_to_phonemes(chunk, voice)) for chunk in chunks]
    restored = _restore(phonemized, marks)
    if not restored:
        return ""
    ps = restored[0].strip()
    for old, new in E2M:
        ps = ps.replace(old, new)
    ps = ps.replace(TIE, "").replace("-", "")
    return ps.replace("«", "(").replace("»", ")")


def phonemize(text: str, voice: str) -> str:
    """One sentence in Kokoro's symbols through espeak-ng's `voice` ("fr", "es", "pt-BR").

    Lexicon phonemes `[word](/phonemes/)` go in as written; Piper's `[[ ]]` are left out.
    """
    pieces: list[str] = []
    at = 0
    with _LOCK:
        for link in PHONEME_LINK.finditer(text):
            pieces.append(_misaki(text[at : link.start()], voice))
            pieces.append(link.group(2))
            at = link.end()
        pieces.append(_misaki(text[at:], voice))
    spoken = ""
    for piece in pieces:
        if not piece:
            continue
        # no space before a piece that starts with punctuation: "iʃiɡuʁo, œ̃n"
        glue = "" if not spoken or piece[0] in MARKS else " "
        spoken += glue + piece
    return spoken
