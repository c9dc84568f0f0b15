"""Issue 24, case 8: base_url hygiene, all in config validation, each one line (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.config import parse_show
from pipeline.errors import ConfigError
from tests.conftest import make_show

BAD_BASE_URLS = [
    "https://reader:hunter2secret@example.org/show/",
    "https://example.org/show/?token=1",
    "https://example.org/show/#top",
    "https://exa mple.org/show/",
    "https://example.org:99999/show/",
    "http://[::1",
    "http://[::1]:0/",
]


@pytest.mark.parametrize("url", BAD_BASE_URLS)
def test_a_bad_base_url_in_podcast_toml_is_a_config_error(url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_show(Path("/show"), {"podcast": {"title": "T", "base_url": url}})
    message = caught.value.format_message()
    assert "podcast.base_url:" in message
    assert "hunter2secret" not in message


@pytest.mark.parametrize("url", BAD_BASE_URLS)
def test_a_bad_base_url_on_the_command_line_is_exit_2_in_one_line(tmp_path: Path, url: str) -> None:
    root = make_show(tmp_path / "show")
    result = CliRunner().invoke(main, ["build", "--show", str(root), "--base-url", url])
    assert result.exit_code == 2, result.output
    assert "--base-url" in result.output and "Traceback" not in result.output
    assert "hunter2secret" not in result.output
    assert not (root / "output" / "feed.xml").exists()


def test_a_bad_base_url_in_the_file_names_its_key_and_publishes_nothing(tmp_path: Path) -> None:
    toml = '[podcast]\ntitle = "T"\nbase_url = "http://[::1"\n'
    root = make_show(tmp_path / "show", toml=toml)
    result = CliRunner().invoke(main, ["build", "--show", str(root)])
    assert result.exit_code == 2 and "podcast.base_url" in result.output, result.output
    assert "Traceback" not in result.output


def test_good_base_urls_still_pass() -> None:
    for url in ("https://example.org/show/", "http://127.0.0.1:8000/", "http://[::1]:8000/x/"):
        show = parse_show(Path("/show"), {"podcast": {"title": "T", "base_url": url}})
        assert show.podcast.base_url == url


def test_the_restore_deadline_is_a_setting_with_a_range() -> None:
    show = parse_show(Path("/show"), {"podcast": {"title": "T"}, "restore": {"deadline": 60}})
    assert show.restore.deadline == 60.0
    assert parse_show(Path("/show"), {"podcast": {"title": "T"}}).restore.deadline == 900.0
    with pytest.raises(ConfigError, match="restore.deadline"):
        parse_show(Path("/show"), {"podcast": {"title": "T"}, "restore": {"deadline": 0}})
