"""Plain text -> the words a narrator says: numbers, money, dates, abbreviations, symbols.

`normalize()` takes one sentence (or paragraph) of plain text, markup already gone,
and returns text a TTS engine can read without spelling anything out: no digits,
no symbols it would name ("percent sign"), no abbreviations it would guess at
("Dr." as "drive"). Punctuation that is only typography (curly quotes, dashes,
ellipses, parentheses) becomes a comma-sized pause or nothing.

Rules run in a fixed order, most specific first, so "$3.50" is money before
"3.50" could be a decimal and "1990s" is a decade before "1990" could be a year.
Spoken numbers come from num2words; the small tables below hold only what no
library knows (how a narrator says "Dr." or "£", which acronyms are words).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from functools import cache

from num2words import num2words

# -- languages ------------------------------------------------------------------------------

# British-style English says "one hundred and five"; American (and our default "en") says
# "one hundred five", as the issue asks ("2001" -> "two thousand one").
_AND_VARIANTS = {"gb", "uk", "au", "nz", "ie", "in", "za"}


def _lang(language: str) -> tuple[str, bool]:
    """('en', keep_and) from a BCP 47 tag such as 'en-GB'."""
    parts = language.replace("_", "-").lower().split("-")
    return parts[0] or "en", len(parts) > 1 and parts[1] in _AND_VARIANTS


# -- number words ---------------------------------------------------------------------------


class _Say:
    """Number words in one language; the rules below call it."""

    def __init__(self, language: str) -> None:
        self.lang, self.keep_and = _lang(language)

    def _n2w(self, value: int | float, to: str = "cardinal") -> str:
        try:
            words = num2words(value, lang=self.lang, to=to)
        except (NotImplementedError, OverflowError, ValueError, TypeError):
            # num2words lacks this language or form: English is better than silence
            words = num2words(value, lang="en", to=to if to != "year" else "cardinal")
        words = words.replace(",", "")  # num2words' commas would become pauses
        if self.lang == "en" and not self.keep_and:
            words = re.sub(r"\band\s+", "", words)
        return words

    def cardinal(self, digits: str) -> str:
        digits = digits.replace(",", "")
        if len(digits) > 15 or (len(digits) > 1 and digits.startswith("0")):
            # serial numbers, IDs and "007" are read digit by digit
            return self.digits(digits)
        return self._n2w(int(digits))

    def digits(self, digits: str) -> str:
        return " ".join(self._n2w(int(d)) for d in digits if d.isdigit())

    def decimal(self, number: str) -> str:
        whole, _, frac = number.replace(",", "").partition(".")
        point = "point" if self.lang == "en" else ","
        spoken = self.cardinal(whole or "0")
        return f"{spoken} {point} {self.digits(frac)}" if frac else spoken

    def number(self, number: str) -> str:
        return self.decimal(number) if "." in number else self.cardinal(number)

    def ordinal(self, digits: str) -> str:
        return self._n2w(int(digits.replace(",", "")), to="ordinal")

    def year(self, digits: str) -> str:
        value = int(digits)
        if self.lang != "en":
            return self._n2w(value, to="year")
        if 2000 <= value <= 2009 or value % 1000 == 0 or value < 1000:
            return self._n2w(value)  # "two thousand one", "two thousand"
        return self._n2w(value, to="year")

    def plural(self, words: str) -> str:
        """'nineteen ninety' -> 'nineteen nineties' (decades)."""
        head, _, last = words.rpartition(" ")
        last = (
            last[:-1] + "ies"
            if last.endswith("y")
            else last + ("es" if last.endswith("x") else "s")
        )
        return f"{head} {last}".strip()


# -- tables: what a narrator knows and no library does ---------------------------------------

_MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
_MONTH_ABBR = {m[:3].lower(): m for m in _MONTHS} | {"sept": "September"}
_MONTH_RE = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)"
)

# symbol -> (one, many, one minor, many minor); num2words' own table says "pounds sterling"
# and "euro" for the plural, which is not how anyone reads a price aloud.
_CURRENCIES = {
    "$": ("dollar", "dollars", "cent", "cents"),
    "US$": ("dollar", "dollars", "cent", "cents"),
    "£": ("pound", "pounds", "penny", "pence"),
    "€": ("euro", "euros", "cent", "cents"),
    "¥": ("yen", "yen", "sen", "sen"),
    "₹": ("rupee", "rupees", "paisa", "paise"),
    "₩": ("won", "won", "jeon", "jeon"),
    "₽": ("rouble", "roubles", "kopek", "kopeks"),
    "₺": ("lira", "lira", "kurus", "kurus"),
    "₪": ("shekel", "shekels", "agora", "agorot"),
}
_SCALES = {
    "thousand": "thousand", "k": "thousand", "million": "million", "m": "million",
    "mn": "million", "billion": "billion", "bn": "billion", "b": "billion",
    "trillion": "trillion", "tn": "trillion",
}  # fmt: skip

# Abbreviations with one reading, whatever surrounds them. Keys are lower-case without
# their final period; a trailing period is consumed with them.
_ABBREVIATIONS = {
    "mr": "Mister", "mrs": "Missus", "ms": "Miz", "mx": "Mix", "prof": "Professor",
    "jr": "Junior", "sr": "Senior", "vs": "versus", "etc": "et cetera",
    "approx": "approximately", "cf": "compare", "ca": "circa", "esp": "especially",
    "dept": "department", "est": "established", "gov": "Governor", "gen": "General",
    "capt": "Captain", "sgt": "Sergeant", "lt": "Lieutenant", "col": "Colonel",
    "rev": "Reverend", "hon": "Honourable", "fr": "Father", "mt": "Mount", "ft": "Fort",
    "inc": "Incorporated", "ltd": "Limited", "corp": "Corporation", "co": "Company",
    "bros": "Brothers", "assn": "Association", "univ": "University", "vol": "volume",
    "fig": "figure", "ch": "chapter", "ed": "edition", "dir": "directed by",
}  # fmt: skip
# Dotted lower-case abbreviations, matched with their dots.
_DOTTED = {
    "e.g.": "for example", "i.e.": "that is", "viz.": "namely", "et al.": "and others",
    "a.m.": "A M", "p.m.": "P M", "a.k.a.": "also known as", "n.b.": "note",
    "p.s.": "P S", "r.i.p.": "rest in peace", "q.v.": "which see",
}  # fmt: skip
# Units after a number: (singular, plural). "35mm film" reads "thirty-five millimetre film".
_UNITS = {
    "mm": ("millimeter", "millimeters"), "cm": ("centimeter", "centimeters"),
    "m": ("meter", "meters"), "km": ("kilometer", "kilometers"), "g": ("gram", "grams"),
    "kg": ("kilogram", "kilograms"), "lb": ("pound", "pounds"), "lbs": ("pound", "pounds"),
    "oz": ("ounce", "ounces"), "ft": ("foot", "feet"), "in": ("inch", "inches"),
    "mi": ("mile", "miles"), "mph": ("mile per hour", "miles per hour"),
    "km/h": ("kilometer per hour", "kilometers per hour"), "kph": ("kilometer per hour",
    "kilometers per hour"), "fps": ("frame per second", "frames per second"),
    "min": ("minute", "minutes"), "mins": ("minute", "minutes"), "hr": ("hour", "hours"),
    "hrs": ("hour", "hours"), "sec": ("second", "seconds"), "secs": ("second", "seconds"),
    "ms": ("millisecond", "milliseconds"), "kb": ("kilobyte", "kilobytes"),
    "mb": ("megabyte", "megabytes"), "gb": ("gigabyte", "gigabytes"),
    "tb": ("terabyte", "terabytes"), "hz": ("hertz", "hertz"), "khz": ("kilohertz", "kilohertz"),
    "mhz": ("megahertz", "megahertz"), "ghz": ("gigahertz", "gigahertz"),
    "k": ("K", "K"), "p": ("P", "P"), "d": ("D", "D"), "x": ("times", "times"),
}  # fmt: skip
_UNIT_UK = {"meter": "metre", "meters": "metres", "kilometer": "kilometre",
            "kilometers": "kilometres", "millimeter": "millimetre", "millimeters": "millimetres",
            "centimeter": "centimetre", "centimeters": "centimetres"}  # fmt: skip
# A four-digit number before one of these is a count, not a year ("1350 people").
_COUNT_NOUNS = (
    "people|persons|men|women|children|words|pages|copies|times|miles|feet|meters|metres|"
    "kilometers|kilometres|dollars|pounds|euros|votes|years|days|hours|minutes|seconds|"
    "frames|shots|films|movies|screens|seats|tickets|members|students|soldiers|extras|"
    "units|items|points|calories|kilograms|pixels"
)
# Acronyms read as words, not letters. Longer unknown ones are read as words when they look
# pronounceable; shorter ones are spelled. A writer fixes the rest in [lexicon].
_ACRONYM_WORDS = {
    "NASA", "NATO", "UNESCO", "UNICEF", "IMAX", "BAFTA", "OPEC", "FIFA", "UEFA", "NAFTA",
    "AIDS", "LASER", "RADAR", "SCUBA", "SWAT", "ASCII", "JPEG", "GIF", "PIN", "SIM", "COVID",
    "OSHA", "FEMA", "DARPA", "NORAD", "SONAR", "WASP", "MOMA", "ASAP", "TED", "SAG", "NAB",
    "LEGO", "ANZAC", "AWOL", "SARS", "UNIX", "WIFI", "PDF", "OK", "UFO",
}  # fmt: skip
_SPELLED_OVERRIDES = {"OK": "okay", "PDF": "P D F", "UFO": "U F O", "WIFI": "wifi"}
_MIXED_CASE = {"PhD": "P H D", "PhDs": "P H Ds", "MSc": "M S C", "BSc": "B S C", "TVs": "T Vs"}
_LETTER_INITIALISMS = {
    "USSR",
    "UCLA",
    "ACLU",
    "NAACP",
    "NYPD",
    "LAPD",
    "NYC",
    "HTML",
    "HTTP",
    "USA",
    "UK",
    "EU",
    "UN",
    "TV",
    "DVD",
    "BBC",
    "HBO",
    "CEO",
    "FBI",
    "CIA",
}
# Ordinal regnal numbers follow these names: "Henry VIII" -> "Henry the Eighth". Other
# capitalised words take a cardinal: "Rocky II" -> "Rocky Two", "Super Bowl LVII".
_REGNAL = {
    "Henry", "Edward", "George", "William", "Elizabeth", "Charles", "James", "Louis",
    "Richard", "John", "Paul", "Pius", "Benedict", "Gregory", "Leo", "Innocent", "Clement",
    "Mary", "Anne", "Philip", "Frederick", "Peter", "Catherine", "Napoleon", "Ramesses",
    "Alexander", "Nicholas", "Ivan", "Wilhelm", "Ferdinand", "Isabella", "Felipe", "Carl",
    "Gustav", "Olav", "Harald", "Haakon", "Christian", "Frederik", "Constantine", "Stephen",
    "Alfonso", "Pedro", "Ludwig", "Otto", "Rudolf", "Leopold", "Joseph", "Franz", "Karl",
    "Umberto", "Amenhotep", "Thutmose", "Urban", "Boniface", "Sixtus", "Julius", "Alexios",
    "Malcolm", "David", "Robert", "Victor", "Manuel", "Selim", "Mehmed", "Suleiman",
}  # fmt: skip
# Words after which a Roman numeral is a plain number, single letters included ("Act I").
_NUMERAL_CUES = (
    "War|Part|Chapter|Act|Scene|Volume|Vol|Book|Episode|Season|Phase|Round|Type|Class|Level|"
    "Section|Article|Title|Appendix|Stage|Edition|Series|Movement|Canto|Psalm|Symphony|Mark|"
    "part|chapter|act|scene|volume|book|episode|season|phase|round|type|class|level|section"
)
_FRACTIONS = {2: ("half", "halves"), 4: ("quarter", "quarters")}

_ROMAN = re.compile(r"^M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def _roman_value(numeral: str) -> int | None:
    if not numeral or not _ROMAN.match(numeral):
        return None
    total = 0
    for here, after in zip(numeral, numeral[1:] + " ", strict=True):
        value = _ROMAN_VALUES[here]
        total += -value if after != " " and _ROMAN_VALUES[after] > value else value
    return total


# -- the rules --------------------------------------------------------------------------------

Rule = tuple[re.Pattern[str], Callable[[re.Match[str], _Say], str]]
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"  # 1,234,567.89 or 1234.5
_B = r"(?<![\w.,])"  # a number starts here: not inside a word or another number
_E = r"(?![\w]|[.,]\d)"  # and ends here


def _month(word: str) -> str:
    """'Sept.', 'Nov' or 'November' -> 'November'."""
    return _MONTH_ABBR.get(word.rstrip(".").lower()[:3], word)


def _date(month: str, day: str | None, year: str | None, say: _Say, british: bool) -> str:
    name = _month(month)
    parts = []
    if day:
        ordinal = say.ordinal(day)
        parts.append(f"the {ordinal} of {name}" if british else f"{name} {ordinal}")
    else:
        parts.append(name)
    if year:
        parts.append(("," if day else "") + " " + say.year(year))
    return "".join(parts)


def _iso_date(m: re.Match[str], say: _Say) -> str:
    year, month, day = m.group(1), int(m.group(2)), m.group(3)
    return _date(_MONTHS[month - 1], day, year, say, say.keep_and)


def _slash_date(m: re.Match[str], say: _Say) -> str:
    a, b, year = int(m.group(1)), int(m.group(2)), m.group(3)
    if len(year) == 2:
        year = ("20" if int(year) < 50 else "19") + year
    # 11/02/2026 is month first in American English, day first in British; 25/12 is clear
    if a > 12 or (say.keep_and and b <= 12):
        day, month = a, b
    else:
        day, month = b, a
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return m.group(0).replace("/", " slash ")
    return _date(_MONTHS[month - 1], str(day), year, say, say.keep_and)


def _month_day(m: re.Match[str], say: _Say) -> str:
    return _date(m.group(1), m.group(2), m.group(3), say, british=False)


def _day_month(m: re.Match[str], say: _Say) -> str:
    return _date(m.group(2), m.group(1), m.group(3), say, british=True)


def _month_year(m: re.Match[str], say: _Say) -> str:
    return f"{_month(m.group(1))} {say.year(m.group(2))}"


def _time(m: re.Match[str], say: _Say) -> str:
    hour, minute, second, meridiem = m.group(1), m.group(2), m.group(3), m.group(4)
    words = say.cardinal(hour.lstrip("0") or "0")
    if minute and minute != "00":
        words += " " + (
            f"oh {say.cardinal(minute[1])}" if minute[0] == "0" else say.cardinal(minute)
        )
    elif minute == "00" and not meridiem:
        words += (
            " hundred"
            if len(hour) == 2 and hour.startswith(("0", "1", "2")) and int(hour) > 12
            else " o'clock"
        )
    if second:
        words += f" and {say.cardinal(second.lstrip('0') or '0')} seconds"
    if meridiem:
        words += " " + " ".join(c.upper() for c in meridiem if c.isalpha())
    return words


def _meridiem(m: re.Match[str], say: _Say) -> str:
    return f"{say.cardinal(m.group(1))} " + " ".join(c.upper() for c in m.group(2) if c.isalpha())


def _ratio(m: re.Match[str], say: _Say) -> str:
    return f"{say.number(m.group(1))} to {say.number(m.group(2))}"


def _money(m: re.Match[str], say: _Say) -> str:
    return _amount(m.group(1), m.group(2), m.group(3), say)


def _money_after(m: re.Match[str], say: _Say) -> str:
    """12 € and 12€: the symbol after the amount, as much of Europe writes it."""
    return _amount(m.group(2), m.group(1), m.group(3), say)


def _amount(symbol: str, amount: str, scale: str | None, say: _Say) -> str:
    """'$', '3.50' -> 'three dollars and fifty cents'; '€', '1.2', 'million' -> '... euros'."""
    one, many, minor_one, minor_many = _CURRENCIES[symbol.upper()]
    scale = (scale or "").strip().lower()
    if scale:
        return f"{say.number(amount)} {_SCALES[scale]} {many}"
    whole, _, cents = amount.replace(",", "").partition(".")
    if len(cents) not in (0, 2):
        return f"{say.decimal(amount)} {many}"  # $10.5: not a price in cents
    spoken = f"{say.cardinal(whole or '0')} {one if int(whole or '0') == 1 else many}"
    if cents and int(cents):
        minor = minor_one if int(cents) == 1 else minor_many
        cent_words = f"{say.cardinal(cents.lstrip('0'))} {minor}"
        return cent_words if int(whole or "0") == 0 else f"{spoken} and {cent_words}"
    return spoken


def _percent(m: re.Match[str], say: _Say) -> str:
    start, end = m.group(1), m.group(2)
    if end:
        return f"{say.number(start)} to {say.number(end)} percent"
    return f"{say.number(start)} percent"


def _decade(m: re.Match[str], say: _Say) -> str:
    digits = m.group(2)
    if len(digits) == 2:  # '90s
        return say.plural(say.cardinal(digits)) if digits != "00" else "two thousands"
    return say.plural(say.year(digits))


def _decade_range(m: re.Match[str], say: _Say) -> str:
    second = m.group(2)
    words = say.cardinal(second) if len(second) == 2 else say.year(second)
    return f"{say.plural(say.year(m.group(1)))} to {say.plural(words)}"


def _hyphen_range(m: re.Match[str], say: _Say) -> str:
    first, second = int(m.group(1)), int(m.group(2))
    if first < second:
        return f"{say.cardinal(m.group(1))} to {say.cardinal(m.group(2))}"
    # "a 5-4 decision", "won 3-2": a score, not a range
    return f"{say.cardinal(m.group(1))} {say.cardinal(m.group(2))}"


def _phone(m: re.Match[str], say: _Say) -> str:
    groups = re.findall(r"\d+", m.group(0))
    return ", ".join(say.digits(g) for g in groups)


def _version(m: re.Match[str], say: _Say) -> str:
    return " point ".join(say.cardinal(p) for p in m.group(0).split("."))


def _hours_minutes(m: re.Match[str], say: _Say) -> str:
    hours, minutes = m.group(1), m.group(2)
    return (
        f"{say.cardinal(hours)} hour{'s' if hours != '1' else ''} "
        f"{say.cardinal(minutes)} minute{'s' if minutes != '1' else ''}"
    )


def _year_range(m: re.Match[str], say: _Say) -> str:
    first, second = m.group(1), m.group(2)
    second_words = say.year(second) if len(second) == 4 else say.cardinal(second)
    if len(second) == 2 and second.startswith("0"):
        second_words = "oh " + say.cardinal(second[1])
    return f"{say.year(first)} to {second_words}"


def _range(m: re.Match[str], say: _Say) -> str:
    return f"{say.number(m.group(1))} to {say.number(m.group(2))}"


def _fraction(m: re.Match[str], say: _Say) -> str:
    whole, top, bottom = m.group(1), int(m.group(2)), int(m.group(3))
    if bottom == 0 or (not whole and top >= bottom):
        if top == bottom and top in (5, 10, 100):
            return f"{say.cardinal(str(top))} out of {say.cardinal(str(bottom))}"  # 10/10
        return f"{say.cardinal(str(top))} {say.cardinal(str(bottom))}"  # 50/50, 20/20
    if bottom in _FRACTIONS:
        name = _FRACTIONS[bottom][0 if top == 1 else 1]
    else:
        name = say.ordinal(str(bottom)) + ("" if top == 1 else "s")
    if whole:
        article = "a" if top == 1 else say.cardinal(str(top))
        return f"{say.cardinal(whole)} and {article} {name}"
    return f"{say.cardinal(str(top))} {name}"


def _out_of(m: re.Match[str], say: _Say) -> str:
    return f"{say.number(m.group(1))} out of {say.number(m.group(2))}"


def _pair(m: re.Match[str], say: _Say) -> str:
    """24/7, 9/11: numbers that are names, read as two numbers."""
    return f"{say.cardinal(m.group(1))} {say.cardinal(m.group(2))}"


def _ordinal(m: re.Match[str], say: _Say) -> str:
    return say.ordinal(m.group(1))


def _unit(m: re.Match[str], say: _Say) -> str:
    number, space, unit = m.group(1), m.group(2), m.group(3)
    if unit in ("M", "B", "b"):  # 5M viewers, 2B budget: millions and billions
        return f"{say.number(number)} {_SCALES[unit.lower()]}"
    one, many = _UNITS.get(unit) or _UNITS[unit.lower()]
    # attached ("35mm film") is an adjective: singular; spaced ("3 min") is a quantity
    rate = unit.lower() in ("fps", "mph", "kph", "km/h") or unit.lower().endswith("hz")
    word = one if (not space and not rate) or number in ("1", "1.0") else many
    if say.keep_and:
        word = " ".join(_UNIT_UK.get(w, w) for w in word.split())
    return f"{say.number(number)} {word}"


def _year(m: re.Match[str], say: _Say) -> str:
    return say.year(m.group(1))


def _number(m: re.Match[str], say: _Say) -> str:
    sign = "minus " if m.group(1) else ""
    return sign + say.number(m.group(2))


def _roman_cue(m: re.Match[str], say: _Say) -> str:
    cue, value = m.group(1), _roman_value(m.group(2))
    if value is None:
        return m.group(0)
    words = say.cardinal(str(value))
    cue = {"Vol": "Volume", "vol": "volume"}.get(cue, cue)
    return f"{cue} {_title(words) if cue[0].isupper() else words}"


def _roman_name(m: re.Match[str], say: _Say) -> str:
    name, numeral = m.group(1), m.group(2)
    value = _roman_value(numeral)
    if value is None:
        return m.group(0)
    if name in _REGNAL:
        return f"{name} the {_title(say.ordinal(str(value)))}"
    return f"{name} {_title(say.cardinal(str(value)))}"


def _title(words: str) -> str:
    """'twenty-first' -> 'Twenty-First', as a name's number is written."""
    return re.sub(r"[a-z]+", lambda m: m.group(0).capitalize(), words)


def _world_war(m: re.Match[str], say: _Say) -> str:
    return "World War " + _title(say.cardinal(str(len(m.group(1)))))


def _doctor(m: re.Match[str], say: _Say) -> str:
    before, abbr, after = m.group(1) or "", m.group(2), m.group(3) or ""
    # "Mulholland Dr." is a road, "Dr. Strangelove" a doctor, "Baker St." a street
    place = bool(before) and before[0].isupper() and not (after and after[0].isupper())
    word = {"dr": ("Doctor", "Drive"), "st": ("Saint", "Street")}[abbr.lower()][place]
    return f"{before}{' ' if before else ''}{word}{after and ' ' + after}"


def _abbreviation(m: re.Match[str], say: _Say) -> str:
    return _ABBREVIATIONS[m.group(1).lower()]


def _dotted(m: re.Match[str], say: _Say) -> str:
    key = re.sub(r"\s+", " ", m.group(0).lower())
    return _DOTTED.get(key) or _DOTTED[key.replace(" ", "")]


def _page(m: re.Match[str], say: _Say) -> str:
    return ("pages " if m.group(1).lower() == "pp" else "page ") + m.group(2)


def _numbered(m: re.Match[str], say: _Say) -> str:
    return ("numbers " if m.group(1).lower() == "nos" else "number ") + m.group(2)


def _circa(m: re.Match[str], say: _Say) -> str:
    return "circa " + m.group(1)


def _dotted_initialism(m: re.Match[str], say: _Say) -> str:
    return " ".join(c for c in m.group(0) if c.isalpha())


def _initial(m: re.Match[str], say: _Say) -> str:
    return m.group(1)  # "J. R. R. Tolkien" -> "J R R Tolkien": no full stops mid-name


def _caps(m: re.Match[str], say: _Say) -> str:
    word, tail = m.group(1), m.group(2) or ""
    upper = word.upper()
    if upper in _SPELLED_OVERRIDES:
        return _SPELLED_OVERRIDES[upper] + tail
    if (
        word.isupper()
        and upper not in _ACRONYM_WORDS
        and (upper in _LETTER_INITIALISMS or len(word) <= 4 or not _pronounceable(word))
    ):
        letters = " ".join(word)
        return letters + ("s" if tail.lower() == "s" else tail)  # DVDs -> D V Ds
    return word + tail


def _pronounceable(word: str) -> bool:
    """A rough test: vowels in it and no more than two consonants in a row."""
    return bool(re.fullmatch(r"[^AEIOUY]{0,2}(?:[AEIOUY]+[^AEIOUY]{0,2})+", word.upper()))


def _url(m: re.Match[str], say: _Say) -> str:
    host = re.sub(r"^(?:https?://)?(?:www\.)?", "", m.group(0), flags=re.I).split("/")[0]
    host = host.split(":")[0].split("@")[-1]
    return " dot ".join(p for p in host.split(".") if p)


def _email(m: re.Match[str], say: _Say) -> str:
    user, domain = m.group(1), m.group(2)
    user = re.sub(
        r"[._-]", lambda c: {".": " dot ", "_": " underscore ", "-": " dash "}[c[0]], user
    )
    return f"{user} at {' dot '.join(domain.split('.'))}"


def _hashtag(m: re.Match[str], say: _Say) -> str:
    return "hashtag " + m.group(1)


def _degrees(m: re.Match[str], say: _Say) -> str:
    scale = {"C": " Celsius", "F": " Fahrenheit", "K": " kelvin"}.get(m.group(2) or "", "")
    return f"{say.number(m.group(1))} degree{'' if m.group(1) == '1' else 's'}{scale}"


def _times(m: re.Match[str], say: _Say) -> str:
    """1920x1080 -> "nineteen twenty by ten eighty", as people say screen sizes."""

    def side(digits: str) -> str:
        return say.year(digits) if len(digits) == 4 else say.cardinal(digits)

    return f"{side(m.group(1))} by {side(m.group(2))}"


def _english_rules() -> list[Rule]:
    def r(pattern: str, fn: Callable[[re.Match[str], _Say], str], flags: int = 0) -> Rule:
        return re.compile(pattern, flags), fn

    month = _MONTH_RE
    return [
        # places for pages and numbers come first: "pp. 10-12" before the range rule
        r(r"\b(pp?)\.\s?(?=\d)(\d+)", _page, re.I),
        r(r"\b(Nos?)\.\s?(\d+)", _numbered),
        r(r"#(?=\d)(\d+)", lambda m, s: "number " + m.group(1)),
        r(r"\b(?:c|ca|circa)\.\s?(\d{3,4}s?)\b", _circa),
        r(r"\bWW(I{1,2})\b", _world_war),
        # money first: "$3" is never a time or a plain number
        r(
            r"(US\$|[$£€¥₹₩₽₺₪])\s?(" + _NUM + r")(\s?(?:thousand|million|billion|trillion"
            r"|bn|mn|tn|[kmb])\b)?",
            _money,
            re.I,
        ),
        r(
            _B + r"(" + _NUM + r")\s?([$£€¥₹₩₽₺₪])(\s?(?:thousand|million|billion)\b)?",
            _money_after,
        ),
        # dates and times
        r(_B + r"(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])" + _E, _iso_date),
        r(_B + r"(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})" + _E, _slash_date),
        r(rf"\b({month})\s(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s(\d{{4}}))?" + _E, _month_day),
        r(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s(?:of\s)?({month})(?:,?\s(\d{{4}}))?" + _E, _day_month),
        r(rf"\b({month})\s(\d{{4}})" + _E, _month_year),
        r(
            _B + r"([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?"
            r"(?:\s?([aApP]\.?[mM]\.?)(?![\w]))?" + _E,
            _time,
        ),
        r(_B + r"(1[0-2]|0?[1-9])\s?([aApP]\.[mM]\.|[aApP][mM])(?![\w])", _meridiem),
        r(_B + r"(\d+(?:\.\d+)?):(1)" + _E, _ratio),  # aspect ratios: 1.85:1, 2.39:1
        r(_B + r"(?:\(\d{3}\)\s?|\d{3}[-. ])?\d{3}[-.]\d{4}" + _E, _phone),
        r(_B + r"\d+(?:\.\d+){2,}" + _E, _version),
        r(r"(?<![\w.,])\.(\d+)" + _E, lambda m, s: "point " + s.digits(m.group(1))),
        r(_B + r"(\d+)\s?h(?:rs?)?\s?(\d+)\s?m(?:in)?" + _E, _hours_minutes),
        r(_B + r"(" + _NUM + r")(?:\s?%?\s?(?:-|–|—|to)\s?(" + _NUM + r"))?\s?%", _percent),
        # decades before years, year ranges before plain ranges
        r(
            _B + r"(1\d{3}|20\d{2})(?<=0)s\s?(?:–|—|-|to)\s?['’]?(\d{2}|1\d{3}|20\d{2})(?<=0)s\b",
            _decade_range,
        ),
        r(r"(?<![\w.,])(['’]?)(\d{2}|1\d{3}|20\d{2})(?<=0)s\b", _decade),
        r(_B + r"(1\d{3}|20\d{2})\s?(?:–|—|-|to)\s?(1\d{3}|20\d{2}|\d{2})" + _E, _year_range),
        r(_B + r"(" + _NUM + r")\s?(?:–|—)\s?(" + _NUM + r")" + _E, _range),
        r(_B + r"(\d+)-(\d+)" + _E, _hyphen_range),
        # fractions: 9/11 and 24/7 are names, 4/5 stars a score, the rest real fractions
        r(_B + r"(9)/(11)" + _E, _pair),
        r(_B + r"(24)/(7)" + _E, _pair),
        r(_B + r"(\d+(?:\.\d+)?)/(\d+(?:\.\d+)?)(?=\s+stars?\b)", _out_of),
        r(_B + r"(?:(\d+)\s)?(\d+)[/⁄](\d{1,3})" + _E, _fraction),
        r(_B + r"(\d+)(?:st|nd|rd|th)\b", _ordinal),
        r(_B + r"(" + _NUM + r")\s?°\s?([CFK])?\b", _degrees),
        r(_B + r"(\d+)\s?[x×]\s?(\d+)" + _E, _times),
        # units after a number
        r(
            _B + r"(" + _NUM + r")(\s?)(km/h|mm|cm|km|kg|lbs|lb|oz|ft|mph|kph|fps|mins?|hrs?|secs?"
            r"|ms|[kmgt]b|[kmg]?hz|m|g|mi|M|B)\b",
            _unit,
            re.I,
        ),
        r(_B + r"(\d+)()(K|p|D|x)\b", _unit),  # 4K, 1080p, 3D, 2x
        # years: a lone four-digit number from 1000 to 2099, unless it counts something
        r(_B + r"(1\d{3}|20\d{2})(?!\s(?:" + _COUNT_NOUNS + r")\b)" + _E, _year),
        r(r"(?<![\w.,])([-−–])?(" + _NUM + r")" + r"(?![\d])", _number_guard),
        r(r"\d+", lambda m, s: f" {s.cardinal(m.group(0))} "),  # anything left: never read digits
    ]


def _number_guard(m: re.Match[str], say: _Say) -> str:
    sign = m.group(1)
    # a dash before a number is a minus only where nothing precedes it but space
    if sign and m.start() > 0 and not m.string[m.start() - 1].isspace():
        return sign + say.number(m.group(2))
    prefix = "minus " if sign else ""
    after = m.string[m.end() : m.end() + 1]
    return prefix + say.number(m.group(2)) + (" " if after.isalpha() else "")


def _word_rules() -> list[Rule]:
    def r(pattern: str, fn: Callable[[re.Match[str], _Say], str], flags: int = 0) -> Rule:
        return re.compile(pattern, flags), fn

    dotted = "|".join(re.escape(k).replace(r"\ ", r"\s?") for k in sorted(_DOTTED, key=len)[::-1])
    abbreviations = "|".join(sorted(_ABBREVIATIONS, key=len, reverse=True))
    return [
        r(
            r"\bWorld War (I{1,3}|IV)\b",
            lambda m, s: "World War " + _title(s.cardinal(str(_roman_value(m.group(1))))),
        ),
        r(rf"\b({_NUMERAL_CUES})\.?\s([IVXLCDM]+)\b(?!\.\w)", _roman_cue),
        r(r"\b([A-Z][a-z]+)\s([IVXL]{2,}|[IVX]*[VX])\b(?![\w'’])(?!\.\w)", _roman_name),
        r(r"(?:(?<=\s)|^)(" + dotted + r")(?=[\s,;:)!?]|$)", _dotted, re.I),
        r(r"(?:\b([A-Z][\w'’-]*)\s)?\b(Dr|St)\.(?:\s([\w'’-]+))?", _doctor),
        r(r"\b(?:v\.?|vs\.?)(?=\s)", lambda m, s: "versus"),
        r(r"\b(" + abbreviations + r")\.", _abbreviation, re.I),
        r(
            r"\b(" + "|".join(m[:3] for m in _MONTHS if m != "May") + r"|Sept)\.(?=\s?\d)",
            lambda m, s: _month(m.group(1)),
        ),
        # initialisms: U.S. -> U S; J. R. R. Tolkien -> J R R Tolkien; BBC -> B B C
        r(r"\b(?:[A-Za-z]\.){2,}(?!\w)", _dotted_initialism),
        r(r"\b([A-Z])\.(?=\s[A-Z])", _initial),
        r(r"\b(" + "|".join(_MIXED_CASE) + r")\b", lambda m, s: _MIXED_CASE[m.group(1)]),
        r(r"\b([A-Z][A-Z0-9&]*[A-Z]|[A-Z]{2,})(s|'s|’s)?\b", _caps_guard),
        # symbols
        r(r"(?<=\w)\s?&\s?(?=\w)", lambda m, s: " and "),
        r(r"&", lambda m, s: " and "),
        r(r"\b([A-Za-z])\+\+", lambda m, s: f"{m.group(1)} plus plus"),
        r(r"(?<=\w)\+", lambda m, s: " plus"),
        r(r"\+(?=\s?\w)", lambda m, s: "plus "),
        r(r"(?<![\w])#([A-Za-z]\w*)", _hashtag),
        r(r"\s=\s", lambda m, s: " equals "),
        r(r"\bw/(?=\s)", lambda m, s: "with"),
        r(r"\b([A-Za-z]+)/([A-Za-z]+)\b", lambda m, s: f"{m.group(1)} or {m.group(2)}"),
        r(r"\s@\s", lambda m, s: " at "),
        r(r"§\s?", lambda m, s: "section "),
        r(r"±", lambda m, s: " plus or minus "),
        r(r"~(?=\s?\w)", lambda m, s: "about "),
    ]


def _caps_guard(m: re.Match[str], say: _Say) -> str:
    # SHOUTED TEXT is read as words, not spelled: two all-caps neighbours mean shouting
    text, start, end = m.string, m.start(), m.end()
    before = re.search(r"([A-Za-z]+)\W*$", text[:start])
    after = re.match(r"\W*([A-Za-z]+)", text[end:])
    shouting = sum(
        1
        for w in (before and before.group(1), after and after.group(1))
        if w and len(w) > 1 and w.isupper() and w.upper() not in _LETTER_INITIALISMS
    )
    if shouting and m.group(1) not in _LETTER_INITIALISMS and len(m.group(1)) > 3:
        return m.group(0)
    if shouting >= 2:
        return m.group(0)
    return _caps(m, say)


@cache
def _rules() -> tuple[list[Rule], list[Rule]]:
    """The English rules, compiled once: numbers first, then words and symbols."""
    return _english_rules(), _word_rules()


# -- text clean-up -------------------------------------------------------------------------

_PROTECT_START = 0xF0000  # Unicode plane 15 private use: never in speakable text
_STASH = re.compile("[\U000f0000-\U000ffffd]")
_DROP = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff\u2122\u00ae\u2020\u2021"))
_SPACES = re.compile(r"[\s\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def _clean(text: str) -> str:
    text = text.translate(_DROP).replace("©", " copyright ").replace("℗", "")
    # NFKC folds ligatures, full-width forms, "½" and superscripts into plain characters
    text = unicodedata.normalize("NFKC", text)
    out = []
    for char in text:
        category = unicodedata.category(char)
        if char.isdigit() and not char.isascii():
            value = unicodedata.decimal(char, None)
            out.append(str(value) if value is not None else " ")
        elif category in ("Cc", "Cf", "Cs", "Co", "Cn") and char not in "\t\n":
            out.append(" ")  # control, format, surrogate and private-use: unspeakable
        elif (category == "So" and char != "°") or (category == "Sk" and char not in "^`"):
            out.append(" ")  # emoji and pictographs: a narrator does not read them
        else:
            out.append(char)
    return "".join(out)


def _pauses(text: str) -> str:
    """Typography -> pauses: quotes go, dashes/parentheses/ellipses become commas."""
    text = re.sub(r"(?<=\w)[’‘`´](?=\w)", "'", text)  # it’s -> it's: engines know ASCII
    text = re.sub(r"[“”„‟«»‹›\"]", " ", text)
    text = re.sub(r"(?:(?<=\s)|^)['‘’`]|['‘’`](?=\s|$|[,.;:!?])", " ", text)
    text = re.sub(r"[‘’`´]", "'", text)
    text = re.sub(r"\s*(?:\.\s?){3,}|\s*…", " , ", text)  # ellipses
    text = re.sub(r"\s*(?:—|–|--+|―|‒)\s*", " , ", text)  # dashes in prose
    text = re.sub(r"\s+-\s+", " , ", text)
    text = re.sub(r"\[\s*sic\s*\]", " ", text, flags=re.I)
    text = re.sub(r"[()\[\]{}]", " , ", text)
    text = re.sub(r"[*_|<>^~\\]+", " ", text)
    text = re.sub(r"(?<!\w)/(?!\w)|/", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    # tidy the pauses: no pause at the start, none before other punctuation, one at a time
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    text = re.sub(r",(?:\s*,)+", ",", text)
    text = re.sub(r",\s*([.;:!?])", r"\1", text)
    text = re.sub(r"([;:!?.])\s*,", r"\1", text)
    text = re.sub(r"^[\s,;:.]+", "", text)
    text = re.sub(r",\s*$", "", text)
    text = re.sub(r"([,;:])(?=[^\s\d])", r"\1 ", text)
    return text.strip()


# -- lexicon ------------------------------------------------------------------------------------


def _lexicon_pattern(lexicon: Mapping[str, str]) -> re.Pattern[str] | None:
    keys = [k for k in lexicon if k.strip()]
    if not keys:
        return None
    # longest first, so "New York" wins over "New"; lookarounds, not \b, so "C++" and "Dr."
    # work as keys
    alternatives = "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))
    return re.compile(rf"(?<![\w])(?:{alternatives})(?![\w])", re.IGNORECASE)


def _lookup(word: str, lexicon: Mapping[str, str]) -> str | None:
    """Case-aware: an exact key wins; an all-lower-case key matches any capitalisation."""
    if word in lexicon:
        return lexicon[word]
    lower = {k.lower(): v for k, v in lexicon.items() if k == k.lower()}
    value = lower.get(word.lower())
    if value is None:
        return None
    if word[:1].isupper() and value[:1].islower() and not value.startswith("[["):
        value = value[0].upper() + value[1:]
    return value


def apply_lexicon(text: str, lexicon: Mapping[str, str]) -> str:
    """Replace whole words by their respellings; exact case first, lower-case keys match any."""
    pattern = _lexicon_pattern(lexicon)
    if pattern is None:
        return text

    def swap(m: re.Match[str]) -> str:
        value = _lookup(m.group(0), lexicon)
        return m.group(0) if value is None else value

    return pattern.sub(swap, text)


# -- the entry point ------------------------------------------------------------------------

_PHONEMES = re.compile(r"\[\[.*?\]\]", re.S)


def normalize(text: str, language: str = "en", lexicon: Mapping[str, str] | None = None) -> str:
    """One sentence or paragraph of plain text -> the words a narrator says."""
    stash: list[str] = []

    def keep(value: str) -> str:
        stash.append(value)
        return chr(_PROTECT_START + len(stash) - 1)

    text = _clean(text)
    ending = re.search(r"([.!?])[\s\"'”’)\]]*$", text)
    # Piper's [[ phonemes ]] and lexicon respellings pass through every rule untouched
    text = _PHONEMES.sub(lambda m: " " + keep(m.group(0)) + " ", text)
    if lexicon:
        pattern = _lexicon_pattern(lexicon)
        if pattern is not None:

            def swap(m: re.Match[str]) -> str:
                value = _lookup(m.group(0), lexicon)
                return m.group(0) if value is None else keep(value)

            text = pattern.sub(swap, text)

    say = _Say(language)
    text = re.sub(
        r"\b(?:https?://|www\.)[^\s<>\"“”()]+[^\s<>\"“”().,;:!?'’]", lambda m: _url(m, say), text
    )
    text = re.sub(
        r"\b([\w.+-]+)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)\b", lambda m: _email(m, say), text
    )
    number_rules, word_rules = _rules()
    if say.lang == "en":
        for pattern, fn in number_rules:
            text = pattern.sub(lambda m, fn=fn: fn(m, say), text)
        for pattern, fn in word_rules:
            text = pattern.sub(lambda m, fn=fn: fn(m, say), text)
    else:
        # other languages: numbers in their own words, no English abbreviation tables
        text = re.sub(r"\d+(?:[.,]\d+)?", lambda m: say.number(m.group(0).replace(",", ".")), text)
    # a currency sign with no amount after it is still a word, never a symbol to spell
    text = re.sub("US\\$|[$£€¥₹₩₽₺₪]", lambda m: f" {_CURRENCIES[m.group(0)][1]} ", text)
    text = text.replace("%", " percent ").replace("&", " and ").replace("@", " at ")
    text = re.sub(r"(?<![\w])#", " number ", text)
    text = re.sub(r"(?<=\w) +-(?=\w)", "-", text)  # "R two -D two" -> "R two-D two"
    text = _pauses(text)
    text = _SPACES.sub(" ", text).strip()
    if ending and text and text[-1] not in ".!?" and ord(text[-1]) < _PROTECT_START:
        text += ending.group(1)
    return _STASH.sub(lambda m: stash[ord(m.group(0)) - _PROTECT_START], text)
