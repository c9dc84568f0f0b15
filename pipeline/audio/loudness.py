"""Loudness's numbers, in one place: the target's tolerance, the ceilings, the filter chains.

An episode is made in pieces (audio.pieces). Each piece is *levelled* on its
own: a pre-gain estimated from the first sentence, COMPRESSOR and `limiter()`,
so that it lands near the target. The episode's one mastering gain comes from
all pieces' levelled loudness (`master_gain`); each piece is *encoded* with it
through `mastering_filter` and measured as a listener hears it; `off_target`
judges the spliced MP3 against SPEC section 5 from those figures. check.py
holds published episodes to the same TOLERANCE_LU and TRUE_PEAK_MAX. Every
figure is read from ffmpeg's log by ffmpeg.read_ebur128, which takes the last
summary: Debian's ffmpeg 5.1 prints one of nothing (-70 LUFS) first (issue 12).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..ffmpeg import Figures

# SPEC section 5: -16 LUFS +-1 LU as heard on two ears, true peak at most -1 dBTP.
TOLERANCE_LU = 1.0
TRUE_PEAK_MAX = -1.0
# An episode's gain is kept while it is heard within this of the target (and peaks
# under TRUE_PEAK_MAX); a miss by more gets one more pass, corrected. Half the
# tolerance: the other half covers what estimating the MP3 from its input may miss.
KEEP_LU = 0.5
RETRY_LU = KEEP_LU
# A mono file is heard on two ears: it sounds 3 LU louder than it measures.
MONO_OFFSET_LU = 3.0
# Sample-peak ceilings of the limiter, dBFS: once when a piece is levelled, once when it
# is encoded. Mastering adds a small residual gain; its ceiling sits higher so it rarely has
# work left. Inter-sample peaks and the MP3 encoder add at most ~0.3 dB on speech
# and this music, so the final file stays at or under -1 dBTP.
LIMITER_CEILING = -2.0
MASTER_CEILING = -1.6
# The MP3 round trip reads quieter than the WAV: a steady 1 kHz sine measures 0.4 dB
# lower in ffmpeg's ebur128 after libmp3lame at 64-192 kbps; pink noise 0.3, speech 0.5.
ENCODER_LOSS_LU = 0.4
# What LAME adds to the true peak of what it is fed, at 96 kbps on speech and this
# music: measured 0.4 dB on the long bench essay (bench/PROFILE.md); counted
# in full, so the MP3's true peak is at most what is reported.
ENCODER_PEAK_DB = 0.6
# ebur128's dualmono counts a mono channel twice: exactly 10*log10(2) dB louder.
DUAL_MONO_LU = 3.0103
# Evens out the loud syllables before the limiter, so the limiter only catches
# transients (Piper's peaks stand ~23 dB over its loudness). It runs after the
# pre-gain, so its threshold sits at a known place, ~7 dB over the speech's
# loudness; makeup (x1.28, +2.1 dB) gives back what it and the limiter take
# from the loudness of Piper speech at the target, measured.
COMPRESSOR = "acompressor=threshold=-12dB:ratio=2:attack=10:release=200:makeup=1.28"
# BS.1770 loudness of a Piper sentence minus its gated RMS (audio.layout.level_db): K-weighting
# lifts the highs and cuts the lows; measured -0.2 to -1.9 dB, typically -0.7.
SPEECH_K_OFFSET = -0.7


def limiter(ceiling_db: float = LIMITER_CEILING) -> str:
    """ffmpeg's lookahead limiter at `ceiling_db` dBFS, without delay or auto-gain."""
    # level=0: alimiter would otherwise scale the output up to the ceiling;
    # latency=1 removes its lookahead delay, so transcript times stay exact.
    ceiling = 10 ** (ceiling_db / 20)
    return f"alimiter=limit={ceiling:.4f}:attack=5:release=80:level=0:latency=1"


def as_heard(blocks: Sequence[float]) -> tuple[float, ...]:
    """Block loudness of an MP3 as heard, from the plain blocks of what LAME was fed.

    A uniform shift, so BS.1770's gates pick the same blocks either way.

    >>> as_heard([-19.0, -120.0])
    (-16.39, -117.39)
    """
    return tuple(round(b + DUAL_MONO_LU - ENCODER_LOSS_LU, 2) for b in blocks)


def encoded_peak(fed_true_peak: float) -> float:
    """An MP3's true peak at most, from the true peak of what LAME was fed (dBTP)."""
    return round(fed_true_peak + ENCODER_PEAK_DB, 2)


def master_gain(measured: float, loudness: float) -> float:
    """The gain (dB) that takes audio measured plainly at `measured` to `loudness` as heard.

    >>> master_gain(-19.6, -16.0)
    1.0
    """
    return round(loudness - MONO_OFFSET_LU - measured + ENCODER_LOSS_LU, 2)


def mastering_filter(gain: float, ceiling: float = MASTER_CEILING) -> str:
    """The ffmpeg filter of mastering: a fixed gain, then the limiter if it has work.

    The levelling limiter already holds peaks at LIMITER_CEILING, so a gain that
    keeps them under `ceiling` needs no second limiter (and 0 dB no volume).

    >>> mastering_filter(1.0)
    'volume=1.00dB,alimiter=limit=0.8318:attack=5:release=80:level=0:latency=1'
    >>> mastering_filter(0.0), mastering_filter(-0.5)
    ('anull', 'volume=-0.50dB')
    """
    steps = [f"volume={gain:.2f}dB"] if round(gain, 2) != 0 else []
    if LIMITER_CEILING + gain > ceiling + 1e-9:
        steps.append(limiter(ceiling))
    return ",".join(steps) or "anull"


def off_target(heard: Figures, loudness: float, tolerance: float = TOLERANCE_LU) -> str | None:
    """What is wrong with an MP3's figures against the target, or None.

    >>> off_target(Figures(-16.2, -1.6), -16.0) is None
    True
    >>> off_target(Figures(-14.2, -0.4), -16.0)
    '-14.2 LUFS as heard (target -16 +-1); true peak -0.4 dBTP (at most -1)'
    """
    problems = []
    if abs(heard.integrated - loudness) > tolerance:
        problems.append(
            f"{heard.integrated:.1f} LUFS as heard (target {loudness:g} +-{tolerance:g})"
        )
    if heard.true_peak is not None and heard.true_peak > TRUE_PEAK_MAX:
        problems.append(f"true peak {heard.true_peak:.1f} dBTP (at most {TRUE_PEAK_MAX:g})")
    return "; ".join(problems) or None
