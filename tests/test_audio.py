"""audio on synthetic sound: trimming, pacing, the intro's shape (pydub), the rendered episode.

The timing tests render through audio.pieces.render_mp3, the path every
episode takes, and read the MP3 back.
"""

from __future__ import annotations

import doctest
import hashlib
import subprocess
from pathlib import Path

import numpy as np
import pytest

from pipeline import ffmpeg
from pipeline import render as episode
from pipeline.audio import intro as intro_module
from pipeline.audio import layout as audio
from pipeline.audio import loudness as mastering
from pipeline.audio import pcm
from pipeline.audio.intro import Intro, compose_intro, last_audible
from pipeline.audio.layout import Pacing, layout, level_db, trim
from pipeline.audio.mp3 import FRAME
from pipeline.audio.pcm import from_float, samples, segment
from pipeline.audio.piece_cache import PieceCache
from pipeline.audio.pieces import RenderedEpisode, render_mp3
from pipeline.errors import EssaycastError
from pipeline.model import Chapter, Paragraph, Sentence, SentenceAudio, SpeechText
from pipeline.publish import transcript
from pipeline.standards import EPISODE_RATE

VOICE_RATE = 22050


def tone(seconds: float, rate: int = VOICE_RATE, pad: float = 0.1, amp: float = 0.3) -> bytes:
    """A 220 Hz 'sentence' with `pad` seconds of silence either side, like Piper's."""
    t = np.arange(int(seconds * rate)) / rate
    body = amp * np.sin(2 * np.pi * 220 * t)
    silence = np.zeros(int(pad * rate))
    return from_float(np.concatenate([silence, body, silence]).astype(np.float32))


def speech_of(shape: list[list[int]], titles: list[str] | None = None) -> SpeechText:
    """SpeechText with len(shape) chapters, each a list of paragraph sentence counts."""
    chapters = []
    for c, paragraphs in enumerate(shape):
        chapters.append(
            Chapter(
                titles[c] if titles else "",
                tuple(
                    Paragraph(
                        tuple(
                            Sentence(f"s{c}.{p}.{i}", f"Sentence {c}.{p}.{i}.")
                            for i in range(count)
                        )
                    )
                    for p, count in enumerate(paragraphs)
                ),
            )
        )
    return SpeechText(tuple(chapters))


def render(
    tmp_path: Path,
    speech: SpeechText,
    sounds: list[SentenceAudio],
    intro: Intro | None = None,
    outro: object = None,
) -> RenderedEpisode:
    """The episode as every build makes it: layout -> pieces -> one MP3 at -16 LUFS."""
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    keys = [hashlib.sha256(f"{n}".encode()).hexdigest() for n in range(len(sounds))]
    return render_mp3(
        speech,
        keys,
        lambda indices: (sounds[i] for i in indices),
        sounds[0],
        intro=intro,
        outro=outro,  # type: ignore[arg-type]
        loudness=-16.0,
        kbps=96,
        cache=PieceCache(tmp_path / "cache"),
        work_dir=work,
        out_mp3=tmp_path / "e.mp3",
    )


def read_mp3(path: Path) -> np.ndarray:
    """The decoded samples, from the first (ffmpeg skips the delay the Info frame gives)."""
    pcm = subprocess.run(
        ffmpeg.ffmpeg_command(["-i", str(path), "-f", "s16le", "-ac", "1", "-"]),
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(pcm, "<i2").astype(np.float32) / 32768


def test_doctests_of_the_audio_modules_pass() -> None:
    for module in (audio, intro_module, episode, ffmpeg, mastering, pcm, transcript):
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
    result = render(tmp_path, speech, sounds)
    cues = result.cues
    assert [c.text for c in cues] == [s.written for s in speech.sentences()]
    gaps = [b.start - a.end for a, b in zip(cues, cues[1:], strict=False)]
    assert [round(gap, 2) for gap in gaps[:2]] == [pacing.sentence, pacing.paragraph]
    # a chapter opens a piece, and a piece starts on the frame grid: within a frame
    assert 0 <= gaps[2] - pacing.chapter < FRAME / EPISODE_RATE
    spoken = 1.0 + audio.TRIM_LEAD + audio.TRIM_TAIL
    assert all(abs((c.end - c.start) - spoken) < 0.002 for c in cues)
    assert [m.title for m in result.chapters] == ["", "Second part"]
    assert result.chapters[1].start == pytest.approx(cues[3].start)
    samples = read_mp3(result.mp3)
    # exact, bar the last frame's padding, which a decoder may keep
    assert 0 <= len(samples) - round(result.duration * EPISODE_RATE) < FRAME
    # the tone is where its cue says, and the pause before it is silent
    start = int(cues[1].start * EPISODE_RATE)
    assert np.abs(samples[start - 8000 : start]).max() < 0.01
    assert np.abs(samples[start + 2000 : start + 4000]).max() > 0.05


def music_of(seconds: float, amp: float = 0.1, lead_silence: float = 0.0) -> object:
    """A steady 440 Hz 'music' as pydub gets it from ffmpeg's decoder."""
    t = np.arange(int(seconds * EPISODE_RATE)) / EPISODE_RATE
    values = np.concatenate(
        [np.zeros(int(lead_silence * EPISODE_RATE)), amp * np.sin(2 * np.pi * 440 * t)]
    )
    return segment(from_float(values), EPISODE_RATE)


def line(text: str, seconds: float = 1.0) -> SentenceAudio:
    return SentenceAudio(text, tone(seconds), VOICE_RATE)


def test_intro_comes_first_as_its_own_chapter_and_cues_and_the_essay_after_it(
    tmp_path: Path,
) -> None:
    intro = compose_intro(music_of(12), [line("Tiny Show."), line("A Title, by Jo.")])
    result = render(tmp_path, speech_of([[1]]), [line("x")], intro=intro)
    assert result.chapters[0].title == "Intro" and result.chapters[0].start == 0.0
    assert result.chapters[1].start == pytest.approx(intro.seconds)
    # the spoken intro is in the transcript, each line where it is heard
    assert [c.text for c in result.cues] == ["Tiny Show.", "A Title, by Jo.", "Sentence 0.0.0."]
    assert result.cues[0].start == pytest.approx(Pacing().music_lead)
    assert result.cues[1].start == pytest.approx(result.cues[0].end + Pacing().sentence, abs=1e-3)
    assert result.cues[2].start == pytest.approx(result.chapters[1].start)
    decoded = read_mp3(result.mp3)
    heard = decoded[
        int(result.cues[0].start * EPISODE_RATE) : int(result.cues[0].end * EPISODE_RATE)
    ]
    assert level_db(heard) > -30


def test_compose_intro_plays_music_alone_then_ducks_it_under_the_voice_then_fades() -> None:
    pacing = Pacing()
    rng = np.random.default_rng(1)
    loud = segment(from_float(rng.standard_normal(20 * EPISODE_RATE) * 0.3), EPISODE_RATE)
    intro = compose_intro(loud, [line("Hello.", 2.0)], pacing)
    mixed = samples(intro.audio)
    (cue,) = intro.cues
    voice = samples(segment(trim(tone(2.0), VOICE_RATE), VOICE_RATE))
    lead = int(pacing.music_lead * EPISODE_RATE)
    alone = level_db(mixed[: lead - int(pacing.duck_ramp * EPISODE_RATE)])
    # the music is brought to the voice's level, whatever its own
    assert alone == pytest.approx(level_db(voice) + pacing.music_level, abs=0.5)
    # ducked under the voice: between the words (this voice is a steady tone, so look
    # at the music alone by taking the intro with no music away)
    plain = samples(compose_intro(None, [line("Hello.", 2.0)], pacing).audio)
    under = mixed[lead + 2000 : int(cue.end * EPISODE_RATE) - 2000]
    voice_part = plain[2000 : len(under) + 2000]
    assert level_db(under - voice_part) == pytest.approx(alone + pacing.duck_db, abs=1.0)
    end = int(cue.end * EPISODE_RATE)
    swell = mixed[end + int(0.55 * EPISODE_RATE) : end + int(0.65 * EPISODE_RATE)]
    assert level_db(swell) == pytest.approx(alone + pacing.swell_db, abs=1.0)
    # faded out by the end, and the essay starts a moment after the last sound
    assert np.abs(mixed[-int(0.25 * EPISODE_RATE) :]).max() < 0.005
    heard = last_audible(intro.audio, level_db(voice))
    assert intro.seconds == pytest.approx(heard + pacing.after_intro, abs=0.011)
    fade_end = cue.end + pacing.swell + pacing.music_fade + pacing.music_drop
    assert fade_end - 0.2 < heard <= fade_end


def test_compose_intro_without_music_is_the_spoken_lines_then_a_pause() -> None:
    intro = compose_intro(None, [line("One.", 0.5), line("Two.", 0.5)])
    one, two = intro.cues
    assert one.start == 0.0
    assert two.start == pytest.approx(one.end + Pacing().sentence, abs=1e-3)
    # the longest pause the intro allows after its last sound (the cue's end keeps the
    # word's quiet decay)
    assert two.end + Pacing().after_intro_max - audio.TRIM_TAIL - 0.011 <= intro.seconds
    assert intro.seconds <= two.end + Pacing().after_intro_max


def test_music_that_runs_out_early_leaves_no_dead_air_before_the_essay() -> None:
    """The tricky show: a long spoken intro over a jingle that has ended under it."""
    lines = [line("A Very Long Show Name.", 3.0), line("A Long Title, by Someone.", 3.0)]
    intro = compose_intro(music_of(5.0), lines)
    voice_end = intro.cues[-1].end
    heard = last_audible(intro.audio, level_db(samples(intro.audio)[: int(voice_end * 44100)]))
    assert heard == pytest.approx(voice_end, abs=0.1)  # only the voice is left to hear
    assert intro.seconds - heard <= 1.0
    assert intro.seconds == pytest.approx(heard + Pacing().after_intro_max, abs=0.01)


def test_music_with_a_silent_lead_in_starts_at_its_first_sound() -> None:
    intro = compose_intro(music_of(12, lead_silence=2.0), [line("Hi.")])
    assert level_db(samples(intro.audio)[: int(0.5 * EPISODE_RATE)]) > -40


def test_layout_is_the_body_in_order_with_its_pauses() -> None:
    pacing = Pacing()
    speech = speech_of([[2, 1], [1]], titles=["", "Second part"])
    steps = list(layout(speech, pacing))
    assert [s.sentence.written for s in steps] == [s.written for s in speech.sentences()]
    assert [s.pause for s in steps] == [0.0, pacing.sentence, pacing.paragraph, pacing.chapter]
    assert [s.chapter for s in steps] == ["", None, None, "Second part"]


def test_a_sample_rate_change_mid_episode_is_an_error(tmp_path: Path) -> None:
    sounds = [SentenceAudio("a", tone(0.5), VOICE_RATE), SentenceAudio("b", tone(0.5), 16000)]
    with pytest.raises(EssaycastError, match="sample rate"):
        render(tmp_path, speech_of([[2]]), sounds)


def test_an_outro_follows_the_essay_as_its_own_chapter_at_the_voices_level(
    tmp_path: Path,
) -> None:
    outro = music_of(2.0, amp=0.9)  # far louder than the voice
    result = render(
        tmp_path, speech_of([[1]]), [SentenceAudio("x", tone(1.0), VOICE_RATE)], outro=outro
    )
    last = result.chapters[-1]
    assert last.title == "Outro"
    # a piece ends on the frame grid: the outro starts within a frame of the chapter pause
    frame = FRAME / EPISODE_RATE
    assert 0 <= last.start - (result.cues[-1].end + Pacing().chapter) < frame
    assert 0 <= result.duration - (last.start + 2.0) < frame
    samples = read_mp3(result.mp3)

    def between(a: float, b: float) -> np.ndarray:
        return samples[int(a * EPISODE_RATE) : int(b * EPISODE_RATE)]

    played = between(last.start + 0.5, last.start + 1.5)
    voice = between(result.cues[0].start, result.cues[0].end)
    assert level_db(played) == pytest.approx(level_db(voice) + Pacing().music_level, abs=1.0)
