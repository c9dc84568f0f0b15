"""The engines for real on short text: Piper, espeak-ng; and the voice names they take."""

from __future__ import annotations

import struct
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from pipeline.errors import ConfigError, EngineUnavailable
from pipeline.model import SentenceAudio, VoiceSpec
from pipeline.speech import ENGINES, resolve_voice, split_voice
from pipeline.speech import espeak as espeak_module

SENTENCE = "The film opens at dawn."


def _rms(audio: SentenceAudio) -> float:
    samples = np.frombuffer(audio.pcm, dtype="<i2").astype(np.float64)
    return float(np.sqrt(np.mean(samples**2)))


def _speak(voice: str, engine: str, speed: float = 1.0) -> SentenceAudio:
    (audio,) = ENGINES[engine].create(VoiceSpec(engine, voice, speed)).synthesize([SENTENCE])
    return audio


@pytest.mark.slow
def test_piper_speaks_a_sentence() -> None:
    audio = _speak("en_US-joe-medium", "piper")
    assert audio.text == SENTENCE
    assert audio.sample_rate == 22050
    assert 0.8 < audio.duration < 4.0  # five words, spoken
    assert _rms(audio) > 500  # speech, not silence


@pytest.mark.slow
def test_piper_loads_a_model_once_for_every_speed_and_volume() -> None:
    first = ENGINES["piper"].create(VoiceSpec("piper", "en_US-joe-medium", 1.0))
    other = ENGINES["piper"].create(VoiceSpec("piper", "en_US-joe-medium,volume=0.5", 1.5))
    assert other.voice is first.voice
    assert other.config.length_scale == pytest.approx(1 / 1.5)
    assert other.config.volume == 0.5


@pytest.mark.slow
def test_espeak_speaks_a_sentence_with_the_espeak_ng_piper_ships() -> None:
    backend, _ = espeak_module.find_backend()
    assert backend is not None and backend.kind == "piper"
    audio = _speak("en-us", "espeak")
    assert audio.sample_rate == 22050
    assert 0.8 < audio.duration < 4.0
    assert _rms(audio) > 500


@pytest.mark.slow
def test_espeak_variant_pitch_and_speed_change_the_sound() -> None:
    plain = _speak("en-us", "espeak")
    assert _speak("en-us+f3,pitch=80", "espeak").pcm != plain.pcm
    assert _speak("en-us", "espeak", speed=2.0).duration < plain.duration * 0.7
    # the voice is set for every sentence: the variant does not leak into the next
    # (espeak-ng adds a little noise, so the same voice is alike, not identical)
    again = _speak("en-us", "espeak")
    assert again.duration == pytest.approx(plain.duration, rel=0.02)
    assert _rms(again) == pytest.approx(_rms(plain), rel=0.05)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("voice", "file"),
    [
        ("en-gb", "en"),
        ("en-gb+m3", "en+m3"),
        ("EN-US", "en-US"),
        ("pt-br", "pt-BR"),
        ("zh", "cmn"),
        ("de+f2", "de+f2"),
    ],
)
def test_espeak_language_codes_reach_the_voice_file_that_claims_them(voice, file) -> None:
    # espeak_SetVoiceByName knows file names, not every code ("en-gb") a file declares
    engine = ENGINES["espeak"].create(VoiceSpec("espeak", voice))
    assert engine.voice == file
    assert next(engine.synthesize(["Hello."])).duration > 0.2


@pytest.mark.slow
def test_espeak_lists_languages_and_variants_from_its_data() -> None:
    voices = {v.name: v.note for v in ENGINES["espeak"].voices()}
    assert voices["en-us"] == "English (America)"
    assert {"de", "fr", "es", "en-gb-x-rp"} <= set(voices)
    backend, _ = espeak_module.find_backend()
    assert {"f3", "m1", "klatt"} <= set(espeak_module.variants(backend.data_dir))


def test_espeak_falls_back_to_a_system_executable(tmp_path: Path) -> None:
    # A stand-in espeak-ng: records its arguments, writes a streamed WAV whose
    # data size is the bogus 0x7ffff000 the real one writes to a pipe.
    log = tmp_path / "args.txt"
    fake = tmp_path / "espeak-ng"
    fake.write_text(
        textwrap.dedent(f"""\
        #!{sys.executable}
        import struct, sys
        open({str(log)!r}, "w").write(" ".join(sys.argv[1:]) + "|" + sys.stdin.read())
        pcm = struct.pack("<4h", 0, 1000, -1000, 0)
        fmt = struct.pack("<HHIIHH", 1, 1, 22050, 44100, 2, 16)
        sys.stdout.buffer.write(b"RIFF" + struct.pack("<I", 0x7ffff024) + b"WAVE"
            + b"fmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", 0x7ffff000)
            + pcm)
        """)
    )
    fake.chmod(0o755)
    pcm, rate = espeak_module.speak_with_executable(fake, "Hello there.", "en-us+f3", 175, 50)
    assert (rate, struct.unpack("<4h", pcm)) == (22050, (0, 1000, -1000, 0))
    args, stdin = log.read_text().split("|")
    assert args == "--stdout --stdin -b 1 -v en-us+f3 -s 175 -p 50"
    assert stdin == "Hello there."


def test_espeak_says_why_when_there_is_no_espeak_ng(monkeypatch) -> None:
    monkeypatch.setattr(espeak_module, "find_spec", lambda name: None)
    monkeypatch.setattr(espeak_module.shutil, "which", lambda name: None)
    backend, why = espeak_module.find_backend.__wrapped__()
    assert backend is None
    assert why.startswith("no espeak-ng here") and "pip install piper-tts" in why


def test_piper_without_its_voice_file_is_unavailable(tmp_path: Path) -> None:
    missing = str(tmp_path / "nobody.onnx")
    reason = ENGINES["piper"].unavailable_reason(VoiceSpec("piper", missing))
    assert reason == f"Piper voice file {missing} not found"
    with pytest.raises(EngineUnavailable, match="^piper: Piper voice file"):
        ENGINES["piper"].create(VoiceSpec("piper", missing))


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        (None, VoiceSpec("piper", "en_US-joe-medium", 1.0)),
        ("espeak", VoiceSpec("espeak", "en-us", 1.0)),
        ("espeak:de+m3,pitch=40", VoiceSpec("espeak", "de+m3,pitch=40", 1.0)),
        ("gtts:en,tld=co.uk", VoiceSpec("gtts", "en,tld=co.uk", 1.0)),
        ("gtts:", VoiceSpec("gtts", "en", 1.0)),
        ("en_US-joe-medium,volume=0.8", VoiceSpec("piper", "en_US-joe-medium,volume=0.8", 1.0)),
    ],
)
def test_resolve_voice_accepts_engine_voice_and_settings(override, expected) -> None:
    assert resolve_voice("piper", "en_US-joe-medium", 1.0, override) == expected


@pytest.mark.parametrize(
    ("override", "error"),
    [
        (
            "nosuch:x",
            "voice 'nosuch:x': unknown engine 'nosuch'; the engines are hibari, kokoro, "
            "piper, espeak, gtts",
        ),
        # espeak's voices come from the espeak-ng data piper-tts carries: a real voice
        pytest.param(
            "espeak:klingon",
            "voice 'espeak:klingon': unknown espeak voice 'klingon'; use a language",
            marks=pytest.mark.slow,
        ),
        pytest.param(
            "espeak:en+zz9", "unknown espeak variant 'zz9'; use e.g. ", marks=pytest.mark.slow
        ),
        ("espeak:en,pitch=101", "espeak voice setting pitch='101': use 0 to 100"),
        ("gtts:xx", "unknown gTTS language 'xx'; use e.g. en, fr"),
        ("gtts:en,tld=google", "gtts voice setting tld='google': use a Google domain ending"),
        ("gtts:en,speed=2", "gtts has no voice setting 'speed'; its settings are tld, slow"),
        ("bogus", "unknown Piper voice 'bogus'; use en_US-joe-medium or a path to a Piper .onnx"),
    ],
)
def test_resolve_voice_errors_name_the_choices(override: str, error: str) -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_voice("piper", "en_US-joe-medium", 1.0, override)
    assert error in caught.value.format_message()
    assert "\n" not in caught.value.format_message()


def test_split_voice_keeps_a_path_with_a_comma_whole() -> None:
    assert split_voice("/voices/a,b.onnx") == ("/voices/a,b.onnx", {})
    assert split_voice("/voices/a,b.onnx,volume=2") == ("/voices/a,b.onnx", {"volume": "2"})
    assert split_voice("en-us+f3, pitch=60") == ("en-us+f3", {"pitch": "60"})
    assert split_voice("en,tld=co.uk,slow") == ("en", {"tld": "co.uk", "slow": ""})


@pytest.mark.slow
def test_espeak_in_two_threads_keeps_each_voice() -> None:
    # essays rendered in parallel share one espeak-ng; NATIVE_LOCK keeps each
    # sentence's voice and rate its own
    from concurrent.futures import ThreadPoolExecutor

    slow = ENGINES["espeak"].create(VoiceSpec("espeak", "en-us", 0.5))
    fast = ENGINES["espeak"].create(VoiceSpec("espeak", "de+f2", 2.0))
    alone = (next(slow.synthesize([SENTENCE])).duration, next(fast.synthesize([SENTENCE])).duration)
    with ThreadPoolExecutor(2) as pool:
        runs = [
            pool.submit(lambda e=e: [a.duration for a in e.synthesize([SENTENCE] * 6)])
            for e in (slow, fast)
        ]
        together = [run.result() for run in runs]
    for durations, single in zip(together, alone, strict=True):
        assert all(d == pytest.approx(single, rel=0.05) for d in durations)
