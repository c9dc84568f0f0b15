"""Per-stage wall and CPU of one essaycast build (issue 29): `python bench/profile_build.py SHOW`.

Python stages are timed by wrapping the functions that do them (wall, and the
CPU of the thread that ran them); every ffmpeg child is run through a small
wrapper (ESSAYCAST_FFMPEG) that logs its own wall and CPU with its role,
read from its command line (levelling, encoding, measuring, ...). Prints a
table; with --json, the figures. Run it under `py-spy record --subprocesses`
for the flame graph. The stages overlap (the voice speaks while ffmpeg levels),
so walls do not add up to the build's; CPU does, roughly.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import stat
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TIMES: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])  # wall, cpu, calls
_LOCK = threading.Lock()

WRAPPER = """#!/bin/bash
/usr/bin/time -o "$0.$$" -f "%e %U %S" {ffmpeg} "$@"
rc=$?
printf '%s|%s\\n' "$(tail -n 1 "$0.$$")" "$*" >> {log}
rm -f "$0.$$"
exit $rc
"""


def timed(owner: object, name: str, stage: str) -> None:
    """Wrap owner.name so that each call adds its wall and thread CPU to `stage`."""
    inner = getattr(owner, name)

    def wrapper(*args: object, **kwargs: object) -> object:
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            return inner(*args, **kwargs)
        finally:
            with _LOCK:
                row = TIMES[stage]
                row[0] += time.perf_counter() - wall
                row[1] += time.thread_time() - cpu
                row[2] += 1

    setattr(owner, name, wrapper)


def timed_generator(owner: object, name: str, stage: str) -> None:
    """As `timed`, for a generator function: only the time spent inside it counts."""
    inner = getattr(owner, name)

    def wrapper(*args: object, **kwargs: object) -> object:
        it = inner(*args, **kwargs)
        while True:
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                item = next(it)
            except StopIteration:
                return
            finally:
                with _LOCK:
                    row = TIMES[stage]
                    row[0] += time.perf_counter() - wall
                    row[1] += time.thread_time() - cpu
            yield item

    setattr(owner, name, wrapper)


def role(args: str) -> str:
    """What an ffmpeg run was for, from its command line."""
    if "-version" in args or "-filters" in args or "-encoders" in args:
        return "ffmpeg: capability check"
    if "acompressor" in args and "libmp3lame" in args:
        return "ffmpeg: level+encode+measure (one pass)"
    if "acompressor" in args:
        return "ffmpeg: levelling (resample, chain, blocks)"
    if "libmp3lame" in args:
        return "ffmpeg: encoding (gain, limiter, LAME)"
    if "dualmono" in args:
        return "ffmpeg: measuring as heard (decode, ebur128+TP)"
    return "ffmpeg: other (music, intro)"


def install() -> None:
    from pipeline import render
    from pipeline.audio import intro, pieces
    from pipeline.publish import manifest, transcript, writer
    from pipeline.speech import hibari
    from pipeline.text import sentences

    timed(sentences, "to_speech_text", "text: essay to speech text")
    timed(hibari.HibariEngine, "phonemes", "voice: G2P (phonemes)")
    orig_load = hibari._load

    def load(path: str) -> object:
        tts = orig_load(path)
        if not getattr(tts, "_profiled", False):
            timed(tts, "from_ids", "voice: synthesis (from_ids)")
            tts._profiled = True
        return tts

    hibari._load = load
    timed(hibari, "to_pcm", "voice: float to PCM")
    timed(pieces, "layout", "pause layout (layout)")
    timed(pieces, "plan_pieces", "pause layout (plan_pieces)")
    timed(pieces, "trim", "voice trim (numpy)")
    timed(pieces, "write_spliced", "splicing (write_spliced)")
    timed(pieces, "integrated_loudness", "loudness arithmetic")
    timed(intro, "compose_intro", "intro (pydub mix)")
    timed(render, "tag_mp3", "tags (ID3)")
    timed(transcript, "render_vtt", "transcripts")
    timed(transcript, "render_srt", "transcripts")
    timed(transcript, "render_chapters", "transcripts")
    timed(writer, "write_feed", "feed + page")
    timed(manifest.Manifest, "save", "manifest save")
    timed(render, "render_episode", "render_episode (whole)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("show")
    parser.add_argument("--json")
    args, rest = parser.parse_known_args()
    from pipeline.ffmpeg import ffmpeg_exe

    work = Path(tempfile.mkdtemp(prefix="profile-"))
    log = work / "ffmpeg.log"
    wrapper = work / "ffmpeg"
    wrapper.write_text(WRAPPER.format(ffmpeg=ffmpeg_exe(), log=log))
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    os.environ["ESSAYCAST_FFMPEG"] = str(wrapper)
    install()
    from pipeline.cli import main as cli_main

    started = time.perf_counter()
    try:
        command = ["build", "--show", args.show, *rest]
        cli_main(command, prog_name="essaycast", standalone_mode=False)
    finally:
        wall = time.perf_counter() - started
        me = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        for line in log.read_text().splitlines() if log.exists() else []:
            figures, _, cmd = line.partition("|")
            e, u, s = (float(x) for x in figures.split())
            row = TIMES[role(cmd)]
            row[0] += e
            row[1] += u + s
            row[2] += 1
        print(
            f"build wall {wall:.2f} s; python CPU {me.ru_utime + me.ru_stime:.2f} s; "
            f"children CPU {kids.ru_utime + kids.ru_stime:.2f} s; "
            f"peak python RSS {me.ru_maxrss / 1024:.0f} MB"
        )
        print(f"{'stage':50} {'wall s':>8} {'CPU s':>8} {'calls':>6}")
        for stage, (w, c, n) in sorted(TIMES.items(), key=lambda kv: -kv[1][1]):
            print(f"{stage:50} {w:8.2f} {c:8.2f} {int(n):6d}")
        if args.json:
            Path(args.json).write_text(
                json.dumps(
                    {
                        "wall": wall,
                        "python_cpu": me.ru_utime + me.ru_stime,
                        "children_cpu": kids.ru_utime + kids.ru_stime,
                        "stages": {k: v for k, v in TIMES.items()},
                    },
                    indent=1,
                )
            )


if __name__ == "__main__":
    main()
