"""Quotations in their own voice (issue 27): blockquotes read by a second voice, named
speakers, one production (levels, rates, pauses), transcripts that name who speaks.

The voices are two counting tones registered as two engines ("narrator" at 22,050 Hz,
"quoter" at 24,000 Hz, 14 dB quieter and an octave up), so every test can tell which
voice said which sentence, and how loud each was, without a neural model. The real
voices' check (hibari heart and kokoro bm_george, by pitch) is bench/quotes.py.
"""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

import pipeline.audio.pieces as pieces
from pipeline.audio.layout import Pacing, layout, speech_loudness
from pipeline.build import build_show
from pipeline.config import load_show, parse_show
from pipeline.errors import ConfigError, EssayError
from pipeline.ffmpeg import decode_to_pcm
from pipeline.model import QUOTE_VOICE, Cue, Essay, SentenceAudio
from pipeline.publish.transcript import read_vtt, render_srt, render_vtt
from pipeline.render import LEVEL_PASSAGE
from pipeline.speech import ENGINES, EngineInfo, VoiceInfo
from pipeline.standards import EPISODE_RATE
from pipeline.text import frontmatter
from pipeline.text.markup import blocks
from pipeline.text.sentences import cast_speech, render_script, to_speech_text
from tests.conftest import TINY_TOML, make_show

# -- two voices that count -------------------------------------------------------------------


@dataclass
class Said:
    """Every sentence one engine was asked to say, and how many engines were built."""

    engines: int = 0
    sentences: list[str] = field(default_factory=list)

    def essay_sentences(self) -> list[str]:
        """What it said of the essays (not the passage every voice is measured on)."""
        return [s for s in self.sentences if s not in LEVEL_PASSAGE]


class Tone:
    """Speech-length PCM: a buzz at `pitch` with a syllable rhythm, at `rate` and `amplitude`."""

    def __init__(self, said: Said, rate: int, amplitude: float, pitch: float) -> None:
        said.engines += 1
        self.said, self.rate, self.amplitude, self.pitch = said, rate, amplitude, pitch

    def synthesize(self, sentences: Sequence[str]) -> Iterator[SentenceAudio]:
        for text in sentences:
            self.said.sentences.append(text)
            n = int(max(0.4, len(text) / 16.5) * self.rate)
            t = np.arange(n) / self.rate
            buzz = sum(np.sin(2 * np.pi * k * self.pitch * t) / k for k in (1, 2, 3, 5))
            syllables = 0.5 + 0.5 * np.sin(2 * np.pi * 4.0 * t) ** 2
            pcm = (self.amplitude * buzz * syllables * 16000).astype("<i2").tobytes()
            yield SentenceAudio(text, pcm, self.rate)


NARRATOR = dict(rate=22050, amplitude=0.25, pitch=110.0)
QUOTER = dict(rate=24000, amplitude=0.05, pitch=220.0)  # 14 dB under the narrator


def _row(name: str, said: Said, voice: dict, reason: str | None = None) -> EngineInfo:
    return EngineInfo(
        name=name,
        summary=f"a counting tone ({name})",
        default_voice="a",
        voices=lambda: [VoiceInfo("a")],
        unavailable_reason=lambda spec: reason,
        create=lambda spec: Tone(said, **voice),
        check_voice=lambda v: None if v == "a" else f"unknown {name} voice {v!r}; use a",
        revision=lambda spec: f"{name} 1",
    )


@dataclass
class Voices:
    narrator: Said
    quoter: Said
    levelled: list[set[str]]  # the pieces levelled (their keys), one set per build


@pytest.fixture
def voices(monkeypatch: pytest.MonkeyPatch) -> Voices:
    found = Voices(Said(), Said(), [set()])
    monkeypatch.setitem(ENGINES, "narrator", _row("narrator", found.narrator, NARRATOR))
    monkeypatch.setitem(ENGINES, "quoter", _row("quoter", found.quoter, QUOTER))
    render = pieces.render_piece  # one pass levels, masters and encodes a piece

    def counting(audio, chain, gain, kbps, out, *args, **kwargs):
        found.levelled[-1].add(out.stem)  # a second mastering pass renders it again
        return render(audio, chain, gain, kbps, out, *args, **kwargs)

    monkeypatch.setattr(pieces, "render_piece", counting)
    return found


SHOW_TOML = (
    TINY_TOML
    + """
[voice]
engine = "narrator"
voice = "a"
quotes = "quoter:a"

[voices]
Ishiguro = "quoter:a"

[music]
intro = "none"
"""
)

REVIEW = """\
---
title: The Quiet Review
date: 2026-03-01
---

The film is patient with its people. It lets them talk.

> Memories, even your most precious ones, fade surprisingly quickly.
> — Kazuo Ishiguro

The line lands softly. Nobody in the cinema moved.

> I keep thinking about this river somewhere.
> The water moving really fast.

The ending stays with you for days.
"""

QUOTED = [
    "Memories, even your most precious ones, fade surprisingly quickly.",
    "I keep thinking about this river somewhere.",
    "The water moving really fast.",
]


def _show(root: Path, essays: dict[str, str] | None = None, toml: str = SHOW_TOML) -> Path:
    return make_show(root, {"review.md": REVIEW} if essays is None else essays, toml)


def _episode_files(root: Path) -> dict[str, Path]:
    import json

    manifest = json.loads((root / "output" / "manifest.json").read_text())
    episode = manifest["episodes"]["the-quiet-review"]["episode"]
    out = root / "output"
    return {
        "mp3": out / episode["audio"],
        "vtt": out / episode["transcripts"]["text/vtt"],
        "srt": out / episode["transcripts"]["application/x-subrip"],
    }


# -- which voice reads what ----------------------------------------------------------------------


def test_the_quotes_sentences_come_from_the_quote_voice_and_only_they(
    tmp_path: Path, voices: Voices
) -> None:
    root = _show(tmp_path / "show")
    assert build_show(load_show(root)).built == ["the-quiet-review"]
    assert sorted(voices.quoter.essay_sentences()) == sorted(QUOTED)
    narrated = voices.narrator.essay_sentences()
    assert not set(narrated) & set(QUOTED)
    assert "The film is patient with its people." in narrated
    assert "Kazuo Ishiguro." in narrated  # the attribution: the narrator says whose it was
    # each voice read the passage it is measured on once, and was built once
    assert voices.quoter.engines == voices.narrator.engines == 1
    assert sorted(set(LEVEL_PASSAGE) & set(voices.quoter.sentences)) == sorted(LEVEL_PASSAGE)


def test_a_front_matter_quotes_key_overrides_the_show_and_is_not_a_site_key(
    tmp_path: Path, voices: Voices
) -> None:
    toml = SHOW_TOML.replace('quotes = "quoter:a"\n', "")
    essay = REVIEW.replace("date: 2026-03-01\n", "date: 2026-03-01\nquotes: quoter:a\n")
    root = _show(tmp_path / "show", {"review.md": essay}, toml)
    assert build_show(load_show(root)).ok
    assert sorted(voices.quoter.essay_sentences()) == sorted(QUOTED)
    meta = frontmatter.interpret({"title": "x", "quotes": "kokoro:bm_george"})
    assert meta.quotes == "kokoro:bm_george" and meta.unknown == ()


def test_without_a_quote_voice_the_narrator_reads_every_word_as_before(
    tmp_path: Path, voices: Voices
) -> None:
    toml = SHOW_TOML.replace('quotes = "quoter:a"\n', "")
    root = _show(tmp_path / "show", toml=toml)
    assert build_show(load_show(root)).ok
    assert voices.quoter.engines == 0 and voices.quoter.sentences == []
    assert not set(LEVEL_PASSAGE) & set(voices.narrator.sentences)  # nothing to measure
    vtt = _episode_files(root)["vtt"].read_text()
    assert "<v " not in vtt  # one voice: the transcript names nobody, as before


# -- one production --------------------------------------------------------------------------


def _loudness(pcm: bytes) -> float:
    return speech_loudness([SentenceAudio("", pcm, EPISODE_RATE)])


def _by_speaker(root: Path) -> dict[str, bytes]:
    """The decoded episode's samples under each speaker's captions, joined per speaker."""
    files = _episode_files(root)
    pcm = decode_to_pcm(files["mp3"])
    found: dict[str, list[bytes]] = {}
    for cue in read_vtt(files["vtt"].read_text()):
        who = cue.lines[0][3 : cue.lines[0].index(">")]
        a, b = round(cue.start * EPISODE_RATE), round(cue.end * EPISODE_RATE)
        found.setdefault(who, []).append(pcm[2 * a : 2 * b])
    return {who: b"".join(parts) for who, parts in found.items()}


def test_every_voice_is_levelled_to_the_narrators_loudness(tmp_path: Path, voices: Voices) -> None:
    # the two voices as they come from the engines: 14 dB apart
    said = {
        name: list(Tone(Said(), **voice).synthesize(QUOTED))
        for name, voice in (("narrator", NARRATOR), ("quoter", QUOTER))
    }
    raw = speech_loudness(said["narrator"]) - speech_loudness(said["quoter"])
    assert raw > 10.0

    root = _show(tmp_path / "show")
    assert build_show(load_show(root)).ok
    heard = {who: _loudness(pcm) for who, pcm in _by_speaker(root).items()}
    narration = heard.pop("Test Writer")
    assert set(heard) == {"Kazuo Ishiguro", "Quote"}
    for who, level in heard.items():
        assert abs(level - narration) <= 1.0, (who, level, narration)


def test_a_pause_opens_and_closes_each_passage_in_another_voice(voices: Voices) -> None:
    essay = _essay(REVIEW)
    speech = cast_speech(to_speech_text(essay), {QUOTE_VOICE})
    steps = list(layout(speech))
    pacing = Pacing()
    changes = [
        (before.sentence.voice, step.pause)
        for before, step in zip(steps, steps[1:], strict=False)
        if before.sentence.voice != step.sentence.voice
    ]
    assert len(changes) == 4  # into and out of each of the two quotes
    assert all(pause == pacing.paragraph + pacing.voice_change for _, pause in changes)
    # read by one voice, the same essay has no such pause
    plain = list(layout(cast_speech(to_speech_text(essay), set())))
    assert {s.pause for s in plain} <= {0.0, pacing.sentence, pacing.paragraph}


def test_two_cold_builds_of_a_two_voice_episode_are_byte_identical(
    tmp_path: Path, voices: Voices
) -> None:
    first = _show(tmp_path / "one")
    second = _show(tmp_path / "two")
    assert build_show(load_show(first)).ok
    assert build_show(load_show(second)).ok
    one, two = _episode_files(first), _episode_files(second)
    assert one["mp3"].name == two["mp3"].name  # content-addressed: the same bytes
    for kind in ("mp3", "vtt", "srt"):
        assert one[kind].read_bytes() == two[kind].read_bytes(), kind


def _long_review() -> str:
    """REVIEW with forty more narrated sentences around it: an episode of several pieces."""
    words = ["camera", "corridor", "window", "silence", "river", "actor", "frame", "city"]
    paragraphs = [
        " ".join(f"The {words[(p + s) % 8]} {p} holds scene {s} a while." for s in range(4))
        for p in range(10)
    ]
    head, tail = "\n\n".join(paragraphs[:5]), "\n\n".join(paragraphs[5:])
    return REVIEW.replace("The ending stays", f"{tail}\n\nThe ending stays").replace(
        "The film is patient", f"{head}\n\nThe film is patient"
    )


def test_editing_a_quote_re_renders_only_that_quotes_sentence_and_its_piece(
    tmp_path: Path, voices: Voices
) -> None:
    root = _show(tmp_path / "show", {"review.md": _long_review()})
    assert build_show(load_show(root)).ok
    cold = len(voices.levelled[-1])
    assert cold >= 3
    voices.narrator.sentences.clear()
    voices.quoter.sentences.clear()
    voices.levelled.append(set())
    essay = root / "essays" / "review.md"
    essay.write_text(essay.read_text().replace("river somewhere", "river, somewhere"))
    assert build_show(load_show(root)).built == ["the-quiet-review"]
    assert voices.quoter.sentences == ["I keep thinking about this river, somewhere."]
    assert voices.narrator.sentences == []  # nor its measuring passage: cached
    # the piece that holds it (and, if its new key moves a cut, the piece after the cut)
    assert 1 <= len(voices.levelled[-1]) <= 2 < cold

    # and the edited episode is the one a cold build makes
    edited = {k: p.read_bytes() for k, p in _episode_files(root).items()}
    shutil.rmtree(root / ".essaycast")
    shutil.rmtree(root / "output")
    assert build_show(load_show(root)).ok
    assert {k: p.read_bytes() for k, p in _episode_files(root).items()} == edited


# -- the fallback ------------------------------------------------------------------------------


def test_a_quote_voice_that_cannot_speak_here_warns_once_and_the_narrator_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    narrator, quoter = Said(), Said()
    monkeypatch.setitem(ENGINES, "narrator", _row("narrator", narrator, NARRATOR))
    missing = _row("quoter", quoter, QUOTER, reason="quoter is not installed; pip install it")
    monkeypatch.setitem(ENGINES, "quoter", missing)
    second = REVIEW.replace("The Quiet Review", "Another Review")
    root = _show(tmp_path / "show", {"review.md": REVIEW, "other.md": second})
    with caplog.at_level(logging.WARNING, logger="pipeline"):
        report = build_show(load_show(root))
    assert sorted(report.built) == ["another-review", "the-quiet-review"]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "voice.quotes: quoter:a cannot speak here (quoter is not installed; pip install it); "
        "the narrator reads the quotes",
        "voices.Ishiguro: quoter:a cannot speak here (quoter is not installed; pip install it); "
        "the narrator reads Ishiguro's passages",
    ]  # once a build, not once an essay
    assert quoter.engines == 0
    assert set(QUOTED) <= set(narrator.sentences)
    assert "<v " not in _episode_files(root)["vtt"].read_text()

    # once the voice can speak, the plan sees a new cast: the episodes are made again
    monkeypatch.setitem(ENGINES, "quoter", _row("quoter", quoter, QUOTER))
    again = build_show(load_show(root))
    assert sorted(again.built) == ["another-review", "the-quiet-review"]
    assert sorted(set(quoter.essay_sentences())) == sorted(QUOTED)


def test_a_badly_named_quote_voice_is_a_configuration_error(tmp_path: Path, voices: Voices) -> None:
    root = _show(tmp_path / "show", toml=SHOW_TOML.replace("quoter:a", "quoter:zz", 1))
    with pytest.raises(ConfigError, match=r"voice\.quotes: unknown quoter voice 'zz'; use a"):
        build_show(load_show(root))


# -- named speakers ----------------------------------------------------------------------------

SPEAKERS = """\
---
title: Conversations
---

The interview began late.

::: voice Ishiguro
I never wanted to write about clones. It was about time.
:::

> **Ishiguro:** Memory is a kind of shelter.

<!-- voice: Ishiguro -->
The third way works on any Markdown page.
<!-- /voice -->

> **Note:** this one is only a quote.
"""


def _essay(body: str, path: str = "essays/e.md", markup: str = "markdown") -> Essay:
    _, _, text = frontmatter.split(body)
    return Essay(
        path=Path(path),
        slug="e",
        title="Conversations",
        body=text,
        markup=markup,
        description="",
        digest="",
        body_line=body.count("\n") - text.count("\n") + 1,
    )


def test_each_way_of_naming_a_speaker_marks_the_passage_for_that_voice(tmp_path: Path) -> None:
    from pipeline.text.essays import read_essay

    path = tmp_path / "talk.md"
    path.write_text(SPEAKERS)
    # read as a build reads it: the comment pair outlives the site-syntax clean-up
    speech = to_speech_text(read_essay(path), speakers={"Ishiguro"})
    who = {s.written: (s.voice, s.speaker) for s in speech.sentences()}
    assert who["The interview began late."] == (None, None)
    for line in (
        "I never wanted to write about clones.",
        "It was about time.",
        "Memory is a kind of shelter.",  # the label is not read: the voice says who
        "The third way works on any Markdown page.",
    ):
        assert who[line] == ("Ishiguro", "Ishiguro"), line
    assert who["Note: this one is only a quote."] == (QUOTE_VOICE, "Quote")


def test_plain_text_names_a_speaker_only_when_voices_knows_the_name() -> None:
    text = "Ishiguro: Memory is a shelter.\n\nNote: this is the narrator's.\n"
    found = blocks(text, "text", speakers={"Ishiguro"})
    assert [(b.text, b.voice) for b in found] == [
        ("Memory is a shelter.", "Ishiguro"),
        ("Note: this is the narrator's.", None),
    ]
    assert all(b.voice is None for b in blocks(text, "text"))  # no [voices]: all words


def test_an_unknown_speaker_is_one_line_naming_file_line_and_the_known_names() -> None:
    body = SPEAKERS.replace("::: voice Ishiguro", "::: voice Ishigruo")
    with pytest.raises(EssayError) as caught:
        to_speech_text(_essay(body), speakers={"Ishiguro", "Critic"})
    assert str(caught.value.format_message()) == (
        "essays/e.md: line 7: unknown speaker 'Ishigruo'; "
        "[voices] in podcast.toml names Critic, Ishiguro"
    )
    assert (body.splitlines()[6]) == "::: voice Ishigruo"
    # a label close to a known name is a typo, not words
    typo = SPEAKERS.replace("**Ishiguro:**", "**Ishigoro:**")
    with pytest.raises(EssayError, match=r"line 11: unknown speaker 'Ishigoro'"):
        to_speech_text(_essay(typo), speakers={"Ishiguro"})
    with pytest.raises(EssayError, match=r"podcast.toml has no \[voices\]"):
        to_speech_text(_essay(SPEAKERS))


def test_an_essay_naming_an_unknown_speaker_fails_and_the_others_build(
    tmp_path: Path, voices: Voices
) -> None:
    bad = SPEAKERS.replace("::: voice Ishiguro", "::: voice Nobody")
    root = _show(tmp_path / "show", {"review.md": REVIEW, "talk.md": bad})
    report = build_show(load_show(root))
    assert report.built == ["the-quiet-review"]
    assert report.failed == [
        (
            "essays/talk.md",
            "line 7: unknown speaker 'Nobody'; [voices] in podcast.toml names Ishiguro",
        )
    ]


def test_voices_table_names_are_words(tmp_path: Path) -> None:
    show = parse_show(
        tmp_path, {"podcast": {"title": "x"}, "voices": {"Kazuo Ishiguro": "kokoro:bm_george"}}
    )
    assert show.voices == {"Kazuo Ishiguro": "kokoro:bm_george"}
    with pytest.raises(ConfigError, match=r"voices\.'>': a speaker's name is words"):
        parse_show(tmp_path, {"podcast": {"title": "x"}, "voices": {">": "kokoro:bm_george"}})


# -- transcripts and the script ------------------------------------------------------------------


def test_transcripts_name_each_speaker_vtt_in_spans_srt_at_each_change(
    tmp_path: Path, voices: Voices
) -> None:
    root = _show(tmp_path / "show")
    assert build_show(load_show(root)).ok
    files = _episode_files(root)
    vtt = read_vtt(files["vtt"].read_text())
    spans = [cue.lines[0].split(">", 1)[0] + ">" for cue in vtt]
    assert all(span.startswith("<v ") for span in spans)
    quoted = {cue.text: span for cue, span in zip(vtt, spans, strict=True)}
    assert quoted[QUOTED[0]] == "<v Kazuo Ishiguro>"  # the attribution names it
    assert quoted[QUOTED[1]] == "<v Quote>"  # no attribution
    assert quoted["— Kazuo Ishiguro"] == quoted["The film is patient with its people."]
    assert quoted["The film is patient with its people."] == "<v Test Writer>"  # the author

    srt = files["srt"].read_text().split("\n\n")
    firsts = [block.split("\n")[2] for block in srt if block.strip()]
    named = [m.group(1) for line in firsts if (m := re.match(r"^([^:]+):(?: |$)", line))]
    assert named == ["Test Writer", "Kazuo Ishiguro", "Test Writer", "Quote", "Test Writer"]
    assert all(len(line) <= 42 for block in srt for line in block.split("\n")[2:])


def test_srt_and_vtt_speaker_rules_on_cues() -> None:
    cues = [
        Cue(0.0, 1.0, "The narrator opens."),
        Cue(1.0, 2.0, "A quoted line.", speaker="Quote"),
        Cue(2.0, 3.0, "Another quoted line.", speaker="Quote"),
        Cue(3.0, 4.0, "And back."),
    ]
    vtt = render_vtt(cues, speaker="A. Writer").split("\n")
    assert [line for line in vtt if line.startswith("<v")] == [
        "<v A. Writer>The narrator opens.",
        "<v Quote>A quoted line.",
        "<v Quote>Another quoted line.",
        "<v A. Writer>And back.",
    ]
    srt = render_srt(cues, speaker="A. Writer")
    assert "A. Writer: The narrator opens." in srt
    assert "Quote: A quoted line." in srt and "\nAnother quoted line." in srt
    assert "A. Writer: And back." in srt
    assert render_srt(cues[:1]) == "1\n00:00:00,000 --> 00:00:01,000\nThe narrator opens.\n"


def test_the_script_says_who_reads_each_sentence_only_when_two_voices_speak() -> None:
    speech = to_speech_text(_essay(REVIEW))
    readers = {QUOTE_VOICE: ("quoter:a", str.upper)}
    mixed = render_script(cast_speech(speech, {QUOTE_VOICE}), str, readers, "A. Writer: narrator:a")
    lines = [line for line in mixed.splitlines() if line and not line.startswith("[pause")]
    assert lines[0] == "[A. Writer: narrator:a] The film is patient with its people."
    assert "[Kazuo Ishiguro: quoter:a] " + QUOTED[0].upper() in lines
    assert "[Quote: quoter:a] " + QUOTED[1].upper() in lines
    # one voice: the script is as it always was
    alone = render_script(cast_speech(speech, set()), str, readers, "A. Writer: narrator:a")
    assert alone == render_script(cast_speech(speech, set()))
    assert "[" not in alone.replace("[pause]", "")


def test_essaycast_script_shows_the_quote_voice(tmp_path: Path, voices: Voices) -> None:
    from click.testing import CliRunner

    from pipeline.cli import main

    root = _show(tmp_path / "show")
    result = CliRunner().invoke(main, ["script", str(root / "essays" / "review.md")])
    assert result.exit_code == 0, result.output
    assert f"[Quote: quoter:a] {QUOTED[1]}" in result.output.splitlines()
    assert "[Test Writer: narrator:a] The ending stays with you for days." in result.output
