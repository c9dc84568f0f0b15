"""Fixtures for the trust tests (issue 24): small shows spoken by the tone engine of
tests/fakes.py (`voice="tone"`), and shard records tampered the ways an attacker would."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline.speech import EngineInfo, VoiceInfo
from tests.conftest import make_show
from tests.fakes import Counter, ToneEngine

EPOCH = "1767225600"  # 2026-01-01

TONE = EngineInfo(
    name="tone",
    summary="test tones",
    default_voice="a4",
    voices=lambda: [VoiceInfo("a4")],
    unavailable_reason=lambda spec: None,
    create=lambda spec: ToneEngine(spec, COUNTER),
    check_voice=lambda voice: None,
    revision=lambda spec: "tone 1",
)
COUNTER = Counter()


@pytest.fixture
def tone(monkeypatch: pytest.MonkeyPatch) -> Counter:
    """`voice="tone"` speaks with the counting tone engine; builds are stamped with EPOCH."""
    from pipeline.speech import ENGINES

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.setitem(ENGINES, "tone", TONE)
    COUNTER.sentences.clear()
    return COUNTER


def essays(count: int = 3, *, dated: bool = True) -> dict[str, str]:
    """`count` short essays, one paragraph each (fractions of a second of tone)."""
    found = {}
    for i in range(count):
        date = f"date: 2026-0{i % 9 + 1}-02\n" if dated else ""
        body = f"The film opens at dawn, take {i}. Nobody speaks."
        found[f"essay-{i}.md"] = f"---\ntitle: Essay {i}\n{date}---\n\n{body}\n"
    return found


def tree(output: Path) -> dict[str, bytes]:
    """Every file under output/, by relative name."""
    return {
        str(p.relative_to(output)): p.read_bytes()
        for p in sorted(output.rglob("*"))
        if p.is_file() and p.name != ".gitkeep"
    }


def sharded(tmp_path: Path, count: int = 4, **kw: Any) -> tuple[Path, list[str]]:
    """A show whose two shards have run into one output/: (root, the record names)."""
    from pipeline.build import build_share
    from pipeline.config import load_show
    from pipeline.scale.shard import Shard

    root = make_show(tmp_path / "show", essays(count, **kw))
    for k in (1, 2):
        assert build_share(load_show(root), Shard(k, 2), voice="tone").ok
    return root, ["shard-1-of-2.json", "shard-2-of-2.json"]


def edit_record(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """Rewrite a shard record with `change` applied to its JSON."""
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def first_entry(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A record's first entry (slug, record): every test shard renders at least one."""
    slug = sorted(data["entries"])[0]
    return slug, data["entries"][slug]


def published_state(output: Path) -> dict[str, bytes]:
    """What a failed publish must leave alone: feed, page, manifest, and every file."""
    return tree(output)


@pytest.fixture
def copy_show() -> Iterator[Callable[[Path, Path], Path]]:
    """copy(root, where): the show folder, mtimes kept (as a CI checkout of one commit)."""

    def copy(root: Path, where: Path) -> Path:
        shutil.copytree(root, where, symlinks=True)
        return where

    yield copy
