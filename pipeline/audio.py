"""Sentences + pauses + a ducked music intro -> one episode WAV, streamed to disk.

The intro is short, so numpy mixes it in memory. The body can be hours long,
so each sentence is trimmed and piped straight into ffmpeg at the voice's own
rate. ffmpeg resamples it, appends it to the intro, brings it near the target
loudness (a gain estimated from the first sentence, a gentle compressor, a
limiter), measures the integrated loudness (ITU-R BS.1770) on the way through
and writes the episode WAV; mastering then only trims the last decibel. Memory
stays flat in the essay's length, the measurement costs no extra pass, and each
sentence's start time falls out of the sample count, which is exactly what the
transcript needs.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import tempfile
import wave
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import EssaycastError
from .ffmpeg import ffmpeg_exe
from .model import ChapterMark, Cue, EpisodeAudio, SentenceAudio, SpeechText
from .music import pcm_to_float

EPISODE_RATE = 44100
# Piper pads each sentence with ~40 ms before and 70-160 ms after; anything quieter
# than this (-54 dBFS) at the edges is padding, not speech.
TRIM_THRESHOLD = 64  # of 32768
TRIM_LEAD = 0.02  # seconds kept before the first audible sample (a soft onset)
TRIM_TAIL = 0.06  # seconds kept after the last one (the decay of the last phoneme)
# A mono file is heard on two ears: it sounds 3 LU louder than it measures.
MONO_OFFSET_LU = 3.0
# Sample-peak ceilings of the limiter, dBFS: once in assemble, once in mastering.
# Mastering adds a small residual gain; its ceiling sits higher so it rarely has
# work left. Inter-sample peaks and the MP3 encoder add at most ~0.3 dB on speech
# and this music, so the final file stays at or under -1 dBTP.
LIMITER_CEILING = -2.0
MASTER_CEILING = -1.6
# The MP3 round trip reads quieter than the WAV: a steady 1 kHz sine measures 0.4 dB
# lower in ffmpeg's ebur128 after libmp3lame at 64-192 kbps; pink noise 0.3, speech 0.5.
ENCODER_LOSS_LU = 0.4
# Evens out the loud syllables before the limiter, so the limiter only catches
# transients (Piper's peaks stand ~23 dB over its loudness). It runs after the
# pre-gain, so its threshold sits at a known place, ~7 dB over the speech's
# loudness; makeup (x1.28, +2.1 dB) gives back what it and the limiter take
# from the loudness of Piper speech at the target, measured.
COMPRESSOR = "acompressor=threshold=-12dB:ratio=2:attack=10:release=200:makeup=1.28"
# BS.1770 loudness of a Piper sentence minus its gated RMS (level_db): K-weighting
# lifts the highs and cuts the lows; measured -0.2 to -1.9 dB, typically -0.7.
SPEECH_K_OFFSET = -0.7


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
    music_fade: float = 2.5  # ...and fades out
    after_intro: float = 0.6  # silence between the intro and the essay


@dataclass(frozen=True)
class AssembledAudio(EpisodeAudio):
    """The episode WAV plus what ffmpeg measured while writing it."""

    loudness: float  # integrated loudness in LUFS, measured plainly (mono, not dual-mono)


def float_to_pcm(samples: np.ndarray) -> bytes:
    """Float samples as 16-bit little-endian PCM, clipped to full scale."""
    return (np.clip(samples, -1.0, 32767 / 32768) * 32768).astype("<i2").tobytes()


def trim(pcm: bytes, sample_rate: int) -> bytes:
    """Drop the engine's leading and trailing silence, keeping a short soft edge."""
    samples = np.frombuffer(pcm, dtype="<i2")
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > TRIM_THRESHOLD)
    if loud.size == 0:
        return b""
    start = max(0, int(loud[0]) - round(TRIM_LEAD * sample_rate))
    end = min(samples.size, int(loud[-1]) + 1 + round(TRIM_TAIL * sample_rate))
    return pcm[2 * start : 2 * end]


def to_episode_rate(audio: SentenceAudio) -> np.ndarray:
    """A sentence trimmed and as float samples at EPISODE_RATE (for the short intro)."""
    pcm = trim(audio.pcm, audio.sample_rate)
    if audio.sample_rate == EPISODE_RATE or not pcm:
        return pcm_to_float(pcm)
    # ffmpeg's resampler, the same one the body goes through: no scipy import
    # (seconds at start-up) for a few seconds of speech.
    proc = subprocess.run(
        [
            ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error",
            "-f", "s16le", "-ar", str(audio.sample_rate), "-ac", "1", "-i", "pipe:0",
            "-ar", str(EPISODE_RATE), "-f", "f32le", "pipe:1",
        ],
        input=pcm,
        capture_output=True,
    )
    if proc.returncode != 0:
        raise EssaycastError(f"resampling speech failed: {proc.stderr.decode(errors='replace')}")
    return np.frombuffer(proc.stdout, dtype="<f4").copy()


def level_db(samples: np.ndarray, rate: int = EPISODE_RATE) -> float:
    """Gated RMS level in dBFS over 400 ms blocks (BS.1770's gating, without K-weighting).

    >>> round(level_db(np.full(44100, 0.1, dtype=np.float32)), 1)
    -20.0
    """
    block = int(0.4 * rate)
    usable = samples[: len(samples) // block * block].astype(np.float64)
    if usable.size == 0:
        usable = samples.astype(np.float64)
        block = max(1, usable.size)
    power = (usable.reshape(-1, block) ** 2).mean(axis=1)
    power = power[power > 1e-7]  # absolute gate, -70 dB
    if power.size == 0:
        return -120.0
    # relative gate: blocks 10 dB under the mean are pauses, not programme
    power = power[power > power.mean() / 10]
    return float(10 * np.log10(power.mean()))


def _envelope(points: list[tuple[float, float]], length: int) -> np.ndarray:
    """A gain curve through (seconds, dB) points, flat after the last.

    Interpolated in amplitude, not in dB: a fade linear in dB is inaudible for
    its second half, one linear in amplitude is heard to the end.
    """
    times = np.array([t for t, _ in points]) * EPISODE_RATE
    gains = 10 ** (np.array([g for _, g in points]) / 20)
    return np.interp(np.arange(length), times, gains).astype(np.float32)


def match_level(music: np.ndarray, voice_level: float, pacing: Pacing = Pacing()) -> np.ndarray:
    """`music` scaled to sit `pacing.music_level` dB from a voice at `voice_level` dBFS."""
    # any music file, loud master or quiet one, sits at the same place against this voice
    return music * np.float32(10 ** ((voice_level + pacing.music_level - level_db(music)) / 20))


def mix_intro(
    music: np.ndarray | None, voice: list[np.ndarray], pacing: Pacing = Pacing()
) -> np.ndarray:
    """Music alone, then ducked under the spoken intro, a small swell, then faded out."""
    gap = np.zeros(int(pacing.sentence * EPISODE_RATE), dtype=np.float32)
    parts: list[np.ndarray] = []
    for n, line in enumerate(voice):
        parts += [gap, line] if n else [line]
    spoken = np.concatenate(parts) if parts else gap[:0]
    if music is None or not music.size:
        return spoken

    lead = pacing.music_lead
    voice_end = lead + len(spoken) / EPISODE_RATE
    total = voice_end + pacing.swell + pacing.music_fade
    length = int(round(total * EPISODE_RATE))
    bed = np.zeros(length, dtype=np.float32)
    bed[: min(length, music.size)] = music[:length]
    bed = match_level(bed, level_db(spoken) if spoken.size else -20.0, pacing)
    duck = pacing.duck_db
    bed *= _envelope(
        [
            (0.0, 0.0),
            (lead - pacing.duck_ramp, 0.0),
            (lead, duck),  # fully ducked as the first word lands
            (voice_end, duck),
            (voice_end + pacing.swell, pacing.swell_db),
            (total, -90.0),
        ],
        length,
    )
    start = int(round(lead * EPISODE_RATE))
    bed[start : start + spoken.size] += spoken
    return bed


def limiter(ceiling_db: float = LIMITER_CEILING) -> str:
    """ffmpeg's lookahead limiter at `ceiling_db` dBFS, without delay or auto-gain."""
    # level=0: alimiter would otherwise scale the output up to the ceiling;
    # latency=1 removes its lookahead delay, so transcript times stay exact.
    ceiling = 10 ** (ceiling_db / 20)
    return f"alimiter=limit={ceiling:.4f}:attack=5:release=80:level=0:latency=1"


def _write_wav(path: Path, samples: np.ndarray) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(EPISODE_RATE)
        wav.writeframes(float_to_pcm(samples))


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


_INTEGRATED = re.compile(r"Summary:.*?I:\s*(-?[\d.]+|-inf)\s*LUFS", re.S)


def parse_integrated(log: str) -> float:
    """The integrated loudness from ffmpeg ebur128's summary.

    >>> parse_integrated("Summary:\\n  Integrated loudness:\\n    I:         -19.3 LUFS\\n")
    -19.3
    """
    found = _INTEGRATED.search(log)
    if not found:
        raise EssaycastError(f"ffmpeg gave no loudness summary: {log[-300:]}")
    return float(found.group(1))


class _Writer:
    """The ffmpeg process that turns the streamed body into the episode WAV."""

    def __init__(
        self, out_wav: Path, intro: Path | None, outro: Path | None, rate: int, gain: float
    ) -> None:
        self.rate = rate
        inputs: list[str] = []
        if intro:
            inputs += ["-i", str(intro)]
        inputs += ["-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0"]
        if outro:
            inputs += ["-i", str(outro)]
        cmd = [
            ffmpeg_exe(), "-hide_banner", "-nostats", "-loglevel", "info", "-y", *inputs,
            "-filter_complex", _filtergraph(intro is not None, outro is not None, rate, gain),
            "-map", "[out]", "-c:a", "pcm_s16le", "-f", "wav", str(out_wav),
        ]
        # stderr goes to a file, not a pipe: a pipe nobody reads would fill and stall ffmpeg
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in finish() or abort()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=self.log)
        self.frames = 0

    def write(self, pcm: bytes) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(pcm)
        except BrokenPipeError:
            raise EssaycastError(f"assembling the episode failed: {self._log()}") from None
        self.frames += len(pcm) // 2

    def silence(self, seconds: float) -> None:
        self.write(bytes(2 * int(round(seconds * self.rate))))

    @property
    def seconds(self) -> float:
        return self.frames / self.rate

    def finish(self) -> float:
        """Close the stream, wait for ffmpeg; return the integrated loudness."""
        assert self.proc.stdin is not None
        # ffmpeg may have exited already; its return code says why
        with contextlib.suppress(BrokenPipeError):
            self.proc.stdin.close()
        if self.proc.wait() != 0:
            raise EssaycastError(f"assembling the episode failed: {self._log()}")
        log = self._log()
        self.log.close()
        return parse_integrated(log)

    def abort(self) -> None:
        self.proc.kill()
        self.proc.wait()
        self.log.close()

    def _log(self) -> str:
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")


def assemble(
    speech: SpeechText,
    sentences: Iterable[SentenceAudio],
    out_wav: Path,
    intro: np.ndarray | None = None,
    outro: np.ndarray | None = None,
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
    intro_seconds = 0.0
    intro_wav = outro_wav = None
    if intro is not None and intro.size:
        intro_wav = work / f"{out_wav.stem}.intro.wav"
        _write_wav(intro_wav, intro)
        intro_seconds = intro.size / EPISODE_RATE
    outro_seconds = 0.0
    if outro is not None and outro.size:
        outro_wav = work / f"{out_wav.stem}.outro.wav"
        if pending:  # the outro answers the voice it follows, at the intro's balance
            voice = pcm_to_float(trim(pending[0].pcm, rate))
            outro = match_level(outro, level_db(voice, rate) if voice.size else -20.0, pacing)
        _write_wav(outro_wav, outro)
        outro_seconds = outro.size / EPISODE_RATE

    cues: list[Cue] = []
    marks: list[ChapterMark] = []
    writer = _Writer(out_wav, intro_wav, outro_wav, rate, gain)
    try:
        if intro_wav:
            marks.append(ChapterMark(0.0, 0.0, "Intro"))
            writer.silence(pacing.after_intro)
        for c, chapter in enumerate(speech.chapters):
            if c > 0:
                writer.silence(pacing.chapter)
            marks.append(ChapterMark(intro_seconds + writer.seconds, 0.0, chapter.title))
            for p, paragraph in enumerate(chapter.paragraphs):
                if p > 0:
                    writer.silence(pacing.paragraph)
                for s, sentence in enumerate(paragraph.sentences):
                    if s > 0:
                        writer.silence(pacing.sentence)
                    start = intro_seconds + writer.seconds
                    writer.write(trim(next_audio().pcm, rate))
                    cues.append(Cue(start, intro_seconds + writer.seconds, sentence.written))
        if outro_wav:
            writer.silence(pacing.chapter)
            marks.append(ChapterMark(intro_seconds + writer.seconds, 0.0, "Outro"))
        else:
            writer.silence(pacing.paragraph)  # let the last word ring out
        body_seconds = writer.seconds
        loudness = writer.finish()
    except BaseException:
        writer.abort()
        raise
    finally:
        for path in (intro_wav, outro_wav):
            if path:
                path.unlink(missing_ok=True)
    duration = intro_seconds + body_seconds + outro_seconds
    return AssembledAudio(
        out_wav, duration, tuple(cues), _close_chapters(marks, duration), loudness
    )


def _pre_gain(first: SentenceAudio | None, loudness: float | None) -> float:
    """A gain, in dB, that takes this voice to about `loudness` (as heard), from one sentence.

    The limiter's bite depends on how far the gain lifts the peaks; applying most
    of the gain before the limiter and the measurement makes the measurement
    include what the limiter took, so the mastering gain lands on target.
    """
    if loudness is None or first is None:
        return 0.0
    samples = pcm_to_float(trim(first.pcm, first.sample_rate))
    if samples.size == 0:
        return 0.0
    estimate = level_db(samples, first.sample_rate) + SPEECH_K_OFFSET
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
