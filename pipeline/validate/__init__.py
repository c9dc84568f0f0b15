"""`essaycast validate`: a table of named rules run over a feed and its local media.

Each rule is a row: the ID and level from FEED-RULES.md, what it asks, and a
check that yields one message per failure. MUST failures are errors (exit 1),
SHOULD failures are warnings. Media behind the feed's URLs is found under the
output folder when the URL starts with the base URL.

Not checked here: F5 (needs history), H1-H5 loudness (the audio tests measure
it), J1-J8 HTTP serving (serve's tests), K1-K4 client smoke tests (the test suite).

A feed whose URLs all point at this machine or the local network (a preview
for `essaycast serve`) cannot use https; A10 and D9 are not applied to it
unless `publish=True` (`--publish`), which holds it to them like any real feed.

The package: context.py (what a rule reads, and the @rule declaration), feed_rules.py
(A-D, the XML), media_rules.py (E-I, the files on disk); here the table and the run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..urls import is_local_address
from . import feed_rules, media_rules  # noqa: F401  (importing them declares their rules)
from .context import DECLARED, MUST, NS, SHOULD, Context, Rule

__all__ = ["MUST", "RULES", "SHOULD", "Finding", "Report", "Rule", "validate_feed"]


@dataclass(frozen=True)
class Finding:
    """One failure of one rule."""

    rule: str
    level: str
    message: str

    def line(self) -> str:
        return f"{self.rule}: {'error' if self.level == MUST else 'warning'}: {self.message}"


@dataclass
class Report:
    """What validate found, and what it left out."""

    feed: Path
    findings: list[Finding] = field(default_factory=list)
    rules: int = 0
    items: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == MUST]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level != MUST]

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        errors, warnings = len(self.errors), len(self.warnings)
        text = (
            f"{self.feed}: {errors} {'error' if errors == 1 else 'errors'}, {warnings} "
            f"{'warning' if warnings == 1 else 'warnings'} ({self.rules} rules, "
            f"{self.items} {'episode' if self.items == 1 else 'episodes'})"
        )
        return text + "".join(f"; {note}" for note in self.notes)


# -- the table ---------------------------------------------------------------------

# The table: every rule feed_rules and media_rules declare, in FEED-RULES.md's order
# (A1, A2, ..., A10, B1, ...), whatever the order of their declarations.
RULES: tuple[Rule, ...] = tuple(sorted(DECLARED, key=lambda r: (r.id[0], int(r.id[1:]))))


def validate_feed(
    feed: Path,
    *,
    base_url: str | None = None,
    feed_url: str | None = None,
    publish: bool = False,
    rules: tuple[Rule, ...] = RULES,
) -> Report:
    """Run every rule over `feed` and the media beside it; return the findings."""
    from lxml import etree

    data = feed.read_bytes()
    report = Report(feed=feed, rules=len(rules))
    try:
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        report.findings.append(Finding("A1", MUST, f"not well-formed XML: {exc}"))
        return report
    self_link = root.find("channel/atom:link[@rel='self']", NS)
    feed_url = feed_url or (self_link.get("href") if self_link is not None else None) or ""
    base = base_url or (feed_url.rsplit("/", 1)[0] + "/" if feed_url else "")
    preview = bool(base) and not publish and is_local_address(base)
    ctx = Context(
        feed_path=feed,
        data=data,
        feed_url=feed_url,
        base_url=base,
        output_dir=feed.parent,
        preview=preview,
        root=root,
    )
    report.items = len(ctx.items)
    if ctx.channel is None:
        report.findings.append(Finding("A2", MUST, "there is no <channel>"))
        return report
    for rule in rules:
        report.findings += [Finding(rule.id, rule.level, m) for m in rule.check(ctx)]
    if preview:
        report.notes.append(
            f"local preview at {base}: A10 and D9 (https) not applied; --publish applies them"
        )
    return report
