"""Issue 24: shard records and the local manifest are checked before anything is used or
saved, and a publish is all or nothing (cases 1, 2, 3 and 14)."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from pipeline.build import build_share, build_show, publish_show
from pipeline.cli import main
from pipeline.config import load_show
from pipeline.errors import EssaycastError
from pipeline.scale.shard import Shard
from tests.conftest import make_show
from tests.hostile_records import (  # noqa: F401 - tone, copy_show: fixtures
    copy_show,
    edit_record,
    essays,
    first_entry,
    tone,
    tree,
)

OTHER_TOML = """\
[podcast]
title = "Another Show"
base_url = "https://other.example.org/show/"
"""


def published_then_sharded(tmp_path: Path) -> Path:
    """A show published once (two essays), then two new essays rendered by two shards
    into the same output/: the records wait for `essaycast publish`."""
    all_essays = essays(4)
    root = make_show(tmp_path / "show", dict(list(all_essays.items())[:2]))
    assert build_show(load_show(root), voice="tone").ok
    for name, text in list(all_essays.items())[2:]:
        (root / "essays" / name).write_text(text)
    for k in (1, 2):
        assert build_share(load_show(root), Shard(k, 2), voice="tone").ok
    return root


def record_with_entries(output: Path) -> Path:
    """One shard record that brought at least one episode."""
    for path in sorted(output.glob("shard-*.json")):
        if json.loads(path.read_text())["entries"]:
            return path
    raise AssertionError("no shard rendered anything")


def publish_refused(root: Path) -> str:
    """`essaycast publish` on `root`: must exit 1 with one line; returns that line."""
    result = CliRunner().invoke(main, ["publish", "--show", str(root), "--no-restore"])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    return result.output


# --- case 1: a record naming files outside output/ -------------------------------------------


@pytest.mark.parametrize(
    ("field", "outside"),
    [
        ("vtt", "../../secret.vtt"),
        ("vtt", "/etc/hostname"),
        ("chapters", "../../secret.chapters.json"),
    ],
)
def test_a_record_naming_files_outside_output_publishes_nothing(
    tmp_path: Path,
    tone,  # noqa: F811
    field: str,
    outside: str,
) -> None:
    root = published_then_sharded(tmp_path)
    secret = "WEBVTT\n\n00:00.000 --> 00:01.000\nTOPSECRET-FROM-OUTSIDE\n"
    (tmp_path / "secret.vtt").write_text(secret)
    (tmp_path / "secret.chapters.json").write_text(
        json.dumps({"version": "1.2.0", "chapters": [{"startTime": 0, "title": "TOPSECRET"}]})
    )
    record = record_with_entries(root / "output")

    def point_outside(data: dict) -> None:
        _, entry = first_entry(data)
        if field == "vtt":
            entry["episode"]["transcripts"]["text/vtt"] = outside
        else:
            entry["episode"]["chapters"] = outside

    edit_record(record, point_outside)
    before = tree(root / "output")
    line = publish_refused(root)
    assert record.name in line and "not a shard record this essaycast can read" in line
    after = tree(root / "output")
    assert after == before  # feed, page, manifest, records and every episode file as they were
    assert not any(b"TOPSECRET" in data for data in after.values())


# --- case 2: a failed publish neither publishes nor deletes -----------------------------------


def test_two_shards_claiming_one_essay_publish_nothing_and_delete_nothing(
    tmp_path: Path,
    tone,  # noqa: F811
) -> None:
    root = published_then_sharded(tmp_path)
    output = root / "output"
    records = {p.name: json.loads(p.read_text()) for p in output.glob("shard-*.json")}
    owner = next(name for name, data in records.items() if data["entries"])
    other = next(name for name in records if name != owner)
    slug, entry = first_entry(records[owner])
    hijacked = json.loads(json.dumps(entry))
    hijacked["episode"]["title"] = "Hijacked"
    edit_record(output / other, lambda data: data["entries"].update({slug: hijacked}))
    before = tree(output)
    line = publish_refused(root)
    assert slug in line and "nothing was published" in line
    assert tree(output) == before
    assert b"Hijacked" not in (output / "feed.xml").read_bytes()


def test_a_record_from_another_show_with_the_same_slugs_is_refused_whole(
    tmp_path: Path,
    tone,  # noqa: F811
) -> None:
    ours = make_show(tmp_path / "ours", essays(4))
    theirs = make_show(tmp_path / "theirs", essays(4), toml=OTHER_TOML)
    assert build_share(load_show(ours), Shard(1, 2), voice="tone").ok
    assert build_share(load_show(theirs), Shard(2, 2), voice="tone").ok
    (ours / "output" / "shard-2-of-2.json").write_bytes(
        (theirs / "output" / "shard-2-of-2.json").read_bytes()
    )
    for mp3 in (theirs / "output" / "episodes").iterdir():
        (ours / "output" / "episodes" / mp3.name).write_bytes(mp3.read_bytes())
    before = tree(ours / "output")
    line = publish_refused(ours)
    assert "another show's record" in line
    assert tree(ours / "output") == before
    assert not (ours / "output" / "feed.xml").exists()


def test_a_record_whose_files_are_missing_publishes_nothing(
    tmp_path: Path,
    tone,  # noqa: F811
) -> None:
    root = published_then_sharded(tmp_path)
    record = record_with_entries(root / "output")
    _, entry = first_entry(json.loads(record.read_text()))
    (root / "output" / entry["episode"]["transcripts"]["text/vtt"]).unlink()
    before = tree(root / "output")
    with pytest.raises(EssaycastError, match="is not whole in output/"):
        publish_show(load_show(root), voice="tone")
    assert tree(root / "output") == before


# --- case 3: one bad value never bricks the show ----------------------------------------------


@pytest.mark.parametrize(
    "tamper",
    ["show_guid", "naive-date", "number-as-text"],
)
def test_a_bad_value_in_a_record_is_refused_before_it_is_saved(
    tmp_path: Path,
    tone,  # noqa: F811
    tamper: str,
) -> None:
    root = published_then_sharded(tmp_path)
    record = record_with_entries(root / "output")

    def spoil(data: dict) -> None:
        _, entry = first_entry(data)
        if tamper == "show_guid":
            data["show_guid"] = "not-a-uuid"
        elif tamper == "naive-date":
            entry["episode"]["published"] = "2026-03-02T00:00:00"
        else:
            entry["number"] = "3"

    edit_record(record, spoil)
    manifest_before = (root / "output" / "manifest.json").read_bytes()
    publish_refused(root)
    assert (root / "output" / "manifest.json").read_bytes() == manifest_before
    assert record.exists()  # kept: the line says what to do with it
    # the show is not bricked: without the bad record, a build (and --force) goes on
    record.unlink()
    assert build_show(load_show(root), voice="tone").ok
    assert build_show(load_show(root), voice="tone", force=True).ok


def test_a_bad_local_manifest_is_one_warning_and_keeps_every_valid_identity(
    tmp_path: Path,
    tone,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    root = make_show(tmp_path / "show", essays(3))
    assert build_show(load_show(root), voice="tone").ok
    path = root / "output" / "manifest.json"
    good = json.loads(path.read_text())
    identities = {slug: (e["guid"], e["number"]) for slug, e in good["episodes"].items()}
    spoiled = json.loads(json.dumps(good))
    spoiled["show_guid"] = "not-a-uuid"
    spoiled["episodes"]["essay-1"]["episode"]["published"] = "2026-02-02T00:00:00"  # no zone
    spoiled["episodes"]["essay-2"]["episode"]["transcripts"] = ["episodes/x.vtt"]
    path.write_text(json.dumps(spoiled))
    (root / "essays" / "new-one.md").write_text("---\ntitle: New\n---\n\nA new essay.\n")
    for force in (False, True):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="pipeline"):
            report = build_show(load_show(root), voice="tone", force=force)
        assert report.ok, report.failed
        if not force:
            warnings = [r for r in caplog.records if "manifest.json" in r.getMessage()]
            assert len(warnings) == 1 and "keeping every identity" in warnings[0].getMessage()
            assert sorted(report.built) == ["essay-1", "essay-2", "new"]
    kept = json.loads(path.read_text())
    assert uuid.UUID(kept["show_guid"])
    for slug, (guid, number) in identities.items():
        assert (kept["episodes"][slug]["guid"], kept["episodes"][slug]["number"]) == (guid, number)


# --- case 14: shards a few seconds apart agree with one machine ------------------------------


def feed_identities(output: Path) -> list[tuple[str | None, ...]]:
    feed = etree.parse(str(output / "feed.xml"))
    return sorted(
        (
            item.findtext("guid"),
            item.findtext("pubDate"),
            item.find("enclosure").get("url"),
            item.findtext("{http://www.itunes.com/dtds/podcast-1.0.dtd}episode"),
        )
        for item in feed.iterfind("channel/item")
    )


def test_shards_a_few_seconds_apart_give_undated_essays_one_machines_identities(
    tmp_path: Path,
    tone,  # noqa: F811
    copy_show,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH")  # no git, no date:, no epoch: the clock decides
    source = make_show(tmp_path / "source", essays(5, dated=False))
    single, one, two = (copy_show(source, tmp_path / n) for n in ("single", "one", "two"))
    started = datetime.now(UTC).replace(microsecond=0)

    def clock(seconds: int):
        return lambda: started + timedelta(seconds=seconds)

    monkeypatch.setattr("pipeline.build.build_time", clock(0))
    assert build_share(load_show(one), Shard(1, 2), voice="tone").ok
    monkeypatch.setattr("pipeline.build.build_time", clock(5))  # the second job, 5 s later
    assert build_share(load_show(two), Shard(2, 2), voice="tone").ok
    for path in (two / "output").rglob("*"):
        if path.is_file():
            target = one / "output" / path.relative_to(two / "output")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    assert publish_show(load_show(one), voice="tone").ok
    monkeypatch.setattr("pipeline.build.build_time", clock(60))  # one machine, a minute on
    assert build_show(load_show(single), voice="tone").ok

    merged = feed_identities(one / "output")
    assert merged == feed_identities(single / "output")
    # and the numbers run in date order
    by_number = sorted(merged, key=lambda row: int(row[3] or 0))
    dates = [datetime.strptime(row[1] or "", "%a, %d %b %Y %H:%M:%S %z") for row in by_number]
    assert dates == sorted(dates)
