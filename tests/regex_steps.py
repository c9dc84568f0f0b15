"""Count the steps a backtracking regex engine takes, so a test can show a pattern is linear.

Python's `re` gives no step count, and a test must never assert on the clock. This is a
small backtracking matcher over `re`'s own parse tree that does what sre does (try each
start position, greedy repeats give back one character at a time, look-arounds match in
place) and counts one step for every node it visits. Its counts grow the way sre's time
grows: linearly for a safe pattern, quadratically for one that rescans (issue 24, case 13).
Only what the normaliser's patterns use is supported; a back-reference raises.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from re import _constants as C  # type: ignore[attr-defined]
from re import _parser as P  # type: ignore[attr-defined]
from typing import Any

Cont = Callable[[int], bool]
_SINGLE = {C.LITERAL, C.NOT_LITERAL, C.ANY, C.IN}


def _in_class(items: Sequence[tuple[Any, Any]], char: str, icase: bool) -> bool:
    negate = bool(items) and items[0][0] is C.NEGATE
    chars = {char, char.lower(), char.upper()} if icase else {char}
    found = False
    for op, arg in items:
        if op is C.NEGATE:
            continue
        if op is C.LITERAL:
            found = any(ord(c) == arg for c in chars)
        elif op is C.RANGE:
            found = any(arg[0] <= ord(c) <= arg[1] for c in chars)
        elif op is C.CATEGORY:
            found = _category(arg, char)
        elif op is C.CHARSET or op is C.BIGCHARSET:  # pragma: no cover - only in compiled code
            raise NotImplementedError(op)
        if found:
            break
    return found != negate


def _category(category: Any, char: str) -> bool:
    word = char.isalnum() or char == "_"
    table = {
        C.CATEGORY_DIGIT: char.isdecimal(),
        C.CATEGORY_NOT_DIGIT: not char.isdecimal(),
        C.CATEGORY_SPACE: char.isspace(),
        C.CATEGORY_NOT_SPACE: not char.isspace(),
        C.CATEGORY_WORD: word,
        C.CATEGORY_NOT_WORD: not word,
    }
    return table[category]


class Stepper:
    """One pattern; `scan(text)` returns the steps `pattern.sub()` would take over `text`."""

    def __init__(self, pattern: re.Pattern[str], anchored: bool = False) -> None:
        self.tree = P.parse(pattern.pattern, pattern.flags)
        self.anchored = anchored
        self.flags = pattern.flags
        self.text = ""
        self.steps = 0

    def scan(self, text: str) -> int:
        """Steps to scan all of `text` as sub() does (one try at 0 if anchored, as match())."""
        self.text, self.steps = text, 0
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, 50_000))
        try:
            pos = 0
            while pos <= len(text):
                self.steps += 1
                ends = self._try(pos)
                matched = bool(ends)
                if self.anchored:
                    break
                pos = ends[0] if matched and ends[0] > pos else pos + 1
        finally:
            sys.setrecursionlimit(limit)
        return self.steps

    def _try(self, pos: int) -> list[int]:
        """The end of a match starting at pos, as a one-item list; [] when none starts here."""
        ends: list[int] = []
        self._seq(list(self.tree), 0, pos, bool(self.flags & re.I), lambda e: not ends.append(e))
        return ends

    def _one(self, node: tuple[Any, Any], pos: int, icase: bool) -> bool:
        """Does a one-character node match at pos?"""
        op, arg = node
        if pos >= len(self.text):
            return False
        char = self.text[pos]
        if op is C.LITERAL:
            return ord(char) == arg or (icase and char.lower() == chr(arg).lower())
        if op is C.NOT_LITERAL:
            return not (ord(char) == arg or (icase and char.lower() == chr(arg).lower()))
        if op is C.ANY:
            return char != "\n" or bool(self.flags & re.S)
        return _in_class(arg, char, icase)

    def _at(self, where: Any, pos: int) -> bool:
        text, multi = self.text, bool(self.flags & re.M)

        def word(i: int) -> bool:
            return 0 <= i < len(text) and (text[i].isalnum() or text[i] == "_")

        if where in (C.AT_BEGINNING, C.AT_BEGINNING_LINE):
            return pos == 0 or (multi and text[pos - 1] == "\n")
        if where is C.AT_BEGINNING_STRING:
            return pos == 0
        if where in (C.AT_END, C.AT_END_LINE):
            at_end = pos == len(text) or (pos == len(text) - 1 and text[pos] == "\n")
            return at_end or (multi and pos < len(text) and text[pos] == "\n")
        if where is C.AT_END_STRING:
            return pos == len(text)
        if where is C.AT_BOUNDARY:
            return word(pos - 1) != word(pos)
        if where is C.AT_NON_BOUNDARY:
            return word(pos - 1) == word(pos)
        raise NotImplementedError(where)

    def _seq(self, nodes: list[Any], i: int, pos: int, icase: bool, k: Cont) -> bool:
        self.steps += 1
        if i == len(nodes):
            return k(pos)
        op, arg = nodes[i]

        def rest(p: int) -> bool:
            return self._seq(nodes, i + 1, p, icase, k)

        if op in _SINGLE:
            return self._one(nodes[i], pos, icase) and rest(pos + 1)
        if op is C.AT:
            return self._at(arg, pos) and rest(pos)
        if op is C.BRANCH:
            return any(self._seq(list(alt), 0, pos, icase, rest) for alt in arg[1])
        if op is C.SUBPATTERN:
            _group, add, remove, sub = arg
            inner = (icase or bool(add & re.I)) and not (remove & re.I)
            return self._seq(list(sub), 0, pos, inner, rest)
        if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
            return self._repeat(op, arg, pos, icase, rest)
        if op in (C.ASSERT, C.ASSERT_NOT):
            direction, sub = arg
            if direction > 0:
                found = self._seq(list(sub), 0, pos, icase, lambda e: True)
            else:
                width = sub.getwidth()[0]
                start = pos - width
                found = start >= 0 and self._seq(list(sub), 0, start, icase, lambda e: e == pos)
            return (found if op is C.ASSERT else not found) and rest(pos)
        if op is C.ATOMIC_GROUP:
            ends: list[int] = []
            if not self._seq(list(arg), 0, pos, icase, lambda e: not ends.append(e)):
                return False
            return rest(ends[0])
        raise NotImplementedError(op)

    def _repeat(self, op: Any, arg: Any, pos: int, icase: bool, rest: Cont) -> bool:
        low, high, sub = arg
        sub = list(sub)
        if len(sub) == 1 and sub[0][0] in _SINGLE:
            # sre's REPEAT_ONE: take as many as allowed, then give them back one at a time
            count = 0
            while count < high and self._one(sub[0], pos + count, icase):
                self.steps += 1
                count += 1
            if count < low:
                return False
            if op is C.POSSESSIVE_REPEAT:
                return rest(pos + count)
            order = range(count, low - 1, -1) if op is C.MAX_REPEAT else range(low, count + 1)
            for n in order:
                self.steps += 1
                if rest(pos + n):
                    return True
            return False

        def again(count: int, at: int) -> bool:
            self.steps += 1

            def more() -> bool:
                return count < high and self._seq(
                    sub, 0, at, icase, lambda e: e != at and again(count + 1, e)
                )

            if op is C.MIN_REPEAT:
                return (count >= low and rest(at)) or more()
            return more() or (count >= low and rest(at))

        return again(0, pos)
