"""The one ffmpeg essaycast runs, and every command line it is given.

By default that is the ffmpeg imageio-ffmpeg ships, so a build sounds and
hashes the same on a laptop and in CI (SPEC section 2). One setting chooses
another: the environment variable ESSAYCAST_FFMPEG, a path or a command name
on PATH. It is a fact about the machine, not the show, so it is not a
podcast.toml key. Whichever it is, it is checked once per process before it
is first used: the version floor and the filters and encoders essaycast needs,
with a one-line error naming what is missing.

Every ffmpeg command line is built by `ffmpeg_command`; `run_ffmpeg` runs one to
completion and `FfmpegStream` feeds one from a pipe. A failure becomes one line
with ffmpeg's real reason ("No space left on device"), not its log.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError, EssaycastError

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
_PREFIX = re.compile(r"^\[[^\]]*@ 0x[0-9a-f]+\]\s*")
_OS_REASONS = tuple(sorted({os.strerror(n) for n in errno.errorcode}, key=len, reverse=True))
# An output that could not be written: ffmpeg 5.1 logs it and still exits 0.
_WRITE_FAILED = re.compile(r"Error (writing|closing)|av_interleaved_write_frame\(\)")


def failure_reason(log: str, returncode: int) -> str | None:
    """Why an ffmpeg run failed, as one line from its log, or None if it did not.

    A line naming an operating-system error wins (that is the real reason), then
    the last line that is not progress or ffmpeg's sign-off.

    >>> failure_reason("[out#0/mp3 @ 0x55] Error writing trailer: No space left on device\\n"
    ...                "Conversion failed!\\n", 228)
    'Error writing trailer: No space left on device'
    >>> failure_reason("Error writing trailer of x.wav: No space left on device\\n", 0)
    'Error writing trailer of x.wav: No space left on device'
    >>> failure_reason("", 0) is None
    True
    """
    lines = [_PREFIX.sub("", line.strip()) for line in log.splitlines()]
    lines = [line for line in lines if line and not line.startswith(" ")]
    failed = returncode != 0 or any(_WRITE_FAILED.search(line) for line in lines)
    if not failed:
        return None
    for line in lines:
        if any(reason in line for reason in _OS_REASONS) and _NOISE.match(line) is None:
            return line
    meaningful = [line for line in lines if not _NOISE.match(line) and "Summary:" not in line]
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


class FfmpegStream:
    """An ffmpeg that reads raw audio from our pipe while it runs (the episode body)."""

    def __init__(self, args: list[str], what: str, loglevel: str = "info") -> None:
        self.what = what
        # stderr goes to a file, not a pipe: a pipe nobody reads would fill and stall ffmpeg
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in finish() or abort()
        self.proc = subprocess.Popen(
            ffmpeg_command(args, loglevel),
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )

    def write(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(data)
        except BrokenPipeError:
            self.proc.wait()
            raise self._error() from None

    def finish(self) -> str:
        """Close the stream, wait for ffmpeg; return its log, or raise its reason."""
        assert self.proc.stdin is not None
        # ffmpeg may have exited already; its return code and log say why
        with contextlib.suppress(BrokenPipeError):
            self.proc.stdin.close()
        self.proc.wait()
        log = self._read_log()
        self.log.close()
        reason = failure_reason(log, self.proc.returncode)
        if reason:
            raise EssaycastError(f"{self.what}: ffmpeg failed: {reason}")
        return log

    def abort(self) -> None:
        self.proc.kill()
        self.proc.wait()
        self.log.close()

    def _read_log(self) -> str:
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def _error(self) -> EssaycastError:
        reason = failure_reason(self._read_log(), self.proc.returncode or 1)
        return EssaycastError(f"{self.what}: ffmpeg failed: {reason}")


def decode_to_pcm(path: Path, sample_rate: int = 44100) -> bytes:
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
        [
            "-f",
            "s16le",
            "-ar",
            str(rate),
            "-ac",
            "1",
            "-i",
            "pipe:0",
            "-ar",
            str(to_rate),
            "-f",
            "s16le",
            "pipe:1",
        ],
        what="resampling speech",
        input=pcm,
    )
    return proc.stdout
