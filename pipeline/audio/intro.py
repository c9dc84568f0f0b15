"""The intro and the outro: seconds of music and speech, composed with pydub.

pydub is the tool for clips this short: gain, ducking, overlay, fades, on
AudioSegments made from PCM that ffmpeg decoded (audio.music). The intro plays
the music alone, ducks it under the spoken lines (the show's and the essay's
titles), swells, fades, and ends where the essay begins; the outro is the
music at the same balance against the voice. audio.pieces makes the intro the
head of the episode's first piece and the outro its last piece.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..ffmpeg import resample_pcm
from ..model import Cue, SentenceAudio, Word
from ..standards import EPISODE_RATE
from .layout import Pacing, level_db, trim, trim_words, written_words
from .pcm import samples, segment

if TYPE_CHECKING:
    from pydub import AudioSegment

# Music quieter than this, relative to the voice's level, is silence to a listener
# (about -60 dBFS once mastered): the intro ends where its music falls below it.
AUDIBLE_DB = -40.0
AUDIBLE_WINDOW = 0.01  # seconds per level reading when looking for the last audible sound
DEFAULT_PACING = Pacing()  # frozen: safe as a default argument


@dataclass(frozen=True)
class Intro:
    """The composed intro: audio that ends where the essay begins, and its spoken lines."""

    audio: AudioSegment  # 16-bit mono at EPISODE_RATE
    cues: tuple[Cue, ...]  # the spoken lines, timed from the intro's start

    @property
    def seconds(self) -> float:
        return self.audio.frame_count() / EPISODE_RATE


def speech_segment(audio: SentenceAudio) -> AudioSegment:
    """A sentence, trimmed, as an AudioSegment at EPISODE_RATE (for the short intro)."""
    # ffmpeg's resampler, the same one the pieces of the body go through
    pcm = resample_pcm(trim(audio.pcm, audio.sample_rate), audio.sample_rate, EPISODE_RATE)
    return segment(pcm, EPISODE_RATE)


def match_level(
    music: AudioSegment, voice_level: float, pacing: Pacing = DEFAULT_PACING
) -> AudioSegment:
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
    music: AudioSegment | None, voice: Sequence[SentenceAudio], pacing: Pacing = DEFAULT_PACING
) -> Intro:
    """Music alone, then ducked under the spoken lines, a small swell, a fade; then the essay.

    The intro ends where the essay begins: `pacing.after_intro` to
    `pacing.after_intro_max` after its last audible sound, and, within that, no
    sooner than a paragraph's pause after its last word.
    """
    gap = segment(b"", EPISODE_RATE)
    spoken = gap
    # (first frame, end frame, text, words timed in its trimmed audio) in `spoken`
    offsets: list[tuple[int, int, str, tuple[Word, ...]]] = []
    for n, audio in enumerate(voice):
        if n:
            spoken += gap._spawn(bytes(2 * round(pacing.sentence * EPISODE_RATE)))
        line = speech_segment(audio)
        start = spoken.frame_count()
        spoken += line
        offsets.append((int(start), int(spoken.frame_count()), audio.text, trim_words(audio)))
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
        Cue(
            lead_ms / 1000 + a / EPISODE_RATE,
            lead_ms / 1000 + b / EPISODE_RATE,
            text,
            written_words(
                words, text, lead_ms / 1000 + a / EPISODE_RATE, lead_ms / 1000 + b / EPISODE_RATE
            ),
        )
        for a, b, text, words in offsets
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
    music: AudioSegment, voice_level: float, pacing: Pacing = DEFAULT_PACING
) -> AudioSegment:
    """The outro music at the intro's balance against the voice, with click-free edges."""
    music = match_level(_from_first_sound(music), voice_level, pacing)
    return music.fade_in(min(20, len(music))).fade_out(min(20, len(music)))
