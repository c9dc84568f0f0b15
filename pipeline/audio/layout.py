"""Sentences + pauses + a composed intro -> one episode WAV, streamed to disk.

Two tools, each for what it is made for. pydub composes the intro and the
outro: a few seconds of music and speech as AudioSegments (gain, ducking,
overlay, fades), from PCM that ffmpeg decoded. The body can be hours long, so
it never becomes one object: `layout` says, from the SpeechText alone, which
sentence comes next and how long a pause goes before it, and `assemble` pipes
each sentence, trimmed, into one ffmpeg at the voice's own rate. ffmpeg
resamples it, puts intro + body + outro in a row, brings it near the target
loudness (a pre-gain estimated from the first sentence, a gentle compressor, a
limiter; the numbers are in mastering.py), measures the integrated loudness
(ITU-R BS.1770) on the way through and writes the episode WAV; mastering then
only trims the last decibel. Memory stays flat in the essay's length, the
measurement costs no extra pass, and each sentence's start time falls out of
the sample count, which is exactly what the transcript needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import EssaycastError
from ..ffmpeg import FfmpegStream, resample_pcm
from ..model import ChapterMark, Cue, EpisodeAudio, Sentence, SentenceAudio, SpeechText
from .loudness import (
    COMPRESSOR,
    ENCODER_LOSS_LU,
    MONO_OFFSET_LU,
    SPEECH_K_OFFSET,
    Figures,
    limiter,
    measure,
    parse_summary,
    plausible,
)
from .pcm import samples, segment, to_float

if TYPE_CHECKING:
    from pydub import AudioSegment

EPISODE_RATE = 44100
# Piper pads each sentence with ~40 ms before and 70-160 ms after; anything quieter
# than this (-54 dBFS) at the edges is padding, not speech.
TRIM_THRESHOLD = 64  # of 32768
TRIM_LEAD = 0.02  # seconds kept before the first audible sample (a soft onset)
TRIM_TAIL = 0.06  # seconds kept after the last one (the decay of the last phoneme)
# Music quieter than this, relative to the voice's level, is silence to a listener
# (about -60 dBFS once mastered): the intro ends where its music falls below it.
AUDIBLE_DB = -40.0
AUDIBLE_WINDOW = 0.01  # seconds per level reading when looking for the last audible sound


@dataclass(frozen=True)
class Pacing:
    """Silences and the intro's shape, in seconds and dB: sentence < paragraph < chapter."""

    sentence: float = 0.45
    paragraph: float = 0.95
    chapter: float = 1.8
    music_lead: float = 3.0  # music alone before the spoken intro
    music_level: float = -2.0  # the music's level against the voice's, before ducking
    duck_db: float = -14.0  # music under the voice
    duck_ramp: float = 0.5  # the duck lands as the voice comes in
    swell_db: float = -6.0  # after the spoken intro the music comes back up a little...
    swell: float = 0.6
    music_fade: float = 1.4  # ...eases down by fade_ease_db...
    fade_ease_db: float = -3.0
    music_drop: float = 0.6  # ...and drops to silence: heard almost to its end, no long tail
    after_intro: float = 0.3  # from the intro's last audible sound to the essay...
    # ...but never sooner after the intro's last word than a paragraph's pause, nor
    # later after its last sound than this: the essay begins within 1.0 s of it
    after_intro_max: float = 0.8


@dataclass(frozen=True)
class Intro:
    """The composed intro: audio that ends where the essay begins, and its spoken lines."""

    audio: AudioSegment  # 16-bit mono at EPISODE_RATE
    cues: tuple[Cue, ...]  # the spoken lines, timed from the intro's start

    @property
    def seconds(self) -> float:
        return self.audio.frame_count() / EPISODE_RATE


@dataclass(frozen=True)
class AssembledAudio(EpisodeAudio):
    """The episode WAV plus what ffmpeg measured while writing it."""

    loudness: float  # integrated loudness in LUFS, measured plainly (mono, not dual-mono)


def trim(pcm: bytes, sample_rate: int) -> bytes:
    """Drop the engine's leading and trailing silence, keeping a short soft edge."""
    values = np.frombuffer(pcm, dtype="<i2")
    loud = np.flatnonzero(np.abs(values.astype(np.int32)) > TRIM_THRESHOLD)
    if loud.size == 0:
        return b""
    start = max(0, int(loud[0]) - round(TRIM_LEAD * sample_rate))
    end = min(values.size, int(loud[-1]) + 1 + round(TRIM_TAIL * sample_rate))
    return pcm[2 * start : 2 * end]


def level_db(values: np.ndarray, rate: int = EPISODE_RATE) -> float:
    """Gated RMS level in dBFS over 400 ms blocks (BS.1770's gating, without K-weighting).

    >>> round(level_db(np.full(44100, 0.1, dtype=np.float32)), 1)
    -20.0
    """
    block = int(0.4 * rate)
    usable = values[: len(values) // block * block].astype(np.float64)
    if usable.size == 0:
        usable = values.astype(np.float64)
        block = max(1, usable.size)
    power = (usable.reshape(-1, block) ** 2).mean(axis=1)
    power = power[power > 1e-7]  # absolute gate, -70 dB
    if power.size == 0:
        return -120.0
    # relative gate: blocks 10 dB under the mean are pauses, not programme
    power = power[power > power.mean() / 10]
    return float(10 * np.log10(power.mean()))


def speech_segment(audio: SentenceAudio) -> AudioSegment:
    """A sentence, trimmed, as an AudioSegment at EPISODE_RATE (for the short intro)."""
    # ffmpeg's resampler, the same one the body goes through
    pcm = resample_pcm(trim(audio.pcm, audio.sample_rate), audio.sample_rate, EPISODE_RATE)
    return segment(pcm, EPISODE_RATE)


def match_level(music: AudioSegment, voice_level: float, pacing: Pacing = Pacing()) -> AudioSegment:
    """`music` with the gain that sets it `pacing.music_level` dB from a voice at `voice_level`."""
    # any music file, loud master or quiet one, sits at the same place against this voice
    own = level_db(samples(music))
    if own <= -100.0:  # digital silence: nothing to bring up but noise
        return music
    return music.apply_gain(voice_level + pacing.music_level - own)


def _from_first_sound(music: AudioSegment) -> AudioSegment:
    """`music` without a silent lead-in (a file that starts with two quiet seconds)."""
    from pydub.silence import detect_leading_silence

    return music[detect_leading_silence(music, silence_threshold=-50.0, chunk_size=10) :]


def last_audible(audio: AudioSegment, voice_level: float) -> float:
    """Seconds from the start of `audio` to the end of its last audible moment."""
    values = samples(audio)
    window = int(AUDIBLE_WINDOW * EPISODE_RATE)
    count = len(values) // window
    if count == 0:
        return 0.0
    power = (values[: count * window].astype(np.float64).reshape(count, window) ** 2).mean(axis=1)
    loud = np.flatnonzero(power > 10 ** ((voice_level + AUDIBLE_DB) / 10))
    return (int(loud[-1]) + 1) * window / EPISODE_RATE if loud.size else 0.0


def compose_intro(
    music: AudioSegment | None, voice: Sequence[SentenceAudio], pacing: Pacing = Pacing()
) -> Intro:
    """Music alone, then ducked under the spoken lines, a small swell, a fade; then the essay.

    The intro ends where the essay begins: `pacing.after_intro` to
    `pacing.after_intro_max` after its last audible sound, and, within that, no
    sooner than a paragraph's pause after its last word.
    """
    gap = segment(b"", EPISODE_RATE)
    spoken = gap
    offsets: list[tuple[int, int, str]] = []  # (first frame, end frame, text) in `spoken`
    for n, audio in enumerate(voice):
        if n:
            spoken += gap._spawn(bytes(2 * round(pacing.sentence * EPISODE_RATE)))
        line = speech_segment(audio)
        start = spoken.frame_count()
        spoken += line
        offsets.append((int(start), int(spoken.frame_count()), audio.text))
    voice_level = level_db(samples(spoken)) if offsets else -20.0
    if not offsets and (music is None or not len(music)):
        return Intro(spoken, ())

    lead_ms = 0
    mixed = spoken
    if music is not None and len(music):
        lead_ms = round(pacing.music_lead * 1000)
        mixed = _bed(_from_first_sound(music), voice_level, lead_ms, len(spoken), pacing)
        mixed = mixed.overlay(spoken, position=lead_ms)
    voice_end = lead_ms / 1000 + spoken.frame_count() / EPISODE_RATE
    heard = min(last_audible(mixed, voice_level), mixed.frame_count() / EPISODE_RATE)
    # a paragraph's pause after the last word, the music's tail permitting; and never
    # more than after_intro_max after the last sound (the word's own decay counts)
    essay_start = max(heard + pacing.after_intro, voice_end + pacing.paragraph)
    essay_start = min(essay_start, heard + pacing.after_intro_max)
    frames = round(essay_start * EPISODE_RATE)
    body = mixed.get_sample_slice(0, min(frames, int(mixed.frame_count())))
    body = body.fade_out(min(20, len(body)))  # the cut, if any, is below hearing; no click
    silence = bytes(2 * max(0, frames - int(body.frame_count())))
    cues = tuple(
        Cue(lead_ms / 1000 + a / EPISODE_RATE, lead_ms / 1000 + b / EPISODE_RATE, text)
        for a, b, text in offsets
    )
    return Intro(body + body._spawn(silence), cues)


def _bed(
    music: AudioSegment, voice_level: float, lead_ms: int, spoken_ms: int, pacing: Pacing
) -> AudioSegment:
    """The music under the spoken intro: level-matched, ducked, swelled, faded out.

    The fade eases down a few dB, then drops: a fade that is linear all the way
    spends its last second under hearing, which is dead air before the essay.
    """
    voice_end = lead_ms + spoken_ms
    swell_end = voice_end + round(pacing.swell * 1000)
    eased = swell_end + round(pacing.music_fade * 1000)
    total = eased + round(pacing.music_drop * 1000)
    bed = match_level(music[:total], voice_level, pacing)
    if len(bed) < total:  # music that ends before its fade: end it softly, then silence
        bed = bed.fade_out(min(200, len(bed)))
        bed += segment(bytes(2 * round((total - len(bed)) * EPISODE_RATE / 1000)), EPISODE_RATE)
    duck_at = max(0, lead_ms - round(pacing.duck_ramp * 1000))
    duck, swell = pacing.duck_db, pacing.swell_db
    return (
        bed[:duck_at]
        + _ramp(bed[duck_at:lead_ms], 0.0, duck)
        + bed[lead_ms:voice_end].apply_gain(duck)
        + _ramp(bed[voice_end:swell_end], duck, swell)
        + _ramp(bed[swell_end:eased], swell, swell + pacing.fade_ease_db)
        + _ramp(bed[eased:total], swell + pacing.fade_ease_db, -120.0)
    )


def _ramp(part: AudioSegment, from_db: float, to_db: float) -> AudioSegment:
    """`part` with its gain going from `from_db` to `to_db`, linear in amplitude.

    Linear in amplitude (pydub's fade), not in dB: a fade linear in dB is
    inaudible for its second half, one linear in amplitude is heard to the end.
    """
    if not len(part):
        return part
    return part.fade(from_gain=from_db, to_gain=to_db, start=0, end=len(part))


def compose_outro(
    music: AudioSegment, voice_level: float, pacing: Pacing = Pacing()
) -> AudioSegment:
    """The outro music at the intro's balance against the voice, with click-free edges."""
    music = match_level(_from_first_sound(music), voice_level, pacing)
    return music.fade_in(min(20, len(music))).fade_out(min(20, len(music)))


@dataclass(frozen=True)
class Step:
    """One sentence of the body: the pause before it, and the chapter it opens, if any."""

    pause: float
    sentence: Sentence
    chapter: str | None = None  # the chapter's title ("" for an untitled first part)


def layout(speech: SpeechText, pacing: Pacing = Pacing()) -> Iterator[Step]:
    """The body in order, from the text alone: each sentence and the pause before it.

    Pure: the same SpeechText and Pacing give the same steps, so a piece of the
    body (a chapter, a paragraph) can be found, and rendered, without the rest.
    """
    first = True
    for chapter in speech.chapters:
        opens: str | None = chapter.title
        for paragraph in chapter.paragraphs:
            for s, sentence in enumerate(paragraph.sentences):
                if first:
                    pause = 0.0  # the intro's end already holds the pause before the essay
                elif opens is not None:
                    pause = pacing.chapter
                else:
                    pause = pacing.sentence if s else pacing.paragraph
                yield Step(pause, sentence, opens)
                first, opens = False, None


def _filtergraph(has_intro: bool, has_outro: bool, body_rate: int, gain: float) -> str:
    """Resample the body, put intro + body + outro in a row, level, limit, measure."""
    body_input = 1 if has_intro else 0
    resample = f"aresample={EPISODE_RATE}" if body_rate != EPISODE_RATE else "anull"
    parts = [f"[{body_input}:a]{resample}[body]"]
    chain = "[0:a]" if has_intro else ""
    chain += "[body]"
    if has_outro:
        chain += f"[{body_input + 1}:a]"
    count = 1 + has_intro + has_outro
    # framelog=verbose keeps the 10-per-second lines out of the log but the summary in;
    # framelog=quiet would drop the summary too.
    parts.append(
        f"{chain}concat=n={count}:v=0:a=1,volume={gain:.2f}dB,{COMPRESSOR},{limiter()},"
        "ebur128=framelog=verbose[out]"
    )
    return ";".join(parts)


def _raw_input(path: Path, rate: int) -> list[str]:
    return ["-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", str(path)]


class _Writer:
    """The episode's one ffmpeg: intro file, the body from our pipe, outro file -> WAV."""

    def __init__(
        self, out_wav: Path, intro: Path | None, outro: Path | None, rate: int, gain: float
    ) -> None:
        self.rate = rate
        inputs = _raw_input(intro, EPISODE_RATE) if intro else []
        inputs += _raw_input(Path("pipe:0"), rate)
        inputs += _raw_input(outro, EPISODE_RATE) if outro else []
        graph = _filtergraph(intro is not None, outro is not None, rate, gain)
        self.stream = FfmpegStream(
            [
                *inputs,
                "-filter_complex",
                graph,
                "-map",
                "[out]",
                "-c:a",
                "pcm_s16le",
                "-f",
                "wav",
                str(out_wav),
            ],
            what="assembling the episode",
        )
        self.frames = 0

    def write(self, pcm: bytes) -> None:
        self.stream.write(pcm)
        self.frames += len(pcm) // 2

    def silence(self, seconds: float) -> None:
        if seconds > 0:
            self.write(bytes(2 * int(round(seconds * self.rate))))

    @property
    def seconds(self) -> float:
        return self.frames / self.rate

    def finish(self) -> Figures | None:
        """Close the stream, wait for ffmpeg; the loudness it measured, if it can be right."""
        figures = parse_summary(self.stream.finish())
        return figures if plausible(figures) else None

    def abort(self) -> None:
        self.stream.abort()


def assemble(
    speech: SpeechText,
    sentences: Iterable[SentenceAudio],
    out_wav: Path,
    intro: Intro | None = None,
    outro: AudioSegment | None = None,
    pacing: Pacing = Pacing(),
    loudness: float | None = None,
) -> AssembledAudio:
    """Write intro + the essay read aloud (+ outro) to `out_wav`; return its timings.

    `sentences` yields the audio of `speech.sentences()` in the same order; it is
    consumed one sentence at a time and nothing of it is kept. With `loudness`
    (LUFS as heard), the WAV is already brought close to it and peak-limited, so
    that mastering only trims the last decibel (see `_pre_gain`).
    """
    audio_iter: Iterator[SentenceAudio] = iter(sentences)
    first = next(audio_iter, None)
    rate = first.sample_rate if first else EPISODE_RATE
    gain = _pre_gain(first, loudness)
    # the first sentence was read early for its sample rate; hand it over, keep nothing
    pending = [first] if first else []
    del first

    def next_audio() -> SentenceAudio:
        audio = pending.pop() if pending else next(audio_iter, None)
        if audio is None:
            raise EssaycastError("the voice returned fewer sentences than the essay has")
        if audio.sample_rate != rate:
            raise EssaycastError(
                f"the voice changed sample rate mid-episode ({audio.sample_rate} != {rate} Hz)"
            )
        return audio

    work = out_wav.parent
    intro_seconds = intro.seconds if intro is not None and len(intro.audio) else 0.0
    intro_file = outro_file = None
    if intro_seconds:
        assert intro is not None
        intro_file = work / f"{out_wav.stem}.intro.pcm"
        intro_file.write_bytes(intro.audio.raw_data)
    outro_seconds = 0.0
    if outro is not None and len(outro):
        # the outro answers the voice it follows, at the intro's balance
        voice = to_float(trim(pending[0].pcm, rate)) if pending else np.zeros(0, np.float32)
        outro = compose_outro(outro, level_db(voice, rate) if voice.size else -20.0, pacing)
        outro_file = work / f"{out_wav.stem}.outro.pcm"
        outro_file.write_bytes(outro.raw_data)
        outro_seconds = outro.frame_count() / EPISODE_RATE

    cues: list[Cue] = list(intro.cues) if intro_seconds and intro else []
    marks: list[ChapterMark] = [ChapterMark(0.0, 0.0, "Intro")] if intro_seconds else []
    writer = _Writer(out_wav, intro_file, outro_file, rate, gain)
    try:
        for step in layout(speech, pacing):
            writer.silence(step.pause)
            start = intro_seconds + writer.seconds
            if step.chapter is not None:
                marks.append(ChapterMark(start, 0.0, step.chapter))
            writer.write(trim(next_audio().pcm, rate))
            cues.append(Cue(start, intro_seconds + writer.seconds, step.sentence.written))
        if outro_file:
            writer.silence(pacing.chapter)
            marks.append(ChapterMark(intro_seconds + writer.seconds, 0.0, "Outro"))
        else:
            writer.silence(pacing.paragraph)  # let the last word ring out
        body_seconds = writer.seconds
        figures = writer.finish()
    except BaseException:
        writer.abort()
        raise
    finally:
        for path in (intro_file, outro_file):
            if path:
                path.unlink(missing_ok=True)
    if figures is None:
        # the in-graph figure cannot be right (none, or -70 LUFS): measure the WAV on its own
        figures = measure(out_wav)
    duration = intro_seconds + body_seconds + outro_seconds
    return AssembledAudio(
        out_wav, duration, tuple(cues), _close_chapters(marks, duration), figures.integrated
    )


def _pre_gain(first: SentenceAudio | None, loudness: float | None) -> float:
    """A gain, in dB, that takes this voice to about `loudness` (as heard), from one sentence.

    The limiter's bite depends on how far the gain lifts the peaks; applying most
    of the gain before the limiter and the measurement makes the measurement
    include what the limiter took, so the mastering gain lands on target.
    """
    if loudness is None or first is None:
        return 0.0
    values = to_float(trim(first.pcm, first.sample_rate))
    if values.size == 0:
        return 0.0
    estimate = level_db(values, first.sample_rate) + SPEECH_K_OFFSET
    # aim the WAV at what the MP3 should measure plus what encoding will take
    target = loudness - MONO_OFFSET_LU + ENCODER_LOSS_LU
    return float(np.clip(target - estimate, -20.0, 30.0))


def _close_chapters(marks: list[ChapterMark], duration: float) -> tuple[ChapterMark, ...]:
    """Give each chapter its end (the next one's start) and drop empty ones."""
    closed = []
    for i, mark in enumerate(marks):
        end = marks[i + 1].start if i + 1 < len(marks) else duration
        if end > mark.start:
            closed.append(ChapterMark(mark.start, end, mark.title))
    return tuple(closed)
