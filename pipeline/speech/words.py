"""Word timings inside one sentence's audio, from what the voice itself knows.

The neural voices predict how many frames each phoneme lasts before they make
a sample (hibari's and Kokoro's duration predictor, Piper's w_ceil); onnx_noise
exposes those tensors as model outputs, and this module turns them into words:

- `owned_phonemes`: misaki G2P tokens (hibari, kokoro) -> the sentence's phoneme
  string, each character tagged with the token (word) it was made from;
- `owners_of`: those tags carried onto the chunks the voice actually read;
- `timed_tokens`: per-id frame counts -> (start, end) sample of each token;
- `fit_groups`: groups the engine timed (espeak words, Piper's phoneme words) onto
  the sentence's written-out words when the counts differ;
- `voiced_words`: no internals at all (gTTS): words spread over the voiced stretches.

Every time is relative to the start of the sentence's PCM, in seconds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ..model import Word

_WORD = re.compile(r"\S+")


def is_word(text: str) -> bool:
    """A token that is spoken as a word (it has a letter or a digit), not punctuation."""
    return any(c.isalnum() for c in text)


def text_words(text: str) -> list[str]:
    """The words of a sentence as whitespace separates them, punctuation-only runs left out.

    >>> text_words("Well — it's 1948, \\"really\\".")
    ['Well', "it's", '1948,', '"really".']
    """
    return [w for w in _WORD.findall(text) if is_word(w)]


def owned_phonemes(g2p: Any, text: str) -> tuple[str, list[int | None], list[str]]:
    """hibari's G2P for one line: its phoneme string (as `g2p(text)` gives it), for each
    character the index of the word it belongs to (None: spaces, punctuation), and the words.
    """
    from hibari.g2p.normalize import normalize

    tokens = g2p.phonemize_tokens(g2p.tokenize(normalize(text)))
    phonemes: list[str] = []
    owners: list[int | None] = []
    words: list[str] = []
    for token in tokens:
        ps = g2p.unk if token.phonemes is None else token.phonemes
        owner: int | None = None
        if ps and is_word(token.text):
            owner = len(words)
            words.append(token.text)
        phonemes.append(ps)
        owners += [owner] * len(ps)
        if token.whitespace:
            phonemes.append(" ")
            owners.append(None)
    joined = "".join(phonemes)
    # G2P.__call__ strips the joined string: do the same to the owners
    lead = len(joined) - len(joined.lstrip())
    kept = joined.strip()
    return kept, owners[lead : lead + len(kept)], words


def owners_of(
    chunks: Sequence[str], phonemes: str, owners: Sequence[int | None]
) -> list[list[int | None]] | None:
    """For each chunk the voice read, the owner of each of its characters; None if the
    chunks are not `phonemes` cut up (spaces and characters outside them may differ).

    >>> owners_of(["ab,", "cd"], "ab,  cd", [0, 0, None, None, None, 1, 1])
    [[0, 0, None], [1, 1]]
    """
    out: list[list[int | None]] = []
    at, size = 0, len(phonemes)
    for chunk in chunks:
        mine: list[int | None] = []
        for char in chunk:
            if char.isspace():  # the chunking may put back one space for several
                while at < size and phonemes[at].isspace():
                    at += 1
                mine.append(None)
                continue
            while at < size and phonemes[at] != char:
                at += 1  # a character the voice's vocabulary dropped
            if at == size:
                return None
            mine.append(owners[at])
            at += 1
        out.append(mine)
    return out


def timed_tokens(
    durations: Sequence[int],
    owners: Sequence[int | None],
    samples_per_frame: int,
    lead: int = 0,
    from_separator: int = 0,
) -> dict[int, tuple[int, int]]:
    """(first sample, end sample) of each owner, from each id's frame count.

    `owners[i]` says whose id i is (None for pads, spaces, punctuation); their frames
    (pauses included) belong to no word. `lead`: samples by which the voice's sound runs
    ahead of its frames (a synthesis window reaching back before the frame it is
    centred on); every span is moved that much earlier, never before sample 0.
    `from_separator`: samples at the end of the separator (space, punctuation, pause)
    before a word that already sound as that word (at most the separator's own length;
    the first word, after the start pad's silence, takes none).

    >>> timed_tokens([2, 3, 1, 4], [None, 0, None, 1], 10, lead=5)
    {0: (15, 45), 1: (55, 95)}
    >>> timed_tokens([2, 3, 1, 4], [None, 0, None, 1], 10, lead=5, from_separator=20)
    {0: (15, 45), 1: (45, 95)}
    """
    import numpy as np  # not at import: the registry loads this module for --help

    ends = np.cumsum(np.asarray(durations, dtype=np.int64)) * samples_per_frame
    spans: dict[int, tuple[int, int]] = {}
    for i, owner in enumerate(owners):
        if owner is None or durations[i] <= 0:
            continue
        end = int(ends[i]) - lead
        start = end - int(durations[i]) * samples_per_frame
        if owner not in spans and spans and i > 0 and owners[i - 1] is None:
            start -= min(from_separator, max(0, int(durations[i - 1])) * samples_per_frame)
        start = max(0, start)
        end = max(start, end)
        if owner in spans:
            spans[owner] = (min(spans[owner][0], start), max(spans[owner][1], end))
        else:
            spans[owner] = (start, end)
    return spans


def to_words(
    spans: dict[int, tuple[int, int]], names: Sequence[str], rate: int
) -> tuple[Word, ...]:
    """Timed owners as Words in order, in seconds, never overlapping."""
    words: list[Word] = []
    for owner in sorted(spans):
        start, end = spans[owner]
        begin = max(start / rate, words[-1].end if words else 0.0)
        words.append(Word(round(begin, 4), round(max(begin, end / rate), 4), names[owner]))
    return tuple(words)


def fit_groups(
    groups: Sequence[tuple[float, float, int]], names: Sequence[str]
) -> tuple[Word, ...]:
    """Words for `names` from timed groups (start, end, size: letters or phonemes) that
    an engine made in the same order but perhaps not one for one (a number read as
    three words, two words run together).

    Equal counts map one to one. More groups than names: each name takes a run of
    groups, runs chosen so the names' shares of the letters best match the runs'
    shares of the size (dynamic programming). Fewer: each group's time is shared
    out among names by their letters.
    """
    import numpy as np  # not at import: the registry loads this module for --help

    if not groups or not names:
        return ()
    if len(groups) == len(names):
        return tuple(Word(a, b, n) for (a, b, _), n in zip(groups, names, strict=True))
    letters = np.array([max(1, sum(c.isalnum() for c in n)) for n in names], dtype=np.float64)
    want = np.concatenate([[0.0], np.cumsum(letters)]) / letters.sum()
    if len(groups) > len(names):
        sizes = np.array([max(1, g[2]) for g in groups], dtype=np.float64)
        have = np.concatenate([[0.0], np.cumsum(sizes)]) / sizes.sum()
        g_count, n_count = len(groups), len(names)
        cost = np.full((n_count + 1, g_count + 1), np.inf)
        back = np.zeros((n_count + 1, g_count + 1), dtype=np.int64)
        cost[0, 0] = 0.0
        for n in range(1, n_count + 1):
            for g in range(n, g_count - (n_count - n) + 1):
                for k in range(n - 1, g):
                    c = cost[n - 1, k] + (have[g] - want[n]) ** 2
                    if c < cost[n, g]:
                        cost[n, g], back[n, g] = c, k
        cuts = [g_count]
        for n in range(n_count, 0, -1):
            cuts.append(int(back[n, cuts[-1]]))
        cuts.reverse()
        return tuple(
            Word(groups[cuts[n]][0], groups[cuts[n + 1] - 1][1], names[n]) for n in range(n_count)
        )
    # fewer groups than names: the groups' time, end to end, shared out by letters
    edges = np.array([g[0] for g in groups] + [groups[-1][1]])
    spans = np.array([g[1] - g[0] for g in groups])
    clock = np.concatenate([[0.0], np.cumsum(spans)]) / max(spans.sum(), 1e-9)

    def at(share: float) -> float:
        i = int(np.clip(np.searchsorted(clock, share, side="right") - 1, 0, len(groups) - 1))
        inside = (share - clock[i]) / max(clock[i + 1] - clock[i], 1e-9)
        return float(groups[i][0] + min(1.0, inside) * spans[i]) if spans[i] else float(edges[i])

    return tuple(
        Word(round(at(want[n]), 4), round(at(want[n + 1]), 4), names[n]) for n in range(len(names))
    )


VOICED_THRESHOLD_DB = -35.0  # below the sentence's loudest 10 ms by this much: a pause
MIN_PAUSE = 0.08  # seconds of quiet that count as a pause between words
WINDOW = 0.01


def voiced_words(pcm: bytes, rate: int, text: str) -> tuple[Word, ...]:
    """Words for audio the engine says nothing about: the voiced stretches are found by
    energy (10 ms windows, 35 dB under the loudest, pauses of 80 ms or more) and the
    words shared out over them in proportion to their letters, pauses skipped.
    """
    import numpy as np  # not at import: the registry loads this module for --help

    names = text_words(text)
    values = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    window = max(1, int(WINDOW * rate))
    count = values.size // window
    if not names or count == 0:
        return ()
    power = (values[: count * window].reshape(count, window) ** 2).mean(axis=1) + 1e-9
    level = 10 * np.log10(power)
    loud = level > level.max() + VOICED_THRESHOLD_DB
    stretches: list[tuple[float, float, int]] = []
    start: int | None = None
    quiet = 0
    gap = round(MIN_PAUSE / WINDOW)
    for i, on in enumerate([*loud, False]):
        if on:
            if start is None:
                start = i
            quiet = 0
        elif start is not None:
            quiet += 1
            if quiet >= gap or i == count:
                end = i - quiet + 1
                stretches.append((start * window / rate, end * window / rate, end - start))
                start, quiet = None, 0
    # more stretches than words: runs of stretches by length; fewer: time shared by letters
    return fit_groups(stretches, names)
