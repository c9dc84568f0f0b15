"""audio.py on synthetic sound: trimming, pacing, the intro's shape, streaming."""

from __future__ import annotations

import doctest
import tracemalloc
import wave
import weakref
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from pipeline import audio, episode, transcript
from pipeline.audio import (
    EPISODE_RATE,
    Pacing,
    assemble,
    float_to_pcm,
    level_db,
    mix_intro,
    trim,
)
from pipeline.model import Chapter, Paragraph, Sentence, SentenceAudio, SpeechText

VOICE_RATE = 22050


def tone(seconds: float, rate: int = VOICE_RATE, pad: float = 0.1, amp: float = 0.3) -> bytes:
    """A 220 Hz 'sentence' with `pad` seconds of silence either side, like Piper's."""
    t = np.arange(int(seconds * rate)) / rate
    body = amp * np.sin(2 * np.pi * 220 * t)
    silence = np.zeros(int(pad * rate))
    return float_to_pcm(np.concatenate([silence, body, silence]).astype(np.float32))


def speech_of(shape: list[list[int]], titles: list[str] | None = None) -> SpeechText:
    """SpeechText with len(shape) chapters, each a list of paragraph sentence counts."""
    chapters = []
    for c, paragraphs in enumerate(shape):
        chapters.append(Chapter(
            titles[c] if titles else "",
            tuple(
                Paragraph(tuple(Sentence(f"s{c}.{p}.{i}", f"Sentence {c}.{p}.{i}.")
                                for i in range(count)))
                for p, count in enumerate(paragraphs)
            ),
        ))
    return SpeechText(tuple(chapters))


def read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as wav:
        assert (wav.getframerate(), wav.getnchannels()) == (EPISODE_RATE, 1)
        return np.frombuffer(wav.readframes(wav.getnframes()), "<i2").astype(np.float32) / 32768


def test_doctests_of_the_audio_modules_pass() -> None:
    for module in (audio, episode, transcript):
        assert doctest.testmod(module).failed == 0


def test_trim_drops_padding_but_keeps_a_soft_edge() -> None:
    trimmed = trim(tone(1.0, pad=0.3), VOICE_RATE)
    seconds = len(trimmed) / 2 / VOICE_RATE
    assert 1.0 + audio.TRIM_LEAD <= seconds <= 1.0 + audio.TRIM_LEAD + audio.TRIM_TAIL + 0.001
    assert trim(bytes(2000), VOICE_RATE) == b""  # a silent "sentence" is nothing at all


def test_cues_follow_the_pacing_sentence_paragraph_chapter(tmp_path: Path) -> None:
    pacing = Pacing()
    speech = speech_of([[2, 1], [1]], titles=["", "Second part"])
    sounds = [SentenceAudio("x", tone(1.0), VOICE_RATE) for _ in range(4)]
    result = assemble(speech, iter(sounds), tmp_path / "e.wav", pacing=pacing)
    cues = result.cues
    assert [c.text for c in cues] == [s.written for s in speech.sentences()]
    gaps = [round(b.start - a.end, 2) for a, b in zip(cues, cues[1:], strict=False)]
    assert gaps == [pacing.sentence, pacing.paragraph, pacing.chapter]
    spoken = 1.0 + audio.TRIM_LEAD + audio.TRIM_TAIL
    assert all(abs((c.end - c.start) - spoken) < 0.002 for c in cues)
    assert [m.title for m in result.chapters] == ["", "Second part"]
    assert result.chapters[1].start == pytest.approx(cues[3].start)
    samples = read_wav(result.wav_path)
    assert len(samples) / EPISODE_RATE == pytest.approx(result.duration, abs=0.01)
    # the tone is where its cue says, and the pause before it is silent
    start = int(cues[1].start * EPISODE_RATE)
    assert np.abs(samples[start - 8000 : start]).max() < 0.01
    assert np.abs(samples[start + 2000 : start + 4000]).max() > 0.05


def test_intro_comes_first_as_its_own_chapter_and_the_essay_after_it(tmp_path: Path) -> None:
    intro = mix_intro(np.full(10 * EPISODE_RATE, 0.1, np.float32), [np.full(EPISODE_RATE, 0.2)])
    speech = speech_of([[1]])
    result = assemble(
        speech, iter([SentenceAudio("x", tone(1.0), VOICE_RATE)]), tmp_path / "e.wav", intro=intro
    )
    assert result.chapters[0].title == "Intro" and result.chapters[0].start == 0.0
    intro_seconds = len(intro) / EPISODE_RATE
    assert result.chapters[1].start == pytest.approx(intro_seconds + Pacing().after_intro)
    assert result.cues[0].start == pytest.approx(result.chapters[1].start)


def test_mix_intro_plays_music_alone_then_ducks_it_under_the_voice_then_fades() -> None:
    pacing = Pacing()
    rng = np.random.default_rng(1)
    music = (rng.standard_normal(20 * EPISODE_RATE) * 0.5).astype(np.float32)  # a loud master
    voice = [np.sin(np.arange(2 * EPISODE_RATE) * 0.05).astype(np.float32) * 0.1]
    mixed = mix_intro(music, voice, pacing)
    lead = int(pacing.music_lead * EPISODE_RATE)
    alone = level_db(mixed[: lead - int(pacing.duck_ramp * EPISODE_RATE)])
    # the music is brought to the voice's level, whatever its own
    assert alone == pytest.approx(level_db(voice[0]) + pacing.music_level, abs=0.5)
    under = mixed[lead + 1000 : lead + 2 * EPISODE_RATE] - voice[0][1000:]
    assert level_db(under) == pytest.approx(alone + pacing.duck_db, abs=0.5)
    assert np.abs(mixed[-200:]).max() < 0.01  # faded out, no click at the end
    expected = pacing.music_lead + 2 + pacing.swell + pacing.music_fade
    assert len(mixed) / EPISODE_RATE == pytest.approx(expected, abs=0.01)


def test_mix_intro_without_music_is_the_spoken_lines_with_a_pause() -> None:
    line = np.ones(100, np.float32)
    mixed = mix_intro(None, [line, line])
    assert len(mixed) == 200 + int(Pacing().sentence * EPISODE_RATE)


def test_assemble_streams_one_sentence_at_a_time(tmp_path: Path) -> None:
    """1000 sentences (about 13 min): none is kept, memory stays flat."""
    count = 1000
    speech = speech_of([[100] * (count // 100)])
    alive: list[weakref.ref[SentenceAudio]] = []
    one = tone(0.3, pad=0.05)

    def sentences() -> Iterator[SentenceAudio]:
        for n in range(count):
            if alive:
                # assemble must have let go of the previous sentence before asking for this one
                assert alive[-1]() is None, f"sentence {n - 1} is still held"
            item = SentenceAudio(f"s{n}", bytes(one), VOICE_RATE)
            alive.append(weakref.ref(item))
            yield item
            del item  # the generator's own reference does not count

    tracemalloc.start()
    try:
        result = assemble(speech, sentences(), tmp_path / "long.wav")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(result.cues) == count
    assert result.duration > count * 0.75
    # the body is ~35 MB of PCM at 22 kHz and twice that at 44.1 kHz; Python holds a few
    # sentences' worth plus the cue list
    assert peak < 8_000_000, peak


def test_a_sample_rate_change_mid_episode_is_an_error(tmp_path: Path) -> None:
    from pipeline.errors import EssaycastError

    sounds = [SentenceAudio("a", tone(0.5), VOICE_RATE), SentenceAudio("b", tone(0.5), 16000)]
    with pytest.raises(EssaycastError, match="sample rate"):
        assemble(speech_of([[2]]), iter(sounds), tmp_path / "e.wav")


def test_an_outro_follows_the_essay_as_its_own_chapter_at_the_voices_level(
    tmp_path: Path,
) -> None:
    outro = np.full(2 * EPISODE_RATE, 0.9, np.float32)  # far louder than the voice
    result = assemble(
        speech_of([[1]]), iter([SentenceAudio("x", tone(1.0), VOICE_RATE)]), tmp_path / "e.wav",
        outro=outro,
    )
    last = result.chapters[-1]
    assert last.title == "Outro"
    assert last.start == pytest.approx(result.cues[-1].end + Pacing().chapter)
    assert result.duration == pytest.approx(last.start + 2.0)
    samples = read_wav(result.wav_path)

    def between(a: float, b: float) -> np.ndarray:
        return samples[int(a * EPISODE_RATE) : int(b * EPISODE_RATE)]

    played = between(last.start + 0.5, last.start + 1.5)
    voice = between(result.cues[0].start, result.cues[0].end)
    assert level_db(played) == pytest.approx(level_db(voice) + Pacing().music_level, abs=1.0)
