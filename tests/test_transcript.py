"""transcript.py: VTT, SRT, the JSON transcript and JSON chapters from timings (pure formatting)."""

from __future__ import annotations

import json

from pipeline.model import ChapterMark, Cue, Word
from pipeline.publish.transcript import (
    WORD_JOINER,
    captions,
    escape_vtt,
    paragraph_breaks,
    render_chapters,
    render_json,
    render_srt,
    render_vtt,
)

LONG = (
    "I've always believed there are two kinds of bleak movies: the kind that makes you "
    "want to curl up with a bucket of ice cream, and the kind that sneaks into your head."
)
CUES = [Cue(10.33, 12.5, "Never Let Me Go is in that second category."), Cue(13.0, 24.9, LONG)]


def _blocks(text: str) -> list[list[str]]:
    return [b.splitlines() for b in text.strip().split("\n\n")]


def test_vtt_splits_a_long_sentence_into_captions_of_two_lines_of_42() -> None:
    vtt = render_vtt(CUES)
    assert vtt.startswith("WEBVTT\n\n")
    blocks = _blocks(vtt)[1:]
    assert blocks[0][:2] == ["1", "00:00:10.330 --> 00:00:12.500"]  # short: one cue, id 1
    parts = blocks[1:]
    assert [b[0] for b in parts] == [f"2.{k}" for k in range(1, len(parts) + 1)]
    assert len(parts) > 1
    assert all(len(b) - 2 <= 2 and all(len(line) <= 42 for line in b[2:]) for b in parts)
    assert " ".join(line for b in parts for line in b[2:]) == LONG  # every word, in order
    # the sentence keeps its start and end; the parts tile it without gaps
    times = [b[1].split(" --> ") for b in parts]
    assert times[0][0] == "00:00:13.000" and times[-1][1] == "00:00:24.900"
    assert all(a[1] == b[0] for a, b in zip(times, times[1:], strict=False))


def test_a_split_falls_at_clause_boundaries() -> None:
    lines = [b[2:] for b in _blocks(render_vtt(CUES[1:]))[1:]]
    assert [parts[-1] for parts in lines[:-1]] == [
        "of bleak movies:",
        "to curl up with a bucket of ice cream,",
    ]


def test_parts_are_timed_by_their_speech_sounds() -> None:
    short, long = "Yes, she said,", "and then she walked out into the rain and never came back."
    (first, second) = captions([Cue(0.0, 10.0, f"{short} {long}")], width=30)[:2]
    assert first.lines == (short,) and first.start == 0.0
    # 10 s shared by sounds: the short part gets much less than half
    assert 1.5 < first.end < 3.5 and second.start == first.end


def test_splitting_works_on_any_cue_list() -> None:
    assert captions([]) == []
    intro = [Cue(0.0, 2.0, "Quiet Reels."), Cue(2.5, 4.0, "Never Let Me Go, by A. Writer.")]
    assert [(c.start, c.end, c.lines) for c in captions(intro)] == [
        (0.0, 2.0, ("Quiet Reels.",)),
        (2.5, 4.0, ("Never Let Me Go, by A. Writer.",)),
    ]
    # one word longer than a line stays whole rather than being broken
    url = "https://example.org/" + "x" * 60
    assert captions([Cue(0, 1, url)])[0].lines == (url,)


def test_vtt_escapes_what_the_cue_parser_would_read_as_markup() -> None:
    vtt = render_vtt([Cue(0, 1, "They agreed that 3 < 5 and that 5 > 3 & <b>so</b>.")])
    assert "3 &lt; 5 and that 5 &gt; 3 &amp; &lt;b&gt;so&lt;/b&gt;." in vtt.replace("\n", " ")
    assert escape_vtt("&amp;") == "&amp;amp;"  # the writer's "&amp;" shows as written


def test_vtt_speaker_is_escaped_in_the_voice_tag() -> None:
    first = render_vtt(CUES[:1], speaker="Tom & <Jerry>").split("\n")[4]
    assert first.startswith("<v Tom &amp; &lt;Jerry&gt;>")


def _seconds(clock: str) -> float:
    h, m, s = clock.replace(",", ".").split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def test_srt_holds_2_lines_of_32_and_the_vtts_sentence_times() -> None:
    many = [*CUES, Cue(25.0, 40.0, LONG + " " + LONG)]
    srt, vtt = _blocks(render_srt(many)), _blocks(render_vtt(many))[1:]
    assert [b[0] for b in srt] == [str(n) for n in range(1, len(srt) + 1)]
    assert srt[1][1].startswith("00:00:13,000 --> ")
    # the Podcast Namespace SRT profile: at most 2 lines of at most 32 characters
    assert all(1 <= len(b) - 2 <= 2 and all(len(line) <= 32 for line in b[2:]) for b in srt)
    assert any(len(line) > 32 for b in vtt for line in b[2:])  # the VTT keeps 2 x 42
    # every sentence starts and ends at the same time in both
    starts = lambda blocks: {_seconds(b[1].split(" --> ")[0]) for b in blocks}  # noqa: E731
    ends = lambda blocks: {_seconds(b[1].split(" --> ")[1]) for b in blocks}  # noqa: E731
    for cue in many:
        assert cue.start in starts(srt) and cue.start in starts(vtt)
        assert cue.end in ends(srt) and cue.end in ends(vtt)
    words = " ".join(line for b in srt for line in b[2:]).split()
    assert words == " ".join(c.text for c in many).split()  # every word, in order


WORDS = (Word(1.0, 1.3, "Nobody"), Word(1.35, 1.6, "speaks"), Word(1.7, 2.0, "&amp;."))


def test_json_transcript_has_a_segment_per_word_when_the_voice_timed_words() -> None:
    cues = [
        Cue(0.0, 0.8, "Quiet Reels."),  # the intro: no words timed, a segment for the line
        Cue(1.0, 2.0, "Nobody speaks &amp;.", WORDS),
        Cue(2.5, 3.0, "Then.", (Word(2.5, 3.0, "Then."),), speaker="Guest"),
    ]
    body = json.loads(render_json(cues, "A. Writer", paragraph_breaks([1, 1], 3)))
    assert body["version"] == "1.0.0"
    assert body["segments"] == [
        {"speaker": "A. Writer", "startTime": 0.0, "endTime": 0.8, "body": "Quiet Reels.\n"},
        {"speaker": "A. Writer", "startTime": 1.0, "endTime": 1.3, "body": "Nobody"},
        {"speaker": "A. Writer", "startTime": 1.35, "endTime": 1.6, "body": "speaks"},
        # the writer's characters as written (JSON needs no escapes), a paragraph's end "\n"
        {"speaker": "A. Writer", "startTime": 1.7, "endTime": 2.0, "body": "&amp;.\n"},
        {"speaker": "Guest", "startTime": 2.5, "endTime": 3.0, "body": "Then."},
    ]
    # the spec's keys and nothing else; times in order
    assert all(set(s) == {"speaker", "startTime", "endTime", "body"} for s in body["segments"])
    starts = [s["startTime"] for s in body["segments"]]
    assert starts == sorted(starts)


def test_json_transcript_falls_back_to_a_segment_per_sentence() -> None:
    body = json.loads(render_json(CUES))
    assert [(s["startTime"], s["endTime"], s["body"]) for s in body["segments"]] == [
        (10.33, 12.5, CUES[0].text),
        (13.0, 24.9, LONG),
    ]
    assert all("speaker" not in s for s in body["segments"])  # nobody to name: no key
    assert json.loads(render_json([])) == {"version": "1.0.0", "segments": []}


def test_paragraph_breaks_count_the_intro_as_one_paragraph() -> None:
    assert paragraph_breaks([2, 1], 3) == {1}  # no intro; the last cue is no break
    assert paragraph_breaks([2, 1], 5) == {1, 3}
    assert paragraph_breaks([3], 3) == set()


def test_srt_keeps_the_writers_characters_but_not_as_markup() -> None:
    written = "3 < 5 & 5 > 3, <tricky> and <i>not italic</i> {\\an8}"
    srt = render_srt([Cue(0, 1, written)])
    text = srt.split("\n", 2)[2]
    assert "3 < 5 & 5 > 3," in text  # no entities: SRT has none
    # players would render (or drop) these as markup
    assert "<i>" not in text and "<tricky>" not in text and "{\\" not in text
    assert text.replace(WORD_JOINER, "").split() == written.split()


def test_an_arrow_in_the_text_cannot_end_the_timing_line() -> None:
    vtt = render_vtt([Cue(0, 1, "a --> b")])
    assert vtt.split("\n")[4] == "a --&gt; b"  # escaped: shown as written
    assert render_srt([Cue(0, 1, "a --> b")]).count("-->") == 1


def test_chapters_json_has_the_podcast_namespace_shape() -> None:
    marks = [
        ChapterMark(0.0, 9.7, "Intro"),
        ChapterMark(9.7, 80.2, ""),
        ChapterMark(80.2, 120.0, "The ending"),
    ]
    body = json.loads(render_chapters(marks, "Long Takes"))
    assert body["version"] == "1.2.0"
    assert body["chapters"] == [
        {"startTime": 0.0, "endTime": 9.7, "title": "Intro"},
        {"startTime": 9.7, "endTime": 80.2, "title": "Long Takes"},  # the untitled opening
        {"startTime": 80.2, "endTime": 120.0, "title": "The ending"},
    ]


def test_wrap_breaks_lines_as_textwrap_does() -> None:
    """The fast greedy wrap gives textwrap's lines: whole words, long words alone."""
    import random
    import textwrap

    from pipeline.publish.transcript import wrap

    rng = random.Random(29)
    words = ["a", "of", "the", "river's", "—", "well-kept", "https://example.org/a/long/path"]
    for _ in range(2000):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(0, 30)))
        width = rng.randint(4, 45)
        expected = textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)
        assert wrap(f"  {text}\t ", width) == (expected or [""]), (text, width)


def test_long_sentences_split_into_captions_that_fit_and_keep_every_word() -> None:
    from pipeline.publish.transcript import split_text

    text = " ".join([LONG, "And then—without a word—the camera turns,", LONG])
    for width, lines in ((42, 2), (32, 2), (20, 1)):
        pieces = split_text(text, width, lines)
        assert len(pieces) > 1
        assert all(len(p) <= lines and all(len(line) <= width for line in p) for p in pieces)
        # every character in order (a cut after an inner dash leaves "word—" | "the")
        assert "".join("".join(p) for p in pieces).replace(" ", "") == text.replace(" ", "")
