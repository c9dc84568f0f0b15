"""TeX maths as a narrator says it: `t \\le \\tau` -> "t less than or equal to tau".

Only simple expressions are read: letters, numbers, Greek letters, relations, the four
operations, powers, subscripts, fractions and roots. Anything else (matrices, integrals
with limits, unknown commands, long formulas) is `None`, and the caller announces a
formula instead of reading symbols aloud. Pure.
"""

from __future__ import annotations

import re

_GREEK = [
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta",
    "vartheta", "iota", "kappa", "lambda", "mu", "nu", "xi", "omicron", "pi", "varpi", "rho",
    "varrho", "sigma", "varsigma", "tau", "upsilon", "phi", "varphi", "chi", "psi", "omega",
]  # fmt: skip
_WORDS: dict[str, str] = {
    **{g: g.removeprefix("var") for g in _GREEK},
    **{g.capitalize(): f"capital {g}" for g in _GREEK if not g.startswith("var")},
    "le": "less than or equal to", "leq": "less than or equal to",
    "leqslant": "less than or equal to",
    "ge": "greater than or equal to", "geq": "greater than or equal to",
    "geqslant": "greater than or equal to",
    "ne": "is not equal to", "neq": "is not equal to", "approx": "is approximately",
    "equiv": "is equivalent to", "sim": "is of the order of", "propto": "is proportional to",
    "ll": "much less than", "gg": "much greater than",
    "in": "in", "notin": "not in", "subset": "a subset of", "subseteq": "a subset of",
    "to": "to", "rightarrow": "to", "mapsto": "maps to", "Rightarrow": "implies",
    "implies": "implies", "iff": "if and only if",
    "times": "times", "cdot": "times", "div": "divided by", "pm": "plus or minus",
    "mp": "minus or plus", "infty": "infinity", "partial": "partial", "nabla": "del",
    "sum": "the sum of", "prod": "the product of", "log": "log", "ln": "l n", "exp": "exp",
    "sin": "sine", "cos": "cosine", "tan": "tan", "max": "max", "min": "min", "lim": "the limit",
    "ldots": "and so on", "dots": "and so on", "cdots": "and so on",
    "forall": "for all", "exists": "there exists", "emptyset": "the empty set",
    "cup": "union", "cap": "intersection", "circ": "composed with", "degree": "degrees",
    "prime": "prime", "hbar": "h bar", "ell": "l",
}  # fmt: skip
_SYMBOLS: dict[str, str] = {
    "=": "equals", "<": "less than", ">": "greater than", "+": "plus", "-": "minus",
    "/": "over", "*": "times", "!": "factorial", "'": "prime", "≤": "less than or equal to",
    "≥": "greater than or equal to", "≠": "is not equal to", "×": "times", "·": "times",
    "±": "plus or minus", "→": "to", "∞": "infinity", "≈": "is approximately",
}  # fmt: skip
_SPACES = {",", ";", ":", "quad", "qquad", " ", "!", "left", "right", "big", "Big", "displaystyle"}
_TEXT = {"text", "mathrm", "mathit", "mathbf", "textrm", "textit", "operatorname", "mathsf", "bm"}
_POWERS = {"2": "squared", "3": "cubed"}
_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\d+(?:\.\d+)?|[A-Za-z]|\S")
MAX_TOKENS = 40  # longer than this, a listener loses the thread: announce it instead


class _Unreadable(Exception):
    pass


def speak(tex: str) -> str | None:
    """Simple TeX -> words; None when it is not simple enough to read aloud."""
    tokens = _TOKEN.findall(tex)
    if not tokens or len(tokens) > MAX_TOKENS:
        return None
    try:
        words, rest = _sequence(tokens, 0)
    except (_Unreadable, IndexError):
        return None
    if rest != len(tokens):
        return None
    spoken = re.sub(r"\s+", " ", " ".join(words)).strip()
    return spoken or None


def _sequence(tokens: list[str], at: int, until: str = "") -> tuple[list[str], int]:
    words: list[str] = []
    while at < len(tokens) and tokens[at] != until:
        piece, at = _atom(tokens, at)
        words += piece
    if until:
        if at >= len(tokens):
            raise _Unreadable
        at += 1  # the closing brace
    return words, at


def _group(tokens: list[str], at: int) -> tuple[list[str], int]:
    """A {braced group} or a single atom."""
    if tokens[at] == "{":
        return _sequence(tokens, at + 1, "}")
    return _atom(tokens, at)


def _atom(tokens: list[str], at: int) -> tuple[list[str], int]:
    token = tokens[at]
    at += 1
    if token == "{":
        return _sequence(tokens, at, "}")
    if token in ("(", ")", "[", "]", "|", "\\{", "\\}", "\\|"):
        return [], at  # brackets: said by the pause, not as "open bracket"
    if token == "^":
        exponent, at = _group(tokens, at)
        said = " ".join(exponent)
        if said in _POWERS:
            return [_POWERS[said]], at
        if said in ("prime", "\\prime"):
            return ["prime"], at
        return ["to the power of", *exponent], at
    if token == "_":
        subscript, at = _group(tokens, at)
        return ["sub", *subscript], at
    if token.startswith("\\"):
        name = token[1:]
        if name in ("frac", "dfrac", "tfrac"):
            top, at = _group(tokens, at)
            bottom, at = _group(tokens, at)
            return [*top, "over", *bottom], at
        if name == "sqrt":
            inner, at = _group(tokens, at)
            return ["the square root of", *inner], at
        if name in _TEXT:
            inner, at = _group(tokens, at)
            return inner, at
        if name in _SPACES:
            return [], at
        if name in _WORDS:
            return [_WORDS[name]], at
        raise _Unreadable  # \begin, \int, \mathcal and friends: announce rather than guess
    if token in _SYMBOLS:
        return [_SYMBOLS[token]], at
    if token in (",", ";", ".", ":"):
        return [token], at
    if re.fullmatch(r"\d+(?:\.\d+)?|[A-Za-z]", token):
        return [token], at
    raise _Unreadable
