"""A blog's posts, read where they are and as they are (issue 23).

Each folder under tests/data/blogs/ is a small site in one generator's style, written
for these tests. `essaycast init` in a copy must find the generator and write the
matching [essays]; the posts it then reads, their dates, and what the voice says of
each (`essaycast script`, golden files in <generator>/_golden/, `UPDATE_GOLDEN=1` to
rewrite them) are checked here.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.cli import main
from pipeline.config import load_show
from pipeline.model import Essay
from pipeline.text.essays import read_essay, read_essays
from pipeline.text.sentences import to_speech_text

BLOGS = Path(__file__).resolve().parent / "data" / "blogs"

# generator -> (what init says it found, [essays] paths, exclude, {published post: date})
EXPECTED: dict[str, tuple[str, tuple[str, ...], tuple[str, ...], dict[str, str]]] = {
    "jekyll": (
        "Found a Jekyll site (_config.yml, _posts/)",
        ("_posts",),
        (),
        {"_posts/2019-08-12-kind-weather.md": "2019-08-12T00:00:00+00:00"},
    ),
    "hugo": (
        "Found a Hugo site (hugo.toml, content/)",
        ("content/posts/**/*.md",),
        ("**/_index.md",),
        {
            "content/posts/a-walk-by-the-canal/index.md": "2021-02-14T00:00:00+00:00",
            "content/posts/json-post.md": "2022-03-03T00:00:00+00:00",
            "content/posts/what-would-tupac-do.md": "2020-05-01T08:30:00+00:00",
        },
    ),
    "eleventy": (
        "Found an Eleventy site (eleventy.config.js)",
        ("posts/**/*.md",),
        (),
        {"posts/2021-03-04-folding-paper.md": "2021-03-04T00:00:00+00:00"},
    ),
    "astro": (
        "Found an Astro site (astro.config.mjs, src/content/blog/)",
        ("src/content/blog/**/*.md*",),
        (),
        {"src/content/blog/tide-tables.mdx": "2022-07-08T00:00:00+00:00"},
    ),
    "mkdocs": (
        "Found a MkDocs site (mkdocs.yml (blog plugin), docs/blog/posts/)",
        ("docs/blog/posts/**/*.md",),
        (),
        {"docs/blog/posts/small-tools.md": "2024-01-31T00:00:00+00:00"},
    ),
    "obsidian": (
        "Found an Obsidian vault (.obsidian/, Essays/)",
        ("Essays/**/*.md",),
        (),
        {"Essays/On walking.md": "2023-10-10T00:00:00+00:00"},
    ),
}


def blog_show(generator: str, tmp_path: Path) -> tuple[Path, str]:
    """A copy of the generator's site with `essaycast init` run in it: (root, init output)."""
    root = tmp_path / generator
    shutil.copytree(BLOGS / generator, root, ignore=shutil.ignore_patterns("_golden"))
    result = CliRunner().invoke(main, ["init", str(root)])
    assert result.exit_code == 0, result.output
    return root, result.output


@pytest.mark.parametrize("generator", sorted(EXPECTED))
def test_init_detects_the_generator_and_writes_its_essays_table(
    generator: str, tmp_path: Path
) -> None:
    found, paths, exclude, _ = EXPECTED[generator]
    root, output = blog_show(generator, tmp_path)
    assert found in output
    show = load_show(root)
    assert (show.essays.paths, show.essays.exclude) == (paths, exclude)
    assert not (root / "essays").exists()  # no example among the blog's posts


@pytest.mark.parametrize("generator", sorted(EXPECTED))
def test_posts_are_read_where_they_are_with_their_dates_and_drafts_skipped(
    generator: str, tmp_path: Path
) -> None:
    *_, published = EXPECTED[generator]
    root, _ = blog_show(generator, tmp_path)
    show = load_show(root)
    essays, failed = read_essays(show, show.relative, now=datetime(2026, 1, 1, tzinfo=UTC))
    assert failed == []
    assert {show.relative(e.path): e.date.isoformat() for e in essays if e.date} == published
    assert len(essays) == len(published)


@pytest.mark.parametrize("generator", sorted(EXPECTED))
def test_script_of_each_post_matches_its_golden_file(generator: str, tmp_path: Path) -> None:
    root, _ = blog_show(generator, tmp_path)
    show = load_show(root)
    essays, _ = read_essays(show, show.relative, now=datetime(2026, 1, 1, tzinfo=UTC))
    golden_dir = BLOGS / generator / "_golden"
    for essay in essays:
        result = CliRunner().invoke(main, ["script", str(essay.path)])
        assert result.exit_code == 0, result.output
        header = f"title: {essay.title}\ndescription: {essay.description}\n\n"
        golden = golden_dir / f"{essay.slug}.script.txt"
        if os.environ.get("UPDATE_GOLDEN"):
            golden_dir.mkdir(exist_ok=True)
            golden.write_text(header + result.output, encoding="utf-8")
        assert header + result.output == golden.read_text(encoding="utf-8"), (
            f"{golden}: run with UPDATE_GOLDEN=1 and review the diff"
        )


def test_a_blog_in_a_subfolder_keeps_the_sample_show_golden(tmp_path: Path) -> None:
    """The sample show reads as before: its [essays] is the default essays/."""
    root = Path(__file__).resolve().parent.parent
    assert load_show(root).essays.paths == ("essays",)


# -- what is published, and what is not ------------------------------------------------------


def post(tmp_path: Path, name: str, text: str) -> Essay:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return read_essay(path, now=datetime(2026, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize(
    ("front", "reason"),
    [
        ("draft: true", "draft: true"),
        ("published: false", "published: false"),
        ("podcast: false", "podcast: false"),
        ("expiryDate: 2025-06-01", "expired on 2025-06-01"),
        ("publishDate: 2030-01-01", "publishDate: 2030-01-01 is still to come"),
        ("permalink: false", "permalink: false"),
    ],
)
def test_posts_that_are_not_published(tmp_path: Path, front: str, reason: str) -> None:
    essay = post(tmp_path, "p.md", f"---\ntitle: T\n{front}\n---\nWords.\n")
    assert essay.draft and essay.skip_reason.startswith(reason)


def test_generator_fields_are_mapped(tmp_path: Path) -> None:
    essay = post(
        tmp_path,
        "2019-08-12-kind-wicked.md",
        "---\ntitle: T\nexcerpt: An *excerpt* at https://example.org/a/b\n"
        "authors: [{name: A}, {name: B}, C]\ncategories: essays notes\n"
        "featured_image: {src: art.png}\nlast_modified_at: 2020-01-02 10:00:00 +0200\n"
        "permalink: /writing/kind-wicked/\n---\nWords.\n",
    )
    assert essay.date == datetime(2019, 8, 12, tzinfo=UTC)  # from Jekyll's file name
    assert essay.updated == datetime(2020, 1, 2, 8, tzinfo=UTC)
    assert essay.description == "An excerpt at example.org"
    assert essay.author == "A, B and C"
    assert essay.tags == ("essays", "notes")
    assert essay.image == "art.png"
    assert essay.slug == "kind-wicked"


def test_the_summary_before_more_is_the_description(tmp_path: Path) -> None:
    essay = post(tmp_path, "p.md", "+++\ntitle = 'T'\n+++\nFirst part.\n\n<!--more-->\n\nRest.\n")
    assert essay.description == "First part."


# -- template syntax never reaches what is said, shown or titled -----------------------------

SYNTAX = [
    "{{ page.title }}", "{{ site.url | relative_url }}", "{% include note.html %}",
    "{% if x %}", "{% endif %}", "{%- assign a = 1 -%}", "{# a comment #}",
    '{{< figure src="a.png" >}}', '{{< ref "x.md" >}}', "{{< youtube abc >}}",
    "{{% notice %}}", "{{% /notice %}}", "{{< /details >}}", '<Chart values={[1, 2]} />',
    "<Aside>", "</Aside>", "{frontmatter.title}", "![[embed.png]]", "{: .lead}", "%% hidden %%",
    '<sup>[1](#f1)</sup>', "{::comment}x{:/comment}",
]  # fmt: skip
MARKERS = ("{{", "}}", "{%", "%}", "{#", "#}", "{:", "<Chart", "<Aside", "</Aside", "![[", "%%")
_WORDS = st.text(
    alphabet=st.characters(whitelist_categories=("Ll", "Lu", "Nd"), max_codepoint=0x17F),
    min_size=1,
    max_size=8,
)
_PIECE = st.one_of(_WORDS, _WORDS, st.sampled_from(SYNTAX), st.sampled_from([" ", "\n", "\n\n"]))
_FRONT = st.sampled_from(
    [
        "---\ntitle: {t}\nlayout: post\n---\n",
        '+++\ntitle = "{t}"\ndraft = false\n+++\n',
        '{{\n  "title": "{t}"\n}}\n',
        "",
    ]
)


def _no_syntax(text: str) -> bool:
    return not any(marker in text for marker in MARKERS) and text.strip() not in ("---", "+++")


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    front=_FRONT,
    title=st.lists(st.one_of(_WORDS, st.sampled_from(SYNTAX[:4])), min_size=1, max_size=3),
    body=st.lists(_PIECE, min_size=1, max_size=30),
    suffix=st.sampled_from([".md", ".mdx"]),
)
def test_no_template_syntax_reaches_speech_titles_or_transcripts(
    tmp_path: Path, front: str, title: list[str], body: list[str], suffix: str
) -> None:
    heading = " ".join(title).replace('"', "")
    text = front.format(t=heading.replace("{", "{{").replace("}", "}}")) if front else ""
    text += f"# {heading}\n\n" + "".join(body) + "\n\nLast words here.\n"
    path = tmp_path / f"p{suffix}"
    path.write_text(text, encoding="utf-8")
    try:
        essay = read_essay(path)
    except Exception as exc:  # noqa: BLE001 - only an EssayError may escape
        assert type(exc).__name__ == "EssayError", exc
        return
    assert _no_syntax(essay.title) and _no_syntax(essay.description)
    speech = to_speech_text(essay)
    for chapter in speech.chapters:
        assert _no_syntax(chapter.title)
    for sentence in speech.sentences():
        assert _no_syntax(sentence.spoken) and _no_syntax(sentence.written), sentence


# -- Eleventy data files ---------------------------------------------------------------------


def test_eleventy_folder_and_post_data_apply_to_the_posts_they_stand_beside(
    tmp_path: Path,
) -> None:
    """The folder's data file is read for every post in it (once per batch), the post's
    own data file for that post only, lowest first; an edit to either is an edit."""
    posts = tmp_path / "posts"
    posts.mkdir()
    (posts / "posts.json").write_text('{"author": "Folder Writer", "tags": ["f"]}')
    (posts / "two.11tydata.json").write_text('{"author": "Own Writer"}')
    (posts / "linked.json").symlink_to(posts / "posts.json")  # a link: not read
    for name in ("one", "two", "linked"):
        (posts / f"{name}.md").write_text(f"---\ntitle: {name}\n---\n\nThe {name} post.\n")
    essays, failed = read_essays(posts)
    assert failed == []
    by_slug = {e.slug: e for e in essays}
    assert by_slug["one"].author == "Folder Writer"
    assert by_slug["two"].author == "Own Writer"
    assert by_slug["linked"].author == "Folder Writer"
    digests = {e.slug: e.digest for e in essays}
    (posts / "posts.json").write_text('{"author": "Another Writer"}')
    again = {e.slug: e for e in read_essays(posts)[0]}
    assert again["one"].author == "Another Writer"
    assert all(again[slug].digest != digest for slug, digest in digests.items())
    (posts / "posts.json").unlink()
    (posts / "linked.json").unlink()
    alone = {e.slug: e for e in read_essays(posts)[0]}
    assert alone["one"].author is None
    assert alone["two"].author == "Own Writer"
    assert alone["one"].digest != again["one"].digest
