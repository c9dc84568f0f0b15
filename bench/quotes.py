"""Quotations in their own voice, with real voices: who is heard where, how loud, how stable.

    PYTHONPATH=. .venv/bin/python bench/quotes.py         # hibari heart, kokoro bm_george
    PYTHONPATH=. .venv/bin/python bench/quotes.py --quotes kokoro:am_michael
    PYTHONPATH=. .venv/bin/python bench/quotes.py report  # RESULTS.md again from quotes.json

A review with three blockquotes (one attributed) is built as a show whose narrator is
hibari's heart (US female) and whose quote voice is a male Kokoro voice, and then:

- *who is heard*: the median pitch (F0, by autocorrelation over voiced 40 ms frames) of
  every sentence in the published MP3, cut at its transcript cue, beside the speaker its
  VTT <v> span names: quotes should sit an octave-ish under the narration;
- *how loud*: BS.1770 loudness (ffmpeg's ebur128) of each speaker's sentences joined,
  as heard in the MP3: every speaker within 1 LU of the narrator;
- *how stable*: a second cold build in another folder gives the same MP3 bytes; an edit
  inside one quote makes the voices say only that sentence again, and levels only the
  pieces that hold it.

The tests check the same with two counting tones (tests/test_quotes.py); this is the
real-voice check. Writes bench/quotes.json and the "Quotations" section of RESULTS.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
FIGURES = HERE / "quotes.json"
SECTION = "## Quotations in their own voice (`bench/quotes.py`)"

ESSAY = """\
---
title: The River Letters
date: 2026-03-01
---

The film begins with a letter read aloud, and it never quite lets go of that voice.
Its director keeps the camera low and patient. Nothing is hurried here.

> Memories, even your most precious ones, fade surprisingly quickly.
> — Kazuo Ishiguro

That line could stand over the whole film. The sisters hold on to what they can.
The middle hour is the quietest, and the best.

> I keep thinking about this river somewhere, with the water moving really fast.
> And these two people in the water, trying to hold onto each other.

The ending is where the film earns its title. A final letter arrives, late.

> We were never going to be the people we planned. We were going to be each other's.

Go and see it in a cinema, if you can. It rewards the dark and the quiet.
"""

EDIT = ("with the water moving really fast", "with the water running really fast")


def show_toml(narrator: str, quotes: str) -> str:
    engine, _, voice = narrator.partition(":")
    return f"""\
[podcast]
title = "Bench Reels"
author = "A. Writer"
base_url = "https://example.org/bench/"

[voice]
engine = "{engine}"
voice = "{voice}"
quotes = "{quotes}"
"""


def make_show(root: Path, narrator: str, quotes: str) -> Path:
    (root / "essays").mkdir(parents=True)
    (root / "podcast.toml").write_text(show_toml(narrator, quotes))
    (root / "essays" / "river.md").write_text(ESSAY)
    return root


# -- counting what the real voices are asked to say -------------------------------------------


class Counted:
    """A real engine that also notes every sentence it is given."""

    def __init__(self, engine: object, said: list[str]) -> None:
        self.engine, self.said = engine, said

    def synthesize(self, sentences: Sequence[str]) -> Iterator[object]:
        self.said.extend(sentences)
        return self.engine.synthesize(sentences)  # type: ignore[attr-defined,no-any-return]


def count_engines() -> dict[str, list[str]]:
    from pipeline.speech import ENGINES

    said: dict[str, list[str]] = {}
    for name, row in list(ENGINES.items()):
        said[name] = []
        create = row.create
        ENGINES[name] = dataclasses.replace(
            row, create=lambda spec, c=create, s=said[name]: Counted(c(spec), s)
        )
    return said


def count_levelled() -> tuple[list[str], list[int]]:
    """The pieces each build levels (their keys), and how many pieces each episode has."""
    import pipeline.audio.pieces as pieces

    levelled: list[str] = []
    spliced: list[int] = []
    level, splice = pieces.level_piece, pieces.splice_episode

    def counting(chunks, rate, chain, out_raw, *args, **kwargs):  # type: ignore[no-untyped-def]
        levelled.append(out_raw.stem)
        return level(chunks, rate, chain, out_raw, *args, **kwargs)

    def splicing(*args, **kwargs):  # type: ignore[no-untyped-def]
        done = splice(*args, **kwargs)
        spliced.append(done.pieces)
        return done

    pieces.level_piece = counting  # type: ignore[assignment]
    pieces.splice_episode = splicing  # type: ignore[assignment]
    return levelled, spliced


# -- measuring the MP3 ---------------------------------------------------------------------


def episode_files(root: Path) -> tuple[Path, Path]:
    manifest = json.loads((root / "output" / "manifest.json").read_text())
    (entry,) = manifest["episodes"].values()
    out = root / "output"
    return out / entry["episode"]["audio"], out / entry["episode"]["transcripts"]["text/vtt"]


def sentences_heard(root: Path) -> list[dict]:
    """Each sentence of the MP3: its text, speaker (from <v>), start, end and samples."""
    from pipeline.ffmpeg import decode_to_pcm
    from pipeline.publish.transcript import read_vtt
    from pipeline.standards import EPISODE_RATE

    mp3, vtt = episode_files(root)
    pcm = np.frombuffer(decode_to_pcm(mp3), dtype="<i2").astype(np.float64) / 32768
    found: dict[str, dict] = {}
    for cue in read_vtt(vtt.read_text()):
        number = (cue.identifier or "").split(".")[0]
        speaker = re.match(r"<v ([^>]*)>", cue.lines[0])
        entry = found.setdefault(
            number,
            {"text": "", "speaker": speaker.group(1) if speaker else "", "start": cue.start},
        )
        entry["text"] = (entry["text"] + " " + cue.text).strip()
        entry["end"] = cue.end
    for entry in found.values():
        a, b = round(entry["start"] * EPISODE_RATE), round(entry["end"] * EPISODE_RATE)
        entry["samples"] = pcm[a:b]
    return list(found.values())


def median_f0(samples: np.ndarray, rate: int = 44100) -> float:
    """Median F0 (Hz) over voiced 40 ms frames, by normalised autocorrelation (60-400 Hz)."""
    frame, hop = int(0.04 * rate), int(0.01 * rate)
    low, high = rate // 400, rate // 60
    loud = np.sqrt(np.mean(samples**2)) if samples.size else 0.0
    found = []
    for start in range(0, samples.size - frame, hop):
        x = samples[start : start + frame]
        x = x - x.mean()
        energy = float(np.dot(x, x))
        if energy / frame < (0.3 * loud) ** 2:
            continue  # a pause or a consonant
        corr = np.correlate(x, x, mode="full")[frame - 1 :]
        lags = corr[low:high] / energy
        lag = int(np.argmax(lags))
        if lags[lag] > 0.5:
            found.append(rate / (low + lag))
    return float(np.median(found)) if found else 0.0


def loudness(samples: np.ndarray) -> float:
    from pipeline.audio.layout import speech_loudness
    from pipeline.model import SentenceAudio

    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()
    return speech_loudness([SentenceAudio("", pcm, 44100)])


# -- the run ---------------------------------------------------------------------------------


def build(root: Path) -> float:
    from pipeline.build import build_show
    from pipeline.config import load_show

    started = time.perf_counter()
    report = build_show(load_show(root))
    if not report.ok:
        raise SystemExit(f"build failed: {report.failed}")
    return time.perf_counter() - started


def run(narrator: str, quotes: str) -> dict:
    said = count_engines()
    levelled, spliced = count_levelled()
    figures: dict = {"narrator": narrator, "quotes": quotes}
    with tempfile.TemporaryDirectory(prefix="essaycast-quotes-") as tmp:
        one = make_show(Path(tmp) / "one", narrator, quotes)
        two = make_show(Path(tmp) / "two", narrator, quotes)
        figures["cold_seconds"] = round(build(one), 1)
        figures["pieces"] = spliced[-1]
        heard = sentences_heard(one)
        rows = []
        for entry in heard:
            rows.append(
                {
                    "speaker": entry["speaker"],
                    "text": entry["text"],
                    "f0": round(median_f0(entry["samples"]), 1),
                }
            )
        figures["sentences"] = rows
        body = heard[2:]  # the spoken intro (show, title) has the jingle under it
        speakers = sorted({e["speaker"] for e in body})
        joined = {
            s: np.concatenate([e["samples"] for e in body if e["speaker"] == s]) for s in speakers
        }
        figures["loudness"] = {s: round(loudness(x), 2) for s, x in joined.items()}
        mp3, _ = episode_files(one)
        figures["mp3_sha256"] = hashlib.sha256(mp3.read_bytes()).hexdigest()[:16]

        build(two)
        mp3_two, _ = episode_files(two)
        figures["second_cold_build_identical"] = mp3_two.read_bytes() == mp3.read_bytes()

        for words in said.values():
            words.clear()
        levelled.clear()
        essay = one / "essays" / "river.md"
        essay.write_text(essay.read_text().replace(*EDIT))
        figures["edit_seconds"] = round(build(one), 1)
        figures["edit_said"] = {name: list(words) for name, words in said.items() if words}
        figures["edit_pieces"] = len(set(levelled))
        figures["edit_episode_pieces"] = spliced[-1]
        shutil.rmtree(one, ignore_errors=True)
    return figures


def section(figures: dict) -> str:
    narrator = figures["narrator"]
    quotes = figures["quotes"]
    lines = [
        SECTION,
        "",
        f"A review of {len(figures['sentences'])} spoken sentences (the spoken intro's two "
        f"included) with three blockquotes, one attributed, narrated by `{narrator}` with "
        f'`[voice] quotes = "{quotes}"`; the default jingle under the intro. Median pitch '
        "of each sentence as heard in the published MP3, cut at its VTT cue, beside the "
        "speaker its `<v>` span names:",
        "",
        "| speaker (VTT) | median F0, Hz | sentence |",
        "|---|---:|---|",
    ]
    for n, row in enumerate(figures["sentences"]):
        text = row["text"] if len(row["text"]) <= 60 else row["text"][:57] + "..."
        text += " (intro: music under it)" if n < 2 else ""
        lines.append(f"| {row['speaker']} | {row['f0']:.0f} | {text} |")
    by: dict[str, list[float]] = {}
    for row in figures["sentences"][2:]:
        by.setdefault(row["speaker"], []).append(row["f0"])
    lines += [
        "",
        "The body (intro left out):",
        "",
        "| speaker | sentences | F0 range, Hz | loudness, LUFS (plain) | vs narrator, LU |",
        "|---|---:|---|---:|---:|",
    ]
    narration = figures["loudness"].get("A. Writer")
    for speaker, f0s in by.items():
        level = figures["loudness"][speaker]
        delta = f"{level - narration:+.2f}" if narration is not None else ""
        lines.append(
            f"| {speaker} | {len(f0s)} | {min(f0s):.0f}-{max(f0s):.0f} | {level:.2f} | {delta} |"
        )
    said = ", ".join(
        f"{name} {len(words)} ({'; '.join(words)})" for name, words in figures["edit_said"].items()
    )
    lines += [
        "",
        f"- Cold build: {figures['cold_seconds']} s, the episode in {figures['pieces']} "
        "piece(s), on this machine (both models loaded, every sentence synthesised, each "
        "voice's level passage too). A second cold build in another folder: "
        f"{'the same MP3 bytes' if figures['second_cold_build_identical'] else 'DIFFERENT bytes'} "
        f"(sha256 {figures['mp3_sha256']}...).",
        "- One word changed inside the second quote: the voices were asked for "
        f"{said or 'nothing'}; {figures['edit_pieces']} of the episode's "
        f"{figures['edit_episode_pieces']} pieces levelled again; {figures['edit_seconds']} s. "
        "(Pieces are cut after sentences whose cache key picks a cut, so an edited sentence "
        "can move the cut after it: then the piece after it is new too.)",
        "",
    ]
    return "\n".join(lines)


def write_section(text: str) -> None:
    results = RESULTS.read_text()
    if SECTION in results:
        head, _, rest = results.partition(SECTION)
        after = rest.split("\n## ", 1)
        tail = "\n## " + after[1] if len(after) > 1 else ""
        results = head + text + tail
    else:
        results = results.rstrip("\n") + "\n\n" + text
    RESULTS.write_text(results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", nargs="?", default="run", choices=["run", "report"])
    parser.add_argument("--narrator", default="hibari:heart")
    parser.add_argument("--quotes", default="kokoro:bm_george")
    args = parser.parse_args()
    if args.what == "run":
        figures = run(args.narrator, args.quotes)
        FIGURES.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    figures = json.loads(FIGURES.read_text())
    text = section(figures)
    write_section(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
