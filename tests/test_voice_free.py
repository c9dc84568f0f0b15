"""The fake voice is what it says: whatever engine a show names, the tone speaks.

The default engine has changed before (piper, then hibari) while the fake stayed
wired to the old name, and two dozen "voice-free" tests spoke with the real voice
unnoticed. conftest's `_voice_free` also fails any test not marked slow that
imports a voice package.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.config import VoiceSettings
from pipeline.model import VoiceSpec
from pipeline.speech import ENGINES

from .conftest import make_show
from .fakes import Counter, ToneEngine, speak_as_tone


def test_every_engine_row_speaks_as_the_tone(tone_voice: Counter) -> None:
    assert "tone" in ENGINES and VoiceSettings().engine in ENGINES
    for name, row in ENGINES.items():
        assert isinstance(row.create(VoiceSpec(name, row.default_voice)), ToneEngine), name
    assert tone_voice.engines == len(ENGINES)


def test_a_show_with_no_voice_table_speaks_as_the_tone(tmp_path: Path, tone_voice: Counter) -> None:
    root = make_show(tmp_path / "show")  # no [voice]: the configured default engine
    result = CliRunner().invoke(main, ["build", "--show", str(root)])
    assert result.exit_code == 0, result.output
    assert "The film opens at dawn." in tone_voice.sentences
    assert "A short review, read aloud." in tone_voice.sentences


@pytest.mark.parametrize("engine", ["hibari", "piper", "kokoro", "espeak", "gtts"])
def test_an_essay_that_names_any_engine_speaks_as_the_tone(
    tmp_path: Path, tone_voice: Counter, engine: str
) -> None:
    essay = f"---\ntitle: Named\nvoice: {engine}\n---\n\nA voice is named here.\n"
    root = make_show(tmp_path / "show", {"named.md": essay})
    result = CliRunner().invoke(main, ["build", "--show", str(root)])
    assert result.exit_code == 0, result.output
    assert tone_voice.sentences.count("A voice is named here.") == 1


def test_the_tone_speaks_for_good_in_a_child_process(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [*ENGINES, "tone"]:
        monkeypatch.setitem(ENGINES, name, ENGINES.get(name))  # undone after this test
    counter = Counter()
    speak_as_tone(counter)
    list(ENGINES["hibari"].create(VoiceSpec("hibari", "heart")).synthesize(["Yes."]))
    assert counter.sentences == ["Yes."]
