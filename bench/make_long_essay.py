"""Write bench/data/long-essay.md: about 6,300 words of pairwise distinct sentences.

The long essay of issue 29 is private; this one is its stand-in, written by a
seeded grammar (no real text is copied), so that every sentence is new to the
sentence cache and a cold build synthesises all of them. Run it again to get the
same file: `python bench/make_long_essay.py`.
"""

from __future__ import annotations

import random
from pathlib import Path

OUT = Path(__file__).resolve().parent / "data" / "long-essay.md"
WORDS = 6300

HEADINGS = [
    "The lock keeper's ledger",
    "Water that remembers",
    "A winter on the towpath",
    "What the barges carried",
    "Repairs, and who pays for them",
    "The last dredger",
    "Maps that lie kindly",
]

SUBJECTS = [
    "the lock keeper",
    "my grandmother",
    "the night ferryman",
    "a surveyor from the county",
    "the old engineer",
    "every bargee I met",
    "the parish clerk",
    "a boy with a fishing net",
    "the harbour master",
    "the woman who ran the chandlery",
    "our neighbour across the cut",
    "the carpenter at the boatyard",
    "a retired schoolteacher",
    "the toll collector",
    "the council's inspector",
    "a stranger on a bicycle",
    "the lengthsman",
    "my brother",
    "the canal company's agent",
    "a painter from the city",
]
VERBS = [
    "kept a careful record of",
    "never quite trusted",
    "spoke fondly of",
    "argued about",
    "walked the length of",
    "repaired by hand",
    "measured twice a year",
    "sketched",
    "complained loudly about",
    "wrote letters concerning",
    "slowly came to understand",
    "laughed at",
    "counted",
    "photographed",
    "defended",
    "mapped without instruments",
    "quietly rebuilt",
    "inherited",
    "lost interest in",
    "timed with a pocket watch",
]
OBJECTS = [
    "the leaking gates at the top lock",
    "the height of the spring floods",
    "the brick culvert under the orchard",
    "the price of coal in the valley",
    "the heron that fished below the weir",
    "the swing bridge by the mill",
    "the reed beds along the south bank",
    "the ledger of passing boats",
    "the iron paddles and their worn teeth",
    "the stone cottages by the basin",
    "the towpath hedges",
    "the silted arm that led to the quarry",
    "the horses that once pulled the boats",
    "the tunnel and its dripping roof",
    "the reservoir on the hill",
    "the wooden footbridge",
    "the rules about mooring",
    "the winter stoppages",
    "the cargo manifests from the war years",
    "the frost on the balance beams",
]
TIMES = [
    "every autumn",
    "in the dry summer of that year",
    "before the war",
    "after the flood",
    "on Sunday mornings",
    "for nearly forty years",
    "during the long strike",
    "when the ice came",
    "in the evenings",
    "at first light",
    "once the mill closed",
    "while the railway was being built",
    "in his last winter",
    "that March",
    "long before I was born",
    "whenever the water dropped",
]
CLAUSES = [
    "and nobody thought it strange",
    "which tells you something about the place",
    "though the reasons were never written down",
    "as if the water might answer",
    "because the company would not",
    "and the habit outlived the trade",
    "but only when the weather allowed it",
    "so that the next keeper would know",
    "while the children watched from the bank",
    "and the figures still add up",
    "even though the boats had stopped coming",
    "which cost more than anyone admits",
    "and I still have the notebook",
    "as the rules of the navigation required",
]
OPENERS = [
    "",
    "",
    "",
    "In truth, ",
    "For a while, ",
    "Oddly enough, ",
    "As I remember it, ",
    "Later, ",
    "By then, ",
    "Even so, ",
    "In the end, ",
    "At the time, ",
]
QUESTIONS = [
    "Who decides what a waterway is for",
    "What does a lock remember of the boats it lifted",
    "Why do we mend things that no longer earn their keep",
    "How long does a habit survive its reason",
    "Whose map is the true one",
    "What is a towpath without a horse",
]


def sentence(rng: random.Random, seen: set[str]) -> str:
    """One new sentence, never one already written."""
    while True:
        kind = rng.random()
        if kind < 0.08:
            text = f"{rng.choice(QUESTIONS)}, {rng.choice(TIMES)}?"
        elif kind < 0.2:
            a, b = rng.sample(SUBJECTS, 2)
            text = f"{a} and {b} {rng.choice(VERBS)} {rng.choice(OBJECTS)}."
        elif kind < 0.45:
            text = (
                f"{rng.choice(OPENERS)}{rng.choice(SUBJECTS)} {rng.choice(VERBS)} "
                f"{rng.choice(OBJECTS)} {rng.choice(TIMES)}, {rng.choice(CLAUSES)}."
            )
        elif kind < 0.6:
            text = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}."
        else:
            text = (
                f"{rng.choice(OPENERS)}{rng.choice(TIMES)}, {rng.choice(SUBJECTS)} "
                f"{rng.choice(VERBS)} {rng.choice(OBJECTS)}, {rng.choice(CLAUSES)}."
            )
        text = text[0].upper() + text[1:]
        if text not in seen:
            seen.add(text)
            return text


def essay(words: int = WORDS, seed: int = 29) -> str:
    """The essay as Markdown with front matter: headings, paragraphs of 3-7 sentences."""
    rng = random.Random(seed)
    seen: set[str] = set()
    parts: list[str] = []
    count = 0
    per_chapter = words // (len(HEADINGS) + 1)
    heading = 0
    since = 0
    while count < words:
        if since >= per_chapter and heading < len(HEADINGS):
            parts.append(f"## {HEADINGS[heading]}")
            heading += 1
            since = 0
        paragraph = " ".join(sentence(rng, seen) for _ in range(rng.randint(3, 7)))
        parts.append(paragraph)
        n = len(paragraph.split())
        count += n
        since += n
    front = (
        "---\ntitle: The Canal That Kept Its Own Accounts\ndate: 2026-03-01\n"
        "author: A. Writer\ndescription: A long essay written by a grammar, for the bench.\n---\n\n"
    )
    return front + "\n\n".join(parts) + "\n"


if __name__ == "__main__":
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(essay(), encoding="utf-8")
    text = OUT.read_text(encoding="utf-8")
    print(OUT, len(text.split("---", 2)[2].split()), "words")
