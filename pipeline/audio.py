"""Sentences + pauses + a ducked music intro -> one episode WAV, streamed to disk.

The intro is short, so pydub mixes it in memory. The body can be hours long,
so it is written to the WAV one sentence at a time: memory stays flat in the
essay's length, and each sentence's start time falls out of the sample count,
which is exactly what the transcript needs.
"""

from __future__ import annotations

import warnings
import wave
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from math import gcd
from pathlib import Path

import numpy as np

from .model import ChapterMark, Cue, EpisodeAudio, SentenceAudio, SpeechText

EPISODE_RATE = 44100


@dataclass(frozen=True)
class Pacing:
    """Silences, in seconds: sentence < paragraph < chapter."""

    sentence: float = 0.45
    paragraph: float = 0.9
    chapter: float = 1.6
    music_lead: float = 3.0  # music alone before the spoken intro
    duck_db: float = -14.0  # music under the voice
    music_fade: float = 2.5  # music fades out after the spoken intro
    after_intro: float = 1.0


def to_episode_rate(audio: SentenceAudio) -> np.ndarray:
    """Float samples at EPISODE_RATE; polyphase resampling keeps speech free of aliasing."""
    samples = np.frombuffer(audio.pcm, dtype="<i2").astype(np.float32) / 32768.0
    if audio.sample_rate == EPISODE_RATE or samples.size == 0:
        return samples
    from scipy.signal import resample_poly

    common = gcd(EPISODE_RATE, audio.sample_rate)
    up, down = EPISODE_RATE // common, audio.sample_rate // common
    return resample_poly(samples, up, down).astype(np.float32)


def mix_intro(
    music: np.ndarray | None, voice: list[np.ndarray], pacing: Pacing = Pacing()
) -> np.ndarray:
    """Music alone, then ducked under the spoken intro, then faded out."""
    with warnings.catch_warnings():
        # pydub warns at import when no ffmpeg is on PATH; it needs none for raw PCM
        warnings.simplefilter("ignore", RuntimeWarning)
        from pydub import AudioSegment

    gap = np.zeros(int(pacing.sentence * EPISODE_RATE), dtype=np.float32)
    spoken = np.concatenate([np.concatenate([v, gap]) for v in voice]) if voice else gap[:0]
    if music is None:
        return spoken

    def segment(samples: np.ndarray) -> AudioSegment:
        pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()
        return AudioSegment(data=pcm, sample_width=2, frame_rate=EPISODE_RATE, channels=1)

    lead_ms = int(pacing.music_lead * 1000)
    speech_ms = int(len(spoken) / EPISODE_RATE * 1000)
    total_ms = lead_ms + speech_ms + int(pacing.music_fade * 1000)
    bed = segment(music)
    if len(bed) < total_ms:
        bed += AudioSegment.silent(total_ms - len(bed), frame_rate=EPISODE_RATE)
    bed = bed[:total_ms]
    # pydub's fade keeps `to_gain` after `end`: the music stays ducked under the voice
    bed = bed.fade(to_gain=pacing.duck_db, start=lead_ms - 400, end=lead_ms + 100)
    bed = bed.fade_out(int(pacing.music_fade * 1000))
    mixed = bed.overlay(segment(spoken), position=lead_ms)
    return np.frombuffer(mixed.raw_data, dtype="<i2").astype(np.float32) / 32768.0


def assemble(
    speech: SpeechText,
    sentences: Iterable[SentenceAudio],
    out_wav: Path,
    intro: np.ndarray | None = None,
    outro: np.ndarray | None = None,
    pacing: Pacing = Pacing(),
) -> EpisodeAudio:
    """Write intro + the essay read aloud (+ outro) to `out_wav`; return its timings.

    `sentences` yields the audio of `speech.sentences()` in the same order.
    """
    audio_iter: Iterator[SentenceAudio] = iter(sentences)
    cues: list[Cue] = []
    marks: list[ChapterMark] = []
    with wave.open(str(out_wav), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(EPISODE_RATE)
        written = 0

        def write(samples: np.ndarray) -> None:
            nonlocal written
            wav.writeframes((np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes())
            written += len(samples)

        def silence(seconds: float) -> None:
            write(np.zeros(int(seconds * EPISODE_RATE), dtype=np.float32))

        if intro is not None and len(intro):
            write(intro)
            silence(pacing.after_intro)
            marks.append(ChapterMark(0.0, 0.0, "Intro"))
        for c, chapter in enumerate(speech.chapters):
            if c > 0:
                silence(pacing.chapter)
            marks.append(ChapterMark(written / EPISODE_RATE, 0.0, chapter.title))
            for p, paragraph in enumerate(chapter.paragraphs):
                if p > 0:
                    silence(pacing.paragraph)
                for s, sentence in enumerate(paragraph.sentences):
                    if s > 0:
                        silence(pacing.sentence)
                    samples = to_episode_rate(next(audio_iter))
                    start = written / EPISODE_RATE
                    write(samples)
                    cues.append(Cue(start, written / EPISODE_RATE, sentence.written))
        if outro is not None and len(outro):
            silence(pacing.chapter)
            marks.append(ChapterMark(written / EPISODE_RATE, 0.0, "Outro"))
            write(outro)
        silence(pacing.paragraph)  # let the last word ring out
        duration = written / EPISODE_RATE
    return EpisodeAudio(out_wav, duration, tuple(cues), _close_chapters(marks, duration))


def _close_chapters(marks: list[ChapterMark], duration: float) -> tuple[ChapterMark, ...]:
    """Give each chapter its end (the next one's start) and drop empty ones."""
    closed = []
    for i, mark in enumerate(marks):
        end = marks[i + 1].start if i + 1 < len(marks) else duration
        if end > mark.start:
            closed.append(ChapterMark(mark.start, end, mark.title))
    return tuple(closed)
