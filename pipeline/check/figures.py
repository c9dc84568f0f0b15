"""The audio figures of a final MP3, from one decode.

ffmpeg's ebur128 measures loudness as heard and true peak on the way, numpy finds
the longest silence and any clipping in the same stream, and a 16 kHz copy is
written for the recogniser when asked.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import numpy as np

from ..errors import EssaycastError
from ..ffmpeg import failure_reason, ffmpeg_command, read_ebur128
from ..standards import EPISODE_RATE
from .hearing import RATE
from .report import AudioFigures

# Bump when a change here changes the figures: cached figures of an older version are
# measured again.
FIGURES_VERSION = 2
SILENCE_DB = -60.0  # dBFS over a 20 ms window: quieter than this is not heard
CLIP_LEVEL = 32700  # of 32767: a run of 3+ samples up here is a flattened peak


def measure(mp3: Path, pcm16k: Path | None, first_sentence: float | None) -> AudioFigures:
    """Decode the MP3 once: loudness and true peak (ebur128), silences and clipping
    (numpy, streamed), and, if `pcm16k` is given, a 16 kHz copy for the recogniser."""
    graph = "[0:a]asplit=2[m][p];[m]ebur128=dualmono=true:peak=true:framelog=verbose[e]"
    cmd = ffmpeg_command(
        [
            "-i",
            str(mp3),
            "-filter_complex",
            graph,
            "-map",
            "[e]",
            "-f",
            "null",
            "-",
            "-map",
            "[p]",
            "-ac",
            "1",
            "-ar",
            str(EPISODE_RATE),
            "-f",
            "s16le",
            "pipe:1",
        ],
        "info",
    )
    if pcm16k is not None:
        cmd[cmd.index("-filter_complex") + 1] = graph.replace("asplit=2[m][p]", "asplit=3[m][p][w]")
        cmd += ["-map", "[w]", "-ac", "1", "-ar", str(RATE), "-f", "s16le", str(pcm16k)]
    scan = _Scan(EPISODE_RATE)
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errors)
        assert proc.stdout is not None
        while chunk := proc.stdout.read(1 << 20):
            scan.feed(chunk)
        returncode = proc.wait()
        errors.seek(0)
        log_text = errors.read().decode("utf-8", "replace")
    reason = failure_reason(log_text, returncode) if returncode != 0 else None
    if reason:
        raise EssaycastError(f"{mp3}: ffmpeg could not read it: {reason}")
    # the last summary is the file's (read_ebur128: Debian's ffmpeg prints an empty one first)
    figures = read_ebur128(log_text)
    if figures is None or figures.true_peak is None:
        raise EssaycastError(f"{mp3}: ffmpeg gave no loudness summary")
    longest, at = scan.longest()
    return AudioFigures(
        loudness=figures.integrated,
        true_peak=figures.true_peak,
        longest_silence=longest,
        silence_at=at,
        intro_gap=scan.gap_before(first_sentence) if first_sentence else None,
        clipped=scan.clipped,
        duration=scan.samples / EPISODE_RATE,
    )


class _Scan:
    """Silences and clipped runs of a 16-bit PCM stream, fed in chunks (memory stays flat)."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self.window = rate // 50  # 20 ms
        self.floor = 32768 * 10 ** (SILENCE_DB / 20)
        self.left = b""
        self.samples = 0
        self.silences: list[tuple[float, float]] = []  # (start, end) seconds
        self.quiet_since: float | None = None
        self.clipped = 0
        self.edge = 0  # full-scale samples that ended the last chunk

    def feed(self, chunk: bytes) -> None:
        data = self.left + chunk
        usable = len(data) - len(data) % (2 * self.window)
        self.left = data[usable:]
        samples = np.frombuffer(data[:usable], dtype="<i2").astype(np.int32)
        if not samples.size:
            return
        self._clips(np.abs(samples) >= CLIP_LEVEL)
        frames = samples.reshape(-1, self.window).astype(np.float64)
        quiet = np.sqrt((frames**2).mean(axis=1)) < self.floor
        base = self.samples / self.rate
        step = self.window / self.rate
        for k, is_quiet in enumerate(quiet):
            when = base + k * step
            if is_quiet and self.quiet_since is None:
                self.quiet_since = when
            elif not is_quiet and self.quiet_since is not None:
                self.silences.append((self.quiet_since, when))
                self.quiet_since = None
        self.samples += samples.size

    def _clips(self, high: np.ndarray) -> None:
        # runs of 3+ consecutive full-scale samples, counted once each
        padded = np.concatenate([[False], high, [False]])
        edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
        starts, ends = edges[::2], edges[1::2]
        lengths = ends - starts
        if lengths.size and starts[0] == 0 and self.edge:
            lengths[0] += self.edge
            if self.edge >= 3:  # already counted in the previous chunk
                lengths[0] = 0
        self.clipped += int((lengths >= 3).sum())
        self.edge = int(lengths[-1]) if lengths.size and ends[-1] == high.size else 0

    def _all(self) -> list[tuple[float, float]]:
        if self.quiet_since is None:
            return self.silences
        return [*self.silences, (self.quiet_since, self.samples / self.rate)]

    def longest(self) -> tuple[float, float]:
        """(seconds, start) of the longest silence; the file's leading and trailing
        silences count too (an episode should start and end promptly)."""
        spans = self._all()
        if not spans:
            return 0.0, 0.0
        start, end = max(spans, key=lambda s: s[1] - s[0])
        return end - start, start

    def gap_before(self, when: float) -> float:
        """The silence that ends where the essay's first sentence begins."""
        for start, end in self._all():
            if start <= when + 0.1 and end >= when - 0.3:
                return max(0.0, min(end, when + 0.1) - start)
        return 0.0
