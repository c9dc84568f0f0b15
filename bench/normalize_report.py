"""Exact-match per class of the normaliser on its own golden tables (tests/data/normalize).

    python bench/normalize_report.py                      # a Markdown table on stdout
    python bench/normalize_report.py --json > before.json # figures to compare against later
    python bench/normalize_report.py --baseline before.json --write bench/NORMALIZE.md

Each table file is one class of written forms (its stem, without a `_narrator` or `_en_gb`
suffix; French and German tables are their own classes). A case counts when `normalize()`
says exactly what the table says. The lowest classes come first: that is where reading is
weakest. Run with PYTHONPATH pointing at another checkout to measure that one's normaliser.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

TABLES = Path(__file__).resolve().parent.parent / "tests" / "data" / "normalize"


def class_of(stem: str) -> str:
    """'units_narrator' -> 'units'; 'de_money_times' stays itself."""
    return re.sub(r"_(?:narrator|en_gb)$", "", stem)


def cases(tables: Path = TABLES) -> list[tuple[str, str, str, str]]:
    """(class, language, written, spoken) for every row of every table."""
    rows = []
    for table in sorted(tables.glob("*.tsv")):
        language = "en-GB" if table.stem.endswith("_en_gb") else "en"
        for line in table.read_text(encoding="utf-8").splitlines():
            if found := re.match(r"#\s*language:\s*(\S+)", line):
                language = found.group(1)
            if not line.strip() or line.startswith("#"):
                continue
            written, spoken = line.split("\t")
            rows.append((class_of(table.stem), language, written, spoken))
    return rows


def measure(tables: Path = TABLES) -> dict[str, tuple[int, int]]:
    """Class -> (exact, total)."""
    from pipeline.text.normalize import normalize

    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for name, language, written, spoken in cases(tables):
        counts[name][0] += normalize(written, language) == spoken
        counts[name][1] += 1
    return {name: (hit, total) for name, (hit, total) in counts.items()}


def _percent(hit: int, total: int) -> str:
    return f"{100 * hit / total:.0f} %"


def report(figures: dict[str, tuple[int, int]], baseline: dict[str, list[int]]) -> str:
    """A Markdown table, weakest class first, with the baseline's figure where given."""
    head = "| class | exact | cases |" + (" before |" if baseline else "")
    rule = "|---|---:|---:|" + ("---:|" if baseline else "")
    lines = [head, rule]
    for name, (hit, total) in sorted(figures.items(), key=lambda kv: (kv[1][0] / kv[1][1], kv[0])):
        row = f"| {name} | {_percent(hit, total)} | {total} |"
        if baseline:
            before = baseline.get(name)
            row += f" {_percent(*before)} |" if before else " – |"
        lines.append(row)
    hit = sum(h for h, _ in figures.values())
    total = sum(t for _, t in figures.values())
    overall = f"| **all** | **{_percent(hit, total)}** | {total} |"
    if baseline:
        b_hit = sum(h for h, _ in baseline.values())
        b_total = sum(t for _, t in baseline.values())
        overall += f" {_percent(b_hit, b_total)} |"
    return "\n".join([*lines, overall]) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--baseline", type=Path, help="figures (JSON) to show as 'before'")
    parser.add_argument("--write", type=Path, help="replace the table in this Markdown file")
    args = parser.parse_args(argv)
    figures = measure()
    if args.json:
        print(json.dumps({k: list(v) for k, v in sorted(figures.items())}, indent=1))
        return 0
    baseline = json.loads(args.baseline.read_text()) if args.baseline else {}
    table = report(figures, baseline)
    if args.write:
        text = args.write.read_text(encoding="utf-8")
        start, end = "<!-- report -->\n", "<!-- /report -->"
        before, _, rest = text.partition(start)
        _, _, after = rest.partition(end)
        args.write.write_text(f"{before}{start}{table}{end}{after}", encoding="utf-8")
    sys.stdout.write(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
