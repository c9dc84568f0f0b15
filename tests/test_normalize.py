"""normalize(): a golden table of written -> spoken cases, kept as data files, plus properties."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.text.normalize import (
    Reading,
    Rule,
    apply_lexicon,
    continues,
    normalize,
    read_aloud,
    rules,
    split_at_abbreviations,
)

DATA = Path(__file__).parent / "data" / "normalize"


def _cases() -> list[object]:
    """Each file is one class of cases; a `# language: fr` line says whose words they are."""
    cases = []
    for table in sorted(DATA.glob("*.tsv")):
        language = "en"
        for number, line in enumerate(table.read_text(encoding="utf-8").splitlines(), 1):
            if found := re.match(r"#\s*language:\s*(\S+)", line):
                language = found.group(1)
            if not line.strip() or line.startswith("#"):
                continue
            written, spoken = line.split("\t")
            cases.append(pytest.param(written, spoken, language, id=f"{table.stem}:{number}"))
    return cases


CASES = _cases()


def test_the_golden_table_is_big_enough() -> None:
    assert len(CASES) >= 400


@pytest.mark.parametrize(("written", "spoken", "language"), CASES)
def test_golden(written: str, spoken: str, language: str) -> None:
    assert normalize(written, language) == spoken


def test_british_english_keeps_and_and_reads_dates_day_first() -> None:
    assert normalize("It was 2001.", "en-GB") == "It was two thousand and one."
    assert normalize("On 11/02/2026.", "en-GB") == "On the eleventh of February, twenty twenty-six."
    assert normalize("A 5km run.", "en-GB") == "A five kilometre run."


def test_other_languages_get_their_own_number_words() -> None:
    assert normalize("Il y a 12 films.", "fr") == "Il y a douze films."


def test_lexicon_is_whole_word_and_case_aware() -> None:
    lexicon = {"Ishiguro": "ish-ee-GOO-roh", "gif": "jif", "US": "you ess"}
    assert apply_lexicon("Ishiguro's novel", lexicon) == "ish-ee-GOO-roh's novel"
    assert apply_lexicon("Ishiguros Ishigurotown", lexicon) == "Ishiguros Ishigurotown"
    assert apply_lexicon("A GIF, a gif, a Gif", lexicon) == "A Jif, a jif, a Jif"
    assert apply_lexicon("the US and us", lexicon) == "the you ess and us"


def test_lexicon_respellings_and_phonemes_survive_normalisation() -> None:
    lexicon = {"Ishiguro": "ish-ee-GOO-roh", "Tarkovsky": "[[tɑːɹˈkɒfski]]"}
    spoken = normalize("Ishiguro met Tarkovsky in 1984.", lexicon=lexicon)
    assert spoken == "ish-ee-GOO-roh met [[tɑːɹˈkɒfski]] in nineteen eighty-four."
    assert normalize("Say [[ hɛˈloʊ ]] now.") == "Say [[ hɛˈloʊ ]] now."


def test_keys_with_punctuation_and_digits_match_as_written() -> None:
    assert normalize("Se7en is dark.", lexicon={"Se7en": "Seven"}) == "Seven is dark."


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_is_normalised_without_error_and_without_digits(text: str) -> None:
    spoken = normalize(text)
    assert isinstance(spoken, str)
    # a TTS engine never gets digits to guess at (Piper's [[ phonemes ]] pass untouched)
    assert not re.search(r"[0-9]", re.sub(r"\[\[.*?\]\]", "", spoken, flags=re.S))
    assert spoken == spoken.strip()


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"[$£€]?[0-9]{1,12}([.,:/-][0-9]{1,4})?(%|s|st|th|mm| pm)?", fullmatch=True))
def test_number_shapes_become_words(text: str) -> None:
    spoken = normalize(f"It was {text} then.")
    assert not re.search(r"[0-9$£€%]", spoken)


# -- languages ------------------------------------------------------------------------------

_ENGLISH_WORDS = re.compile(  # English number words no French or German word is spelt like
    r"\b(?:one|two|three|four|five|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|"
    r"fifty|hundred|thousand|percent|and|first|third|o'clock|degrees|oh|point)\b"
)


@settings(max_examples=200, deadline=None)
@given(
    shape=st.from_regex(
        r"[$£€]?-?[0-9]{1,7}([.,:/-][0-9]{1,4})?( ?%| ?€| ?km| ?°C|e|er|\.| Uhr| h)?",
        fullmatch=True,
    ),
    language=st.sampled_from(["fr", "de", "fr-CA", "de-AT", "es", "it", "pt", "pt-BR"]),
)
def test_never_english_words_in_a_french_or_german_episode(shape: str, language: str) -> None:
    spoken = normalize(f"Avant {shape} après", language)
    assert not _ENGLISH_WORDS.search(spoken), spoken
    assert not re.search(r"[0-9]", spoken), spoken


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=40), language=st.sampled_from(["en-GB", "fr", "de", "es", "mi", "he"]))
def test_any_text_in_any_language_is_read_without_error(text: str, language: str) -> None:
    reading = read_aloud(text, language)
    assert reading.spoken == reading.spoken.strip()
    assert all(run.strip() for run in reading.skipped)


def test_a_language_num2words_does_not_know_keeps_its_digits_for_the_engine() -> None:
    assert normalize("E 12 ngā kiriata i te 1990.", "mi") == "E 12 ngā kiriata i te 1990."


# -- text the voice cannot speak --------------------------------------------------------------


def test_another_script_is_skipped_and_listed() -> None:
    reading = read_aloud("The word שָׁלוֹם means peace, and مرحبا means hello.")
    assert reading.spoken == "The word means peace, and means hello."
    assert reading.skipped == ("שָׁלוֹם", "مرحبا")


def test_a_lexicon_respelling_makes_another_script_speakable() -> None:
    reading = read_aloud("The word שָׁלוֹם means peace.", lexicon={"שָׁלוֹם": "shalom"})
    assert reading == Reading("The word shalom means peace.", ())


def test_each_language_speaks_its_own_script() -> None:
    assert read_aloud("Привет, мир.", "ru").skipped == ()
    assert read_aloud("Hello Привет.", "en").skipped == ("Привет",)


# -- rules are named rows ------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "fr", "de", "es", "it", "pt"])
def test_every_rule_has_a_unique_name_and_says_what_it_is_for(language: str) -> None:
    table = rules(language)
    names = [row.name for row in table]
    assert table and all(isinstance(row, Rule) for row in table)
    assert len(names) == len(set(names)), [n for n in names if names.count(n) > 1]
    assert all(row.purpose.strip() for row in table)


def test_sentence_end_abbreviations_come_from_the_one_table() -> None:
    assert continues("I met Dr.") and continues("It runs approx.") and continues("See No.")
    assert not continues("I said no.") and not continues("He lives on Baker St.")
    assert continues("Pray to St.") and not continues("Tea, coffee, etc.")
    assert continues("Das ist z.", "de") and not continues("Äpfel usw.", "de")
    assert split_at_abbreviations("He lives on Baker St. The house is red.") == [
        "He lives on Baker St.",
        " The house is red.",
    ]
    assert split_at_abbreviations("Visit St. Paul today.") == ["Visit St. Paul today."]
