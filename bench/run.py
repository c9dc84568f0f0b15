"""essaycast benchmarks (issue 9): SPEC §10's figures, each a ratio measured in one run.

    python bench/run.py                 # everything; writes bench/results.json + RESULTS.md
    python bench/run.py --quick         # smaller inputs, one repeat: a few minutes
    python bench/run.py --only a,c      # some figures (a b c d e f i); RESULTS.md keeps the rest
    python bench/run.py --report        # regenerate RESULTS.md from bench/results.json

Figures (letters as in issue 9):
  a  full build of the sample show vs the Piper CLI reading the same text (cold and warm cache)
  b  the same against espeak-ng (skipped without an espeak-ng binary on PATH)
  c  no-change rebuild of a 100-essay show: wall seconds, and proof no voice model loaded
  d  one edited sentence in a 5,000-word essay vs its full render
  e  peak memory for 1,000 / 5,000 / 20,000-word essays (tone engine; see --help text below)
  f  CPU cores used during synthesis (sampled during a)
  i  intelligibility: pocketsphinx word error rate, ours vs the Piper CLI's own audio

Measured side by side, interleaved (anchor, ours, anchor, ours), medians of the repeats.
The machine is shared, so only ratios are meaningful; absolute seconds are context.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import harness as h  # noqa: E402
import report  # noqa: E402

PY = sys.executable
ESSAYCAST = str(h.BIN / "essaycast")


def log(message: str) -> None:
    """Progress on stderr, with a timestamp: the whole run takes a while."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def probe(*args: str) -> list[str]:
    return [PY, str(h.PROBE), *args]


# -- (a) + (f) + (i): the sample show against the Piper CLI --------------------------


def figure_a(work: Path, quick: bool, repeats: int) -> dict:
    """Cold build (every sentence synthesised) and warm build vs `python -m piper`."""
    only = ["on-rewatching.txt"] if quick else None
    show = h.make_show(work / "a-show", copy_sample=not quick)
    if quick:
        shutil.copy(h.ROOT / "essays" / "on-rewatching.txt", show / "essays")
    text = work / "a-plain.txt"
    text.write_text("\n".join(h.spoken_paragraphs(show, only)) + "\n", encoding="utf-8")
    model = h.voice_model()
    anchor_cmd = [PY, "-m", "piper", "-m", str(model), "-f", str(work / "a-anchor.wav")]
    ours_cmd = probe("build", "--show", str(show), "--force", "-q")
    stats = work / "a-stats.json"
    anchors, colds, warms = [], [], []
    # warm-up, not timed: the first run of anything pays for the page cache and .pyc files
    h.measure(probe("build", "--show", str(show), "--dry-run", "-q"))
    for rep in range(repeats):
        log(f"a: rep {rep + 1}/{repeats}: piper CLI")
        anchors.append(h.measure(anchor_cmd, stdin=text))
        log(f"a: rep {rep + 1}/{repeats}: essaycast build, cold sentence cache")
        h.clear_cache(show)
        colds.append(h.measure(ours_cmd, stats_path=stats))
        log(f"a: rep {rep + 1}/{repeats}: essaycast build --force, warm sentence cache")
        warms.append(h.measure(ours_cmd, stats_path=stats))
    anchor_wall = h.median([r.wall for r in anchors])
    cold_wall = h.median([r.wall for r in colds])
    warm_wall = h.median([r.wall for r in warms])
    synth = h.median([r.stats["synth_seconds"] for r in colds])
    manifest = json.loads((show / "output" / "manifest.json").read_text())
    audio_seconds = sum(e["episode"]["duration"] for e in manifest["episodes"].values())
    cpu = figure_f(anchors, colds)
    return {
        "essays": sorted(p.name for p in (show / "essays").iterdir()),
        "words": len(text.read_text().split()),
        "audio_seconds": round(audio_seconds, 1),
        "sentences_synthesised_cold": colds[-1].stats["sentences"],
        "sentences_synthesised_warm": warms[-1].stats["sentences"],
        "anchor_wall": [round(r.wall, 2) for r in anchors],
        "cold_wall": [round(r.wall, 2) for r in colds],
        "warm_wall": [round(r.wall, 2) for r in warms],
        "cold_synth_seconds": [round(r.stats["synth_seconds"], 2) for r in colds],
        "ratio_cold": round(cold_wall / anchor_wall, 3),
        "ratio_warm": round(warm_wall / anchor_wall, 3),
        "ratio_synth_only": round(synth / anchor_wall, 3),
        "anchor_peak_mb": round(max(r.maxrss_mb for r in anchors), 1),
        "cold_peak_mb": round(max(r.maxrss_mb for r in colds), 1),
        "machine_busy_cores": [round(r.system_busy or 0, 2) for r in anchors + colds],
        "cpu": cpu,
        "_show": str(show),
        "_anchor_wav": str(work / "a-anchor.wav"),
    }


def figure_f(anchors: list[h.Run], colds: list[h.Run]) -> dict:
    """Cores busy during synthesis, from /proc/<pid>/stat samples taken during (a)."""
    ours = []
    threads = []
    for run in colds:
        start, end = run.stats["synth_start"], run.stats["synth_end"]
        cores = run.cores_between(start, end)
        if cores is not None:
            ours.append(cores)
        threads.append(run.max_threads_between(start, end))
    theirs = [r.cores_between(r.samples[0][0], r.samples[-1][0]) for r in anchors if r.samples]
    busy = [r.system_busy or 0.0 for r in anchors + colds]
    return {
        "ours_cores_during_synthesis": [round(c, 2) for c in ours],
        "ratio_to_anchor": round(h.median(ours) / h.median([c for c in theirs if c]), 2)
        if ours and any(theirs)
        else None,
        "machine_busy_cores_during_runs": round(h.median(busy), 2),
        "anchor_cores": [round(c, 2) for c in theirs if c is not None],
        "ours_max_threads": threads,
        "ours_ort_threads": colds[-1].stats.get("ort_threads"),
        "nproc": os.cpu_count(),
    }


def figure_i(work: Path, a: dict, quick: bool) -> dict:
    """WER of pocketsphinx on our MP3 and on the Piper CLI's WAV, for the same essay."""
    from intelligibility import measure as asr_measure

    from pipeline.ffmpeg import ffmpeg_exe

    essay = "on-rewatching.txt" if quick else "the-long-take.md"
    show = Path(a["_show"])
    slug = "on-rewatching" if quick else "the-long-take"
    text = "\n".join(h.spoken_paragraphs(show, [essay]))
    anchor_wav = work / "i-anchor.wav"
    plain = work / "i-plain.txt"
    plain.write_text(text + "\n", encoding="utf-8")
    h.measure([PY, "-m", "piper", "-m", str(h.voice_model()), "-f", str(anchor_wav)], stdin=plain)
    title = {"on-rewatching": "On Rewatching", "the-long-take": "The Long Take"}[slug]
    intro = f"Quiet Reels. {title}, by A. Writer."  # neither essay names its own author
    ffmpeg = ffmpeg_exe()
    log("i: pocketsphinx on the Piper CLI's audio")
    theirs = asr_measure(anchor_wav, text, ffmpeg)
    log("i: pocketsphinx on essaycast's episode")
    (episode,) = (show / "output" / "episodes").glob(f"{slug}-*.mp3")  # <slug>-<hash>.mp3
    ours = asr_measure(episode, intro + "\n" + text, ffmpeg)
    from dataclasses import asdict

    return {"essay": essay, "anchor": asdict(theirs), "ours": asdict(ours)}


# -- (b): espeak-ng ------------------------------------------------------------------------


def figure_b(work: Path, quick: bool, repeats: int) -> dict:
    """Our espeak build vs the espeak-ng CLI on the same text; skipped unless both exist."""
    from pipeline.speech import ENGINES

    binary = shutil.which("espeak-ng")
    if "espeak" not in ENGINES:
        return {
            "skipped": "engine not available: pipeline.speech.ENGINES has no 'espeak' "
            "row on this branch (it lands with the voices work)",
            "anchor_binary": binary,
        }
    if binary is None:
        return {"skipped": "no espeak-ng on PATH for the anchor (apt-get install espeak-ng)"}
    show = h.make_show(
        work / "b-show",
        copy_sample=not quick,
        engine="espeak",
        voice=ENGINES["espeak"].default_voice,
    )
    if quick:
        shutil.copy(h.ROOT / "essays" / "on-rewatching.txt", show / "essays")
    text = work / "b-plain.txt"
    only = ["on-rewatching.txt"] if quick else None
    text.write_text("\n".join(h.spoken_paragraphs(show, only)) + "\n", encoding="utf-8")
    anchor_cmd = [binary, "-v", "en-us", "-w", str(work / "b-anchor.wav"), "-f", str(text)]
    ours_cmd = probe("build", "--show", str(show), "--force", "-q")
    stats = work / "b-stats.json"
    anchors, ours = [], []
    for _ in range(repeats):
        anchors.append(h.measure(anchor_cmd))
        h.clear_cache(show)
        ours.append(h.measure(ours_cmd, stats_path=stats))
    return {
        "anchor_wall": [round(r.wall, 2) for r in anchors],
        "ours_wall": [round(r.wall, 2) for r in ours],
        "ratio": round(h.median([r.wall for r in ours]) / h.median([r.wall for r in anchors]), 3),
    }


# -- (c): no-change rebuild of 100 essays --------------------------------------------------


def figure_c(work: Path, quick: bool, repeats: int) -> dict:
    """Prime a 100-essay show cheaply, then time the real CLI doing nothing."""
    count = 100
    essays = {}
    seeds = h.generated_essay(4000, "x").split("\n\n")[1:]
    for n in range(count):
        sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z])", seeds[n % len(seeds)])[:2]
        essays[f"note-{n:03d}.md"] = (
            f"---\ntitle: Note {n}\ndate: 2026-02-{1 + n % 28:02d}\n---\n\n"
            + " ".join(sentences)
            + "\n"
        )
    show = h.make_show(work / "c-show", essays)
    log("c: priming 100 essays (tone engine: not timed)")
    h.measure(probe("build", "--show", str(show), "-q"), env={"BENCH_ENGINE": "tone"})
    rebuild_cmd = [ESSAYCAST, "build", "--show", str(show), "-q"]
    python_cmd = [PY, "-c", "pass"]
    h.measure(rebuild_cmd)  # warm the page cache, as a CI rebuild would find it
    ours, baseline = [], []
    for _ in range(repeats):
        baseline.append(h.measure(python_cmd))
        ours.append(h.measure(rebuild_cmd))
    # proof, in two independent ways, that no voice model was touched
    stats_path = work / "c-stats.json"
    probed = h.measure(probe("build", "--show", str(show), "--json"), stats_path=stats_path)
    traced = h.measure(
        [PY, "-X", "importtime", "-m", "pipeline", "build", "--show", str(show), "-q"]
    )
    imported = _imported_modules(traced.stderr)
    heavy = sorted(m for m in imported if m.split(".")[0] in ("onnxruntime", "piper"))
    summary = _build_summary(show)
    wall = h.median([r.wall for r in ours])
    return {
        "essays": count,
        "summary": summary,
        "wall": [round(r.wall, 3) for r in ours],
        "python_startup": [round(r.wall, 3) for r in baseline],
        "wall_median": round(wall, 3),
        "ratio_to_python_startup": round(wall / h.median([r.wall for r in baseline]), 2),
        "engine_loads": probed.stats["engine_loads"],
        "sentences": probed.stats["sentences"],
        "imported_heavy": heavy,
        "modules_imported": len(imported),
        "top_imports": _top_imports(traced.stderr),
    }


def _build_summary(show: Path) -> str:
    import subprocess

    proc = subprocess.run([ESSAYCAST, "build", "--show", str(show)], capture_output=True, text=True)
    return proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr[-200:]


_IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def _imported_modules(stderr: str) -> set[str]:
    return {m.group(4) for m in _IMPORT_LINE.finditer(stderr)}


def _top_imports(stderr: str, n: int = 6) -> list[tuple[str, float]]:
    """Top-level imports by cumulative milliseconds: where a no-op rebuild's time goes."""
    tops = [
        (m.group(4), int(m.group(2)) / 1000)
        for m in _IMPORT_LINE.finditer(stderr)
        if len(m.group(3)) == 1
    ]
    return [(name, round(ms, 1)) for name, ms in sorted(tops, key=lambda t: -t[1])[:n]]


# -- (d): one edited sentence ------------------------------------------------------------


def figure_d(work: Path, quick: bool, repeats: int, lengths: tuple[int, ...] = ()) -> dict:
    """Full render of a long and a very long essay, then one edited sentence each (real
    Piper voice): the edit re-synthesises one sentence and re-encodes one piece."""
    lengths = lengths or ((400, 1600) if quick else (5000, 20000))
    # the long one once: its full render alone takes minutes
    return {
        "rows": [
            _edit_row(work, words, repeats if n == 0 else 1) for n, words in enumerate(lengths)
        ]
    }


def _edit_row(work: Path, words: int, repeats: int) -> dict:
    essay_path = Path("long.md")
    show = h.make_show(
        work / f"d-show-{words}", {str(essay_path): h.generated_essay(words, "Long")}
    )
    stats = work / "d-stats.json"
    log(f"d: full render of a {words}-word essay (real voice)")
    full = h.measure(probe("build", "--show", str(show), "-q"), stats_path=stats)
    edits = []
    body = (show / "essays" / essay_path).read_text(encoding="utf-8")
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z])", body.split("---", 2)[2].strip())
    for rep in range(repeats):
        target = sentences[len(sentences) // 2 + 7 * rep]
        words_in = target.split()
        edited = " ".join([*words_in[:-1], "truly", words_in[-1]])
        body = body.replace(target, edited, 1)
        (show / "essays" / essay_path).write_text(body, encoding="utf-8")
        log(f"d: {words} words: rebuild after editing one sentence ({rep + 1}/{repeats})")
        edits.append(h.measure(probe("build", "--show", str(show), "-q"), stats_path=stats))
    edit_wall = h.median([r.wall for r in edits])
    manifest = json.loads((show / "output" / "manifest.json").read_text())
    row = {
        "words": words,
        "audio_seconds": round(manifest["episodes"]["long"]["episode"]["duration"], 1),
        "full_wall": round(full.wall, 2),
        "full_sentences": full.stats["sentences"],
        "full_synth_seconds": round(full.stats["synth_seconds"], 2),
        "full_pieces": full.stats["pieces_encoded"],
        "full_peak_mb": round(full.maxrss_mb, 1),
        "full_tree_peak_mb": round(full.tree_peak_mb, 1),
        "edit_wall": [round(r.wall, 2) for r in edits],
        "edit_sentences": [r.stats["sentences"] for r in edits],
        "edit_synth_seconds": [round(r.stats["synth_seconds"], 2) for r in edits],
        "edit_pieces_levelled": [r.stats["pieces_levelled"] for r in edits],
        "edit_pieces_encoded": [r.stats["pieces_encoded"] for r in edits],
        "edit_tree_peak_mb": round(max(r.tree_peak_mb for r in edits), 1),
        "ratio": round(edit_wall / full.wall, 3),
    }
    shutil.rmtree(show)
    return row


# -- (e): peak memory against essay length -------------------------------------------------


def figure_e(work: Path, quick: bool) -> dict:
    """Peak RSS of a build per essay length, with the tone engine (no model cost), and a
    five-essay show with the real voice built with --jobs 1 and --jobs 2."""
    lengths = (300, 600, 1200) if quick else (1000, 5000, 20000)
    rows = []
    for words in lengths:
        show = h.make_show(work / f"e-{words}", {"long.md": h.generated_essay(words, "Long")})
        log(f"e: {words}-word essay, tone engine")
        run = h.measure(
            probe("build", "--show", str(show), "-q"),
            env={"BENCH_ENGINE": "tone"},
            stats_path=work / "e-stats.json",
        )
        manifest = json.loads((show / "output" / "manifest.json").read_text())
        rows.append(
            {
                "words": words,
                "audio_seconds": round(manifest["episodes"]["long"]["episode"]["duration"], 1),
                "peak_mb_tree": round(run.maxrss_mb, 1),
                "peak_mb_tree_sum": round(run.tree_peak_mb, 1),
                "peak_mb_python": round((run.stats.get("peak_rss_kb") or 0) / 1024, 1),
                "wall": round(run.wall, 1),
            }
        )
        shutil.rmtree(show)
    words = 100 if quick else 300
    show = h.make_show(
        work / "e-jobs",
        {f"short-{n}.md": h.generated_essay(words, f"Short {n}", variant=11 * n) for n in range(5)},
    )
    jobs = []
    for n in (1, 2):
        h.clear_cache(show)
        log(f"e: five {words}-word essays, real voice, --jobs {n}")
        run = h.measure(
            probe("build", "--show", str(show), "--force", "--jobs", str(n), "-q"),
            stats_path=work / "e-stats.json",
        )
        jobs.append(
            {
                "jobs": n,
                "peak_mb_tree": round(run.maxrss_mb, 1),
                "peak_mb_tree_sum": round(run.tree_peak_mb, 1),
                "peak_mb_python": round((run.stats.get("peak_rss_kb") or 0) / 1024, 1),
                "wall": round(run.wall, 1),
            }
        )
    shutil.rmtree(show)
    return {"engine": "tone (bench/probe.py)", "rows": rows, "jobs": jobs, "jobs_words": words}


# -- main -----------------------------------------------------------------------------------


FIGURES = "abcdefi"


def main(argv: list[str] | None = None) -> int:
    """Run the chosen figures, merge them into results.json, regenerate RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small inputs, one repeat")
    parser.add_argument("--only", default=FIGURES, help="comma-separated letters, e.g. a,c")
    parser.add_argument("--repeats", type=int, default=None, help="repeats per side")
    parser.add_argument("--out", type=Path, default=h.ROOT / "bench" / "results.json")
    parser.add_argument("--keep", action="store_true", help="keep the temporary shows")
    parser.add_argument(
        "--d-words", default="", help="essay lengths for (d), e.g. 5000 (default 5000,20000)"
    )
    parser.add_argument(
        "--report", action="store_true", help="only regenerate RESULTS.md from the results JSON"
    )
    args = parser.parse_args(argv)
    results_md = h.ROOT / "bench" / "RESULTS.md"
    if args.report:
        results_md.write_text(report.render(json.loads(args.out.read_text())), encoding="utf-8")
        return 0
    chosen = {c for c in args.only.replace(",", "") if c in FIGURES}
    if "f" in chosen or "i" in chosen:
        chosen.add("a")  # (f) and (i) are measured on (a)'s builds
    repeats = args.repeats or (1 if args.quick else 2)
    results = json.loads(args.out.read_text()) if args.out.is_file() else {}
    if results.get("quick") != args.quick:
        results = {}  # never mix quick and full figures in one report
    results.update(
        {
            "date": datetime.now(tz=UTC).isoformat(timespec="seconds"),
            "quick": args.quick,
            "repeats": repeats,
            "machine": h.machine(),
        }
    )
    figures = results.setdefault("figures", {})
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="essaycast-bench-"))
    try:
        if "a" in chosen:
            figures["a"] = figure_a(work, args.quick, repeats)
            figures["f"] = figures["a"].pop("cpu")
            if "i" in chosen:
                figures["i"] = figure_i(work, figures["a"], args.quick)
        if "b" in chosen:
            figures["b"] = figure_b(work, args.quick, repeats)
        if "c" in chosen:
            figures["c"] = figure_c(work, args.quick, 3 if args.quick else 5)
        if "d" in chosen:
            lengths = tuple(int(w) for w in args.d_words.split(",") if w)
            rows = figure_d(work, args.quick, repeats, lengths)["rows"]
            # --d-words measures some lengths: the others keep their last figures
            kept = [
                r
                for r in figures.get("d", {}).get("rows", [])
                if r["words"] not in {n["words"] for n in rows}
            ]
            figures["d"] = {"rows": sorted(kept + rows, key=lambda r: r["words"])}
            # saved as soon as it is known: the long renders after it take a while
            args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        if "e" in chosen:
            figures["e"] = figure_e(work, args.quick)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    for fig in figures.values():
        for key in [k for k in fig if k.startswith("_")]:
            fig.pop(key)
    results["bench_seconds"] = round(time.monotonic() - started, 1)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    results_md.write_text(report.render(results), encoding="utf-8")
    log(f"wrote {args.out} and {results_md} in {results['bench_seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
