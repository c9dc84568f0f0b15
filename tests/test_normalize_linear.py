"""No text makes a normaliser regex take more than linear time (issue 24, case 13).

"word" and 64,000 dots took 23 s in `continues()`: a pattern that rescans the rest of the
text from every start position. These tests count a backtracking engine's steps
(tests/regex_steps.py) on inputs made of one short piece repeated, at two lengths, and
require the count to grow in proportion; they never look at a clock.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipeline.text import normalize as module
from tests.regex_steps import Stepper

_SOURCE = Path(module.__file__).read_text(encoding="utf-8")


def _literal_patterns() -> list[tuple[re.Pattern[str], bool]]:
    """Every re.sub/search/match/... in the module whose pattern is written out in place."""
    found = []
    for node in ast.walk(ast.parse(_SOURCE)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "re"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            flags = 0
            for extra in [*node.args[1:], *(k.value for k in node.keywords)]:
                if isinstance(extra, ast.Attribute) and extra.attr in ("I", "S", "M"):
                    flags |= getattr(re, extra.attr)
            anchored = node.func.attr in ("match", "fullmatch")
            found.append((re.compile(node.args[0].value, flags), anchored))
    return found


def _all_patterns() -> dict[str, re.Pattern[str]]:
    patterns: dict[str, re.Pattern[str]] = {}
    for language in ("en", "fr", "de", "es"):
        for row in module.rules(language):
            patterns[f"{language}:{row.name}"] = row.pattern
    for name, value in vars(module).items():
        if isinstance(value, re.Pattern):
            patterns[f"module:{name}"] = value
    for language in ("en", "fr", "de"):
        patterns[f"never_final:{language}"] = module._never_final(language)
    lexicon = module._lexicon_pattern({"Ishiguro": "x", "C++": "y", "New York": "z"})
    assert lexicon is not None
    patterns["lexicon"] = lexicon
    for number, (pattern, anchored) in enumerate(_literal_patterns()):
        name = f"{'match' if anchored else 'literal'}:{number}:{pattern.pattern[:30]}"
        patterns[name] = pattern
    return patterns


PATTERNS = _all_patterns()
NAMES = sorted(PATTERNS)
_STEPPERS: dict[str, Stepper] = {}

# what a hostile or unlucky text repeats: dots, spaces, digits, capitals, separators
_PIECES = [".", " ", "a", "A", "1", "a.", "1.", "1,", "1 ", "a ", "-", "1-", "a1", "A ", "St. ",
           "1/", ":", "1:", "@", "a@", "/", "a/", "'", "1x", "e", "I", "X"]  # fmt: skip
_ALPHABET = "aAzZIVXe1 0.,:;/-–@#$%'()+_\n"


def _steps(name: str, text: str) -> int:
    stepper = _STEPPERS.get(name) or _STEPPERS.setdefault(
        name, Stepper(PATTERNS[name], anchored=name.startswith("match:"))
    )
    return stepper.scan(text)


def _grows_linearly(name: str, head: str, piece: str, tail: str) -> None:
    short, long = 12, 48  # four times as long: linear is about x4, quadratic about x16
    small = _steps(name, head + piece * short + tail)
    large = _steps(name, head + piece * long + tail)
    assert large <= 6 * small + 400, (name, head, piece, tail, small, large)


def test_the_step_counter_sees_a_quadratic_pattern() -> None:
    """The counter itself: a pattern known to rescan grows fourfold per doubling."""
    PATTERNS["known bad"] = re.compile(r"(\S+)\s(?:St|Dr)\.$")
    try:
        with pytest.raises(AssertionError):
            _grows_linearly("known bad", "word", ".", "")
        _grows_linearly("module:_STREET_END", "word", ".", "")
    finally:
        del PATTERNS["known bad"]


def test_every_pattern_is_counted() -> None:
    assert len(PATTERNS) > 200
    for name in NAMES:
        _steps(name, "It cost $3.50 on 3/4/2020 at 9:30 p.m. (Baker St.) — e.g. 5 km.")


@pytest.mark.parametrize("piece", [".", " ", "1", "a", "A ", "a.", "1.", "1,", "a-", "1 "])
def test_every_pattern_is_linear_on_the_commonest_runs(piece: str) -> None:
    failures = []
    for name in NAMES:
        try:
            _grows_linearly(name, "word", piece, "")
        except AssertionError as error:
            failures.append(str(error))
    assert not failures, "\n".join(failures)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(NAMES),
    head=st.text(_ALPHABET, max_size=4),
    piece=st.sampled_from(_PIECES) | st.text(_ALPHABET, min_size=1, max_size=3),
    tail=st.text(_ALPHABET, max_size=4),
)
@example(name="module:_STREET_END", head="word", piece=".", tail="")
def test_no_text_makes_a_pattern_more_than_linear(
    name: str, head: str, piece: str, tail: str
) -> None:
    _grows_linearly(name, head, piece, tail)


def test_continues_on_a_word_and_many_dots_is_linear() -> None:
    """Issue 24, case 13, end to end: the function returns (it took 23 s before)."""
    assert module.continues("word" + "." * 64_000) is False
