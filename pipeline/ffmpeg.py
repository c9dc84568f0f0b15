"""Find and run ffmpeg: a system one on PATH, else the one imageio-ffmpeg ships."""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path

from .errors import EssaycastError


@functools.cache
def ffmpeg_exe() -> str:
    """Path of the ffmpeg executable to use (system first, as SPEC §2 says)."""
    system = shutil.which("ffmpeg")
    if system:
        return system
    try:
        import imageio_ffmpeg
    except ImportError:  # pragma: no cover - imageio-ffmpeg is a hard dependency
        raise EssaycastError("ffmpeg not found: install essaycast with pip again") from None
    return imageio_ffmpeg.get_ffmpeg_exe()


def run_ffmpeg(args: list[str], what: str) -> subprocess.CompletedProcess[bytes]:
    """Run ffmpeg quietly; on failure raise one line naming `what` and ffmpeg's last words."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args]
    proc = subprocess.run(cmd, capture_output=True)
    if proc.returncode != 0:
        last = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise EssaycastError(f"{what}: ffmpeg failed: {last[-1] if last else proc.returncode}")
    return proc


def decode_to_pcm(path: Path, sample_rate: int = 44100) -> bytes:
    """Decode any audio file ffmpeg reads to 16-bit mono PCM at `sample_rate`."""
    proc = run_ffmpeg(
        ["-i", str(path), "-ac", "1", "-ar", str(sample_rate), "-f", "s16le", "-"],
        what=str(path),
    )
    return proc.stdout
