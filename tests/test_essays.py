"""read_essay / discover_essays / git_first_added: defaults, front matter and every bad input."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.errors import EssayError
from pipeline.text.essays import discover_essays, git_first_added, read_essay, slugify

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "essays"


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def error_of(path: Path) -> str:
    with pytest.raises(EssayError) as caught:
        read_essay(path)
    assert caught.value.path == str(path)
    message = caught.value.format_message()
    assert message.startswith(str(path)) and "\n" not in message  # one line, names the file
    return caught.value.reason


# -- the sample show --------------------------------------------------------------------------


def test_sample_essays_are_discovered_in_order() -> None:
    names = [p.name for p in discover_essays(SAMPLES)]
    assert names == ["never-let-me-go.md", "on-rewatching.txt", "the-long-take.md"]


def test_never_let_me_go() -> None:
    essay = read_essay(SAMPLES / "never-let-me-go.md")
    assert essay.title == "Never Let Me Go"
    assert essay.slug == "never-let-me-go"
    assert essay.author == "A. Writer"
    assert essay.date == datetime(2026, 11, 2, tzinfo=UTC)
    assert essay.markup == "markdown"
    assert essay.description.startswith("I’ve always believed there are two kinds of bleak")
    assert essay.body.lstrip().startswith("I’ve always believed")
    assert len(essay.digest) == 64


def test_the_long_take_keeps_its_own_description() -> None:
    essay = read_essay(SAMPLES / "the-long-take.md")
    assert essay.title == "The Long Take"
    assert essay.description.startswith("Why an unbroken shot")


def test_plain_text_essay_with_front_matter() -> None:
    essay = read_essay(SAMPLES / "on-rewatching.txt")
    assert (essay.title, essay.markup, essay.slug) == ("On Rewatching", "text", "on-rewatching")
    assert essay.description.startswith("Some films are better the second time")


# -- discovery ----------------------------------------------------------------------------------


def test_discovery_is_sorted_recursive_and_skips_hidden(tmp_path: Path) -> None:
    for name in ["b.md", "a.txt", "c.markdown", "notes.rst", ".draft.md", ".git/x.md", "z/d.md"]:
        write(tmp_path, name, "text")
    found = [p.relative_to(tmp_path).as_posix() for p in discover_essays(tmp_path)]
    assert found == ["a.txt", "b.md", "c.markdown", "z/d.md"]
    assert discover_essays(tmp_path / "missing") == []


# -- defaults -----------------------------------------------------------------------------------


def test_title_from_first_heading_and_description_from_first_paragraph(tmp_path: Path) -> None:
    essay = read_essay(
        write(tmp_path, "x.md", "# Café *Society*\n\nIt is [good](http://x).[^1]\n\n[^1]: n")
    )
    assert essay.title == "Café Society"
    assert essay.slug == "cafe-society"
    assert essay.description == "It is good."
    assert essay.date is None and essay.draft is False and essay.explicit is None


def test_title_from_the_file_name(tmp_path: Path) -> None:
    assert read_essay(write(tmp_path, "2026-01-02-on_long_takes.txt", "Hi.")).title == (
        "On long takes"
    )
    assert read_essay(write(tmp_path, "Mixed Case.md", "Hi.")).title == "Mixed Case"


def test_slugify() -> None:
    assert slugify("Amélie (2001): Ça va?") == "amelie-2001-ca-va"
    assert slugify("Straße & Søren") == "strasse-soren"
    assert slugify("🎬") == ""
    assert len(slugify("word " * 50)) <= 80


def test_title_without_ascii_falls_back_to_the_file_name_for_its_slug(tmp_path: Path) -> None:
    essay = read_essay(write(tmp_path, "emoji.md", "---\ntitle: 🎬🎬\n---\nHi."))
    assert essay.slug == "emoji"


def test_front_matter_values_are_typed(tmp_path: Path) -> None:
    text = (
        "---\ntitle: 1984\ndate: 2026-11-02T09:30:00+01:00\nauthor: Me\ndescription: About.\n"
        "slug: my-slug\nepisode: 3\nseason: '2'\nexplicit: yes\nvoice: espeak:en\n"
        "image: c.jpg\ndraft: false\n---\nBody.\n"
    )
    essay = read_essay(write(tmp_path, "x.md", text))
    assert essay.title == "1984"
    assert essay.date == datetime(2026, 11, 2, 8, 30, tzinfo=UTC)
    assert (essay.slug, essay.episode, essay.season, essay.explicit) == ("my-slug", 3, 2, True)
    assert (essay.voice, essay.image, essay.draft, essay.description) == (
        "espeak:en",
        "c.jpg",
        False,
        "About.",
    )


def test_dates_without_zone_are_utc(tmp_path: Path) -> None:
    essay = read_essay(write(tmp_path, "x.md", "---\ndate: 2026-11-02 10:00\n---\nHi."))
    assert essay.date == datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def test_crlf_and_bom_are_fine(tmp_path: Path) -> None:
    path = write(tmp_path, "x.md", b"\xef\xbb\xbf---\r\ntitle: T\r\n---\r\nHello.\r\n")
    essay = read_essay(path)
    assert essay.title == "T" and essay.body.strip() == "Hello."


# -- bad input: one error that names the file and the problem --------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "is empty"),
        (b"  \n\n\t", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"caf\xe9 au lait", "not valid UTF-8: byte 0xe9 on line 1 (it looks like Windows-1252"),
        (b"\xff\xfeH\x00i\x00", "UTF-16"),
        (b"---\ntitle: [unclosed\n---\nHi.", "front matter is not valid YAML on line"),
        (b"---\ntitle: T\nHi there.", "never ends"),
        (b"---\n- a\n- b\n---\nHi.", "must be `key: value` lines"),
        (b"---\ntitle: T\n---\n\n", "no text"),
        (b"---\ndate: next tuesday\n---\nHi.", "is not an ISO 8601 date"),
        (b"---\ndate: 2026-13-45\n---\nHi.", "is not an ISO 8601 date"),
        (b"---\nepisode: 0\n---\nHi.", "episode: must be a whole number from 1"),
        (b"---\nseason: true\n---\nHi.", "season: must be a whole number from 1"),
        (b"---\nexplicit: maybe\n---\nHi.", "explicit: must be true or false"),
        (b"---\ndraft: 1\n---\nHi.", "draft: must be true or false"),
        (b"---\ntitle: [a, b]\n---\nHi.", "title: must be text"),
        (b"---\ntitle: ''\n---\nHi.", "title: is empty"),
        (b"---\nauthor: {age: 3}\n---\nHi.", "author: must be a name, a list of names"),
        (b"---\ntags: {a: 1}\n---\nHi.", "tags: must be a list of words"),
        (b"---\nimage: 3\n---\nHi.", "image: must be a path or URL"),
        (b"+++\ntitle = 'T'\nHi.", "starts with +++ but never ends"),
        (b"+++\ntitle = \n+++\nHi.", "front matter is not valid TOML"),
        (b'{\n"title": \n}\nHi.', "front matter starts with { but is not valid JSON"),
        (b"+++\ndraft = 'maybe'\n+++\nHi.", "draft: must be true or false, not 'maybe'"),
    ],
)
def test_bad_input(tmp_path: Path, content: bytes, expected: str) -> None:
    assert expected in error_of(write(tmp_path, "bad.md", content))


def test_unknown_keys_are_listed_never_fatal_and_a_slug_is_made_safe(tmp_path: Path) -> None:
    essay = read_essay(
        write(tmp_path, "x.md", "---\ntitel: T\nlayout: post\nslug: Not A Slug\n---\nHi.")
    )
    assert essay.unknown_keys == ("titel", "layout")
    assert essay.slug == "not-a-slug"


def test_unreadable_and_unknown_files(tmp_path: Path) -> None:
    assert "cannot be read" in error_of(tmp_path / "missing.md")
    assert "is not an essay" in error_of(write(tmp_path, "x.rst", "Hi."))


# -- properties: nothing makes the reader fail with anything but EssayError ------------------


def _read_or_essay_error(path: Path) -> None:
    try:
        essay = read_essay(path)
    except EssayError as exc:
        assert exc.path == str(path) and exc.reason
        return
    assert essay.slug and all(c.isascii() and (c.isalnum() or c == "-") for c in essay.slug)
    assert essay.date is None or essay.date.tzinfo is not None


_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_SETTINGS
@given(content=st.binary(max_size=300), suffix=st.sampled_from([".md", ".txt"]))
def test_any_bytes(tmp_path: Path, content: bytes, suffix: str) -> None:
    _read_or_essay_error(write(tmp_path, "p" + suffix, content))


@_SETTINGS
@given(front=st.text(max_size=200), body=st.text(max_size=200))
def test_any_front_matter_text(tmp_path: Path, front: str, body: str) -> None:
    _read_or_essay_error(write(tmp_path, "p.md", f"---\n{front}\n---\n{body}"))


_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=5,
)


@_SETTINGS
@given(
    meta=st.dictionaries(
        st.sampled_from(
            [
                "title",
                "date",
                "author",
                "description",
                "slug",
                "episode",
                "season",
                "explicit",
                "voice",
                "image",
                "draft",
                "tags",
            ]
        ),
        _VALUES,
        max_size=5,
    ),
    body=st.text(max_size=100),
)
def test_any_front_matter_values(tmp_path: Path, meta: dict, body: str) -> None:
    front = yaml.safe_dump(meta, allow_unicode=True)
    _read_or_essay_error(write(tmp_path, "p.md", f"---\n{front}---\n{body}"))


# -- git -------------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_first_added_follows_renames(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org",
        "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
    }  # fmt: skip

    def git(*args: str, date: str = "2026-01-01T10:00:00+02:00") -> None:
        subprocess.run(
            ["git", *args], cwd=tmp_path, check=True, capture_output=True,
            env={**env, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date},
        )  # fmt: skip

    git("init", "-q")
    first = write(tmp_path, "first.md", "Hello there, a long enough essay to follow.\n" * 5)
    git("add", "first.md")
    git("commit", "-qm", "add")
    git("mv", "first.md", "renamed.md")
    git("commit", "-qm", "rename", date="2026-03-01T00:00:00Z")
    assert git_first_added(tmp_path / "renamed.md") == datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    assert git_first_added(write(tmp_path, "untracked.md", "x")) is None
    assert not first.exists()


def test_git_first_added_outside_a_repository(tmp_path: Path) -> None:
    assert git_first_added(write(tmp_path, "x.md", "x")) is None


# -- file names and links from outside the show (issue 24, case 9) ---------------------------


def test_a_file_name_that_is_not_utf8_is_refused_and_the_others_are_read(tmp_path: Path) -> None:
    from pipeline.text.essays import read_essays

    essays_dir = tmp_path / "essays"
    essays_dir.mkdir()
    (essays_dir / "good.md").write_text("# Good\n\nWords.\n", encoding="utf-8")
    bad = os.fsdecode(bytes(essays_dir) + b"/caf\xe9.md")
    Path(bad).write_text("# Bad name\n\nWords.\n", encoding="utf-8")
    essays, failed = read_essays(essays_dir, lambda p: str(p.relative_to(tmp_path)))
    assert [e.slug for e in essays] == ["good"]
    assert failed == [
        (
            "essays/caf\\xe9.md",
            "its file name is not valid UTF-8; rename it (e.g. with only letters and digits)",
        )
    ]
    failed[0][0].encode("utf-8")  # printable and savable: no surrogate left in it


def test_an_essay_linked_from_outside_the_show_is_refused(tmp_path: Path) -> None:
    from pipeline.text.essays import read_essays

    outside = tmp_path / "secret.md"
    outside.write_text("# Secret\n\nNot the show's.\n", encoding="utf-8")
    show = tmp_path / "show"
    (show / "essays").mkdir(parents=True)
    (show / "notes.md").write_text("# Notes\n\nInside the show.\n", encoding="utf-8")
    (show / "essays" / "leak.md").symlink_to(outside)
    (show / "essays" / "inside.md").symlink_to(show / "notes.md")
    essays, failed = read_essays(show / "essays", lambda p: str(p.relative_to(show)))
    assert [e.slug for e in essays] == ["notes"]  # a link within the show is fine
    assert failed == [
        (
            "essays/leak.md",
            "is a link to a file outside the show; copy the essay into the show instead",
        )
    ]
