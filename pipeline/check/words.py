"""Words for the ear: what a listener hears in a text, and how heard words align with it.

Both sides go through the same normaliser (Whisper writes "1990", the script says
"nineteen ninety"), and words that sound alike (Metaphone) are the same word, so
homophones and spelling variants are never errors.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..text.normalize import normalize

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# British and American spellings of one word sound alike; Metaphone mostly sees it,
# these catch the rest before it is asked.
_VARIANTS = [
    (re.compile(r"our(s?)$"), r"or\1"),
    (re.compile(r"ise([sd]?)$"), r"ize\1"),
    (re.compile(r"ising$"), "izing"),
    (re.compile(r"yse([sd]?)$"), r"yze\1"),
    (re.compile(r"tre(s?)$"), r"ter\1"),
    (re.compile(r"ll(ed|ing|er)$"), r"l\1"),
    (re.compile(r"^grey"), "gray"),
    (re.compile(r"ogue$"), "og"),
]
# homophones Metaphone spells apart (its first letter is kept as written)
_SAME = {
    "won": "one",
    "ate": "eight",
    "eye": "i",
    "aye": "i",
    "oh": "o",
    "owe": "o",
    "hour": "our",
    "knight": "night",
    "wholly": "holy",
    "wright": "right",
    "rite": "right",
    "write": "right",
    "whole": "hole",
    "wear": "where",
    "ware": "where",
    "which": "witch",
    "whether": "weather",
    "were": "where",
    "ok": "okay",
    "alright": "all right",
    "till": "until",
    "til": "until",
}


def ear_words(text: str, language: str = "en") -> list[str]:
    """Text -> the words a listener hears, lower case, as the normaliser speaks them.

    >>> ear_words("In 1990, Dr. Smith's well-known film cost $5.")  # doctest: +NORMALIZE_WHITESPACE
    ['in', 'nineteen', 'ninety', 'doctor', "smith's", 'well', 'known', 'film', 'cost',
     'five', 'dollars']
    """
    spoken = normalize(text, language).replace("-", " ")
    return [w.replace("’", "'") for w in _WORD.findall(spoken.casefold())]


def sound_key(word: str) -> str:
    """What a word sounds like: homophones and spelling variants share a key.

    >>> sound_key("colour") == sound_key("color"), sound_key("their") == sound_key("there")
    (True, True)
    >>> sound_key("semicolon") == sound_key("watermelon")
    False
    """
    import jellyfish

    word = word.replace("'", "")
    word = _SAME.get(word, word)
    for pattern, replacement in _VARIANTS:
        word = pattern.sub(replacement, word)
    if word.isdigit():
        return word
    return jellyfish.metaphone(word) or word


@dataclass(frozen=True)
class Comparison:
    errors: int  # substitutions + deletions + insertions
    expected: tuple[str, ...]  # words written but not heard
    heard: tuple[str, ...]  # words heard in their place
    pairs: tuple[tuple[str, str], ...]  # (expected word, what was heard there) per miss


def compare(expected: Sequence[str], heard: Sequence[str]) -> Comparison:
    """Align heard words with expected ones (edit distance on how they sound).

    A stretch that differs word by word but sounds the same run together
    ("every one" / "everyone") is no error. A stretch of little words only
    ("in" / "and") counts as an error but is not reported: the recogniser
    confuses them on its own, and no lexicon line would help.

    >>> compare(["a", "semicolon", "joins"], ["a", "watermelon", "joins"]).expected
    ('semicolon',)
    >>> compare(["every", "one", "knew"], ["everyone", "new"]).errors
    0
    """
    a = [sound_key(w) for w in expected]
    b = [sound_key(w) for w in heard]
    n, m = len(a), len(b)
    cost = np.zeros((n + 1, m + 1), dtype=np.int32)
    cost[:, 0] = np.arange(n + 1)
    cost[0, :] = np.arange(m + 1)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            cost[i, j] = min(
                cost[i - 1, j] + 1, cost[i, j - 1] + 1, cost[i - 1, j - 1] + (a[i - 1] != b[j - 1])
            )
    # walk back, collecting runs of differing words between matches
    runs: list[tuple[list[int], list[int]]] = []
    run: tuple[list[int], list[int]] = ([], [])
    i, j = n, m
    while i or j:
        if i and j and a[i - 1] == b[j - 1] and cost[i, j] == cost[i - 1, j - 1]:
            if run[0] or run[1]:
                runs.append(run)
                run = ([], [])
            i, j = i - 1, j - 1
        elif i and j and cost[i, j] == cost[i - 1, j - 1] + 1:
            run[0].insert(0, i - 1)
            run[1].insert(0, j - 1)
            i, j = i - 1, j - 1
        elif i and cost[i, j] == cost[i - 1, j] + 1:
            run[0].insert(0, i - 1)
            i -= 1
        else:
            run[1].insert(0, j - 1)
            j -= 1
    if run[0] or run[1]:
        runs.append(run)
    errors, missed, instead, pairs = 0, [], [], []
    for want, got in reversed(runs):
        said = "".join(expected[k] for k in want)
        understood = "".join(heard[k] for k in got)
        if said and understood and same_sound(sound_key(said), sound_key(understood)):
            continue
        errors += max(len(want), len(got))
        if all(expected[k] in _LITTLE for k in want) and all(heard[k] in _LITTLE for k in got):
            continue  # "in" heard as "and": counted in the rate, but no word said wrong
        missed += [expected[k] for k in want]
        instead += [heard[k] for k in got]
        heard_here = " ".join(heard[k] for k in got)
        pairs += [(expected[k], heard_here) for k in want]
    return Comparison(errors, tuple(missed), tuple(instead), tuple(pairs))


# Function words: tiny.en swaps them for each other in clear speech.
_LITTLE = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "in",
        "on",
        "at",
        "to",
        "of",
        "or",
        "as",
        "is",
        "it",
        "its",
        "it's",
        "for",
        "with",
        "by",
        "from",
        "that",
        "this",
        "these",
        "those",
        "be",
        "are",
        "was",
        "were",
        "am",
        "i",
        "you",
        "he",
        "she",
        "we",
        "they",
        "me",
        "him",
        "her",
        "us",
        "them",
        "my",
        "your",
        "our",
        "their",
        "not",
        "no",
        "so",
        "but",
        "if",
        "then",
        "than",
        "there",
        "here",
        "what",
        "when",
        "how",
        "why",
        "who",
        "do",
        "does",
        "did",
        "has",
        "have",
        "had",
        "will",
        "would",
        "can",
        "could",
        "all",
        "any",
        "some",
        "one",
        "up",
        "out",
    ]
)


# An ending the recogniser adds or drops on its own (film/films, watch/watched,
# dystopia/dystopian): a voice that says the word at all says it right.
_ENDINGS = ("S", "N", "T", "TS", "NS")


def same_sound(a: str, b: str) -> bool:
    """Sound keys equal, or one is the other plus a common ending.

    >>> same_sound("LF", "LFS"), same_sound("SMKLN", "WTRMLN")
    (True, False)
    """
    short, long = sorted((a, b), key=len)
    return a == b or (len(short) >= 2 and long.startswith(short) and long[len(short) :] in _ENDINGS)
