"""Intelligibility check: an offline speech-recognition round trip.

pocketsphinx (PyPI, ships a US-English model) transcribes rendered audio; the
word error rate against the words that were meant to be spoken tells whether a
speed-up (batching, quantisation, a cheaper resampler) made the voice harder to
understand. The absolute WER of pocketsphinx on synthetic speech is high; what
matters is the *difference* between two renders of the same text, measured in
the same run.

    python bench/intelligibility.py AUDIO TEXTFILE     # prints WER as JSON
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ASR_RATE = 16000

_NUMBER_WORDS = {
    "0": "zero",
    "1": "one",
    "2": "two",
    "3": "three",
    "4": "four",
    "5": "five",
    "6": "six",
    "7": "seven",
    "8": "eight",
    "9": "nine",
}


@dataclass(frozen=True)
class Intelligibility:
    """One round trip: how many reference words, how the recogniser did."""

    audio: str
    ref_words: int
    hyp_words: int
    wer: float
    audio_seconds: float
    asr_seconds: float


def normalise_words(text: str) -> list[str]:
    """Lower-case words without punctuation, the way WER is usually scored.

    >>> normalise_words("It’s the Long-Take, isn't it?")
    ["it's", 'the', 'long', 'take', "isn't", 'it']
    """
    text = text.lower().replace("’", "'").replace("‘", "'")
    text = re.sub(r"[^a-z0-9' ]+", " ", text)
    words = []
    for word in text.split():
        word = word.strip("'")
        if not word:
            continue
        if word.isdigit() and len(word) == 1:  # pocketsphinx spells digits out
            word = _NUMBER_WORDS[word]
        words.append(word)
    return words


def word_error_rate(reference: list[str], hypothesis: list[str]) -> float:
    """(substitutions + deletions + insertions) / len(reference), by Levenshtein on words.

    >>> word_error_rate("a b c d".split(), "a x c".split())
    0.5
    """
    if not reference:
        return 0.0 if not hypothesis else 1.0
    previous = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, 1):
        current = [i] + [0] * len(hypothesis)
        for j, hyp in enumerate(hypothesis, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref != hyp))
        previous = current
    return previous[-1] / len(reference)


def decode_pcm(audio: Path, ffmpeg: str) -> bytes:
    """Any audio file -> 16 kHz mono 16-bit PCM, the recogniser's input."""
    proc = subprocess.run(
        [
            ffmpeg,
            "-v",
            "error",
            "-nostdin",
            "-i",
            str(audio),
            "-ac",
            "1",
            "-ar",
            str(ASR_RATE),
            "-f",
            "s16le",
            "-",
        ],
        capture_output=True,
        check=True,
    )
    return proc.stdout


def transcribe(pcm: bytes) -> str:
    """pocketsphinx's words for 16 kHz mono PCM, segment by segment (its own VAD)."""
    import io

    from pocketsphinx import Decoder, Segmenter

    decoder = Decoder(samprate=ASR_RATE, loglevel="FATAL")
    segmenter = Segmenter(sample_rate=ASR_RATE)
    words: list[str] = []
    for segment in segmenter.segment(io.BytesIO(pcm)):
        decoder.start_utt()
        decoder.process_raw(segment.pcm, full_utt=True)
        decoder.end_utt()
        hyp = decoder.hyp()
        if hyp is not None and hyp.hypstr:
            words.append(hyp.hypstr)
    return " ".join(words)


def measure(audio: Path, reference_text: str, ffmpeg: str) -> Intelligibility:
    """WER of pocketsphinx's transcript of `audio` against `reference_text`."""
    pcm = decode_pcm(audio, ffmpeg)
    started = time.monotonic()
    hypothesis = normalise_words(transcribe(pcm))
    asr_seconds = time.monotonic() - started
    reference = normalise_words(reference_text)
    return Intelligibility(
        audio=audio.name,
        ref_words=len(reference),
        hyp_words=len(hypothesis),
        wer=round(word_error_rate(reference, hypothesis), 4),
        audio_seconds=round(len(pcm) / 2 / ASR_RATE, 1),
        asr_seconds=round(asr_seconds, 1),
    )


def main(argv: list[str] | None = None) -> int:
    """CLI: WER of one audio file against one text file."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("audio", type=Path)
    parser.add_argument("text", type=Path, help="the words that were meant to be spoken")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from pipeline.ffmpeg import ffmpeg_exe

    result = measure(args.audio, args.text.read_text(encoding="utf-8"), ffmpeg_exe())
    print(json.dumps(asdict(result), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
