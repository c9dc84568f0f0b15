"""Wall time of each stage of one `essaycast build`, in process, no profiler (issue 29).

    python bench/stage_times.py SHOW            # a rebuild as it is (no change: nothing to do)
    python bench/stage_times.py SHOW 150 [WORD] # first insert WORD in sentence 150 of
                                                # SHOW/essays/long-essay.md, then rebuild

Wraps the stage functions where build.py, render.py and audio/pieces.py call them and
prints the seconds each took (a stage inside another counts in both). Used for the
1,000-essay no-change rebuild and the one-sentence edit of the long essay in
bench/PROFILE.md; the show comes from bench/long_essay.py's generators.
"""

from __future__ import annotations

import collections
import functools
import importlib
import re
import sys
import time
from pathlib import Path
from typing import Any

started = time.perf_counter()
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SECONDS: dict[str, float] = collections.defaultdict(float)
CALLS: collections.Counter[str] = collections.Counter()


def timed(label: str, function: Any) -> Any:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        begun = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            SECONDS[label] += time.perf_counter() - begun
            CALLS[label] += 1

    return wrapper


def wrap(module: str, name: str, label: str) -> None:
    found = importlib.import_module(module)
    setattr(found, name, timed(label, getattr(found, name)))


def edit(show: Path, index: int, word: str) -> None:
    path = show / "essays" / "long-essay.md"
    head, body = path.read_text(encoding="utf-8").split("\n---\n", 1)
    target = re.findall(r"[^.?!\n]+[.?!]", body)[index]
    words = target.split()
    changed = " ".join([*words[:-1], word, words[-1]])
    path.write_text(head + "\n---\n" + body.replace(target, changed, 1), encoding="utf-8")


def main() -> None:
    show = Path(sys.argv[1])
    if len(sys.argv) > 2:
        edit(show, int(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else "indeed")
    from pipeline import render
    from pipeline.build import build_show
    from pipeline.config import load_show
    from pipeline.publish.manifest import Manifest
    from pipeline.speech.cache import SentenceCache

    for module, name, label in [
        ("pipeline.build", "_read_essays", "read essays"),
        ("pipeline.build", "plan", "plan (fingerprints)"),
        ("pipeline.build", "publish", "publish (manifest, feed key, feed, read-alongs)"),
        ("pipeline.build", "collect_garbage", "collect garbage"),
        ("pipeline.text.sentences", "to_speech_text", "speech text (normalise, sentences)"),
        ("pipeline.render", "tag_mp3", "tags"),
        ("pipeline.publish.transcript", "render_vtt", "transcripts"),
        ("pipeline.publish.transcript", "render_srt", "transcripts"),
        ("pipeline.publish.transcript", "render_json", "transcripts"),
        ("pipeline.audio.pieces", "render_missing", "pieces: voice + ffmpeg of those rendered"),
        ("pipeline.audio.pieces", "write_spliced", "splice"),
        ("pipeline.audio.pieces", "_timed_words", "word timings"),
    ]:
        wrap(module, name, label)
    Manifest.load = staticmethod(timed("manifest load", Manifest.load))  # type: ignore[method-assign]
    Manifest.dumps = timed("manifest dumps", Manifest.dumps)  # type: ignore[method-assign]
    SentenceCache.get = timed("sentence cache reads", SentenceCache.get)  # type: ignore[method-assign]
    load_engine = render.RenderKit.engine

    def engine(kit: Any, spec: Any) -> Any:
        begun = time.perf_counter()
        made = load_engine(kit, spec)
        SECONDS["voice: load the model"] += time.perf_counter() - begun
        if not getattr(made, "_timed", False):
            speak = made.synthesize

            def synthesize(sentences: Any) -> Any:
                spoken = speak(sentences)
                while True:
                    begun = time.perf_counter()
                    try:
                        audio = next(spoken)
                    except StopIteration:
                        return
                    finally:
                        SECONDS["voice: synthesis"] += time.perf_counter() - begun
                    yield audio

            made.synthesize, made._timed = synthesize, True
        return made

    render.RenderKit.engine = engine  # type: ignore[method-assign]
    ready = time.perf_counter()
    report = build_show(load_show(show))
    done = time.perf_counter()
    print(f"built {len(report.built)}, unchanged {len(report.unchanged)}")
    print(f"start-up and imports {ready - started:.2f} s; build {done - ready:.2f} s")
    for label, seconds in sorted(SECONDS.items(), key=lambda item: -item[1]):
        print(f"  {label:50s} {seconds:6.2f} s  x{CALLS[label]}")


if __name__ == "__main__":
    main()
