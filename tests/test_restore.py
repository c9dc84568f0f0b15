"""The published site is the source of truth: output/ comes back from base_url.

Every test serves an earlier build with `essaycast serve`'s server on 127.0.0.1;
nothing here reaches any other address.
"""

from __future__ import annotations

import json
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from pipeline.build import build_share, build_show, publish_show
from pipeline.cli import main
from pipeline.config import load_show
from pipeline.scale.shard import Shard
from pipeline.speech import ENGINES
from tests.conftest import make_show
from tests.test_shard import EPOCH, TONE, six_essays, tone, tree  # noqa: F401 - tone: fixture


@pytest.fixture(scope="module")
def _served_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A six-essay show built once and served at its own base_url by `essaycast serve`."""
    from pipeline.serve import make_server

    root = make_show(tmp_path_factory.mktemp("published") / "show", six_essays())
    (root / "output").mkdir()
    server = make_server(root / "output", "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        patch.setitem(ENGINES, "tone", TONE)
        assert build_show(load_show(root, base_url=base), voice="tone").ok
    yield root, base
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def published(_served_build: tuple[Path, str], tone) -> Iterator[tuple[Path, str]]:  # noqa: F811
    """(root, base_url) of the served build; a test that changes it is undone after."""
    root, _ = _served_build
    before = tree(root / "output")
    yield _served_build
    for name, data in before.items():
        if (root / "output" / name).read_bytes() != data:
            (root / "output" / name).write_bytes(data)


def fresh_copy(root: Path, where: Path) -> Path:
    """The show as a CI runner checks it out: podcast.toml and essays/, no output/, no cache."""
    where.mkdir()
    shutil.copy(root / "podcast.toml", where / "podcast.toml")
    shutil.copytree(root / "essays", where / "essays")
    return where


def identities(output: Path) -> list[tuple[str, str, str, str]]:
    feed = etree.parse(str(output / "feed.xml"))
    return [
        (
            item.findtext("guid"),
            item.findtext("pubDate"),
            item.find("enclosure").get("url"),
            item.findtext("{http://www.itunes.com/dtds/podcast-1.0.dtd}episode"),
        )
        for item in feed.iterfind("channel/item")
    ]


def test_a_lost_output_comes_back_from_the_site_and_nothing_is_rendered(
    tmp_path: Path,
    published,
    tone,  # noqa: F811
) -> None:
    root, base = published
    ci = fresh_copy(root, tmp_path / "ci")
    tone.clear()
    report = build_show(load_show(ci, base_url=base), voice="tone", restore=True)
    assert report.ok and report.built == [] and len(report.unchanged) == 6
    assert tone == []  # not one sentence spoken
    assert report.notes[0].startswith("Restore: brought back 6 episodes (")
    assert tree(ci / "output") == tree(root / "output")
    assert identities(ci / "output") == identities(root / "output")

    # the next build has nothing to fetch and nothing to render
    again = build_show(load_show(ci, base_url=base), voice="tone", restore=True)
    assert again.built == [] and again.notes == [
        f"Restore: output/ already holds what {base} publishes"
    ]
    assert tree(ci / "output") == tree(root / "output")


def test_the_cli_restores_in_ci_and_the_manifest_carries_every_checksum(
    tmp_path: Path,
    published,
    tone,  # noqa: F811 - the fixture imported from test_shard
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root, base = published
    manifest = json.loads((root / "output" / "manifest.json").read_text())
    published_files = set(tree(root / "output")) - {"manifest.json"}
    assert set(manifest["files"]) == published_files
    ci = fresh_copy(root, tmp_path / "ci")
    monkeypatch.setenv("CI", "true")
    monkeypatch.delenv("ESSAYCAST_RESTORE", raising=False)
    # a loopback base_url is a preview: CI's automatic restore leaves it alone...
    result = CliRunner().invoke(
        main, ["build", "--show", str(ci), "--base-url", base, "--voice", "tone", "--json"]
    )
    assert json.loads(result.output)["notes"] == []
    shutil.rmtree(ci / "output")
    shutil.rmtree(ci / ".essaycast")
    # ...and --restore asks for it
    tone.clear()
    result = CliRunner().invoke(
        main, ["build", "--show", str(ci), "--base-url", base, "--voice", "tone", "--restore"]
    )
    assert result.exit_code == 0, result.output
    assert "Restore: brought back 6 episodes" in result.output
    assert "Built 0 episodes (6 unchanged)" in result.output and tone == []
    # a published (not local) base_url in CI restores without being asked
    shutil.rmtree(ci / "output")
    monkeypatch.setattr("pipeline.urls.is_local_address", lambda url: False)
    result = CliRunner().invoke(
        main, ["build", "--show", str(ci), "--base-url", base, "--voice", "tone"]
    )
    assert "Restore: brought back 6 episodes" in result.output, result.output
    assert tree(ci / "output") == tree(root / "output") and tone == []


def test_a_file_that_fails_its_checksum_is_rendered_again_not_published(
    tmp_path: Path,
    published,
    tone,  # noqa: F811
) -> None:
    root, base = published
    manifest = json.loads((root / "output" / "manifest.json").read_text())
    vtt = manifest["episodes"]["essay-2"]["episode"]["transcripts"]["text/vtt"]
    good = (root / "output" / vtt).read_bytes()
    (root / "output" / vtt).write_bytes(good.replace(b"WEBVTT", b"WEBVTT tampered"))
    ci = fresh_copy(root, tmp_path / "ci")
    report = build_show(load_show(ci, base_url=base), voice="tone", restore=True)
    assert report.notes[0].startswith("Restore: brought back 5 episodes")
    assert "did not match the manifest's checksum" in report.notes[0]
    assert report.built == ["essay-2"]
    (root / "output" / vtt).write_bytes(good)
    assert tree(ci / "output") == tree(root / "output")  # the render gave the same bytes


def test_a_shard_takes_only_the_manifest_and_renders_nothing_published(
    tmp_path: Path,
    published,
    tone,  # noqa: F811
) -> None:
    root, base = published
    ci = fresh_copy(root, tmp_path / "ci")
    tone.clear()
    report = build_share(load_show(ci, base_url=base), Shard(1, 2), voice="tone", restore=True)
    assert report.notes == [f"Restore: took 6 published episodes from {base}manifest.json"]
    assert report.built == [] and tone == []
    assert (
        not list((ci / "output" / "episodes").glob("*.mp3"))
        if (ci / "output" / "episodes").exists()
        else True
    )
    # the publish job: restores the media the shards did not carry, renders nothing
    published_report = publish_show(load_show(ci, base_url=base), voice="tone", restore=True)
    assert published_report.ok and tone == []
    assert tree(ci / "output") == tree(root / "output")


def test_first_and_offline_runs_skip_with_one_line(tmp_path: Path, tone, served_start) -> None:  # noqa: F811
    empty = tmp_path / "empty"
    empty.mkdir()
    base = served_start(empty, base_url=None)
    show = make_show(tmp_path / "first", six_essays())
    report = build_show(load_show(show, base_url=base), voice="tone", restore=True)
    assert report.ok and len(report.built) == 6
    assert report.notes == [f"Restore: skipped, nothing is published at {base} yet (404)"]

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/"
    offline = make_show(tmp_path / "offline", six_essays())
    report = build_show(load_show(offline, base_url=closed), voice="tone", restore=True)
    assert report.ok and len(report.notes) == 1
    assert report.notes[0].startswith(f"Restore: skipped, {closed} is not reachable (")


def test_names_outside_base_url_are_never_fetched(tmp_path: Path, published, tone) -> None:  # noqa: F811
    root, base = published
    manifest_path = root / "output" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    record = manifest["episodes"]["essay-1"]["episode"]
    old = record["audio"]
    for bad in ("../secret.mp3", "/etc/passwd", "http://example.org/x.mp3"):
        record["audio"] = bad
        manifest["files"][bad] = manifest["files"][old]
        manifest_path.write_text(json.dumps(manifest))
        ci = fresh_copy(root, tmp_path / f"ci{abs(hash(bad))}")
        report = build_show(load_show(ci, base_url=base), voice="tone", restore=True)
        assert report.ok and report.built == ["essay-1"], bad  # rendered, not fetched
        assert not (tmp_path / "secret.mp3").exists()


def test_a_redirect_away_from_base_url_is_not_followed(tmp_path: Path, tone) -> None:  # noqa: F811
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    asked: list[str] = []

    class Elsewhere(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            asked.append(self.path)
            self.send_response(302)
            # another host (never contacted: the redirect is refused first)
            self.send_header("Location", "http://localhost:9/manifest.json")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Elsewhere)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        show = make_show(tmp_path / "show", dict(list(six_essays().items())[:1]))
        report = build_show(load_show(show, base_url=base), voice="tone", restore=True)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert asked == ["/manifest.json"]
    assert report.ok and report.notes == [
        f"Restore: skipped, {base} is not reachable (redirected away from base_url, to "
        "http://localhost:9/manifest.json)"
    ]
