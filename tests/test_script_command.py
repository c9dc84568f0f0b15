"""`essaycast script`: the show's language decides the words; unspeakable text is marked."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from pipeline.cli import main


def _show(root: Path, language: str, body: str) -> Path:
    (root / "essays").mkdir(parents=True)
    (root / "podcast.toml").write_text(
        f'[podcast]\ntitle = "T"\nlanguage = "{language}"\n', encoding="utf-8"
    )
    essay = root / "essays" / "e.md"
    essay.write_text(body, encoding="utf-8")
    return essay


def test_script_reads_a_german_show_in_german(tmp_path: Path) -> None:
    essay = _show(tmp_path, "de", "Es kostet 3,50 € am 3. Oktober.\n")
    result = CliRunner().invoke(main, ["script", str(essay)])
    assert result.exit_code == 0, result.output
    assert result.output == "Es kostet drei Euro fünfzig am dritten Oktober.\n"


def test_script_marks_what_the_voice_will_not_say(tmp_path: Path) -> None:
    essay = _show(tmp_path, "en-GB", "He said שלום on 03/07/2016.\n")
    result = CliRunner().invoke(main, ["script", str(essay)])
    assert result.exit_code == 0, result.output
    assert result.output == ("He said on the third of July, twenty sixteen. [not spoken: שלום]\n")
