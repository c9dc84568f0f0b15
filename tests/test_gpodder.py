"""A real podcast client against `essaycast serve`: gPodder's `gpo` subscribes, updates and
downloads every episode, and each download equals its file in output/ byte for byte.

gpo comes from the Debian package `gpodder` (.ci/run installs it). Locally the test skips
without it; in CI (CI=true) a missing gpo is a failure, so the check cannot vanish quietly.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import SERVED_EPISODES

GPO = shutil.which("gpo")


@pytest.fixture
def gpo(tmp_path: Path) -> Callable[..., str]:
    """Run `gpo ARGS...` with its own home and download folder; return its stdout."""
    if GPO is None:
        if os.environ.get("CI") == "true":
            pytest.fail("gpo not found: CI must install the Debian package gpodder (.ci/run)")
        pytest.skip("gpo not found: apt-get install gpodder to run the real-client test")
    env = {
        key: value
        for key, value in os.environ.items()
        if key.lower() not in ("http_proxy", "https_proxy", "all_proxy")
    }
    env.update(
        GPODDER_HOME=str(tmp_path / "gpodder-home"),
        GPODDER_DOWNLOAD_DIR=str(tmp_path / "gpodder-downloads"),
        HOME=str(tmp_path / "home"),  # nothing of the user's gPodder is read or written
        no_proxy="127.0.0.1,localhost",
        NO_PROXY="127.0.0.1,localhost",
    )

    def run(*args: str) -> str:
        proc = subprocess.run(
            [GPO, *args], env=env, capture_output=True, text=True, timeout=180, check=False
        )
        assert proc.returncode == 0, f"gpo {' '.join(args)}: {proc.stdout}{proc.stderr}"
        return proc.stdout

    return run


def test_gpodder_subscribes_updates_and_downloads_every_episode(
    gpo: Callable[..., str],
    served_output: Path,
    served_start: Callable[..., str],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="pipeline.serve")
    # The feed names https://example.org/reels/; gpo must still download from us.
    base = served_start(served_output)
    feed_url = base + "feed.xml"

    assert "Successfully added" in gpo("subscribe", feed_url)
    assert f"{len(SERVED_EPISODES)} new episodes" in gpo("update", feed_url)
    listing = gpo("episodes", "--guid", feed_url)
    for _slug, title, guid, *_ in SERVED_EPISODES:
        assert guid in listing and title in listing
    assert f"{len(SERVED_EPISODES)} episodes downloaded" in gpo("download", feed_url)

    downloads = {path.name: path for path in (tmp_path / "gpodder-downloads").rglob("*.mp3")}
    assert sorted(downloads) == sorted(f"{slug}.mp3" for slug, *_ in SERVED_EPISODES)
    for name, path in downloads.items():
        assert path.read_bytes() == (served_output / "episodes" / name).read_bytes(), name

    # gPodder recorded enclosure URLs on this server, rewritten from base_url.
    with sqlite3.connect(tmp_path / "gpodder-home" / "Database") as db:
        urls = sorted(url for (url,) in db.execute("SELECT url FROM episode"))
    assert urls == sorted(f"{base}episodes/{slug}.mp3" for slug, *_ in SERVED_EPISODES)

    # A second update revalidates with the ETag gpo stored: the server answers 304.
    gpo("update", feed_url)
    requests = [record.getMessage() for record in caplog.records]
    assert any('"GET /feed.xml HTTP/1.1" 304' in line for line in requests), requests
