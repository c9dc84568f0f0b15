"""`essaycast` with instruments: the real CLI, plus a JSON record of what it did.

Run as `python bench/probe.py build --show DIR ...` (the same arguments as
`essaycast`). Environment variables switch the instruments on:

BENCH_STATS=path    write, at exit: sentences synthesised, engine loads, the
                    wall-clock window of synthesis, onnxruntime's thread
                    settings, whether `piper`/`onnxruntime` were imported,
                    and this process's own peak RSS (VmHWM).
BENCH_ENGINE=tone   replace the Piper engine by the tests' tone engine
                    (tests/fakes.py: speech-length PCM, 16.5 characters a
                    second at 22050 Hz, in microseconds): the memory profile
                    of levelling, encoding and splicing the pieces without
                    the model.

The engine keeps its registry name "piper", so cache keys and manifest
fingerprints are exactly those a real Piper build writes: a show primed by
the probe is "unchanged" for the real `essaycast build` afterwards.
"""

from __future__ import annotations

import atexit
import dataclasses
import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fakes import ToneEngine  # noqa: E402 - the one fake voice, shared with the tests

STATS: dict[str, object] = {
    "sentences": 0,
    "engine_loads": 0,
    "synth_start": None,
    "synth_end": None,
    "synth_seconds": 0.0,
    "ort_threads": None,
    "pieces_levelled": 0,
    "pieces_encoded": 0,
}


class _Counting:
    """Wraps a real engine: counts sentences and times the synthesis window."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        session = getattr(getattr(inner, "voice", None), "session", None)
        if session is not None:
            opts = session.get_session_options()
            STATS["ort_threads"] = {
                "intra_op": opts.intra_op_num_threads,
                "inter_op": opts.inter_op_num_threads,
            }

    def synthesize(self, sentences: Sequence[str]) -> Iterator[object]:
        started = time.time()
        if STATS["synth_start"] is None:
            STATS["synth_start"] = started
        for audio in self.inner.synthesize(sentences):  # type: ignore[attr-defined]
            STATS["sentences"] = int(STATS["sentences"]) + 1  # type: ignore[call-overload]
            yield audio
        STATS["synth_end"] = time.time()
        STATS["synth_seconds"] = float(STATS["synth_seconds"]) + (  # type: ignore[arg-type]
            time.time() - started
        )


def _install() -> None:
    from pipeline import speech

    info = speech.ENGINES["piper"]
    make = ToneEngine if os.environ.get("BENCH_ENGINE") == "tone" else info.create

    def create(spec: object) -> object:
        STATS["engine_loads"] = int(STATS["engine_loads"]) + 1  # type: ignore[call-overload]
        return _Counting(make(spec))

    speech.ENGINES["piper"] = dataclasses.replace(info, create=create)
    _count_pieces()


def _count_pieces() -> None:
    """Count the pieces of episodes levelled and encoded (pipeline/audio/pieces.py)."""
    from pipeline.audio import pieces

    for name, stat in (("level_piece", "pieces_levelled"), ("encode_piece", "pieces_encoded")):
        inner = getattr(pieces, name)

        def counted(*args: object, _inner=inner, _stat=stat, **kwargs: object) -> object:
            STATS[_stat] = int(STATS[_stat]) + 1  # type: ignore[call-overload]
            return _inner(*args, **kwargs)

        setattr(pieces, name, counted)


def _peak_rss_kb() -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _write_stats() -> None:
    path = os.environ.get("BENCH_STATS")
    if not path:
        return
    STATS["peak_rss_kb"] = _peak_rss_kb()
    STATS["imported_onnxruntime"] = "onnxruntime" in sys.modules
    STATS["imported_piper"] = "piper" in sys.modules
    Path(path).write_text(json.dumps(STATS, indent=2))


def main() -> None:
    """Install the instruments, then run the real command line."""
    _install()
    atexit.register(_write_stats)
    from pipeline.cli import main as cli_main

    cli_main(prog_name="essaycast")


if __name__ == "__main__":
    main()
