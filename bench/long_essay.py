"""Issue 29: the long essay's build against the voice alone, measured side by side in one run.

    python bench/long_essay.py              # 3 repeats; appends nothing, prints JSON
    python bench/long_essay.py --repeats 2 --json bench/long_essay.json

Figures (each a ratio to an anchor measured in the same run, interleaved):
  - cold build wall and CPU (with its ffmpeg children) / the voice alone, wall and CPU
    ("voice alone": hibari's engine, `HibariEngine.synthesize`, G2P included, over the
    same sentences and the spoken intro, in one process, one thread);
  - peak memory of the build's whole process tree (sampled every 0.25 s);
  - loudness as heard and true peak of the published MP3, measured by ffmpeg on the file;
  - whether every cold build gave the same MP3 bytes;
  - one edited sentence (the first, then one in the middle): wall, pieces rendered;
  - a 1,000-essay show rebuilt with nothing changed: wall, engine loads.
The essay is bench/data/long-essay.md (bench/make_long_essay.py writes it).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import harness as h  # noqa: E402

PY = sys.executable
ESSAY = Path(__file__).resolve().parent / "data" / "long-essay.md"
PIECES = re.compile(r"mastered at (\S+) dB .*?(\d+) of (\d+) pieces rendered")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def voice_alone(show: str) -> None:
    """The anchor: hibari saying the essay's sentences and its spoken intro, nothing else."""
    from pipeline.config import load_show
    from pipeline.model import VoiceSpec
    from pipeline.speech.hibari import HibariEngine
    from pipeline.text.essays import read_essays
    from pipeline.text.sentences import spoken_intro, to_speech_text

    config = load_show(Path(show))
    essay = read_essays(config)[0][0]
    speech = to_speech_text(essay, config.lexicon, config.podcast.language)
    lines = spoken_intro(config.podcast.title, essay.title, essay.author or config.podcast.author)
    lines += [s.spoken for s in speech.sentences()]
    engine = HibariEngine(VoiceSpec("hibari", config.voice.voice, config.voice.speed))
    samples = sum(len(a.pcm) // 2 for a in engine.synthesize(lines))
    print(json.dumps({"sentences": len(lines), "seconds": samples / engine.sample_rate}))


def make_show(root: Path, essay: Path) -> Path:
    show = h.make_show(root, engine="hibari")
    shutil.copy(essay, show / "essays" / ESSAY.name)
    return show


def cold(show: Path) -> None:
    shutil.rmtree(show / ".essaycast", ignore_errors=True)
    shutil.rmtree(show / "output", ignore_errors=True)
    (show / "output").mkdir()


def episode(show: Path) -> dict:
    manifest = json.loads((show / "output" / "manifest.json").read_text())
    return next(iter(manifest["episodes"].values()))["episode"]


def heard(mp3: Path) -> tuple[float, float]:
    from pipeline.ffmpeg import ffmpeg_exe

    log_text = subprocess.run(
        [
            ffmpeg_exe(),
            "-hide_banner",
            "-nostats",
            "-i",
            str(mp3),
            "-af",
            "ebur128=dualmono=true:peak=true",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    summary = log_text[log_text.rindex("Summary:") :]
    loud = float(re.search(r"I:\s*(-?[\d.]+) LUFS", summary).group(1))
    peak = float(re.search(r"True peak:\s*Peak:\s*(-?[\d.]+)", summary).group(1))
    return loud, peak


def build_cmd(show: Path) -> list[str]:
    return [PY, "-m", "pipeline", "build", "-v", "--show", str(show)]


def edit(show: Path, which: str) -> dict:
    """Change one word of one sentence (the first or a middle one) and rebuild."""
    path = show / "essays" / ESSAY.name
    text = path.read_text(encoding="utf-8")
    head, body = text.split("\n---\n", 1)
    sentences = re.findall(r"[^.?!\n]+[.?!]", body)
    target = sentences[0] if which == "first" else sentences[len(sentences) // 2]
    words = target.split()
    changed = " ".join([*words[:-1], "indeed", words[-1]])
    path.write_text(head + "\n---\n" + body.replace(target, changed, 1), encoding="utf-8")
    run = h.measure(build_cmd(show))
    found = PIECES.findall(run.stderr)
    return {
        "which": which,
        "wall": round(run.wall, 2),
        "cpu": round(run.user + run.system, 2),
        "passes": [{"gain": g, "rendered": int(n), "pieces": int(t)} for g, n, t in found],
    }


def no_change_show(work: Path, count: int = 1000) -> dict:
    """1,000 short essays primed with the tone engine, then the real CLI with nothing to do."""
    essays = {}
    for n in range(count):
        essays[f"note-{n:04d}.md"] = (
            f"---\ntitle: Note {n}\ndate: 2026-02-{1 + n % 28:02d}\n---\n\n"
            f"Note {n} says the lock at mile {n % 97} was mended in week {n // 97 + 1}. "
            f"It held for {n % 13 + 2} winters.\n"
        )
    show = h.make_show(work / "c-show", essays)
    log(f"no-change: priming {count} essays with the tone engine (not timed)")
    h.measure([PY, str(h.PROBE), "build", "--show", str(show), "-q"], env={"BENCH_ENGINE": "tone"})
    cmd = [PY, "-m", "pipeline", "build", "--show", str(show), "-q"]
    h.measure(cmd)  # the page cache warm, as a CI rebuild finds it
    walls = [h.measure(cmd).wall for _ in range(3)]
    stats = work / "c-stats.json"
    probed = h.measure([PY, str(h.PROBE), "build", "--show", str(show)], stats_path=stats)
    return {
        "essays": count,
        "wall": [round(w, 3) for w in walls],
        "best": round(min(walls), 3),
        "engine_loads": probed.stats["engine_loads"],
        "imported_onnxruntime": probed.stats["imported_onnxruntime"],
        "summary": probed.stderr.strip().splitlines()[-1:],
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", nargs="?", default="bench")
    parser.add_argument("show", nargs="?")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json")
    parser.add_argument("--essay", default=str(ESSAY), help="another essay (a smoke test)")
    parser.add_argument("--no-change-essays", type=int, default=1000)
    parser.add_argument("--skip-no-change", action="store_true")
    args = parser.parse_args()
    if args.mode == "voice":
        voice_alone(args.show)
        return 0
    work = Path(tempfile.mkdtemp(prefix="long-essay-"))
    show = make_show(work / "show", Path(args.essay))
    voice_cmd = [PY, str(Path(__file__).resolve()), "voice", str(show)]
    voices, builds, digests, figures = [], [], [], []
    for rep in range(args.repeats):
        log(f"rep {rep + 1}/{args.repeats}: voice alone")
        voices.append(h.measure(voice_cmd))
        log(f"rep {rep + 1}/{args.repeats}: cold build")
        cold(show)
        builds.append(h.measure(build_cmd(show)))
        mp3 = show / "output" / episode(show)["audio"]
        digests.append(hashlib.sha256(mp3.read_bytes()).hexdigest())
        figures.append(heard(mp3))
        log(f"  voice {voices[-1].wall:.1f} s, build {builds[-1].wall:.1f} s")
    edits = [edit(show, "first"), edit(show, "middle")]
    wall_ratios = [b.wall / v.wall for v, b in zip(voices, builds, strict=True)]
    cpu_ratios = [
        (b.user + b.system) / (v.user + v.system) for v, b in zip(voices, builds, strict=True)
    ]
    result = {
        "machine": h.machine(),
        "audio_seconds": round(episode(show)["duration"], 1),
        "voice_wall": [round(v.wall, 2) for v in voices],
        "voice_cpu": [round(v.user + v.system, 2) for v in voices],
        "build_wall": [round(b.wall, 2) for b in builds],
        "build_cpu": [round(b.user + b.system, 2) for b in builds],
        "build_passes": [PIECES.findall(b.stderr) for b in builds],
        "wall_ratio": [round(r, 3) for r in wall_ratios],
        "cpu_ratio": [round(r, 3) for r in cpu_ratios],
        "wall_ratio_best": round(min(wall_ratios), 3),
        "cpu_ratio_best": round(min(cpu_ratios), 3),
        "wall_ratio_median": round(statistics.median(wall_ratios), 3),
        "cpu_ratio_median": round(statistics.median(cpu_ratios), 3),
        "tree_peak_mb": [round(b.tree_peak_mb, 1) for b in builds],
        "maxrss_mb": [round(b.maxrss_mb, 1) for b in builds],
        "heard_lufs": [f[0] for f in figures],
        "true_peak_dbtp": [f[1] for f in figures],
        "cold_builds_identical": len(set(digests)) == 1,
        "edits": edits,
    }
    if not args.skip_no_change:
        result["no_change"] = no_change_show(work, args.no_change_essays)
    text = json.dumps(result, indent=1)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
