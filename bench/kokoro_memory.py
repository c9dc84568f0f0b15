"""Peak memory of a cold kokoro build: the whole process tree, sampled, and ru_maxrss.

    python bench/kokoro_memory.py WORK [--voice am_michael] [--jobs 2] [--two]

One short essay (the first two paragraphs of on-rewatching.txt), or with --two
the two halves bench/voices.py uses, built cold (no sentence cache) in a fresh
show under WORK. Prints one JSON line: `tree_peak_mb` is the largest sum of the
RSS of the build and all its descendants seen at any 50 ms sample; `maxrss_mb`
is wait4()'s ru_maxrss (the largest single process, kernel-exact);
`python_hwm_mb` is the build process's own VmHWM.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as h  # noqa: E402
from voices import runtime_python, shipped_ffmpeg_env  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(raw[raw.rindex(")") + 2 :].split()[1])
        kids.setdefault(ppid, []).append(int(entry))
    return kids


def _rss(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    except OSError:
        return 0


def tree_rss(root: int) -> int:
    kids, total, todo = _children(), 0, [root]
    while todo:
        pid = todo.pop()
        total += _rss(pid)
        todo += kids.get(pid, [])
    return total


def hwm(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def essays(two: bool) -> dict[str, str]:
    head, _, body = (h.ROOT / "essays" / "on-rewatching.txt").read_text().partition("\n---\n")
    paras = body.strip().split("\n\n")
    if not two:
        return {"short.txt": "---\ntitle: Short\n---\n" + "\n\n".join(paras[:2])}
    return {
        "first-half.txt": "---\ntitle: First half\n---\n" + "\n\n".join(paras[:2]),
        "second-half.txt": "---\ntitle: Second half\n---\n" + "\n\n".join(paras[2:4]),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("work", type=Path)
    parser.add_argument("--voice", default="am_michael")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--two", action="store_true")
    args = parser.parse_args()
    show = h.make_show(
        args.work / "kokoro-mem", essays(args.two), engine="kokoro", voice=args.voice
    )
    cmd = [
        runtime_python(),
        "-m",
        "pipeline",
        "build",
        "--show",
        str(show),
        "-q",
        "--jobs",
        str(args.jobs),
    ]
    env = {**os.environ, **shipped_ffmpeg_env()}
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    peak = {"tree": 0, "hwm": 0}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak["tree"] = max(peak["tree"], tree_rss(proc.pid))
            peak["hwm"] = max(peak["hwm"], hwm(proc.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stderr = proc.stderr.read() if proc.stderr else b""  # reaped below, after the read
    while True:  # keep the zombie until sampled: wait4 reaps it
        try:
            _, status, usage = os.wait4(proc.pid, 0)
            break
        except ChildProcessError:  # pragma: no cover
            raise
    wall = time.monotonic() - started
    done.set()
    sampler.join()
    code = os.waitstatus_to_exitcode(status)
    if code:
        sys.exit(f"build exited {code}: {stderr.decode(errors='replace')[-800:]}")
    mb = 1024 * 1024
    print(
        json.dumps(
            {
                "voice": args.voice,
                "jobs": args.jobs,
                "essays": sorted(essays(args.two)),
                "wall": round(wall, 2),
                "tree_peak_mb": round(peak["tree"] / mb, 1),
                "maxrss_mb": round(usage.ru_maxrss / 1024, 1),
                "python_hwm_mb": round(peak["hwm"] / mb, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
