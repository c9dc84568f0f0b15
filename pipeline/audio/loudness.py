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

from ..ffmpeg import Figures

# SPEC section 5: -16 LUFS +-1 LU as heard on two ears, true peak at most -1 dBTP.
TOLERANCE_LU = 1.0
TRUE_PEAK_MAX = -1.0
# A second mastering pass is made when the MP3 misses by more than this (or peaks
# over TRUE_PEAK_MAX), so that the published file lands well inside the tolerance.
RETRY_LU = 0.5
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


def master_gain(measured: float, loudness: float) -> float:
    """The gain (dB) that takes audio measured plainly at `measured` to `loudness` as heard.

    >>> master_gain(-19.6, -16.0)
    1.0
    """
    return round(loudness - MONO_OFFSET_LU - measured + ENCODER_LOSS_LU, 2)


def mastering_filter(gain: float, ceiling: float = MASTER_CEILING) -> str:
    """The ffmpeg filter of the mastering pass: a fixed gain, then the limiter.

    >>> mastering_filter(1.0)
    'volume=1.00dB,alimiter=limit=0.8318:attack=5:release=80:level=0:latency=1'
    """
    return f"volume={gain:.2f}dB,{limiter(ceiling)}"


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
