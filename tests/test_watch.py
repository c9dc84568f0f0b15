"""What long work shows: the live display in a pseudo-terminal, one clean line per essay
when piped, the GitHub Actions job summary, -q, and the same for check and import.

Every build here speaks with the tone engine (tests/fakes.py); no assertion is about
how long anything took: times are matched as numbers, and the estimate is tested
with synthetic events on a clock the test moves.
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import pty
import re
import select
import struct
import subprocess
import termios
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline import check
from pipeline.cli import main
from pipeline.config import load_show
from pipeline.model import BuildEvent, CheckEvent, ImportEvent
from pipeline.watch import BuildWatch, CheckWatch, ImportWatch, clock_text, display_mode

from .conftest import make_show
from .fakes import tone_cli, tone_env
from .feedsite import FEEDS, POSTS, FeedSite, refuse_the_internet

CONTROL = re.compile(r"[\x1b\r]")
NUMBER = r"\d+(?:\.\d+)?"

# three short essays: 3 + 4 + 2 sentences
ESSAYS = {
    "dawn.md": "---\ntitle: Dawn\ndate: 2026-01-05\n---\n\n"
    "The film opens at dawn. Nobody speaks. A ferry crosses the bay.\n",
    "rain.md": "---\ntitle: Rain\ndate: 2026-01-06\n---\n\n"
    "Rain falls on the harbour. The gulls wait. A radio plays in the wheelhouse. "
    "The crossing is slow.\n",
    "fog.md": "---\ntitle: Fog\ndate: 2026-01-07\n---\n\nThe fog comes in. The shore is gone.\n",
}
SENTENCES = {"dawn": 3, "rain": 4, "fog": 2}
EMPTY = {"empty.md": "---\ntitle: Empty\ndate: 2026-01-08\n---\n\n<!-- nothing yet -->\n"}
EMPTY_ERROR = (
    "Error: essays/empty.md: has nothing to read aloud (only code, HTML, markup or a script "
    "the voice cannot speak); add some text"
)


def essay_line(slug: str, sentences: int, spoken: int) -> re.Pattern[str]:
    """The piped line of one finished essay, its figures as numbers."""
    return re.compile(
        rf"{slug}: {NUMBER} min of audio, {sentences} sentences \({spoken} spoken, "
        rf"{sentences - spoken} cached\), {NUMBER} s, {NUMBER}x real time"
    )


def piped(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`essaycast ARGS` with stdout and stderr piped, as in CI, speaking as the tone."""
    environment = {**tone_env(), **env}
    if "CI" not in env:
        environment.pop("CI", None)  # piped alone must be enough
    environment.pop("GITHUB_STEP_SUMMARY", None)
    environment.update(env)
    return subprocess.run(
        tone_cli(*args), cwd=cwd, env=environment, capture_output=True, text=True, timeout=600
    )


def in_terminal(args: list[str], cwd: Path, columns: int = 200) -> str:
    """`essaycast ARGS` in a pseudo-terminal (stdout and stderr both), as a person sees it."""
    environment = {**tone_env(), "TERM": "xterm"}
    environment.pop("CI", None)
    environment.pop("GITHUB_STEP_SUMMARY", None)
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    process = subprocess.Popen(
        tone_cli(*args), cwd=cwd, env=environment, stdin=slave, stdout=slave, stderr=slave
    )
    os.close(slave)
    chunks = []
    try:
        while True:
            # a guard against a hung child, not a measurement
            ready, _, _ = select.select([master], [], [], 600)
            if not ready:
                process.kill()
                raise AssertionError("the build wrote nothing for ten minutes")
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child has closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(master)
    assert process.wait(timeout=60) == 0, b"".join(chunks).decode(errors="replace")
    return b"".join(chunks).decode()


# -- the terminal ---------------------------------------------------------------------------------

HEADER = re.compile(
    r"(done in [\d:]+|[\d:]+, estimating|[\d:]+, about [\d:]+ left) \| (\d+)/(\d+) essays \| "
    rf"(\d+) sentences spoken, (\d+) cached \| ({NUMBER}) min of audio"
)
IN_FLIGHT = re.compile(r"  (dawn|rain|fog): (\d+)/(\d+) sentences \((\d+) spoken, (\d+) cached\)")


def test_a_terminal_build_shows_counts_moving_and_the_totals_last(tmp_path: Path) -> None:
    root = make_show(tmp_path / "show", ESSAYS)
    screen = in_terminal(["build", "--show", str(root)], root)
    frames = HEADER.findall(screen)
    assert len(frames) >= 3, screen
    essays_done = [int(f[1]) for f in frames]
    spoken = [int(f[3]) for f in frames]
    minutes = [float(f[5]) for f in frames]
    # the counts move, never back, from nothing to everything
    assert essays_done == sorted(essays_done) and spoken == sorted(spoken), frames
    assert essays_done[0] == 0 and spoken[0] == 0 and minutes[0] == 0.0
    assert len(set(essays_done)) >= 3 and len(set(spoken)) >= 3
    # the last frame is the totals: every essay, every sentence spoken, none cached
    last = frames[-1]
    assert last[0].startswith("done in ")
    assert (last[1], last[2]) == ("3", "3")
    assert (int(last[3]), int(last[4])) == (sum(SENTENCES.values()), 0)
    assert float(last[5]) > 0
    # the essays in flight had lines of their own, with their own sentence counts
    flying = {m[0]: int(m[2]) for m in IN_FLIGHT.findall(screen)}
    assert flying == SENTENCES
    # each finished essay left a line above the frame, and the summary came after it
    for slug, count in SENTENCES.items():
        assert essay_line(slug, count, count).search(screen), screen
    assert screen.rindex("done in ") < screen.index("Built 3 episodes (0 unchanged) in ")
    assert "Feed: output/feed.xml, published at http://127.0.0.1:8000/tiny/feed.xml" in screen


def test_a_forced_rebuild_on_a_terminal_moves_by_pieces(tmp_path: Path) -> None:
    root = make_show(tmp_path / "show", {"dawn.md": ESSAYS["dawn.md"]})
    assert piped(["build", "--show", str(root)], root).returncode == 0
    screen = in_terminal(["build", "--show", str(root), "--force"], root)
    # every sentence is cached, so what moves is the pieces, levelled and then encoded
    assert re.search(r"  dawn: 3/3 sentences \(0 spoken, 3 cached\), levelling piece 1/\d", screen)
    assert re.search(r"  dawn: 3/3 sentences \(0 spoken, 3 cached\), encoding piece 1/\d", screen)
    assert essay_line("dawn", 3, 0).search(screen)
    last = HEADER.findall(screen)[-1]
    assert last[0].startswith("done in ") and last[1:5] == ("1", "1", "0", "3")


# -- piped, as in CI ------------------------------------------------------------------------------


def test_a_piped_build_prints_one_clean_line_per_essay_and_a_summary(tmp_path: Path) -> None:
    root = make_show(tmp_path / "show", ESSAYS)
    result = piped(["build", "--show", str(root)], root)
    assert result.returncode == 0, result.stderr
    assert not CONTROL.search(result.stdout + result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 3
    for slug, count in SENTENCES.items():
        (line,) = [text for text in lines if text.startswith(f"{slug}: ")]
        assert essay_line(slug, count, count).fullmatch(line), line
    summary = result.stdout.splitlines()
    assert len(summary) == 2
    assert re.fullmatch(
        rf"Built 3 episodes \(0 unchanged\) in {NUMBER} s: {NUMBER} min of audio, "
        rf"{NUMBER}x real time",
        summary[0],
    )
    assert summary[1] == "Feed: output/feed.xml, published at http://127.0.0.1:8000/tiny/feed.xml"

    # a rebuild of one essay with every sentence cached says so
    again = piped(["build", "--show", str(root), "--force", "--only", "fog"], root, CI="true")
    assert again.returncode == 0 and not CONTROL.search(again.stdout + again.stderr)
    (line,) = again.stderr.splitlines()
    assert essay_line("fog", 2, 0).fullmatch(line), line
    assert again.stdout.startswith("Built 1 episode (2 unchanged) in ")


def test_quiet_prints_errors_only(tmp_path: Path) -> None:
    root = make_show(tmp_path / "show", {"fog.md": ESSAYS["fog.md"], **EMPTY})
    result = piped(["build", "--show", str(root), "-q"], root)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == EMPTY_ERROR + "\n"
    screen = in_terminal(["build", "--show", str(root), "-q", "--force", "--only", "fog"], root)
    assert screen == ""


def test_json_keeps_its_shape_and_adds_the_figures(tmp_path: Path) -> None:
    root = make_show(tmp_path / "show", {"fog.md": ESSAYS["fog.md"]})
    result = piped(["build", "--show", str(root), "--json"], root)
    assert result.returncode == 0 and result.stderr == ""
    data = json.loads(result.stdout)
    assert {"ok", "dry_run", "built", "unchanged", "removed", "failed", "episodes", "seconds",
            "notes", "shard"} <= set(data)  # fmt: skip
    (render,) = data["renders"]
    assert render["slug"] == "fog" and (render["sentences"], render["spoken"]) == (2, 2)
    assert data["audio_seconds"] == pytest.approx(data["episodes"][0]["duration"], abs=0.01)
    assert data["feed"]["url"] == "http://127.0.0.1:8000/tiny/feed.xml"


# -- the GitHub Actions job summary ---------------------------------------------------------------


def test_a_failure_is_named_and_the_job_summary_has_a_table(tmp_path: Path) -> None:
    root = make_show(tmp_path / "show", {**ESSAYS, **EMPTY})
    summary = tmp_path / "step-summary.md"
    summary.write_text("# an earlier step\n", encoding="utf-8")
    result = piped(
        ["build", "--show", str(root), "--jobs", "1"],
        root,
        CI="true",
        GITHUB_STEP_SUMMARY=str(summary),
    )
    assert result.returncode == 1
    assert not CONTROL.search(result.stdout + result.stderr)
    lines = result.stderr.splitlines()
    # in plan order (--jobs 1): each essay's line as it finishes, then the failure's reason
    assert [line.split(":")[0] for line in lines] == ["dawn", "empty", "fog", "rain", "Error"]
    assert re.fullmatch(rf"empty: failed after {NUMBER} s", lines[1])
    assert lines[-1] == EMPTY_ERROR
    assert result.stdout.startswith("Built 3 episodes (0 unchanged, 1 failed) in ")

    text = summary.read_text(encoding="utf-8")
    assert text.startswith("# an earlier step\n### essaycast build\n\n")
    assert re.search(r"Built 3 episodes \(0 unchanged, 1 failed\) in [^\n]+ min of audio", text)
    assert "| Episode | Audio | Sentences | Spoken | Cached | Time | Speed |" in text
    for slug, count in SENTENCES.items():
        assert re.search(
            rf"^\| {slug} \| {NUMBER} min \| {count} \| {count} \| 0 \| {NUMBER} s \| "
            rf"{NUMBER}x \|$",
            text,
            re.M,
        ), text
    reason = EMPTY_ERROR.removeprefix("Error: essays/empty.md: ")
    assert f"**Failed**\n\n- `essays/empty.md`: {reason}\n" in text
    assert text.rstrip().endswith("Feed: <http://127.0.0.1:8000/tiny/feed.xml>")
    assert not CONTROL.search(text)

    # publish appends its own section below
    (root / "essays" / "empty.md").unlink()
    published = piped(["publish", "--show", str(root)], root, GITHUB_STEP_SUMMARY=str(summary))
    assert published.returncode == 0, published.stderr
    after = summary.read_text(encoding="utf-8")
    assert after.startswith(text) and "### essaycast publish" in after[len(text) :]


# -- the estimate, on a clock the test moves ------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_estimate_comes_from_audio_made_per_second_and_settles() -> None:
    """Two essays of 165 words (a minute of audio each at 165 words a minute), ten
    sentences each, spoken at one sentence a second: 20 s in all. From the second
    sentence on, the estimate is within a fifth of the time really left."""
    clock = FakeClock()
    watch = BuildWatch("silent", clock)
    watch(BuildEvent("start", essays=2, words=330))
    assert watch.seconds_left() is None
    assert "estimating" in watch.frame()[0]
    elapsed = 0
    for slug in ("one", "two"):
        watch(BuildEvent("essay", slug, sentences=10, cached=0, words=165))
        for k in range(1, 11):
            clock.now += 1
            elapsed += 1
            watch(BuildEvent("sentence", slug, spoken=k, audio_seconds=6.0))
            truly_left = 20 - elapsed
            estimate = watch.seconds_left()
            if elapsed >= 2 and truly_left > 0:
                assert estimate is not None
                assert abs(estimate - truly_left) <= max(0.2 * truly_left, 1.0), (elapsed, estimate)
        watch(BuildEvent("done", slug, audio_seconds=60.0, seconds=10.0))
    assert watch.frame()[0].startswith("done in 0:20 | 2/2 essays | 20 sentences spoken, 0 cached")
    assert watch.frame()[0].endswith("| 2.0 min of audio")


def test_a_cached_rebuild_is_estimated_from_its_pieces() -> None:
    clock = FakeClock()
    watch = BuildWatch("silent", clock)
    watch(BuildEvent("start", essays=1, words=165))
    watch(BuildEvent("essay", "one", sentences=10, cached=10, words=165))
    for k in range(1, 5):
        clock.now += 1
        watch(BuildEvent("levelled", "one", pieces_done=k, pieces_total=4))
    # levelled is half the work of a cached rebuild: 4 s for half, about 4 s left
    assert watch.seconds_left() == pytest.approx(4.0, abs=0.5)
    assert watch.frame()[1] == "  one: 10/10 sentences (0 spoken, 10 cached), levelling piece 4/4"
    assert "0:04, about 0:04 left | 0/1 essays" in watch.frame()[0]


def test_lines_mode_writes_one_line_per_finished_essay(capsys: pytest.CaptureFixture) -> None:
    watch = BuildWatch("lines", FakeClock())
    watch(BuildEvent("start", essays=2, words=100))
    watch(BuildEvent("essay", "never-let-me-go", sentences=59, cached=47, words=900))
    for k in range(1, 13):
        watch(BuildEvent("sentence", "never-let-me-go", spoken=k, audio_seconds=2.0))
    watch(BuildEvent("done", "never-let-me-go", audio_seconds=312.0, seconds=9.8))
    watch(BuildEvent("failed", "broken", error="has no text", seconds=0.04))
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "never-let-me-go: 5.2 min of audio, 59 sentences (12 spoken, 47 cached), 9.8 s, "
        "31.8x real time\n"
        "broken: failed after 0.0 s\n"
    )


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_display_mode_follows_the_terminal_ci_and_flags(monkeypatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setattr("sys.stderr", Terminal())
    assert display_mode(quiet=False, as_json=False) == "live"
    assert display_mode(quiet=True, as_json=False) == "silent"
    assert display_mode(quiet=False, as_json=True) == "silent"
    monkeypatch.setenv("TERM", "dumb")
    assert display_mode(quiet=False, as_json=False) == "lines"
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv("CI", "true")
    assert display_mode(quiet=False, as_json=False) == "lines"
    monkeypatch.delenv("CI")
    monkeypatch.setattr("sys.stderr", io.StringIO())  # piped
    assert display_mode(quiet=False, as_json=False) == "lines"
    assert clock_text(59.6) == "1:00" and clock_text(3600) == "1:00:00"


# -- check --------------------------------------------------------------------------------------


class HearsNothing:
    """A recogniser that hears silence, sentence by sentence, and says so as it goes."""

    def __init__(self, workers: int) -> None:
        pass

    def hear_all(self, pieces, done=None) -> list[str]:
        for n in range(1, len(pieces) + 1):
            if done:
                done(n, len(pieces))
        return [""] * len(pieces)


def test_check_shows_episodes_and_minutes_heard(tmp_path: Path, monkeypatch, tone_voice) -> None:
    root = make_show(tmp_path / "show", {"dawn.md": ESSAYS["dawn.md"], "fog.md": ESSAYS["fog.md"]})
    assert CliRunner().invoke(main, ["build", "--show", str(root), "-q"]).exit_code == 0
    monkeypatch.setattr(check, "Recognizer", HearsNothing)
    monkeypatch.setattr(check, "recognizer_unavailable", lambda: None)
    summary = tmp_path / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    events: list[CheckEvent] = []
    report = check.check_show(load_show(root), progress=events.append)
    kinds = [e.kind for e in events]
    assert kinds[0] == "start" and events[0].episodes == 2
    assert kinds.count("heard") == 3 + 2 and kinds.count("done") == 2
    total = events[0].audio_seconds
    assert total == pytest.approx(sum(e.figures.duration for e in report.episodes), abs=0.1)

    result = CliRunner(mix_stderr=False).invoke(main, ["check", "--show", str(root)])
    assert not CONTROL.search(result.stdout + result.stderr)
    progress = [line for line in result.stderr.splitlines() if " heard " in line]
    assert [line.split(":")[0] for line in progress] == ["dawn", "fog"]
    assert all(re.fullmatch(rf"\w+: {NUMBER} min heard from the cache", line) for line in progress)
    text = summary.read_text(encoding="utf-8")
    assert "### essaycast check" in text
    assert "| Episode | Audio | WER | Loudness | True peak | Verdict |" in text
    assert re.search(r"^\| dawn \| \d+\.\d min \| 100\.0 % \| ", text, re.M), text


def test_the_check_frame_counts_episodes_and_minutes() -> None:
    clock = FakeClock()
    watch = CheckWatch("silent", clock)
    watch(CheckEvent("start", episodes=2, audio_seconds=600.0))
    watch(CheckEvent("episode", "dawn", audio_seconds=240.0))
    clock.now += 10
    watch(CheckEvent("heard", "dawn", done=25, total=50))
    assert watch.frame() == [
        "0:10, about 0:40 left | 0/2 episodes checked | 2.0 of 10.0 min heard",
        "  dawn: heard 25/50 sentences",
    ]
    watch(CheckEvent("done", "dawn", audio_seconds=240.0))
    watch(CheckEvent("episode", "fog", audio_seconds=360.0))
    watch(CheckEvent("done", "fog", audio_seconds=360.0, cached=True))
    assert watch.frame() == ["done in 0:10 | 2/2 episodes checked | 10.0 of 10.0 min heard"]


# -- import -------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _only_this_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection off 127.0.0.1 fails the test."""
    refuse_the_internet(monkeypatch)


@pytest.fixture(scope="module")
def site() -> Iterator[FeedSite]:
    served = FeedSite()
    yield served
    served.close()


def test_import_prints_each_post_as_it_is_read(site: FeedSite, tmp_path: Path) -> None:
    root = make_show(tmp_path / "show", {})
    result = CliRunner(mix_stderr=False).invoke(
        main, ["import", site["wordpress"], "--show", str(root)]
    )
    assert result.exit_code == 0, result.stderr
    assert not CONTROL.search(result.stdout + result.stderr)
    lines = result.stdout.splitlines()
    posts = POSTS["wordpress"]
    assert len(lines) == posts + 1
    assert all(line.startswith("new ") for line in lines[:posts])
    assert lines[-1].startswith(f"Imported {posts} posts from {site['wordpress']}")
    again = CliRunner(mix_stderr=False).invoke(
        main, ["import", site["wordpress"], "--show", str(root), "-q"]
    )
    assert again.exit_code == 0 and again.stdout == "" and again.stderr == ""
    assert FEEDS["wordpress"] in site["wordpress"]


def test_import_in_a_terminal_counts_posts_below_their_lines(
    site: FeedSite, tmp_path: Path
) -> None:
    root = make_show(tmp_path / "show", {})
    screen = in_terminal(["import", site["wordpress"], "--show", str(root)], root)
    posts = POSTS["wordpress"]
    counts = re.findall(r"(\d+)/(\d+) posts read: (\d+) to write, (\d+) skipped", screen)
    assert counts[0] == ("0", str(posts), "0", "0")
    assert counts[-1] == (str(posts), str(posts), str(posts), "0")
    # each post's line once, written above the count (erased and drawn again below it)
    assert (
        len(re.findall(r"\x1b\[Jnew +essays/[a-z0-9-]+\.md  \(feed content\)\r\n", screen)) == posts
    )
    assert f"Imported {posts} posts from {site['wordpress']}" in screen


def test_the_import_frame_counts_posts_read_written_and_skipped(capsys) -> None:
    watch = ImportWatch("lines")
    watch(ImportEvent("start", total=4))
    watch(ImportEvent("post", 1, 4, "new", "new            essays/rain.md  (feed content)"))
    watch(ImportEvent("post", 2, 4, "unchanged", "unchanged      essays/fog.md"))
    watch(ImportEvent("post", 3, 4, "failed", "failed         Dry Stone: the page failed"))
    assert watch.frame() == ["3/4 posts read: 1 to write, 1 skipped, 1 failed"]
    captured = capsys.readouterr()
    assert captured.out == "new            essays/rain.md  (feed content)\n"
    assert captured.err == "Error: failed         Dry Stone: the page failed\n"


# -- --jobs N: the children's events come back ------------------------------------------


@pytest.mark.speaks_nothing  # in this process: the children speak, as the tone, in theirs
def test_jobs_beyond_two_send_the_childrens_events_back(
    tmp_path: Path, monkeypatch, tone_voice
) -> None:
    from pipeline import build

    from .conftest import EPOCH, six_essays
    from .fakes import speak_as_tone_in_child

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.setattr(build, "CHILD_SETUP", speak_as_tone_in_child)
    root = make_show(tmp_path / "show", six_essays())
    events: list[BuildEvent] = []
    report = build.build_show(load_show(root), voice="tone", jobs=4, progress=events.append)
    assert report.ok and len(report.built) == 6
    starts = [e for e in events if e.kind == "start"]
    assert sum(e.essays for e in starts) == 6
    if build.worker_count(4) > 1:  # one share a child process, each announced from there
        assert len(starts) == build.worker_count(4)
    done = [e.slug for e in events if e.kind == "done"]
    assert sorted(done) == sorted(report.built)
    for slug in done:  # each essay's start, its sentences, then its end, in order
        kinds = [e.kind for e in events if e.slug == slug]
        assert kinds[0] == "essay" and kinds[-1] == "done" and "sentence" in kinds
