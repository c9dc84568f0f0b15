"""Advice for words misheard again and again, and `check --try`: a respelling heard both ways."""

from __future__ import annotations

import collections
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ..config import Show
from ..errors import ConfigError, EssaycastError
from ..ffmpeg import resample_pcm
from ..text.normalize import apply_lexicon, normalize
from .hearing import RATE, Recognizer, recognizer_unavailable, worker_count
from .report import Advice, CheckReport, EpisodeCheck, clock
from .script import built_episodes, cues_of, place_sentences, read_script
from .words import ear_words, sound_key


def advise(episodes: Iterable[EpisodeCheck], lexicon: dict[str, str]) -> list[Advice]:
    """Words misheard in two or more places, with a respelling to try."""
    places: dict[str, list[str]] = collections.defaultdict(list)
    for episode in episodes:
        for word, heard, _ in episode.misses:
            if len(word) >= 4 and not word.isdigit():
                places[word].append(heard)
    advice = []
    for word, heard_as in sorted(places.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        if len(heard_as) < 2:
            continue
        entry = _entry(word, lexicon)
        common = collections.Counter(heard_as).most_common(1)[0][0]
        advice.append(Advice(word, len(heard_as), common, entry, respell(word)))
    return advice


def _entry(word: str, lexicon: dict[str, str]) -> str | None:
    for key, value in lexicon.items():
        if key.casefold() == word.casefold():
            return value
    swapped = apply_lexicon(word, lexicon)
    return swapped if swapped != word else None


_VOWEL_SOUND = {"a": "ah", "e": "eh", "i": "ee", "o": "oh", "u": "oo", "y": "ee"}


def respell(word: str) -> str:
    """A first respelling to try: syllables split, open vowels spelled out, one stressed.

    >>> respell("semicolon")
    'seh-mee-KOH-lon'
    >>> respell("Ishiguro")
    'ee-shee-GOO-roh'
    """
    letters = word.casefold().replace("'", "")
    letters = re.sub(r"c(?=[aou]|[^aeiouy]|$)", "k", letters)  # "co" reads "koh", not "soh"
    syllables = re.findall(r"[^aeiouy]*[aeiouy]+(?:[^aeiouy]+$)?", letters) or [letters]
    tail = letters[len("".join(syllables)) :]
    if tail:
        syllables[-1] += tail
    spelled = []
    for s in syllables:
        found = re.fullmatch(r"([^aeiouy]*)([aeiouy])([^aeiouy]*)", s)
        if found and not found.group(3):  # an open syllable: its vowel as it sounds
            s = found.group(1) + _VOWEL_SOUND[found.group(2)]
        spelled.append(s)
    stress = 0 if len(spelled) < 3 else len(spelled) - 2
    spelled[stress] = spelled[stress].upper()
    return "-".join(spelled)


# -- trying a respelling ------------------------------------------------------------------------


@dataclass(frozen=True)
class Trial:
    """One sentence spoken with the lexicon as it is and with the respelling tried."""

    word: str
    respelling: str
    slug: str
    start: float
    text: str
    before: str  # what was heard with the lexicon as it is
    after: str  # what was heard with the respelling
    before_right: bool
    after_right: bool
    in_episode: str | None = None  # what the check heard there in the episode, if doubted

    def lines(self) -> list[str]:
        def mark(right: bool) -> str:
            return "heard right" if right else "misheard"

        if self.after_right and not self.before_right:
            verdict = f'the respelling helps: put {self.word} = "{self.respelling}" in [lexicon]'
        elif self.after_right:
            verdict = "both are heard right; the respelling is not needed"
        elif self.before_right:
            verdict = "the respelling is worse: keep the lexicon as it is"
        else:
            verdict = "neither is heard right; try another respelling"
        episode = (
            [f'  in the episode:  heard "{self.in_episode}" (mastered MP3; below: the voice alone)']
            if self.in_episode is not None
            else []
        )
        return [
            f'{self.slug} {clock(self.start)}  "{self.text}"',
            *episode,
            f'  as it is:        {mark(self.before_right)} -- "{self.before}"',
            f'  {self.word} = "{self.respelling}": {mark(self.after_right)} -- "{self.after}"',
            f"  {verdict}",
        ]


def parse_attempt(text: str) -> tuple[str, str]:
    """WORD=RESPELLING from the command line."""
    word, sep, respelling = text.partition("=")
    if not sep or not word.strip() or not respelling.strip():
        raise ConfigError(
            f"--try: {text!r} is not WORD=RESPELLING, e.g. --try 'Ishiguro=ish-ee-GOO-roh'",
            source="command line",
        )
    return word.strip(), respelling.strip().strip('"')


def try_respelling(
    show: Show,
    word: str,
    respelling: str,
    only: Sequence[str] = (),
    *,
    check: Callable[[Show, Sequence[str]], CheckReport],
) -> Trial:
    """Synthesise a sentence that has `word` both ways and hear each.

    The sentence is the first the last check doubted for this word (`check`
    runs first, from its cache when warm), else the first that has the word.
    """
    from ..speech import ENGINES, resolve_voice
    from ..speech.cache import SentenceCache, synthesize_cached
    from ..text.essays import read_essay

    missing = recognizer_unavailable()
    if missing:
        raise EssaycastError(missing.replace(" (audio figures only)", ""))
    language = show.podcast.language
    if not language.lower().startswith("en"):
        raise EssaycastError("--try: the word check is English-only (Whisper tiny.en)")
    target = ear_words(word)
    pattern = re.compile(rf"(?<![\w]){re.escape(word)}(?![\w])", re.IGNORECASE)
    built = built_episodes(show, only)
    doubted = {
        (e.slug, d.text): " ".join(d.heard) or "-"
        for e in check(show, only).episodes
        for d in e.doubts
        if set(target) & set(d.expected)
    }
    candidates = []
    for episode, source in built:
        if not source.is_file():
            continue
        script = read_script(show, source)
        placed = place_sentences(script.written, cues_of(show, episode))
        for written, place in zip(script.written, placed, strict=True):
            if pattern.search(written):
                candidates.append(
                    ((episode.slug, written) not in doubted, episode, source, written, place)
                )
    if not candidates:
        raise EssaycastError(f"--try: no sentence of a built episode has the word {word!r}")
    _, episode, source, written, place = min(candidates, key=lambda c: c[0])
    essay = read_essay(source)
    tried_lexicon = {k: v for k, v in show.lexicon.items() if k.casefold() != word.casefold()}
    tried_lexicon[word] = respelling
    both = [
        normalize(written, language, lexicon=lexicon) for lexicon in (show.lexicon, tried_lexicon)
    ]
    spec = resolve_voice(show.voice.engine, show.voice.voice, show.voice.speed, essay.voice)
    cache = SentenceCache(show.state_dir / "cache" / "sentences")
    spoken = list(synthesize_cached(both, spec, cache, lambda: ENGINES[spec.engine].create(spec)))
    heard = Recognizer(min(2, worker_count())).hear_all(
        [_to_16k(a.pcm, a.sample_rate) for a in spoken]
    )
    right = [_heard_word(target, ear_words(h)) for h in heard]
    start = place[0] if place else 0.0
    in_episode = doubted.get((episode.slug, written))
    (before, after), (before_right, after_right) = heard, right
    return Trial(
        word,
        respelling,
        episode.slug,
        start,
        written,
        before,
        after,
        before_right,
        after_right,
        in_episode,
    )


def _heard_word(target: Sequence[str], heard: Sequence[str]) -> bool:
    keys = [sound_key(w) for w in heard]
    want = [sound_key(w) for w in target]
    joined = sound_key("".join(target))
    return any(keys[i : i + len(want)] == want for i in range(len(keys))) or any(
        sound_key("".join(heard[i:j])) == joined
        for i in range(len(heard))
        for j in range(i + 1, min(len(heard), i + 3) + 1)
    )


def _to_16k(pcm: bytes, rate: int) -> np.ndarray:
    """A voice's PCM at its own rate -> 16 kHz float samples, resampled by ffmpeg."""
    try:
        pcm = resample_pcm(pcm, rate, RATE)
    except EssaycastError as exc:
        raise EssaycastError(f"--try: {exc}") from exc
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
