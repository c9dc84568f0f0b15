"""`build --jobs N` scaling: speed-up against `--jobs 1`, measured side by side (issue 17).

    python bench/jobs.py              # one round; writes bench/jobs.json (JOBS.md by hand)
    python bench/jobs.py --repeats 2

The show: the sample show's three essays cut into six of about 220 words each (no
sentence twice, so no essay finds another's sentences in the cache), read by the
default Piper voice with a cold sentence cache every time. Sides, interleaved:

  1core   --jobs 1 pinned to one core (the baseline for the projection)
  jobs1   --jobs 1 on both cores (one ONNX session, two intra-op threads)
  jobs2   --jobs 2 (two threads: one essay's encode overlaps the next one's synthesis)
  jobs4   --jobs 4 (two shard processes here, each pinned to its own core)

Wall seconds come from fork to exit, CPU seconds from wait4() (the build and every
child process). The machine is shared: compare sides of one round, not rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ESSAYCAST = Path(sys.executable).with_name("essaycast")
SIDES = {
    "1core": (["--jobs", "1"], {0}),
    "jobs1": (["--jobs", "1"], None),
    "jobs2": (["--jobs", "2"], None),
    "jobs4": (["--jobs", "4"], None),
}


def make_show(where: Path) -> Path:
    """Six essays of about equal length from the sample show's paragraphs."""
    paragraphs = []
    for path in sorted((ROOT / "essays").iterdir()):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)
        paragraphs += [p.strip() for p in text.split("\n\n") if p.strip() and not p.startswith("#")]
    total = sum(len(p.split()) for p in paragraphs)
    essays: list[list[str]] = [[]]
    for paragraph in paragraphs:
        if sum(len(p.split()) for p in essays[-1]) >= total / 6 and len(essays) < 6:
            essays.append([])
        essays[-1].append(paragraph)
    (where / "essays").mkdir(parents=True)
    shutil.copy(ROOT / "podcast.toml", where / "podcast.toml")
    for i, body in enumerate(essays):
        (where / "essays" / f"part-{i + 1}.md").write_text(
            f"---\ntitle: Part {i + 1}\ndate: 2026-0{i + 1}-01\n---\n\n" + "\n\n".join(body) + "\n",
            encoding="utf-8",
        )
    return where


def run_side(show: Path, args: list[str], cores: set[int] | None) -> dict:
    shutil.rmtree(show / "output", ignore_errors=True)
    shutil.rmtree(show / ".essaycast", ignore_errors=True)
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1767225600", "ESSAYCAST_RESTORE": "off"}
    started = time.monotonic()
    proc = subprocess.Popen(
        [str(ESSAYCAST), "build", "--show", str(show), "--json", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=(lambda: os.sched_setaffinity(0, cores)) if cores else None,
    )
    out, err = proc.communicate()
    wall = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit(f"build {args} failed: {err.decode()[-2000:]}")
    report = json.loads(out)
    audio = sum(e["duration"] for e in report["episodes"])
    return {"wall": round(wall, 2), "audio_seconds": round(audio, 1)}


def cpu_of_children() -> float:
    usage = os.times()
    return usage.children_user + usage.children_system


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="essaycast-jobs-") as scratch:
        show = make_show(Path(scratch) / "show")
        words = [len(p.read_text().split()) for p in sorted((show / "essays").iterdir())]
        results: dict[str, list[dict]] = {side: [] for side in SIDES}
        load = os.getloadavg()
        for _ in range(options.repeats):
            for side, (args, cores) in SIDES.items():
                before = cpu_of_children()
                result = run_side(show, args, cores)
                result["cpu"] = round(cpu_of_children() - before, 2)
                results[side].append(result)
                print(side, result, flush=True)
    median = {
        side: sorted(r["wall"] for r in runs)[len(runs) // 2] for side, runs in results.items()
    }
    data = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cores": len(os.sched_getaffinity(0)),
        "load_average_at_start": [round(x, 2) for x in load],
        "essay_words": words,
        "runs": results,
        "median_wall": median,
        "speedup_vs_jobs1": {side: round(median["jobs1"] / median[side], 2) for side in SIDES},
    }
    (ROOT / "bench" / "jobs.json").write_text(json.dumps(data, indent=1) + "\n")
    print(json.dumps(data["speedup_vs_jobs1"]))


if __name__ == "__main__":
    main()
