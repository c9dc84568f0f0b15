"""The one fake voice, and the test helpers that make and measure sound.

Locking, atomicity, incrementality, the feed: none of them needs a neural voice,
so those tests speak with `ToneEngine`, which turns each sentence into
speech-length PCM (a vowel-like buzz with a syllable rhythm) in microseconds and
records what it was asked to say. bench/probe.py uses the same engine
(BENCH_ENGINE=tone) to profile assembly, mastering and encoding without a model.

`tone_rows` puts it behind every row of the engine registry, whatever engine
a show names (the default has changed before: a fake wired to one engine's name
silently let the real voice speak), and adds a row named "tone" for tests that
want fingerprints of their own. The real voices stay for the tests marked slow.

`tone_mp3` and `measure_heard` are the one way the tests make an MP3 from an
ffmpeg source and read its loudness back: a meter of their own, not the
pipeline's, so a test checks the code rather than agreeing with it.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.model import SentenceAudio

TONE_RATE = 22050
CHARS_PER_SECOND = 16.5  # en_US-joe-medium reads about 16 characters a second
# The tests' tone says a sentence ten times faster than a voice: every build levels,
# encodes and measures what it hears with ffmpeg, and no test is about the length.
BRIEF = 165.0
TONE_REVISION = "tone 1"


@dataclass
class Counter:
    """What the tone engines were asked to do: how many were built, every sentence said."""

    engines: int = 0
    sentences: list[str] = field(default_factory=list)


class ToneEngine:
    """Speech-length PCM without a model; counts engines and sentences in `counter`.

    `chars_per_second` sets the pace (speech's by default, as bench/probe.py wants);
    a sentence lasts at least as long as five characters.
    """

    def __init__(
        self,
        spec: object = None,
        counter: Counter | None = None,
        chars_per_second: float = CHARS_PER_SECOND,
    ) -> None:
        self.counter = counter if counter is not None else Counter()
        self.counter.engines += 1
        self.chars_per_second = chars_per_second

    def synthesize(self, sentences: Sequence[str]) -> Iterator[SentenceAudio]:
        import numpy as np

        for text in sentences:
            self.counter.sentences.append(text)
            n = int(max(5, len(text)) / self.chars_per_second * TONE_RATE)
            t = np.arange(n, dtype=np.float32) / TONE_RATE
            pitch = 110.0 + 15.0 * np.sin(2 * np.pi * 0.7 * t)
            voice = sum(np.sin(2 * np.pi * k * pitch * t) / k for k in (1, 2, 3, 5))
            syllables = 0.5 + 0.5 * np.sin(2 * np.pi * 4.0 * t) ** 2
            pcm = (0.25 * voice * syllables * 32767 / 2).astype("<i2").tobytes()
            yield SentenceAudio(text=text, pcm=pcm, sample_rate=TONE_RATE)


def speaking_as(engine: str, counter: Counter, chars_per_second: float = BRIEF) -> Any:
    """The registry row `engine` with its voice replaced by a counting ToneEngine.

    The row keeps its name, voices and revision, so fingerprints and cache keys
    are those the real engine writes: a show built with the tone is "unchanged"
    for the real voice afterwards.
    """
    from pipeline.speech import ENGINES

    return dataclasses.replace(
        ENGINES[engine], create=lambda spec: ToneEngine(spec, counter, chars_per_second)
    )


def tone_row(counter: Counter, revision: str = TONE_REVISION) -> Any:
    """A registry row named "tone" (one voice, "a4"): fingerprints no real engine writes."""
    from pipeline.speech import EngineInfo, VoiceInfo

    return EngineInfo(
        name="tone",
        summary="test tones",
        default_voice="a4",
        voices=lambda: [VoiceInfo("a4")],
        unavailable_reason=lambda spec: None,
        create=lambda spec: ToneEngine(spec, counter, BRIEF),
        check_voice=lambda voice: None,
        revision=lambda spec: revision,
    )


def tone_rows(counter: Counter) -> dict[str, Any]:
    """Every registry row speaking as the tone, plus a row named "tone": for ENGINES.

    No real voice can speak once these are in, whichever engine a show, an
    essay or --voice names.
    """
    from pipeline.speech import ENGINES

    rows = {name: speaking_as(name, counter) for name in ENGINES if name != "tone"}
    rows["tone"] = tone_row(counter)
    return rows


def speak_as_tone(counter: Counter) -> None:
    """In this process, for good: every engine speaks as the tone (tone_rows)."""
    from pipeline.speech import ENGINES

    ENGINES.update(tone_rows(counter))


def speak_as_tone_in_child() -> None:
    """`--jobs N` child processes (shard.CHILD_SETUP): the tone, as in the parent."""
    speak_as_tone(Counter())


def tone_cli(*args: str) -> list[str]:
    """A command line that runs `essaycast ARGS` in a new process, speaking as the tone."""
    return [sys.executable, "-m", "tests.fakes", *args]


def tone_env() -> dict[str, str]:
    """The environment for tone_cli: this checkout importable from any directory."""
    root = str(Path(__file__).resolve().parents[1])
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
    }


# -- sound for tests that need an MP3 or a loudness figure -----------------------------------


def tone_mp3(
    path: Path,
    source: str | bytes = "sine=frequency=440:duration=2",
    *,
    rate: int = 44100,
    kbps: int = 96,
    info_frame: bool = True,
    id3: bool = True,
) -> Path:
    """An MP3 at `path`: mono, CBR, from an ffmpeg lavfi source graph or raw s16le PCM.

    `info_frame` and `id3` switch the Xing/Info frame and the ID3v2 tag ffmpeg
    writes by default; bytes are PCM at `rate`, one channel.
    """
    from pipeline.ffmpeg import ffmpeg_exe

    if isinstance(source, bytes):
        raw = path.with_suffix(".pcm")
        raw.write_bytes(source)
        inputs = ["-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", str(raw)]
    else:
        inputs = ["-f", "lavfi", "-i", source]
    tags = [] if id3 else ["-map_metadata", "-1", "-id3v2_version", "0"]
    subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *inputs,
         "-ar", str(rate), "-ac", "1", "-c:a", "libmp3lame", "-b:a", f"{kbps}k",
         *tags, "-write_xing", str(int(info_frame)), "-f", "mp3", str(path)],
        check=True,
    )  # fmt: skip
    return path


@functools.cache
def tone_mp3_bytes(source: str = "sine=frequency=440:duration=2", **options: Any) -> bytes:
    """The bytes of tone_mp3(source, **options), made once per test session."""
    with tempfile.TemporaryDirectory() as work:
        return tone_mp3(Path(work) / "tone.mp3", source, **options).read_bytes()


def measure_heard(
    path: Path, *, dualmono: bool = True, input_format: Sequence[str] = ()
) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP or -inf) of a file, from ffmpeg's ebur128 summary.

    `dualmono` measures a mono file as heard on two ears (how SPEC §5's target is
    met); `input_format` is ffmpeg's input options for a raw file.
    """
    from pipeline.ffmpeg import ffmpeg_exe

    options = "peak=true:framelog=verbose" + (":dualmono=true" if dualmono else "")
    log = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostats", *input_format, "-i", str(path),
         "-af", f"ebur128={options}", "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    ).stderr  # fmt: skip
    # the last summary is the whole file's (some builds print one per filter instance)
    summary = log[log.rindex("Summary:") :]
    integrated = re.search(r"I:\s*(-?[\d.]+|-inf) LUFS", summary)
    peak = re.search(r"Peak:\s*(-?[\d.]+|-inf) dBFS", summary)
    assert integrated and peak, f"no ebur128 summary from ffmpeg for {path}:\n{log[-500:]}"
    return float(integrated.group(1)), float(peak.group(1))


# tone_cli's process writes its Counter here at exit, so a test can see the tone spoke
TONE_LOG = "ESSAYCAST_TEST_TONE_LOG"
# "POINT=PATH": tone_cli's build stops for good at POINT, after writing PATH (see _hold)
HOLD = "ESSAYCAST_TEST_HOLD"


def _hold(point: str, signal_file: Path) -> None:
    """Make the build stop for good at `point`, once PATH is written: a kill -9 lands there.

    synthesis: a new sentence is in the cache; assembly: a piece is about to be
    levelled and encoded (its one ffmpeg pass); publishing: the first file of a new episode is in
    output/episodes. Blocking there (not racing the build with a poll) makes the
    kill -9 tests the same on an idle machine and a busy one.
    """
    import functools
    import threading

    def stop_here() -> None:
        signal_file.write_text(point)
        threading.Event().wait()  # until SIGKILL

    def after_first(call: Any) -> Any:
        @functools.wraps(call)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            result = call(*args, **kwargs)
            stop_here()
            return result

        return wrapper

    def before_first(call: Any) -> Any:
        @functools.wraps(call)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            stop_here()
            return call(*args, **kwargs)

        return wrapper

    if point == "synthesis":
        from pipeline.speech.cache import SentenceCache

        SentenceCache.put = after_first(SentenceCache.put)  # type: ignore[method-assign]
    elif point == "assembly":
        from pipeline.audio import pieces

        pieces.render_piece = before_first(pieces.render_piece)
    elif point == "publishing":
        from pipeline import render

        render.write_atomic = after_first(render.write_atomic)
    else:
        raise SystemExit(f"{HOLD}: unknown point {point!r}; use synthesis, assembly, publishing")


def main() -> None:
    """`python -m tests.fakes ARGS`: the real command line, every engine speaking as the tone."""
    import atexit
    import json

    from pipeline.cli import main as cli_main

    counter = Counter()
    speak_as_tone(counter)
    log = os.environ.get(TONE_LOG)
    if log:
        figures = {"engines": 0, "sentences": 0}

        def write_log() -> None:
            figures.update(engines=counter.engines, sentences=len(counter.sentences))
            Path(log).write_text(json.dumps(figures))

        atexit.register(write_log)
    point, _, signal_file = os.environ.get(HOLD, "").partition("=")
    if point:
        _hold(point, Path(signal_file))
    cli_main(prog_name="essaycast")


def tone_log(path: Path) -> dict[str, int]:
    """What a tone_cli process run with TONE_LOG=path said: engines and sentences."""
    import json

    return json.loads(path.read_text()) if path.exists() else {"engines": 0, "sentences": 0}


if __name__ == "__main__":
    main()
