"""The one ffmpeg essaycast runs, and every command line it is given.

By default that is the ffmpeg imageio-ffmpeg ships, so a build sounds and
hashes the same on a laptop and in CI (SPEC section 2). One setting chooses
another: the environment variable ESSAYCAST_FFMPEG, a path or a command name
on PATH. It is a fact about the machine, not the show, so it is not a
podcast.toml key. Whichever it is, it is checked once per process before it
is first used: the version floor and the filters and encoders essaycast needs,
with a one-line error naming what is missing.

Every ffmpeg command line is built by `ffmpeg_command`, its raw PCM inputs by
`pcm_input` and its MP3 outputs by `mp3_output`; `run_ffmpeg` runs one to
completion. A failure becomes one line with ffmpeg's real reason ("No space left
on device"), not its log (`failure_reason`), and a loudness measurement is read
from its log by `read_ebur128`, the one reader of ebur128's summary.
"""

from __future__ import annotations

import errno
import functools
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError, EssaycastError
from .standards import EPISODE_RATE

ENV = "ESSAYCAST_FFMPEG"
# alimiter's latency=1 (keeps transcript times exact) arrived in FFmpeg 5.0,
# whose libavfilter is 8.24; its `-version` says so on every build, release or git.
MIN_FFMPEG = "5.0"
MIN_LIBAVFILTER = (8, 24)
FILTERS = ("acompressor", "alimiter", "anull", "aresample", "atempo", "concat", "ebur128", "volume")
ENCODERS = ("libmp3lame", "pcm_s16le")


@dataclass(frozen=True)
class Ffmpeg:
    """A checked ffmpeg: where it is and what it says it is."""

    path: str
    version: str  # the word after "ffmpeg version", e.g. "5.1.9-0+deb12u1"
    origin: str  # "bundled" or "ESSAYCAST_FFMPEG"


def ffmpeg() -> Ffmpeg:
    """The ffmpeg to use: ESSAYCAST_FFMPEG if set, else the bundled one; checked once."""
    return _checked(os.environ.get(ENV, "").strip())


def ffmpeg_exe() -> str:
    """Path of the ffmpeg executable to use."""
    return ffmpeg().path


@functools.cache
def _checked(choice: str) -> Ffmpeg:
    if choice:
        found = shutil.which(choice) if os.sep not in choice else choice
        path = Path(found or choice).expanduser()
        if not found or not path.is_file():
            raise _setting_error(f"{choice} not found")
        return _check(str(path), ENV)
    return _check(_bundled(), "bundled")


def _setting_error(problem: str) -> ConfigError:
    return ConfigError(
        f"{problem}; set it to an ffmpeg {MIN_FFMPEG} or newer, or unset it to use "
        "the ffmpeg that comes with essaycast",
        source=ENV,
    )


def _bundled() -> str:
    """imageio-ffmpeg's own binary (not its IMAGEIO_FFMPEG_EXE or PATH fallbacks)."""
    try:
        from imageio_ffmpeg import _definitions, binaries
    except ImportError:  # pragma: no cover - imageio-ffmpeg is a hard dependency
        raise ConfigError(
            "not installed; pip install imageio-ffmpeg", source="imageio-ffmpeg"
        ) from None
    name = _definitions.FNAME_PER_PLATFORM.get(_definitions.get_platform(), "")
    path = Path(binaries.__file__).parent / name if name else None
    if path is None or not path.is_file():
        raise ConfigError(
            f"no ffmpeg for this platform ({_definitions.get_platform()}); "
            f"set {ENV} to an ffmpeg {MIN_FFMPEG} or newer",
            source="imageio-ffmpeg",
        )
    return str(path)


def _ask(path: str, *args: str) -> str:
    try:
        proc = subprocess.run(
            [path, "-hide_banner", *args],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise _problem(path, f"does not run ({reason})") from None
    return proc.stdout + proc.stderr


def _problem(path: str, what: str) -> ConfigError:
    if os.environ.get(ENV, "").strip():
        return _setting_error(f"{path} {what}")
    return ConfigError(
        f"the bundled ffmpeg {path} {what}; pip install --force-reinstall "
        f"imageio-ffmpeg, or set {ENV} to an ffmpeg {MIN_FFMPEG} or newer",
        source="ffmpeg",
    )


_VERSION = re.compile(r"ffmpeg version (\S+)")
_LIBAVFILTER = re.compile(r"libavfilter\s+(\d+)\.\s*(\d+)")


def _check(path: str, origin: str) -> Ffmpeg:
    """Ask `path` what it is and what it has; a ConfigError names everything missing."""
    banner = _ask(path, "-version")
    version, lavfi = _VERSION.search(banner), _LIBAVFILTER.search(banner)
    if not version or not lavfi:
        raise _problem(path, "is not ffmpeg (its -version says neither version nor libavfilter)")
    if (int(lavfi.group(1)), int(lavfi.group(2))) < MIN_LIBAVFILTER:
        raise _problem(
            path,
            f"is ffmpeg {version.group(1)} (libavfilter {lavfi.group(1)}."
            f"{lavfi.group(2)}), older than {MIN_FFMPEG}",
        )
    filters = set(re.findall(r"^\s*\S{2,3}\s+(\w+)\s", _ask(path, "-filters"), re.M))
    encoders = set(re.findall(r"^\s*A\S{5}\s+(\w+)\s", _ask(path, "-encoders"), re.M))
    missing = [f"the {name} filter" for name in FILTERS if name not in filters]
    missing += [f"the {name} encoder" for name in ENCODERS if name not in encoders]
    if missing:
        raise _problem(path, f"(ffmpeg {version.group(1)}) lacks " + ", ".join(missing))
    return Ffmpeg(path, version.group(1), origin)


def ffmpeg_command(args: list[str], loglevel: str = "error") -> list[str]:
    """The full command line for ffmpeg `args`: quiet, no prompts, overwrite outputs."""
    return [
        ffmpeg_exe(),
        "-hide_banner",
        "-nostdin",
        "-nostats",
        "-loglevel",
        loglevel,
        "-y",
        *args,
    ]


# Lines that say nothing about why: progress, summaries, ffmpeg's own sign-off.
_NOISE = re.compile(r"^(size=|video:|Conversion failed|Exiting normally|Press \[q\])")
# What ffmpeg (5.1 to 7) logs after the cause, as a consequence of it; the last resort.
_CONSEQUENCE = re.compile(
    r"^(Error opening (input|output) files?\b|Error (initializing|reinitializing) (complex )?"
    r"filters|Error :|Failed to inject frame into filter network|Error while (processing the "
    r"decoded data|filtering)|Invalid argument$)"
)
_PREFIX = re.compile(r"^\[[^\]]*@ 0x[0-9a-f]+\]\s*")
# EINVAL is ffmpeg's answer to any bad option or filter: its text names no cause.
_OS_REASONS = tuple(
    sorted(
        {os.strerror(n) for n in errno.errorcode} - {os.strerror(errno.EINVAL)},
        key=len,
        reverse=True,
    )
)
# An output that could not be written: ffmpeg 5.1 logs it and still exits 0.
_WRITE_FAILED = re.compile(r"Error (writing|closing)|av_interleaved_write_frame\(\)")


def failure_reason(log: str, returncode: int) -> str | None:
    """Why an ffmpeg run failed, as one line from its log, or None if it did not.

    A line naming an operating-system error wins (that is the real reason), then
    the last line that is not progress, ffmpeg's sign-off or a consequence of an
    earlier line ("Error opening output files: ...").

    >>> failure_reason("[out#0/mp3 @ 0x55] Error writing trailer: No space left on device\\n"
    ...                "Conversion failed!\\n", 228)
    'Error writing trailer: No space left on device'
    >>> failure_reason("Error writing trailer of x.wav: No space left on device\\n", 0)
    'Error writing trailer of x.wav: No space left on device'
    >>> failure_reason("[AVFilterGraph @ 0x56] No such filter: 'nosuch'\\n"
    ...                "Error initializing complex filters.\\nInvalid argument\\n", 234)
    "No such filter: 'nosuch'"
    >>> failure_reason("", 0) is None
    True
    """
    lines = [_PREFIX.sub("", line.strip()) for line in log.splitlines()]
    lines = [line for line in lines if line and not line.startswith(" ")]
    failed = returncode != 0 or any(_WRITE_FAILED.search(line) for line in lines)
    if not failed:
        return None
    lines = [line for line in lines if not _NOISE.match(line) and "Summary:" not in line]
    for line in lines:
        if any(reason in line for reason in _OS_REASONS):
            return line
    causes = [line for line in lines if not _CONSEQUENCE.match(line)]
    meaningful = causes or lines
    return meaningful[-1] if meaningful else f"exit status {returncode}"


def run_ffmpeg(
    args: list[str], what: str, input: bytes | None = None, loglevel: str = "error"
) -> subprocess.CompletedProcess[bytes]:
    """Run ffmpeg to the end; on failure raise one line naming `what` and ffmpeg's reason."""
    proc = subprocess.run(ffmpeg_command(args, loglevel), input=input, capture_output=True)
    reason = failure_reason(proc.stderr.decode("utf-8", "replace"), proc.returncode)
    if reason:
        raise EssaycastError(f"{what}: ffmpeg failed: {reason}")
    return proc


def pcm_input(path: Path | str, rate: int) -> list[str]:
    """ffmpeg's arguments for an input of raw 16-bit mono PCM at `rate` ("pipe:0": our pipe).

    >>> pcm_input("pipe:0", 22050)
    ['-f', 's16le', '-ar', '22050', '-ac', '1', '-i', 'pipe:0']
    """
    return ["-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", str(path)]


def mp3_output(path: Path | str, kbps: int, *, xing: bool = False) -> list[str]:
    """ffmpeg's arguments for a bare CBR MP3 by LAME: no tags, an Info frame only if `xing`.

    >>> mp3_output("p.mp3", 96)[:4]
    ['-c:a', 'libmp3lame', '-b:a', '96k']
    """
    return [
        "-c:a",
        "libmp3lame",
        "-b:a",
        f"{kbps}k",
        "-map_metadata",
        "-1",
        "-write_xing",
        str(int(xing)),
        "-id3v2_version",
        "0",
        "-f",
        "mp3",
        str(path),
    ]


@dataclass(frozen=True)
class Figures:
    """What ebur128 measured: integrated loudness (LUFS) and, if asked, true peak (dBTP)."""

    integrated: float
    true_peak: float | None = None


# ebur128's summary: "Integrated loudness:\n    I: -19.3 LUFS" ... "True peak:\n    Peak: -1.2 dBFS"
_INTEGRATED = re.compile(r"I:\s*(-?[\d.]+|-inf|nan)\s*LUFS")
_TRUE_PEAK = re.compile(r"True peak:\s*Peak:\s*(-?[\d.]+|-inf|nan)\s*dBFS")
SILENT_DB = -120.0  # what -inf (or nan: nothing measured) reads as


def read_ebur128(log: str) -> Figures | None:
    """The figures of the last ebur128 summary in an ffmpeg log (info level), or None.

    The last one: Debian's ffmpeg 5.1 configures a -filter_complex graph twice and
    prints a summary of nothing (-70 LUFS) for the discarded first; read blindly,
    mastering once applied +51 dB (issue 12). -inf and nan read as SILENT_DB.

    >>> read_ebur128("Summary:\\n  I: -70.0 LUFS\\n  True peak:\\n    Peak: -inf dBFS\\n"
    ...              "Summary:\\n  I: -19.3 LUFS\\n  True peak:\\n    Peak: -1.4 dBFS\\n")
    Figures(integrated=-19.3, true_peak=-1.4)
    >>> read_ebur128("Summary:\\n  I: -23.0 LUFS\\n"), read_ebur128("no summary")
    (Figures(integrated=-23.0, true_peak=None), None)
    """
    _, found, summary = log.rpartition("Summary:")
    integrated = _INTEGRATED.search(summary) if found else None
    if integrated is None:
        return None
    peak = _TRUE_PEAK.search(summary)
    return Figures(_db(integrated.group(1)), _db(peak.group(1)) if peak else None)


def _db(text: str) -> float:
    return SILENT_DB if text in ("-inf", "nan") else float(text)


def decode_to_pcm(path: Path, sample_rate: int = EPISODE_RATE) -> bytes:
    """Decode any audio file ffmpeg reads to 16-bit mono PCM at `sample_rate`."""
    proc = run_ffmpeg(
        ["-i", str(path), "-ac", "1", "-ar", str(sample_rate), "-f", "s16le", "-"],
        what=str(path),
    )
    return proc.stdout


def resample_pcm(pcm: bytes, rate: int, to_rate: int) -> bytes:
    """16-bit mono PCM at `rate` as 16-bit mono PCM at `to_rate`, by ffmpeg's resampler."""
    if rate == to_rate or not pcm:
        return pcm
    proc = run_ffmpeg(
        [*pcm_input("pipe:0", rate), "-ar", str(to_rate), "-f", "s16le", "pipe:1"],
        what="resampling speech",
        input=pcm,
    )
    return proc.stdout
