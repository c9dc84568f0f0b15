"""Kokoro in French, Spanish, Italian and Portuguese; every English Kokoro voice; the
voice a show's language picks (issue 30)."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.config import parse_show
from pipeline.model import SentenceAudio, VoiceSpec
from pipeline.speech import ENGINES, check_sentence, resolve_voice, voice_table
from pipeline.speech import espeak_phonemes as g2p
from pipeline.speech import kokoro as kokoro_engine

from .conftest import make_show

NEW_VOICES = ["ff_siwis", "ef_dora", "em_alex", "if_sara", "im_nicola", "pf_dora", "pm_alex"]
ENGLISH = [name for name in kokoro_engine.VOICES if name[0] in "ab"]


def test_every_english_voice_and_the_new_languages_ship_as_style_vectors() -> None:
    assert len(ENGLISH) == 28
    notice = (kokoro_engine.VOICE_DIR / "NOTICE").read_text(encoding="utf-8")
    for name in kokoro_engine.VOICES:
        data = kokoro_engine.voice_file(name).read_bytes()
        assert len(data) == kokoro_engine.STYLE_ROWS * kokoro_engine.STYLE_WIDTH * 4, name
        # the NOTICE names every file by its sha256: the bytes are kokoro-js 1.2.1's
        assert f"{hashlib.sha256(data).hexdigest()}  {name}.bin" in notice, name
    shipped = {p.stem for p in kokoro_engine.VOICE_DIR.glob("*.bin")}
    assert shipped == set(kokoro_engine.VOICES)


def test_voices_lists_each_kokoro_voice_with_language_accent_and_gender() -> None:
    rows = {row.voice: row for row in voice_table("kokoro")}
    assert set(NEW_VOICES + ENGLISH) <= set(rows)
    assert rows["ff_siwis"].note.startswith("fr-FR French, female")
    assert rows["em_alex"].note.startswith("es Spanish, male")
    assert rows["im_nicola"].note.startswith("it Italian, male")
    assert rows["pf_dora"].note.startswith("pt-BR Brazilian Portuguese, female")
    assert rows["bm_fable"].note.startswith("en-GB British English, male")
    languages = {v.name: v.language for v in ENGINES["kokoro"].voices()}
    assert languages["if_sara"] == "it" and languages["af_bella"] == "en-US"


def test_the_voices_command_prints_them_and_says_there_is_no_german_voice() -> None:
    result = CliRunner().invoke(main, ["voices", "kokoro"])
    assert result.exit_code == 0, result.output
    assert re.search(r"kokoro\s+ff_siwis\s+\S+\s+fr-FR French, female", result.output)
    assert "No German voice" in result.output.replace("\n  ", " ")


def test_voices_check_says_its_sentence_in_the_voice_s_language(monkeypatch) -> None:
    heard: dict[str, str] = {}

    class Recorder:
        def __init__(self, spec: VoiceSpec) -> None:
            self.voice = spec.voice

        def synthesize(self, sentences):
            heard[self.voice] = sentences[0]
            yield SentenceAudio(sentences[0], b"\0\0" * 24_000, 24_000)

    info = dataclasses.replace(ENGINES["kokoro"], create=Recorder)
    monkeypatch.setitem(ENGINES, "kokoro", info)
    rows = voice_table("kokoro", speak=True)
    assert all(row.status.startswith("ok (spoke 1.0 s") for row in rows), rows
    assert heard["ff_siwis"] == "Voici comment je parle."
    assert heard["em_alex"] == "Así es como hablo."
    assert heard["im_nicola"] == "Ecco come parlo."
    assert heard["pm_alex"] == "É assim que eu falo."
    assert heard["bm_george"] == heard["af_sky"] == "This is how I sound."
    assert check_sentence("fr-FR") == "Voici comment je parle."
    assert check_sentence("pt-BR") == "É assim que eu falo."
    assert check_sentence("en-GB") == check_sentence("xx") == "This is how I sound."


@pytest.mark.parametrize(
    ("language", "engine", "voice"),
    [
        ("fr", "kokoro", "ff_siwis"),
        ("fr-CA", "kokoro", "ff_siwis"),
        ("es", "kokoro", "ef_dora"),
        ("es-MX", "kokoro", "ef_dora"),
        ("it", "kokoro", "if_sara"),
        ("pt", "kokoro", "pf_dora"),
        ("pt-BR", "kokoro", "pf_dora"),
        ("de", "espeak", "de"),
        ("en", "hibari", "heart"),
        ("en-GB", "hibari", "heart"),
        ("nl", "hibari", "heart"),
    ],
)
def test_the_show_s_language_picks_its_voice_when_none_is_named(
    language: str, engine: str, voice: str
) -> None:
    show = parse_show(Path("/tmp/show"), {"podcast": {"title": "T", "language": language}})
    assert (show.voice.engine, show.voice.voice) == (engine, voice)
    spec = resolve_voice(show.voice.engine, show.voice.voice, show.voice.speed)
    assert (spec.engine, spec.voice) == (engine, voice)


def test_a_voice_named_in_podcast_toml_wins_over_the_language() -> None:
    named = {"podcast": {"title": "T", "language": "fr"}, "voice": {"engine": "piper"}}
    assert parse_show(Path("/tmp/show"), named).voice.engine == "piper"
    named["voice"] = {"engine": "kokoro", "voice": "bm_george"}
    assert parse_show(Path("/tmp/show"), named).voice.voice == "bm_george"
    speed_only = {"podcast": {"title": "T", "language": "es"}, "voice": {"speed": 1.2}}
    voice = parse_show(Path("/tmp/show"), speed_only).voice
    assert (voice.engine, voice.voice, voice.speed) == ("kokoro", "ef_dora", 1.2)


# -- G2P: espeak-ng phonemes in Kokoro's symbols, as misaki makes them ----------------------


def test_espeak_ties_become_kokoro_s_one_letter_symbols() -> None:
    spanish = g2p.phonemize("Mucho gusto, chico.", "es")
    assert "ʧ" in spanish and "^" not in spanish and "t͡ʃ" not in spanish
    italian = g2p.phonemize("La pizza e il mezzo.", "it")
    assert "ʦ" in italian and "ʣ" in italian


def test_punctuation_is_kept_where_it_was_and_parentheses_survive() -> None:
    french = g2p.phonemize("Bonjour, Marie (ma sœur) est là!", "fr")
    assert re.fullmatch(r"\S+, \S+ \(\S+ \S+\) \S+ \S+!", french), french
    assert french.startswith("bɔ̃ʒˈuʁ, ")


def test_lexicon_phonemes_go_in_as_written_in_every_language() -> None:
    spoken = g2p.phonemize("Je lis [Ishiguro](/iʃiɡuʁˈo/), un auteur.", "fr")
    assert "iʃiɡuʁˈo, " in spoken and "Ishiguro" not in spoken
    spec = VoiceSpec("kokoro", "pf_dora")
    assert "kazˈuo" in ENGINES["kokoro"].phonemes(spec, "O [Kazuo](/kazˈuo/) escreve.")


def test_every_symbol_a_new_voice_reads_is_in_kokoro_s_vocabulary() -> None:
    vocab = kokoro_engine._vocab()
    samples = {
        "fr": "Un bon vin blanc, une œuvre et huit feuilles jaunes.",
        "es": "El perro de Rosa corre rápido hacia la iglesia, ¿verdad?",
        "it": "Gli gnocchi della nonna sono buonissimi, vero?",
        "pt-BR": "A mãe dele não quer pão; ela tem trinta anos.",
    }
    for voice, text in samples.items():
        phonemes = g2p.phonemize(text, voice)
        lost = {c for c in phonemes if c not in vocab} - set("¿¡")
        assert not lost, (voice, lost)


def test_the_g2p_gives_the_same_phonemes_in_another_process() -> None:
    sentence = "Le matin du quatorze juillet, la ville s'éveillait."
    probe = (
        "from pipeline.speech.espeak_phonemes import phonemize\n"
        f"print(phonemize({sentence!r}, 'fr'))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == g2p.phonemize(sentence, "fr")


def test_the_cache_key_names_the_g2p_each_voice_reads_with() -> None:
    french = kokoro_engine.revision(VoiceSpec("kokoro", "ff_siwis"))
    english = kokoro_engine.revision(VoiceSpec("kokoro", "af_heart"))
    assert "espeak-ng fr from piper-tts" in french and "hibari-tts" in english


def test_without_piper_s_espeak_ng_a_new_voice_says_why_in_one_line(monkeypatch) -> None:
    monkeypatch.setattr(g2p, "piper_library", lambda: None)
    monkeypatch.setattr(kokoro_engine, "_espeak_unavailable", g2p.unavailable_reason)
    reason = kokoro_engine.unavailable_reason(VoiceSpec("kokoro", "ff_siwis"))
    assert reason is not None and "pip install piper-tts" in reason and "\n" not in reason
    assert kokoro_engine.unavailable_reason(VoiceSpec("kokoro", "af_heart")) is None


# -- the voices themselves (seconds each: the model is loaded once) ---------------------------

SENTENCES = {
    "f": "Le film commence à l'aube.",
    "e": "La película empieza al amanecer.",
    "i": "Il film comincia all'alba.",
    "p": "O filme começa ao amanhecer.",
}


@pytest.mark.slow
@pytest.mark.parametrize("name", NEW_VOICES)
def test_each_new_voice_loads_and_speaks_a_short_sentence(name: str) -> None:
    engine = kokoro_engine.KokoroEngine(VoiceSpec("kokoro", name))
    (audio,) = engine.synthesize([SENTENCES[name[0]]])
    seconds = len(audio.pcm) / 2 / audio.sample_rate
    assert audio.sample_rate == 24_000 and 0.8 < seconds < 5.0
    # word timings from Kokoro's duration predictor, fitted onto the written words
    assert [w.text for w in audio.words] == SENTENCES[name[0]].split()
    assert all(a.end <= b.start for a, b in zip(audio.words, audio.words[1:], strict=False))
    assert 0 < audio.words[0].start < audio.words[-1].end <= seconds


@pytest.mark.slow
def test_a_new_voice_gives_the_same_samples_in_another_process() -> None:
    sentence = "Nadie habla, y el mar es gris."
    (here,) = kokoro_engine.KokoroEngine(VoiceSpec("kokoro", "ef_dora")).synthesize([sentence])
    probe = (
        "import hashlib\n"
        "from pipeline.model import VoiceSpec\n"
        "from pipeline.speech.kokoro import KokoroEngine\n"
        f"(a,) = KokoroEngine(VoiceSpec('kokoro', 'ef_dora')).synthesize([{sentence!r}])\n"
        "print(hashlib.sha256(a.pcm).hexdigest())\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == hashlib.sha256(here.pcm).hexdigest()
    (other,) = kokoro_engine.KokoroEngine(VoiceSpec("kokoro", "ef_dora")).synthesize(
        ["Nadie habla, y el mar es azul."]
    )
    assert other.pcm != here.pcm


SHOWS = {
    "fr": ("Le film commence le 14 juillet à 9 h.", "juillet"),
    "es": ("La película empieza el 12 de octubre.", "octubre"),
    "it": ("Il film comincia il 25 aprile.", "aprile"),
    "pt": ("O filme começa em 7 de setembro.", "setembro"),
}
ESPEAK_VOICE = {"fr": "fr", "es": "es", "it": "it", "pt": "pt-BR"}


@pytest.mark.slow
@pytest.mark.parametrize("language", sorted(SHOWS))
def test_a_show_in_the_language_builds_with_its_kokoro_voice(tmp_path, language: str) -> None:
    body, word = SHOWS[language]
    toml = (
        f'[podcast]\ntitle = "T"\nlanguage = "{language}"\n'
        'base_url = "http://127.0.0.1:8000/t/"\n\n[music]\nintro = "none"\n'
    )
    root = make_show(tmp_path / "show", {"one.md": f"# Un\n\n{body}\n"}, toml)
    essay = str(root / "essays" / "one.md")
    script = CliRunner().invoke(main, ["script", essay, "--phonemes"])
    assert script.exit_code == 0, script.output
    assert not re.search(r"\d", script.output), script.output  # the date is in words
    # the phonemes are the language's Kokoro voice's: espeak-ng's, in that language
    assert g2p.phonemize(word, ESPEAK_VOICE[language]) in script.output, script.output
    result = CliRunner().invoke(main, ["build", "--show", str(root)])
    assert result.exit_code == 0, result.output
    assert len(list((root / "output").rglob("*.mp3"))) == 1


@pytest.mark.parametrize(
    ("language", "text", "spoken"),
    [
        ("es", "La palabra שָׁלוֹם significa paz.", "La palabra significa paz."),
        ("it", "La parola שָׁלוֹם significa pace.", "La parola significa pace."),
        ("pt", "A palavra שָׁלוֹם significa paz.", "A palavra significa paz."),
    ],
)
def test_text_in_a_script_the_voice_cannot_speak_is_still_skipped(
    language: str, text: str, spoken: str
) -> None:
    from pipeline.text.normalize import read_aloud

    reading = read_aloud(text, language)
    assert (reading.spoken, reading.skipped) == (spoken, ("שָׁלוֹם",))
