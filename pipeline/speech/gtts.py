"""gTTS: Google Translate's text-to-speech, online.

Voice names: a gTTS language ("en", "fr", "pt-PT"); settings: ",tld=co.uk"
(the Google host, which picks the accent) and ",slow". Speed other than 1.0
is applied by ffmpeg's atempo when the MP3 is decoded.

ESSAYCAST_GTTS_URL replaces Google's batchexecute URL, for tests against a
local stub (and mirrors); "{tld}" in it is replaced by the voice's tld.

Word timings: Google returns an MP3 and nothing about it, so the words are
aligned from the audio alone: voiced stretches found by energy (10 ms windows
more than 35 dB under the loudest are quiet; 80 ms of quiet is a pause), and
the sentence's words shared out over them in proportion to their letters, each
pause between words rather than inside one (words.voiced_words). Coarser than
the neural voices' own durations.
"""

from __future__ import annotations

import functools
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from ..errors import EngineUnavailable
from ..model import SentenceAudio, VoiceSpec
from .base import OFFLINE_ENGINES, EngineInfo, VoiceInfo, check_options, split_voice
from .words import voiced_words

DEFAULT_VOICE = "en"
SAMPLE_RATE = 24000  # what gTTS's MP3s carry
ENDPOINT_ENV = "ESSAYCAST_GTTS_URL"
# Seconds to wait after each HTTP 429 before trying again; then give up.
RETRY_DELAYS = (2.0, 5.0, 15.0)
TIMEOUT = (5.0, 30.0)  # connect, read: a dead network fails fast, a slow answer may come
_TLD = re.compile(r"^[a-z]{2,3}(\.[a-z]{2,3})?$")


def _tld(value: str) -> str:
    if not _TLD.match(value):
        raise ValueError("use a Google domain ending such as com, co.uk, com.au, ca, co.in")
    return value


def _flag(value: str) -> bool:
    if value.lower() not in ("", "true", "yes", "1"):
        raise ValueError('write just ",slow"')
    return True


SETTINGS = {"tld": _tld, "slow": _flag}


@functools.cache
def _languages() -> dict[str, str]:
    from importlib.util import find_spec

    if find_spec("gtts") is None:
        return {}
    from gtts.lang import tts_langs  # a table in the package; no network

    return tts_langs()


def check_voice(voice: str) -> str | None:
    """Why this gTTS voice name cannot be used, or None; touches no network."""
    name, settings = split_voice(voice)
    known = _languages()
    if known and name not in known:
        return (
            f"unknown gTTS language {name!r}; use e.g. en, fr, de, es, pt-PT "
            "(`essaycast voices gtts` lists them all)"
        )
    return check_options("gtts", settings, SETTINGS)


def unavailable_reason(spec: VoiceSpec) -> str | None:
    """Why gTTS cannot speak this voice, as far as can be known without the network."""
    if not _languages():
        return "gTTS is not installed; pip install gTTS"
    return check_voice(spec.voice)


def revision(spec: VoiceSpec) -> str:
    try:
        return f"gTTS {metadata.version('gTTS')}"
    except metadata.PackageNotFoundError:
        return "gTTS ?"


def _offline(host: str) -> EngineUnavailable:
    return EngineUnavailable(
        f"gtts: cannot reach {host} (offline?); use an offline engine: {OFFLINE_ENGINES}"
    )


def probe(timeout: float) -> str | None:
    """Can Google Translate (or ESSAYCAST_GTTS_URL) be reached? An error line or None."""
    import requests

    url = (
        os.environ.get(ENDPOINT_ENV, "").replace("{tld}", "com") or "https://translate.google.com/"
    )
    try:
        requests.head(url, timeout=timeout)
    except requests.RequestException:
        return f"cannot reach {_host(url)} (offline?)"
    return None


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).netloc or url


class GttsEngine:
    """gTTS with one language, host and speed; every sentence is one HTTP round trip."""

    def __init__(
        self,
        spec: VoiceSpec,
        *,
        endpoint: str | None = None,
        delays: Sequence[float] = RETRY_DELAYS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        problem = unavailable_reason(spec)
        if problem:
            raise EngineUnavailable(f"gtts: {problem}")
        name, settings = split_voice(spec.voice)
        self.lang = name
        self.tld = settings.get("tld", "com")
        self.slow = "slow" in settings
        self.speed = spec.speed
        self.endpoint = endpoint or os.environ.get(ENDPOINT_ENV) or None
        self.delays = tuple(delays)
        self.sleep = sleep

    def synthesize(self, sentences: Sequence[str]) -> Iterator[SentenceAudio]:
        for sentence in sentences:
            mp3 = self._fetch(sentence)
            pcm = self._decode(mp3) if mp3 else b"\0\0" * (SAMPLE_RATE // 4)
            words = voiced_words(pcm, SAMPLE_RATE, sentence) if mp3 else ()
            yield SentenceAudio(text=sentence, pcm=pcm, sample_rate=SAMPLE_RATE, words=words)

    def _request(self, text: str) -> Any:
        from gtts import gTTS

        endpoint = self.endpoint.replace("{tld}", self.tld) if self.endpoint else None

        class _Redirected(gTTS):  # type: ignore[misc]
            """gTTS whose requests go to `endpoint`, body and headers untouched."""

            def _prepare_requests(self):  # noqa: ANN202 - gTTS's own signature
                prepared = super()._prepare_requests()
                for request in prepared:
                    request.prepare_url(endpoint, None)
                return prepared

        factory = _Redirected if endpoint else gTTS
        return factory(
            text, tld=self.tld, lang=self.lang, slow=self.slow, lang_check=False, timeout=TIMEOUT
        )

    def _fetch(self, text: str) -> bytes:
        """The sentence's MP3 bytes (b"" if nothing in it can be spoken)."""
        import requests
        from gtts import gTTSError

        host = (
            _host(self.endpoint.replace("{tld}", self.tld))
            if self.endpoint
            else f"translate.google.{self.tld}"
        )
        tts = self._request(text)
        for attempt in range(len(self.delays) + 1):
            try:
                return b"".join(tts.stream())
            except AssertionError:
                # gTTS asserts when punctuation alone is left to say: that is silence
                return b""
            except gTTSError as exc:
                status = exc.rsp.status_code if exc.rsp is not None else None
                if status is None:
                    raise _offline(host) from exc
                if status != 429:
                    raise EngineUnavailable(f"gtts: {host} answered {exc.msg}") from exc
                if attempt == len(self.delays):
                    raise EngineUnavailable(
                        f"gtts: {host} is rate-limiting us (HTTP 429, {attempt + 1} tries); "
                        f"wait and build again, or use an offline engine: {OFFLINE_ENGINES}"
                    ) from exc
                self.sleep(self.delays[attempt])
            except requests.RequestException as exc:  # a connection lost mid-answer
                raise _offline(host) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _decode(self, mp3: bytes) -> bytes:
        from ..ffmpeg import run_ffmpeg

        # gTTS has only "slow"; other speeds are a tempo change that keeps the pitch
        tempo = ["-filter:a", f"atempo={self.speed:.3f}"] if self.speed != 1.0 else []
        with tempfile.TemporaryDirectory(prefix="essaycast-gtts-") as work:
            path = Path(work) / "sentence.mp3"
            path.write_bytes(mp3)
            proc = run_ffmpeg(
                ["-i", str(path), *tempo, "-ac", "1", "-ar", str(SAMPLE_RATE), "-f", "s16le", "-"],
                what="gtts audio",
            )
        return proc.stdout


def _voices() -> list[VoiceInfo]:
    return [VoiceInfo(code, name) for code, name in sorted(_languages().items())]


def _usage() -> str:
    return (
        f"{revision(VoiceSpec('gtts', DEFAULT_VOICE))}, online (Google Translate). Settings: "
        'speed; tld=co.uk (the Google host: an accent), slow; e.g. "en,tld=co.uk"'
    )


INFO = EngineInfo(
    name="gtts",
    summary="online voices from Google Translate (gTTS)",
    default_voice=DEFAULT_VOICE,
    voices=_voices,
    unavailable_reason=unavailable_reason,
    create=GttsEngine,
    check_voice=check_voice,
    revision=revision,
    usage=_usage,
    online=True,
    probe=probe,
)
