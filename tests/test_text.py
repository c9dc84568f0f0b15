"""to_speech_text / render_script: structure, what is (not) read aloud, sentences, golden script."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.errors import EssayError
from pipeline.model import Essay, SpeechText
from pipeline.text.essays import read_essay
from pipeline.text.sentences import (
    MAX_SENTENCE,
    blocks,
    render_script,
    split_sentences,
    to_speech_text,
)

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden"
LEXICON = {"Ishiguro": "ish-ee-GOO-roh"}


def essay(body: str, markup: str = "markdown", title: str = "The Title") -> Essay:
    return Essay(
        path=Path("x.md"), slug="x", title=title, body=body, markup=markup,
        description="", digest="0" * 64,
    )  # fmt: skip


def spoken(speech: SpeechText) -> list[str]:
    return [s.spoken for s in speech.sentences()]


def written(speech: SpeechText) -> list[str]:
    return [s.written for s in speech.sentences()]


# -- structure ----------------------------------------------------------------------------------


def test_headings_make_chapters_and_are_spoken_at_their_start() -> None:
    speech = to_speech_text(
        essay("Opening words.\n\n## Part one\n\nFirst.\n\nSecond.\n\n### Sub\n\nThird.")
    )
    assert [c.title for c in speech.chapters] == ["", "Part one", "Sub"]
    part_one = speech.chapters[1]
    assert [[s.spoken for s in p.sentences] for p in part_one.paragraphs] == [
        ["Part one."],
        ["First."],
        ["Second."],
    ]


def test_h1_equal_to_the_title_is_neither_a_chapter_nor_spoken() -> None:
    speech = to_speech_text(essay("# The  title\n\nHello.\n\n# Another\n\nBye."))
    assert [c.title for c in speech.chapters] == ["", "Another"]
    assert spoken(speech) == ["Hello.", "Another.", "Bye."]


def test_setext_headings_count_too() -> None:
    speech = to_speech_text(essay("Intro.\n\nPart\n----\n\nBody."))
    assert [c.title for c in speech.chapters] == ["", "Part"]


def test_markup_is_read_as_its_words() -> None:
    body = (
        "This is *very* **bold**, [a link](https://example.org/x) and `code` ~~gone~~.[^n]"
        "\n\n[^n]: A note."
    )
    speech = to_speech_text(essay(body))
    assert spoken(speech)[0] == "This is very bold, a link and code gone."
    assert written(speech)[0] == "This is very bold, a link and code gone."


def test_code_html_and_image_urls_are_not_read() -> None:
    body = (
        "Before.\n\n```python\nprint(1)\n```\n\n    indented code\n\n<div>\n<b>raw</b>\n</div>\n\n"
        "A still: ![Farley Granger in Rope](img/rope-1948.jpg) here.<br>\n\n---\n\nAfter."
    )
    assert spoken(to_speech_text(essay(body))) == [
        "Before.",
        "A still: Farley Granger in Rope here.",
        "After.",
    ]


def test_bare_urls_are_said_as_their_site_never_their_path_or_query() -> None:
    # issue 23: a narrator says where a link goes, not its address letter by letter
    speech = to_speech_text(essay("See https://www.example.org/a/b?c=1 or <https://bfi.org.uk>."))
    assert spoken(speech) == ["See example dot org or B F I dot org dot U K."]


def test_footnotes_are_read_after_the_essay_and_markers_never() -> None:
    speech = to_speech_text(read_essay(ROOT / "essays" / "the-long-take.md"))
    assert [c.title for c in speech.chapters] == [
        "",
        "A trick that is also a promise",
        "When it shows off",
        "Notes",
    ]
    assert not any("^" in s or "[1]" in s for s in spoken(speech))
    assert spoken(speech)[-1].startswith("See the opening of Touch of Evil, nineteen fifty-eight,")


def test_lists_read_naturally() -> None:
    speech = to_speech_text(
        essay("Three films:\n\n- Rope\n- Vertigo\n  - nested\n\n1. Boil it\n2. Eat it.")
    )
    paragraphs = [[s.spoken for s in p.sentences] for p in speech.chapters[0].paragraphs]
    assert paragraphs == [
        ["Three films:"],
        ["Rope.", "Vertigo.", "nested."],
        ["one. Boil it.", "two. Eat it."],
    ]


def test_block_quotes_and_tables() -> None:
    speech = to_speech_text(
        essay("> Quoted *words*.\n>\n> More.\n\n| Film | Year |\n|---|---|\n| Rope | 1948 |")
    )
    # issue 23: each row is read with the header as its labels
    assert spoken(speech) == ["Quoted words.", "More.", "Film: Rope; Year: nineteen forty-eight."]


def test_plain_text_is_not_markdown() -> None:
    speech = to_speech_text(essay("# Not a heading *here*\nSecond line.", markup="text"))
    assert [c.title for c in speech.chapters] == [""]
    assert written(speech) == ["# Not a heading *here*", "Second line."]


def test_plain_text_paragraphs_by_line_or_by_blank_line() -> None:
    by_line = blocks("One.\nTwo.\nThree.", "text")
    by_block = blocks("Wrapped\nline one.\n\nSecond\nparagraph.\n", "text")
    assert [b.text for b in by_line] == ["One.", "Two.", "Three."]
    assert [b.text for b in by_block] == ["Wrapped line one.", "Second paragraph."]


def test_nothing_to_read_is_an_essay_error() -> None:
    with pytest.raises(EssayError, match="nothing to read aloud"):
        to_speech_text(essay("```\ncode only\n```\n\n<p>html</p>"))


def test_lexicon_and_language_reach_every_sentence() -> None:
    speech = to_speech_text(essay("I read Ishiguro in 2001."), LEXICON, language="en-GB")
    assert spoken(speech) == ["I read ish-ee-GOO-roh in two thousand and one."]
    assert written(speech) == ["I read Ishiguro in 2001."]


# -- sentences ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I met Dr. Smith in the U.S. on Tuesday.",
        "Films, e.g. Rope, i.e. long takes, etc. are hard.",
        "It runs approx. 3 hours and costs $3.50 at St. Paul's.",
        "J. R. R. Tolkien wrote it in 1954.",
        "Kramer vs. Kramer won No. 1 in Jan. 1980.",
        "Pi is 3.14 or so.",
    ],
)
def test_sentences_are_not_split_at_abbreviations(text: str) -> None:
    assert split_sentences(text) == [text]


def test_sentences_are_split_where_they_end() -> None:
    text = "Is it easy? Absolutely not. He said, “Why?” Then he left at 5 p.m. The next day, rain!"
    assert split_sentences(text) == [
        "Is it easy?", "Absolutely not.", "He said, “Why?”", "Then he left at 5 p.m.",
        "The next day, rain!",
    ]  # fmt: skip


def test_long_sentences_are_split_at_clause_boundaries() -> None:
    clause = "the camera keeps rolling while the actors cross the room and forget their marks"
    sentence = "; ".join([clause] * 4) + " — and " + ", ".join([clause] * 3) + "."
    parts = split_sentences(sentence)
    assert len(parts) > 1 and all(len(p) <= MAX_SENTENCE for p in parts)
    assert re.findall(r"\w+", " ".join(parts)) == re.findall(r"\w+", sentence)  # no word lost
    assert parts[0].endswith(";")  # cut after a semicolon, the best boundary there is


def test_a_sentence_without_any_boundary_is_still_cut() -> None:
    parts = split_sentences(" ".join(["word"] * 200))
    assert len(parts) > 1 and all(len(p) <= MAX_SENTENCE for p in parts)


# -- the narration script ----------------------------------------------------------------------


def test_script_marks_chapters_and_pauses() -> None:
    script = render_script(to_speech_text(essay("Hello there. Bye.\n\nNext.\n\n## Part\n\nEnd.")))
    assert script == (
        "Hello there.\nBye.\n\n[pause]\n\nNext.\n\n[long pause]\n\n[chapter 2: Part]\n\n"
        "Part.\n\n[pause]\n\nEnd.\n"
    )


@pytest.mark.parametrize("name", ["never-let-me-go"])
def test_golden_script(name: str) -> None:
    speech = to_speech_text(read_essay(ROOT / "essays" / f"{name}.md"), LEXICON)
    expected = (GOLDEN / f"{name}.script.txt").read_text(encoding="utf-8")
    assert render_script(speech) == expected


@pytest.mark.parametrize("name", ["the-long-take.md", "on-rewatching.txt", "never-let-me-go.md"])
def test_sample_scripts_have_no_digits_or_markup(name: str) -> None:
    script = render_script(to_speech_text(read_essay(ROOT / "essays" / name), LEXICON))
    body = re.sub(r"\[(?:pause|long pause|chapter \d+: [^\]]*)\]", "", script)
    assert not re.search(r"[0-9*_#`^\[\]“”—]", body)


# -- properties ---------------------------------------------------------------------------------

_MARKDOWN = st.lists(
    st.sampled_from(
        [
            "# ",
            "## ",
            "\n",
            "\n\n",
            "- ",
            "1. ",
            "> ",
            "```",
            "    ",
            "*",
            "**",
            "_",
            "[",
            "]",
            "(",
            ")",
            "!",
            "<b>",
            "</b>",
            "<!--",
            "-->",
            "[^1]",
            "[^1]: ",
            "|",
            "---",
            "http://a.b/c",
            "Dr.",
            "e.g.",
            "1984",
            "$3.50",
            "word",
            "Word",
            " ",
            ".",
            "?",
            "“",
            "’",
            "—",
            "…",
            "\t",
            "[[ ",
            " ]]",
            "é",
            "🎬",
            "\u200b",
            "\x00",
            "Ishiguro",
        ]
    )
    | st.text(max_size=5),
    max_size=40,
).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=_MARKDOWN, markup=st.sampled_from(["markdown", "text"]))
def test_any_body_is_speech_or_an_essay_error(body: str, markup: str) -> None:
    try:
        speech = to_speech_text(essay(body, markup), LEXICON)
    except EssayError as exc:
        assert exc.path == "x.md"
        return
    for sentence in speech.sentences():
        assert sentence.spoken.strip() and sentence.written.strip()
        # text the voice skips (another script) joins a neighbour and may lengthen `written`
        assert (
            len(sentence.written) <= MAX_SENTENCE
            or " " not in sentence.written
            or (sentence.skipped)
        )
        assert not re.search(r"[0-9]", re.sub(r"\[\[.*?\]\]", "", sentence.spoken))  # phonemes pass
    render_script(speech)


def test_to_speech_text_gives_the_same_script_from_many_threads_at_once() -> None:
    """Parallel builds (--jobs) narrate essays in several threads; none may lose a word."""
    from concurrent.futures import ThreadPoolExecutor

    from pipeline.text.essays import read_essay

    root = Path(__file__).resolve().parent.parent / "essays"
    essays = [read_essay(p) for p in sorted(root.iterdir())]
    expected = [render_script(to_speech_text(e)) for e in essays]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda e: render_script(to_speech_text(e)), essays * 8))
    assert results == expected * 8


# -- languages, sentence ends and text the voice cannot speak ----------------------------------


def test_a_french_essay_is_read_in_french() -> None:
    body = "M. Dupont est venu le 1er mai 2020. Il a payé 3,50 € pour 15 % de plus, à 14h30."
    assert spoken(to_speech_text(essay(body), language="fr")) == [
        "Monsieur Dupont est venu le premier mai deux mille vingt.",
        "Il a payé trois euros cinquante pour quinze pour cent de plus, à quatorze heures trente.",
    ]


def test_a_german_essay_is_read_in_german() -> None:
    body = "Am 3. Oktober 1990 kostete es z. B. 3,50 €. Das sind 15 % mehr, um 14:30 Uhr."
    assert spoken(to_speech_text(essay(body), language="de")) == [
        "Am dritten Oktober neunzehnhundertneunzig kostete es zum Beispiel drei Euro fünfzig.",
        "Das sind fünfzehn Prozent mehr, um vierzehn Uhr dreißig.",
    ]


def test_a_sentence_final_street_keeps_its_full_stop_and_ends_the_sentence() -> None:
    speech = to_speech_text(essay("He lives on Baker St. The house is red. Visit St. Paul soon."))
    assert spoken(speech) == [
        "He lives on Baker Street.",
        "The house is red.",
        "Visit Saint Paul soon.",
    ]


def test_abbreviations_that_never_end_a_sentence_keep_it_whole() -> None:
    assert split_sentences("I met Dr. Smith. It runs approx. 3 hours. See No. 5 here.") == [
        "I met Dr. Smith.",
        "It runs approx. 3 hours.",
        "See No. 5 here.",
    ]
    assert split_sentences("I said no. Then I left.") == ["I said no.", "Then I left."]


def test_another_script_stays_in_the_transcript_and_is_marked_in_the_script() -> None:
    body = "The word שָׁלוֹם means peace.\n\nאני אוהב אותך.\n\nThat was Hebrew."
    speech = to_speech_text(essay(body))
    assert spoken(speech) == ["The word means peace.", "That was Hebrew."]
    # the sentence that is only Hebrew joins its neighbour's cue: no written word is lost
    assert written(speech) == [
        "The word שָׁלוֹם means peace. אני אוהב אותך.",
        "That was Hebrew.",
    ]
    assert render_script(speech).splitlines()[0] == (
        "The word means peace. [not spoken: שָׁלוֹם] [not spoken: אני אוהב אותך]"
    )


def test_an_essay_wholly_in_another_script_has_nothing_to_read_aloud() -> None:
    with pytest.raises(EssayError, match="a script the voice cannot speak"):
        to_speech_text(essay("שלום עולם.\n\nמה שלומך?"))


def test_a_lexicon_respelling_lets_the_voice_say_it() -> None:
    speech = to_speech_text(essay("The word שלום means peace."), {"שלום": "shalom"})
    assert spoken(speech) == ["The word shalom means peace."]
    assert [s.skipped for s in speech.sentences()] == [()]
