"""podcast.toml: defaults, and every problem reported at once in one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.config import load_show, parse_show
from pipeline.errors import ConfigError


def test_defaults_fill_everything_but_the_title() -> None:
    show = parse_show(Path("/show"), {"podcast": {"title": "T"}})
    assert show.voice.engine == "hibari" and show.voice.voice == "heart"
    assert show.audio.bitrate == "96k" and show.audio.loudness == -16.0
    assert show.music.intro == "default" and show.music.outro == "none"


def test_base_url_gets_its_trailing_slash() -> None:
    show = parse_show(Path("/s"), {"podcast": {"title": "T", "base_url": "https://x.org/a"}})
    assert show.podcast.feed_url == "https://x.org/a/feed.xml"


def test_every_problem_is_reported_together() -> None:
    data = {
        "podcast": {"titel": "T", "language": "english", "category": "Movies"},
        "audio": {"bitrate": "320k"},
        "extra": {},
    }
    with pytest.raises(ConfigError) as caught:
        parse_show(Path("/s"), data)
    text = str(caught.value.message)
    for fragment in (
        "[extra]: unknown section",
        "podcast.titel: unknown key",
        "podcast.title: required",
        "podcast.language",
        "podcast.category",
        "audio.bitrate",
    ):
        assert fragment in text
    assert "\n" not in text


def test_wrong_types_name_the_key() -> None:
    with pytest.raises(ConfigError, match=r"podcast.explicit: must be a bool"):
        parse_show(Path("/s"), {"podcast": {"title": "T", "explicit": "no"}})


def test_unknown_subcategory_lists_the_choices() -> None:
    with pytest.raises(ConfigError, match="Film Reviews"):
        parse_show(Path("/s"), {"podcast": {"title": "T", "category": "TV & Film > Cats"}})


def test_cli_reports_a_bad_config_in_one_line_with_exit_2(tmp_path: Path) -> None:
    (tmp_path / "podcast.toml").write_text('[podcast]\ntitle = "T"\nvoice = "x"\n')
    result = CliRunner().invoke(main, ["build", "--show", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.strip().startswith("Error: ")
    assert "podcast.voice: unknown key" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_missing_podcast_toml_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="essaycast init"):
        load_show(tmp_path)


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "podcast.toml").write_text("[podcast\n")
    with pytest.raises(ConfigError, match="podcast.toml: is not valid TOML"):
        load_show(tmp_path)


def test_a_relative_piper_voice_file_is_relative_to_the_show() -> None:
    show = parse_show(
        Path("/show"),
        {"podcast": {"title": "T"}, "voice": {"voice": "voices/alba.onnx,volume=0.8"}},
    )
    assert show.voice.voice == "/show/voices/alba.onnx,volume=0.8"


def test_a_bad_base_url_on_the_command_line_is_named_as_such() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_show(Path("/s"), {"podcast": {"title": "T"}}, base_url="example.org/x")
    assert caught.value.message.startswith("command line: --base-url: 'example.org/x'")


# -- [essays]: where the posts are and how text for the eye is read (issue 23) --------------


def test_essays_defaults_to_the_essays_folder() -> None:
    show = parse_show(Path("/show"), {"podcast": {"title": "T"}})
    assert show.essays.paths == ("essays",) and show.essays.exclude == ()
    assert (show.essays.links, show.essays.tables, show.essays.maths) == (
        "site",
        "read",
        "announce",
    )


def test_essays_table_is_read() -> None:
    show = parse_show(
        Path("/show"),
        {
            "podcast": {"title": "T"},
            "essays": {
                "paths": ["_posts", "content/posts/*/index.md"],
                "exclude": ["**/_index.md"],
                "links": "drop",
                "tables": "skip",
                "maths": "read",
            },
        },
    )
    assert show.essays.paths == ("_posts", "content/posts/*/index.md")
    assert show.essays.reading.tables == "skip" and show.essays.reading.links == "drop"


def test_every_essays_problem_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_show(
            Path("/show"),
            {
                "podcast": {"title": "T"},
                "essays": {
                    "paths": "../elsewhere",
                    "exclude": [3],
                    "tables": "sing",
                    "colour": "red",
                },
            },
        )
    problems = caught.value.problems
    assert any(p.startswith("essays.paths: '../elsewhere' is outside the show") for p in problems)
    assert any(p.startswith("essays.exclude: must be a list of folders or globs") for p in problems)
    assert "essays.tables: 'sing'; the choices are 'read', 'skip'" in problems
    assert any(p.startswith("essays.colour: unknown key") for p in problems)
