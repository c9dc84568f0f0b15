"""WebVTT, SRT, Podcast Namespace JSON transcripts and JSON chapters from timings; pure
formatting. And the one reader of WebVTT (`read_vtt`), beside the writer it reads back.

A cue comes in per sentence (audio.pieces times each one from the samples it
levelled, so a cue starts where its sentence is heard). A
sentence too long for a caption is split here, at clause boundaries, into cues
of at most CAPTION_LINES lines of CAPTION_WIDTH characters (SRT_WIDTH for SRT):
the first part keeps the sentence's start, the last its end, and the parts
between are timed in proportion to their speech sounds. VTT and SRT therefore
agree on every sentence's start and end; only the cuts inside a long one differ.

The JSON transcript has a segment per word when the voice timed words (Cue.words),
else a segment per sentence; the last segment of a paragraph ends in "\n", as in
the Podcast Namespace's own example, so the paragraphs survive for the player.

Speakers (issue 27), as the Podcast Namespace's transcripts page puts them: when
an episode has more than one voice, every VTT caption opens with a `<v Name>`
span, and an SRT caption opens with "Name: " where the speaker changes (the
caption is cut with the name in it, so it keeps its two lines of 42). A cue
without a speaker is the narrator's, named by the caller.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from html import unescape

from ..model import ChapterMark, Cue

CAPTION_WIDTH = 42  # SPEC §5: at most 2 lines of 42 characters, the broadcast caption size
CAPTION_LINES = 2  # Podcast Namespace transcripts guidance: at most two lines a caption
# The Podcast Namespace's SRT profile (transcripts.md; FEED-RULES E5): 2 lines of at most
# 32 characters. Only SRT gets it: the same spec sets no caption width for WebVTT (it
# recommends lines under 65), Apple ingests the VTT and lays it out as sentences, and
# index.html joins VTT parts back into sentences, so 32 there would only cut sentences
# into more, shorter cues for nobody; SPEC §5's 2 x 42 stays the VTT's.
SRT_WIDTH = 32
# No WebVTT word timestamp tags (<00:01:02.300>) either: of the apps that read the feed's
# VTT, AntennaPod strips markup with an HTML parser, which keeps "<0...>" as literal text
# (a timestamp is no tag name), Pocket Casts reads cue text through media3's WebvttParser
# and highlights cues, Apple Podcasts ingests cues and speaker <v> tags and highlights
# words by its own alignment, and no documentation or source of Podcast Addict, Fountain
# or Podverse reads them; browsers parse them but style them (::cue(:past)) only on
# captions drawn over a <video>. Word timing goes where apps do read it: the JSON transcript.

# What a clause may end with, strongest first: a break after it costs this much.
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")
_CLAUSE_END = re.compile(r"[;:—–][\"'”’)\]]*$")
_COMMA_END = re.compile(r",[\"'”’)\]]*$")
_DASHES = frozenset({"—", "–", "-", "--"})
_INNER_DASH = re.compile(r"(?<=[—–])(?=\w)")  # "that—it": a clause may end at the dash
# English words that open a clause (break before them) or a phrase; in other
# languages captions are cut at punctuation only.
_CLAUSE_WORDS = frozenset(
    {
        "and",
        "but",
        "or",
        "nor",
        "so",
        "yet",
        "because",
        "which",
        "who",
        "whom",
        "whose",
        "that",
        "when",
        "whenever",
        "while",
        "where",
        "whereas",
        "although",
        "though",
        "if",
        "unless",
        "until",
        "since",
        "after",
        "before",
        "as",
        "than",
    }
)
_PHRASE_WORDS = frozenset(
    {
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "with",
        "from",
        "by",
        "about",
        "into",
        "onto",
        "through",
        "over",
        "under",
        "between",
        "without",
        "within",
        "against",
        "during",
        "like",
        "the",
        "a",
        "an",
    }
)
_BREAK_COST = {
    "sentence": 0.0,
    "clause": 1.0,
    "comma": 2.0,
    "conjunction": 5.0,
    "phrase": 12.0,
    "word": 20.0,
}
_CUE_COST = 8.0  # each extra cue costs this: fewer, fuller captions read better
_SHORT_CUE = 18  # a caption shorter than this many characters is a flash on screen
_PAUSE_SOUNDS = {"sentence": 4, "clause": 3, "comma": 2}  # the voice pauses at punctuation

# SRT players read tags in the text: ffmpeg's decoder (mpv and others) renders
# <b>, <i>, <font> and drops any other <word> altogether, and "{\an8}" is an ASS
# override. A word joiner (invisible) after the "<" or "{" keeps them as written.
_SRT_MARKUP = re.compile(r"<(?=[/!?A-Za-z])|\{(?=\\)")
WORD_JOINER = "\u2060"


@dataclass(frozen=True)
class Caption:
    """One cue as written to the files: its place in the sentence list and its lines."""

    start: float
    end: float
    lines: tuple[str, ...]
    sentence: int  # 1-based number of the sentence (cue) it comes from
    part: int  # 1-based part of that sentence; 1 of 1 when it was not split
    parts: int
    speaker: str | None = None  # who says it: the cue's speaker, or the narrator's name
    label: str = ""  # "Name:" that opens `lines` where the speaker changes (names=True)


def _clock(seconds: float, separator: str) -> str:
    """HH:MM:SS.mmm (VTT) or HH:MM:SS,mmm (SRT).

    >>> _clock(3725.5, ".")
    '01:02:05.500'
    """
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def wrap(text: str, width: int) -> list[str]:
    """A sentence as lines of at most `width` characters, broken between words.

    >>> wrap("The film opens at dawn and nobody speaks.", 20)
    ['The film opens at', 'dawn and nobody', 'speaks.']
    """
    # Greedy, as textwrap.wrap(width, break_long_words=False, break_on_hyphens=False) does
    # on single-spaced words, without its regex and chunk objects: split_text asks this for
    # every candidate caption of every sentence (tens of thousands of calls an episode).
    # A word longer than the line stays whole: a broken URL is worse than a long line.
    lines: list[str] = []
    line: list[str] = []
    length = 0
    for word in text.split():
        if line and length + 1 + len(word) > width:
            lines.append(" ".join(line))
            line, length = [word], len(word)
        else:
            length += len(word) + (1 if line else 0)
            line.append(word)
    if line:
        lines.append(" ".join(line))
    return lines or [""]


def _break_kind(word: str, following: str | None) -> str:
    """How good a caption break after `word` (followed by `following`) is."""
    if _SENTENCE_END.search(word):
        return "sentence"
    if _CLAUSE_END.search(word) or word in _DASHES:
        return "clause"
    if following in _DASHES or (following or "").startswith(("(", "[")):
        return "clause"  # break before a spaced dash or an aside: "the ending (which"
    if _COMMA_END.search(word):
        return "comma"
    bare = (following or "").lower().strip("\"'“‘")
    if bare in _CLAUSE_WORDS:
        return "conjunction"
    if bare in _PHRASE_WORDS:
        return "phrase"
    return "word"


def _tokens(text: str) -> list[tuple[str, bool]]:
    """Words, with a dash inside a word ("that—it") as a place to break: (token, glued).

    `glued` says the token follows the one before it without a space.
    """
    out: list[tuple[str, bool]] = []
    for word in text.split():
        parts = [p for p in _INNER_DASH.split(word) if p]
        out += [(part, i > 0) for i, part in enumerate(parts)]
    return out


def _join(tokens: Sequence[tuple[str, bool]]) -> str:
    return "".join(("" if glued or i == 0 else " ") + t for i, (t, glued) in enumerate(tokens))


def _lines(tokens: Sequence[tuple[str, bool]], width: int, lines: int) -> list[str]:
    """A piece as lines of at most `width`: two balanced lines cut at the best break.

    >>> _lines(_tokens("It’s the movie equivalent of the slow realization"), 42, 2)
    ['It’s the movie equivalent', 'of the slow realization']
    """
    text = _join(tokens)
    greedy = wrap(text, width)
    if len(greedy) != 2 or lines < 2:
        return greedy
    best: tuple[float, int] | None = None
    for cut in range(1, len(tokens)):
        first, second = _join(tokens[:cut]), _join(tokens[cut:])
        if len(first) > width or len(second) > width:
            continue
        kind = _break_kind(tokens[cut - 1][0], tokens[cut][0])
        cost = _BREAK_COST[kind] + abs(len(first) - len(second)) / 4
        if best is None or cost < best[0]:
            best = (cost, cut)
    if best is None:
        return greedy
    return [_join(tokens[: best[1]]), _join(tokens[best[1] :])]


def _line_count(
    sizes: Sequence[int], glued: Sequence[bool], begin: int, end: int, width: int
) -> int:
    """len(wrap(_join(tokens[begin:end]), width)), from the tokens' lengths: no string built."""
    words: list[int] = []  # the piece's words' lengths: glued tokens are one word
    for i in range(begin, end):
        if i > begin and glued[i]:
            words[-1] += sizes[i]
        else:
            words.append(sizes[i])
    count, line = 1, words[0]
    for word in words[1:]:
        if line + 1 + word > width:
            count, line = count + 1, word
        else:
            line += 1 + word
    return count


def split_text(
    text: str, width: int = CAPTION_WIDTH, lines: int = CAPTION_LINES
) -> list[list[str]]:
    """`text` as caption pieces, each a list of at most `lines` lines of `width`, cut at clauses.

    The pieces hold every word in order. A dynamic programme picks the cuts with
    the least cost: each piece costs _CUE_COST, plus how weak its cut is
    (after a full stop is free, mid-phrase is dear), plus a penalty for a piece
    so short that it would flash by.

    >>> split_text("She came home late, and the house was dark; nobody had waited up for her "
    ...            "that night, or any night since the winter began.")
    [['She came home late,', 'and the house was dark;'], \
['nobody had waited up for her that night,', 'or any night since the winter began.']]
    """
    tokens = _tokens(text)
    if len(wrap(text, width)) <= lines or len(tokens) < 2:
        return [_lines(tokens, width, lines)]
    n = len(tokens)
    kinds = [_break_kind(tokens[i][0], tokens[i + 1][0] if i + 1 < n else None) for i in range(n)]
    limit = width * lines
    best: list[float] = [0.0] + [float("inf")] * n
    cut_from: list[int] = [0] * (n + 1)
    sizes = [len(token) for token, _ in tokens]
    glued = [g for _, g in tokens]
    for end in range(1, n + 1):
        size = 0  # len(_join(tokens[begin:end])), grown one token to the left at a time
        for begin in range(end - 1, -1, -1):
            size += sizes[begin] + (0 if begin == end - 1 or glued[begin + 1] else 1)
            if begin < end - 1 and (
                size > limit
                or (size > width and _line_count(sizes, glued, begin, end, width) > lines)
            ):
                break  # a longer piece only gets longer
            cost = best[begin] + _CUE_COST + max(0, _SHORT_CUE - size) * 0.5
            if end < n:
                cost += _BREAK_COST[kinds[end - 1]]
            if cost < best[end]:
                best[end], cut_from[end] = cost, begin
    pieces: list[list[str]] = []
    end = n
    while end > 0:
        begin = cut_from[end]
        pieces.append(_lines(tokens[begin:end], width, lines))
        end = begin
    return pieces[::-1]


def speech_sounds(text: str) -> int:
    """About how many sounds the voice makes for `text`: letters, digits as words, pauses.

    >>> speech_sounds("It cost 12 euros,")
    19
    """
    letters = sum(ch.isalpha() for ch in text)
    digits = sum(ch.isdigit() for ch in text)  # "12" is said as "twelve"
    words = text.split()
    last = words[-1] if words else ""
    pause = _PAUSE_SOUNDS.get(_break_kind(last, None), 0)
    return letters + 3 * digits + pause or 1


def captions(
    cues: Sequence[Cue],
    width: int = CAPTION_WIDTH,
    lines: int = CAPTION_LINES,
    narrator: str | None = None,
    names: bool = False,
) -> list[Caption]:
    """The cues as captions: every cue split to fit, each part timed within its sentence.

    Works on any cue list (the spoken intro's cues too): only text and times are read.
    Each caption's speaker is its cue's, else `narrator`. With `names`, a caption where
    the speaker changes is cut with "Name: " opening it (Caption.label), so that SRT's
    name keeps within the lines.
    """
    out: list[Caption] = []
    previous: str | None = None
    for number, cue in enumerate(cues, start=1):
        who = cue.speaker or narrator
        label = f"{who}:" if names and who is not None and who != previous else ""
        previous = who
        pieces = split_text(f"{label} {cue.text}" if label else cue.text, width, lines)
        said = [" ".join(p) for p in pieces]
        if label:  # the name is written, not spoken: it takes no time
            said[0] = said[0].removeprefix(label)
        weights = [speech_sounds(text) for text in said]
        total = sum(weights)
        span = max(0.0, cue.end - cue.start)
        start, done = cue.start, 0
        for part, (piece, weight) in enumerate(zip(pieces, weights, strict=True), start=1):
            done += weight
            # whole milliseconds, so that VTT and SRT and every re-read agree exactly
            end = cue.end if part == len(pieces) else round(cue.start + span * done / total, 3)
            named = label if part == 1 else ""
            out.append(Caption(start, end, tuple(piece), number, part, len(pieces), who, named))
            start = end
    return out


def escape_vtt(text: str) -> str:
    """Cue text as WebVTT needs it: `&`, `<` and `>` as character references.

    >>> escape_vtt("3 < 5 & 5 > 3")
    '3 &lt; 5 &amp; 5 &gt; 3'
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _srt_line(text: str) -> str:
    """SRT has no escapes: keep the text as written, but never as markup or a timing line.

    >>> _srt_line("a --> b <i>c</i>") == "a -> b <" + WORD_JOINER + "i>c<" + WORD_JOINER + "/i>"
    True
    """
    return _SRT_MARKUP.sub(lambda m: m.group(0) + WORD_JOINER, text.replace("-->", "->"))


def cue_id(caption: Caption) -> str:
    """The VTT cue identifier: the sentence number, and the part when it was split.

    site.parse_vtt joins the parts of one sentence again by it.
    """
    if caption.parts == 1:
        return str(caption.sentence)
    return f"{caption.sentence}.{caption.part}"


def _unlabelled(caption: Caption) -> list[str]:
    """A caption's lines without the "Name:" that opens them (VTT says it in <v Name>)."""
    lines = list(caption.lines)
    if not caption.label:
        return lines
    if lines[0].startswith(caption.label):
        rest = lines[0][len(caption.label) :].strip()
        return [rest, *lines[1:]] if rest else lines[1:]
    # a name cut across lines: the words again, without it
    return wrap(" ".join(lines).removeprefix(caption.label).strip(), CAPTION_WIDTH)


def render_vtt(cues: Sequence[Cue], speaker: str | None = None) -> str:
    """A WebVTT transcript: caption-sized cues, text escaped, identifiers by sentence.

    `speaker` names the narrator (cues with no speaker of their own): with it, or with
    any cue's speaker, every caption opens with a `<v Name>` voice span, and its lines
    are cut as SRT's, which name the speaker at each change.
    """
    lines = ["WEBVTT", ""]
    names = speaker is not None or any(cue.speaker for cue in cues)
    for caption in captions(cues, narrator=speaker, names=names):
        voice = f"<v {escape_vtt(caption.speaker)}>" if caption.speaker else ""
        text = _unlabelled(caption)
        lines += [
            cue_id(caption),
            f"{_clock(caption.start, '.')} --> {_clock(caption.end, '.')}",
            voice + escape_vtt(text[0]),
        ]
        lines += [escape_vtt(line) for line in text[1:]] + [""]
    return "\n".join(lines)


def render_srt(cues: Sequence[Cue], speaker: str | None = None, width: int = SRT_WIDTH) -> str:
    """An SRT transcript to the Podcast Namespace profile (2 lines of 32), numbered from 1.

    With speakers (`speaker`, the narrator's name, or any cue's), "Name:" opens the
    caption where the speaker changes, within its lines.
    """
    names = speaker is not None or any(cue.speaker for cue in cues)
    blocks = [
        f"{n}\n{_clock(c.start, ',')} --> {_clock(c.end, ',')}\n"
        + "\n".join(_srt_line(line) for line in c.lines)
        + "\n"
        for n, c in enumerate(captions(cues, width, narrator=speaker, names=names), start=1)
    ]
    return "\n".join(blocks)


def paragraph_breaks(paragraph_sizes: Sequence[int], cue_count: int) -> set[int]:
    """Indices of the cues that end a paragraph, the last cue aside.

    The cues are the spoken intro's (if any: one paragraph) then one per sentence,
    paragraph after paragraph of `paragraph_sizes` sentences.

    >>> sorted(paragraph_breaks([2, 1, 3], 8))  # 2 intro cues, then 2 + 1 + 3 sentences
    [1, 3, 4]
    """
    intro = cue_count - sum(paragraph_sizes)
    ends = {intro - 1} if intro > 0 else set()
    done = intro
    for size in paragraph_sizes:
        done += size
        ends.add(done - 1)
    return {n for n in ends if 0 <= n < cue_count - 1}


def render_json(
    cues: Sequence[Cue], speaker: str | None = None, paragraph_ends: Collection[int] = ()
) -> str:
    """A Podcast Namespace JSON transcript (version 1.0.0): a segment per word, else per cue.

    `speaker` names whoever reads a cue without its own; a paragraph's last
    segment ends in a newline.

    >>> print(render_json([Cue(0.5, 1.25, "Hi there.")], "Ann"))
    {"version": "1.0.0", "segments": [
    {"speaker": "Ann", "startTime": 0.5, "endTime": 1.25, "body": "Hi there."}
    ]}
    <BLANKLINE>
    """
    segments: list[dict[str, object]] = []
    for number, cue in enumerate(cues):
        who = cue.speaker or speaker
        timed = [(w.start, w.end, w.text) for w in cue.words] or [(cue.start, cue.end, cue.text)]
        for part, (start, end, text) in enumerate(timed, start=1):
            body = " ".join(text.split())
            if part == len(timed) and number in paragraph_ends:
                body += "\n"
            segment: dict[str, object] = {"speaker": who} if who else {}
            segment.update(startTime=round(start, 3), endTime=round(end, 3), body=body)
            segments.append(segment)
    # one segment a line: a word transcript stays readable and diffs by segment
    rows = ",\n".join(json.dumps(s, ensure_ascii=False) for s in segments)
    return '{"version": "1.0.0", "segments": [\n' + rows + "\n]}\n"


def render_chapters(chapters: Sequence[ChapterMark], title: str) -> str:
    """Podcast Namespace JSON chapters (version 1.2.0)."""
    body = {
        "version": "1.2.0",
        "chapters": [
            {
                "startTime": round(mark.start, 3),
                "endTime": round(mark.end, 3),
                "title": mark.title or title,
            }
            for mark in chapters
        ],
    }
    return json.dumps(body, ensure_ascii=False, indent=2) + "\n"


# -- reading WebVTT back --------------------------------------------------------------------

# A cue timing line as players read it: hours optional, "." or "," before the fraction.
_TIMING = re.compile(r"^\s*(?:(\d+):)?(\d+):(\d+)[.,](\d+)\s*-->\s*(?:(\d+):)?(\d+):(\d+)[.,](\d+)")
_CUE_TAG = re.compile(r"<[^>]*>")  # <v Joe>, <i>, <c.x>, inline timestamps


def _seconds(hours: str | None, minutes: str, secs: str, fraction: str) -> float:
    return (
        int(hours or 0) * 3600 + int(minutes) * 60 + int(secs) + int(fraction) / 10 ** len(fraction)
    )


@dataclass(frozen=True)
class VttCue:
    """One cue of a WebVTT file as read back."""

    start: float
    end: float
    identifier: str | None  # the line above the timing: cue_id(), "7" or "7.2" for a part
    lines: tuple[str, ...]  # the text lines as written: cue tags and references kept

    @property
    def text(self) -> str:
        """The cue as plain text: tags dropped, character references decoded, one line."""
        return unescape(" ".join(_CUE_TAG.sub("", line).strip() for line in self.lines).strip())


def read_vtt(text: str) -> list[VttCue]:
    """The cues of a WebVTT file in file order; blocks without a timing (header, NOTE) skipped.

    >>> vtt = "WEBVTT\\n\\n7.2\\n00:00:01.500 --> 00:00:03.000\\n<v Jo>Fish &amp;\\nchips.\\n"
    >>> (cue,) = read_vtt(vtt)
    >>> cue.start, cue.end, cue.identifier, cue.lines
    (1.5, 3.0, '7.2', ('<v Jo>Fish &amp;', 'chips.'))
    >>> cue.text
    'Fish & chips.'
    """
    cues = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        rows = block.strip().split("\n")
        for i, row in enumerate(rows):
            found = _TIMING.match(row)
            if found:
                times = found.groups()
                identifier = rows[i - 1].strip() if i else None
                cues.append(
                    VttCue(
                        _seconds(*times[:4]), _seconds(*times[4:]), identifier, tuple(rows[i + 1 :])
                    )
                )
                break
    return cues


def vtt_sentences(text: str) -> list[tuple[float, float, str]]:
    """Our WebVTT -> (start, end, text) per sentence, the parts of a split sentence joined.

    render_vtt splits a long sentence into captions with cue ids "7.1", "7.2", ...;
    the page and the player want the sentence whole again.

    >>> vtt_sentences("WEBVTT\\n\\n1\\n00:00:01.500 --> 00:00:02.000\\n<v A>3 &lt; 5.\\n\\n"
    ...     "2.1\\n00:00:02.500 --> 00:00:03.000\\nOne,\\n\\n"
    ...     "2.2\\n00:00:03.000 --> 00:00:04.000\\ntwo.\\n")
    [(1.5, 2.0, '3 < 5.'), (2.5, 4.0, 'One, two.')]
    """
    out: list[tuple[float, float, str]] = []
    last: str | None = None
    for cue in read_vtt(text):
        ident = cue.identifier or ""
        sentence = ident.split(".", 1)[0] if "." in ident else None
        if cue.text and sentence is not None and sentence == last and out:
            out[-1] = (out[-1][0], cue.end, f"{out[-1][2]} {cue.text}")
        elif cue.text:
            out.append((cue.start, cue.end, cue.text))
        last = sentence
    return out
