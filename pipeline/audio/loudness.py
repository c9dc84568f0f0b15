"""Mastering's numbers and measurements, in one place: the target, the ceilings, the checks.

audio.assemble brings the episode close to the target on the way to the WAV
(a pre-gain, a compressor, a limiter) and measures it there; episode.master_to_mp3
applies the last trim and encodes. Both read their constants from here, and every
loudness or peak figure goes through `parse_summary` and `plausible`: a figure
that cannot be right is never used. Debian's ffmpeg 5.1 shows why: with
-filter_complex it builds the graph twice and the discarded first ebur128 prints
a summary of nothing (-70.0 LUFS) before the real one; read blindly, mastering
applied +51 dB and the limiter crushed the voice (issue 12).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import EssaycastError
from ..ffmpeg import run_ffmpeg

# SPEC section 5: -16 LUFS +-1 LU as heard on two ears, true peak at most -1 dBTP.
TOLERANCE_LU = 1.0
TRUE_PEAK_MAX = -1.0
# A second mastering pass is made when the MP3 misses by more than this (or peaks
# over TRUE_PEAK_MAX), so that the published file lands well inside the tolerance.
RETRY_LU = 0.5
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
# BS.1770 loudness of a Piper sentence minus its gated RMS (audio.level_db): K-weighting
# lifts the highs and cuts the lows; measured -0.2 to -1.9 dB, typically -0.7.
SPEECH_K_OFFSET = -0.7
# Integrated loudness that an episode of speech can have. ebur128 reports -70.0
# when nothing passed its gate, and a full-scale square wave measures +3.
PLAUSIBLE_LUFS = (-60.0, 0.0)


@dataclass(frozen=True)
class Figures:
    """What ebur128 measured: integrated loudness (LUFS) and, if asked, true peak (dBTP)."""

    integrated: float
    true_peak: float | None = None


def limiter(ceiling_db: float = LIMITER_CEILING) -> str:
    """ffmpeg's lookahead limiter at `ceiling_db` dBFS, without delay or auto-gain."""
    # level=0: alimiter would otherwise scale the output up to the ceiling;
    # latency=1 removes its lookahead delay, so transcript times stay exact.
    ceiling = 10 ** (ceiling_db / 20)
    return f"alimiter=limit={ceiling:.4f}:attack=5:release=80:level=0:latency=1"


_SUMMARY = re.compile(r"Summary:\s*\n")
_INTEGRATED = re.compile(r"I:\s*(-?[\d.]+|-inf|nan)\s*LUFS")
_PEAK = re.compile(r"Peak:\s*(-?[\d.]+|-inf|nan)\s*dBFS")


def parse_summary(log: str) -> Figures | None:
    """The last ebur128 summary in an ffmpeg log, or None if there is none.

    The last one: ffmpeg 5.1 prints a summary of nothing first.

    >>> parse_summary("Summary:\\n  I: -70.0 LUFS\\n...\\nSummary:\\n  I: -19.3 LUFS\\n")
    Figures(integrated=-19.3, true_peak=None)
    >>> parse_summary("no summary here") is None
    True
    """
    starts = [m.end() for m in _SUMMARY.finditer(log)]
    if not starts:
        return None
    summary = log[starts[-1] :]
    integrated = _INTEGRATED.search(summary)
    if not integrated:
        return None
    peak = _PEAK.search(summary)
    return Figures(float(integrated.group(1)), float(peak.group(1)) if peak else None)


def plausible(figures: Figures | None) -> bool:
    """Whether these figures can be those of an episode of speech.

    >>> plausible(Figures(-19.2, -1.4)), plausible(Figures(-70.0)), plausible(None)
    (True, False, False)
    """
    if figures is None or not math.isfinite(figures.integrated):
        return False
    low, high = PLAUSIBLE_LUFS
    if not low < figures.integrated < high:
        return False
    return figures.true_peak is None or math.isfinite(figures.true_peak)


def measure(path: Path, *, heard: bool = False, true_peak: bool = False) -> Figures:
    """Measure a file in its own ffmpeg pass; raise one line if the figure cannot be right.

    `heard`: a mono file as dual-mono (LUFS as heard on two ears).
    """
    options = "framelog=verbose" + (":dualmono=true" if heard else "")
    options += ":peak=true" if true_peak else ""
    # framelog=verbose keeps the 10-per-second lines out of the info log but the summary in
    proc = run_ffmpeg(
        ["-i", str(path), "-af", f"ebur128={options}", "-f", "null", "-"],
        what=f"measuring {path.name}",
        loglevel="info",
    )
    figures = parse_summary(proc.stderr.decode("utf-8", "replace"))
    if not plausible(figures):
        said = f"{figures.integrated} LUFS" if figures else "no summary"
        raise EssaycastError(
            f"measuring {path.name}: ffmpeg's ebur128 gave {said}, which "
            "cannot be right for speech; not published"
        )
    assert figures is not None
    return figures


def master_gain(measured: float, loudness: float) -> float:
    """The gain (dB) that takes a WAV measured plainly at `measured` to `loudness` as heard.

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
