"""Sharded builds: a stable, balanced share per shard; merged shards equal one build."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.build import build_share, build_show, publish_show
from pipeline.cli import main
from pipeline.config import load_show
from pipeline.scale.shard import Shard, assign, expected_minutes, parse_shard
from tests.conftest import make_show, six_essays, tree
from tests.fakes import Counter, speak_as_tone_in_child

# builds here speak as the tone ("--voice tone", tests/fakes.py) and compare bytes
pytestmark = pytest.mark.usefixtures("fixed_epoch")


# --- the assignment ------------------------------------------------------------------------


def test_parse_shard() -> None:
    assert parse_shard(" 3/4 ") == Shard(3, 4)
    for bad in ("0/4", "5/4", "4", "a/b", ""):
        with pytest.raises(Exception, match="--shard"):
            parse_shard(bad)


def test_adding_essays_never_moves_an_earlier_one() -> None:
    rng = random.Random(17)
    essays = [(f"essay-{i}", rng.randint(1, 40)) for i in range(300)]
    for count in (2, 4, 7):
        before = assign(essays, count)
        after = assign([*essays, ("new-one", 12), ("new-two", 3)], count)
        assert {slug: after[slug] for slug in before} == before


def test_shards_are_balanced_by_length_not_count() -> None:
    rng = random.Random(3)
    # a few very long essays among many short ones: counting essays would not balance this
    essays = [(f"e{i}", 60 if i % 25 == 0 else rng.randint(1, 8)) for i in range(300)]
    lengths = dict(essays)
    for count in (2, 4, 8):
        loads = [0] * count
        for slug, k in assign(essays, count).items():
            loads[k - 1] += lengths[slug]
        mean = sum(lengths.values()) / len(lengths)
        assert max(loads) - min(loads) <= mean + max(lengths.values())


def test_expected_minutes_are_whole_and_at_least_one() -> None:
    assert expected_minutes("") == 1
    assert expected_minutes("word " * 165) == 1
    assert expected_minutes("word " * 166) == 2


# --- merged shards equal one build -----------------------------------------------------------


def test_two_shards_merged_and_published_equal_one_build(
    tmp_path: Path, tone_voice: Counter
) -> None:
    essays = six_essays()
    single, one, two = (make_show(tmp_path / name, essays) for name in ("single", "one", "two"))
    assert build_show(load_show(single), voice="tone").ok

    reports = [
        build_share(load_show(root), Shard(k, 2), voice="tone") for k, root in ((1, one), (2, two))
    ]
    assert all(r.ok for r in reports)
    # each rendered its own share, together all six, and neither published anything
    shares = [set(r.built) for r in reports]
    assert shares[0] and shares[1] and not shares[0] & shares[1]
    assert len(shares[0] | shares[1]) == 6
    for root, k in ((one, 1), (two, 2)):
        names = set(tree(root / "output"))
        assert f"shard-{k}-of-2.json" in names
        assert not names & {"feed.xml", "index.html", "manifest.json"}

    # the publish job: both output/ folders in one, then one publishing step
    shutil.copytree(two / "output", one / "output", dirs_exist_ok=True)
    said = len(tone_voice.sentences)
    published = publish_show(load_show(one), voice="tone")
    assert published.ok, published.failed
    assert sorted(published.built) == sorted(shares[0] | shares[1])
    assert len(tone_voice.sentences) == said  # nothing was spoken to publish
    assert tree(one / "output") == tree(single / "output")

    # and the next build of the merged show has nothing to do
    again = build_show(load_show(one), voice="tone")
    assert again.built == [] and len(again.unchanged) == 6
    assert tree(one / "output") == tree(single / "output")


def test_a_plain_build_publishes_merged_shards_too(tmp_path: Path, tone_voice: Counter) -> None:
    essays = six_essays()
    one, two = make_show(tmp_path / "one", essays), make_show(tmp_path / "two", essays)
    build_share(load_show(one), Shard(1, 2), voice="tone")
    build_share(load_show(two), Shard(2, 2), voice="tone")
    shutil.copytree(two / "output", one / "output", dirs_exist_ok=True)
    said = len(tone_voice.sentences)
    report = build_show(load_show(one), voice="tone")
    assert report.ok and len(report.built) == 6 and len(tone_voice.sentences) == said
    assert "Merged 2 of 2 shard records (6 episodes rendered by the shards)" in report.notes
    assert not list((one / "output").glob("shard-*.json"))


def test_publish_names_what_a_missing_shard_did_not_render(
    tmp_path: Path, tone_voice: Counter
) -> None:
    essays = six_essays()
    one = make_show(tmp_path / "one", essays)
    first = build_share(load_show(one), Shard(1, 2), voice="tone")
    report = publish_show(load_show(one), voice="tone")
    assert not report.ok
    assert sorted(report.built) == sorted(first.built)
    assert len(report.failed) == 6 - len(first.built)
    assert all("shard 2/2 left no episode" in reason for _, reason in report.failed)
    assert "No record from shard 2/2: its essays are not published this time" in report.notes
    feed = (one / "output" / "feed.xml").read_text()
    assert feed.count("<item>") == len(first.built)


def test_a_shard_that_is_re_run_with_everything_published_renders_nothing(
    tmp_path: Path, tone_voice: Counter
) -> None:
    root = make_show(tmp_path / "show", six_essays())
    assert build_show(load_show(root), voice="tone").ok
    report = build_share(load_show(root), Shard(2, 3), voice="tone")
    assert report.built == [] and len(report.unchanged) == 6
    record = json.loads((root / "output" / "shard-2-of-3.json").read_text())
    assert record["entries"] == {} and record["shard"] == "2/3"


def test_cli_shard_and_publish(tmp_path: Path, tone_voice: Counter) -> None:
    root = make_show(tmp_path / "show", six_essays())
    runner = CliRunner()
    for k in (1, 2):
        result = runner.invoke(
            main,
            ["build", "--show", str(root), "--voice", "tone", "--shard", f"{k}/2", "--no-restore"],
        )
        assert result.exit_code == 0, result.output
        assert f"for shard {k}/2" in result.output
    result = runner.invoke(main, ["build", "--show", str(root), "--shard", "3/2"])
    assert result.exit_code == 2 and "--shard: '3/2' is not K/N" in result.output
    # publish has no --voice: the fingerprints name the tone voice, so it would find them stale
    result = runner.invoke(main, ["publish", "--show", str(root), "--no-restore"])
    assert result.exit_code == 1


def test_jobs_beyond_two_are_processes_and_give_the_same_bytes(
    tmp_path: Path, tone_voice: Counter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--jobs 4 here: two shard processes (2 cores), each pinned to its own core."""
    from pipeline import build
    from pipeline.fsutil import usable_cores

    assert build.worker_count(4) == min(4, usable_cores())
    assert build.worker_count(2) == 1  # two jobs are threads, as before
    sets = build.core_sets(2)
    assert not sets[0] & sets[1]
    monkeypatch.setattr(build, "CHILD_SETUP", speak_as_tone_in_child)
    essays = six_essays()
    serial, parallel = make_show(tmp_path / "serial", essays), make_show(tmp_path / "par", essays)
    assert build_show(load_show(serial), voice="tone", jobs=1).ok
    report = build_show(load_show(parallel), voice="tone", jobs=4)
    assert report.ok, report.failed
    assert len(report.built) == 6 and report.notes == []
    assert tree(parallel / "output") == tree(serial / "output")
