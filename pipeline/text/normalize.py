"""Plain text -> the words a narrator says: numbers, money, dates, units, addresses, symbols.

`read_aloud()` takes one sentence (or paragraph) of plain text, markup already gone, and
returns what a TTS engine should be given: no digits, no symbols it would name ("percent
sign"), no abbreviations it would guess at ("Dr." as "drive"), and none of the words in a
script the voice cannot speak (those are listed as `skipped`, for the transcript and for
`essaycast script`). `normalize()` is the same reading as a plain string.

The show's `language` decides the words. English, French and German have rule tables
here; any other language num2words knows gets its plain numbers in its own words; for a
language num2words does not know, digits go to the engine untouched (espeak reads them in
its own language). An English word never reaches a non-English episode.

Every rule is a named row (`Rule`): what it is for, the pattern, and how to say a match.
Rows run in table order, most specific first, so "$3.50" is money before "3.50" could be
a decimal and "1990s" is a decade before "1990" could be a year. A new rule is a new row.
Spoken numbers come from num2words; the tables below hold only what no library knows
(how a narrator says "Dr." or "£", which acronyms are words, how a house number is read).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache

from num2words import CONVERTER_CLASSES, num2words

# -- languages ------------------------------------------------------------------------------

# British-style English says "one hundred and five" and reads 03/07 day first; American
# (and our default "en") says "one hundred five" and reads 03/07 month first.
_AND_VARIANTS = {"gb", "uk", "au", "nz", "ie", "in", "za"}


@dataclass(frozen=True)
class Reading:
    """What the voice is given for one piece of text, and what it leaves out."""

    spoken: str
    skipped: tuple[str, ...] = ()  # runs of text in a script the voice cannot speak


class Say:
    """Number words in one language (from num2words); the rules call it."""

    def __init__(self, language: str) -> None:
        parts = language.replace("_", "-").lower().split("-")
        self.lang = parts[0] or "en"
        self.british = self.lang == "en" and len(parts) > 1 and parts[1] in _AND_VARIANTS
        self.day_first = self.british or self.lang != "en"
        self.known = self.lang in CONVERTER_CLASSES

    def _n2w(self, value: int | float, to: str = "cardinal") -> str:
        try:
            words = num2words(value, lang=self.lang, to=to)
        except (NotImplementedError, OverflowError, ValueError, TypeError, KeyError):
            if self.lang != "en":
                return str(value)  # never English words in another language's episode
            words = num2words(value, lang="en", to="cardinal")
        words = words.replace(",", "")  # num2words' commas would become pauses
        if self.lang == "en" and not self.british:
            words = re.sub(r"\band\s+", "", words)
        return words

    def cardinal(self, digits: str) -> str:
        digits = digits.replace(",", "")
        if not digits.isdigit():
            return digits
        if len(digits) > 15 or (len(digits) > 1 and digits.startswith("0")):
            # serial numbers, IDs and "007" are read digit by digit
            return self.digits(digits)
        return self._n2w(int(digits))

    def digits(self, digits: str) -> str:
        return " ".join(self._n2w(int(d)) for d in digits if d.isdigit())

    def decimal(self, number: str) -> str:
        whole, _, frac = number.replace(",", "").partition(".")
        spoken = self.cardinal(whole or "0")
        return f"{spoken} point {self.digits(frac)}" if frac else spoken

    def number(self, number: str) -> str:
        return self.decimal(number) if "." in number else self.cardinal(number)

    def ordinal(self, digits: str) -> str:
        return self._n2w(int(re.sub(r"\D", "", digits)), to="ordinal")

    def year(self, digits: str) -> str:
        value = int(digits)
        if self.lang != "en":
            return self._n2w(value, to="year")
        if 2000 <= value <= 2009 or value % 1000 == 0 or value < 1000:
            return self._n2w(value)  # "two thousand one", "two thousand"
        return self._n2w(value, to="year")

    def pair(self, digits: str) -> str:
        """A house number or a tax form, read as a narrator reads them: 221 -> 'two twenty-one'."""
        value = int(digits)
        if len(digits) == 3 and value >= 100:
            rest = digits[1:]
            tail = (
                "hundred"
                if rest == "00"
                else (f"oh {self.cardinal(rest[1])}" if rest[0] == "0" else self.cardinal(rest))
            )
            return f"{self.cardinal(digits[0])} {tail}"
        if len(digits) == 4 and not digits.startswith("0"):
            return self.year(digits)
        return self.cardinal(digits)

    def plural(self, words: str) -> str:
        """'nineteen ninety' -> 'nineteen nineties' (decades)."""
        head, _, last = words.rpartition(" ")
        last = (
            last[:-1] + "ies"
            if last.endswith("y")
            else last + ("es" if last.endswith("x") else "s")
        )
        return f"{head} {last}".strip()


# -- rules ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One row of a language's table: its name, what it is for, what it matches, what it says."""

    name: str
    purpose: str
    pattern: re.Pattern[str]
    say: Callable[[re.Match[str], Say], str]

    def apply(self, text: str, say: Say) -> str:
        return self.pattern.sub(lambda m: self.say(m, say), text)


def rule(
    name: str, purpose: str, pattern: str, say: Callable[[re.Match[str], Say], str], flags: int = 0
) -> Rule:
    """A table row; `purpose` says what the rule is for (it is the row's documentation)."""
    return Rule(name, purpose, re.compile(pattern, flags), say)


def _words(text: str) -> Callable[[re.Match[str], Say], str]:
    """A rule that always says the same words."""
    return lambda m, s: text


# -- tables: what a narrator knows and no library does ---------------------------------------

MONTH_NAMES = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"),
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
           "September", "Oktober", "November", "Dezember"),
}  # fmt: skip
MONTHS = MONTH_NAMES["en"]  # the one English list (site.py dates its episodes with it)
_MONTH_ABBR = {m[:3].lower(): m for m in MONTHS} | {"sept": "September"}
_MONTH_RE = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?"
    # lower-case months too ("june 5"), but never "may" or "march", which are verbs
    r"|january|february|april|june|july|august|september|october|november|december)"
)
_WEEKDAYS = {
    "mon": "Monday", "tue": "Tuesday", "tues": "Tuesday", "wed": "Wednesday",
    "thu": "Thursday", "thur": "Thursday", "thurs": "Thursday", "fri": "Friday",
    "sat": "Saturday", "sun": "Sunday",
}  # fmt: skip
_WEEKDAY_RE = r"(?:Mon|Tues?|Wed|Thu(?:rs?)?|Fri|Sat|Sun)\.?"

# symbol -> (one, many, one minor, many minor); num2words' own table says "pounds sterling"
# and "euro" for the plural, which is not how anyone reads a price aloud.
_CURRENCIES = {
    "$": ("dollar", "dollars", "cent", "cents"),
    "US$": ("dollar", "dollars", "cent", "cents"),
    "A$": ("Australian dollar", "Australian dollars", "cent", "cents"),
    "C$": ("Canadian dollar", "Canadian dollars", "cent", "cents"),
    "£": ("pound", "pounds", "penny", "pence"),
    "€": ("euro", "euros", "cent", "cents"),
    "¥": ("yen", "yen", "sen", "sen"),
    "₹": ("rupee", "rupees", "paisa", "paise"),
    "₩": ("won", "won", "jeon", "jeon"),
    "₽": ("rouble", "roubles", "kopek", "kopeks"),
    "₺": ("lira", "lira", "kurus", "kurus"),
    "₪": ("shekel", "shekels", "agora", "agorot"),
    "USD": ("US dollar", "US dollars", "cent", "cents"),
    "EUR": ("euro", "euros", "cent", "cents"),
    "GBP": ("pound", "pounds", "penny", "pence"),
    "JPY": ("yen", "yen", "sen", "sen"),
    # ISO 4217 codes a narrator says by name (before or after the amount)
    "CAD": ("Canadian dollar", "Canadian dollars", "cent", "cents"),
    "AUD": ("Australian dollar", "Australian dollars", "cent", "cents"),
    "NZD": ("New Zealand dollar", "New Zealand dollars", "cent", "cents"),
    "HKD": ("Hong Kong dollar", "Hong Kong dollars", "cent", "cents"),
    "SGD": ("Singapore dollar", "Singapore dollars", "cent", "cents"),
    "CHF": ("Swiss franc", "Swiss francs", "centime", "centimes"),
    "CNY": ("yuan", "yuan", "fen", "fen"), "RMB": ("yuan", "yuan", "fen", "fen"),
    "INR": ("Indian rupee", "Indian rupees", "paisa", "paise"),
    "RS": ("rupee", "rupees", "paisa", "paise"),
    "SEK": ("Swedish krona", "Swedish kronor", "öre", "öre"),
    "NOK": ("Norwegian krone", "Norwegian kroner", "øre", "øre"),
    "DKK": ("Danish krone", "Danish kroner", "øre", "øre"),
    "MXN": ("Mexican peso", "Mexican pesos", "centavo", "centavos"),
    "BRL": ("Brazilian real", "Brazilian reais", "centavo", "centavos"),
    "ZAR": ("rand", "rand", "cent", "cents"), "RUB": ("rouble", "roubles", "kopek", "kopeks"),
    "KRW": ("won", "won", "jeon", "jeon"), "PLN": ("zloty", "zlotys", "grosz", "groszy"),
    "ILS": ("shekel", "shekels", "agora", "agorot"),
}  # fmt: skip
_CODE_RE = "|".join(k for k in _CURRENCIES if k.isalpha() and k != "RS")
_CURRENCY_RE = r"(?:US\$|A\$|C\$|[$£€¥₹₩₽₺₪])"
_SCALES = {
    "thousand": "thousand", "k": "thousand", "million": "million", "m": "million",
    "mn": "million", "mm": "million", "billion": "billion", "bn": "billion", "b": "billion",
    "trillion": "trillion", "tn": "trillion", "t": "trillion",
}  # fmt: skip
# "$20/mo": a price per period is "twenty dollars a month"
_PER = {
    "mo": "month", "month": "month", "yr": "year", "year": "year", "y": "year", "hr": "hour",
    "hour": "hour", "h": "hour", "day": "day", "d": "day", "wk": "week", "week": "week",
    "night": "night", "person": "person", "head": "head", "min": "minute", "item": "item",
    "ticket": "ticket", "seat": "seat", "page": "page", "word": "word", "unit": "unit",
    "kg": "kilogram", "lb": "pound", "gallon": "gallon", "gal": "gallon", "litre": "litre",
    "liter": "liter", "sq ft": "square foot", "share": "share",
}  # fmt: skip


@dataclass(frozen=True)
class Abbreviation:
    """How a narrator says an abbreviation, and whether its full stop may end a sentence."""

    spoken: str  # "" when a rule reads it in context ("p. 5", "No. 3", "St.", "Dr.")
    ends: bool = False  # "etc." and "Jr." may end a sentence; "Mr." and "e.g." never do


_A = Abbreviation
# Keys are lower-case and without their final full stop; text.py splits sentences by them.
ABBREVIATIONS: dict[str, dict[str, Abbreviation]] = {
    "en": {
        "mr": _A("Mister"), "mrs": _A("Missus"), "ms": _A("Miz"), "mx": _A("Mix"),
        "prof": _A("Professor"), "jr": _A("Junior", True), "sr": _A("Senior", True),
        "vs": _A("versus"), "v": _A(""), "etc": _A("et cetera", True),
        "approx": _A("approximately"), "cf": _A("compare"), "ca": _A(""), "c": _A(""),
        "esp": _A("especially"), "dept": _A("department", True), "est": _A("established"),
        "gov": _A("Governor"), "gen": _A("General"), "capt": _A("Captain"),
        "sgt": _A("Sergeant"), "lt": _A("Lieutenant"), "col": _A("Colonel"),
        "rev": _A("Reverend"), "hon": _A("Honourable"), "fr": _A("Father"),
        "sen": _A("Senator"), "rep": _A("Representative"), "pres": _A("President"),
        "supt": _A("Superintendent"), "mt": _A("Mount"), "ft": _A("Fort"),
        "inc": _A("Incorporated", True), "ltd": _A("Limited", True),
        "corp": _A("Corporation", True), "co": _A("Company", True),
        "bros": _A("Brothers", True), "assn": _A("Association", True),
        "univ": _A("University"), "vol": _A("volume"), "vols": _A("volumes"),
        "fig": _A("figure"), "figs": _A("figures"), "ch": _A("chapter"), "ed": _A("edition"),
        "eds": _A("editors", True), "dir": _A("directed by"), "no": _A(""), "nos": _A(""),
        "p": _A(""), "pp": _A(""), "al": _A("", True), "viz": _A("namely"),
        "e.g": _A(""), "i.e": _A(""), "dr": _A("", True), "st": _A("", True),
        "ave": _A("Avenue", True), "rd": _A("Road", True), "blvd": _A("Boulevard", True),
        "ln": _A("Lane", True), "pl": _A("Place", True), "hwy": _A("Highway", True),
        "pkwy": _A("Parkway", True),
        "apt": _A("Apartment"), "ste": _A("Suite"), "bldg": _A("Building"),
        "a.m": _A("", True), "p.m": _A("", True), "jan": _A(""), "feb": _A(""),
        "mar": _A(""), "apr": _A(""), "jun": _A(""), "jul": _A(""), "aug": _A(""),
        "sep": _A(""), "sept": _A(""), "oct": _A(""), "nov": _A(""), "dec": _A(""),
    },
    "fr": {
        "m": _A("Monsieur"), "mm": _A("Messieurs"), "etc": _A("et cetera", True),
        "p": _A("page"), "pp": _A("pages"), "vol": _A("volume"), "chap": _A("chapitre"),
        "av": _A("avant"), "apr": _A("après"), "j.-c": _A("Jésus-Christ", True),
        "env": _A("environ"), "cf": _A("voir"), "ex": _A("exemple"), "dr": _A("Docteur"),
        "pr": _A("Professeur"), "st": _A("Saint"), "ste": _A("Sainte"), "bd": _A("boulevard"),
        "av.-j.-c": _A("avant Jésus-Christ", True),
    },
    "de": {
        "z": _A(""), "b": _A(""), "d": _A(""), "h": _A(""), "u": _A(""), "a": _A("", True),
        "usw": _A("und so weiter", True), "bzw": _A("beziehungsweise"), "nr": _A("Nummer"),
        "ca": _A("circa"), "dr": _A("Doktor"), "prof": _A("Professor"),
        "str": _A("Straße", True), "jh": _A("Jahrhundert", True), "vgl": _A("vergleiche"),
        "s": _A("Seite"), "chr": _A("Christus", True), "v": _A(""), "n": _A(""),
        "hr": _A("Herr"), "fr": _A("Frau"), "etc": _A("et cetera", True),
        "evtl": _A("eventuell"), "ggf": _A("gegebenenfalls"), "inkl": _A("inklusive"),
        "geb": _A("geboren"), "gest": _A("gestorben"), "bd": _A("Band"), "abb": _A("Abbildung"),
        "tel": _A("Telefon"), "min": _A("Minuten"), "std": _A("Stunden"), "sek": _A("Sekunden"),
    },
}  # fmt: skip
del _A
# Dotted lower-case abbreviations, matched with their dots.
_DOTTED = {
    "e.g.": "for example", "i.e.": "that is", "viz.": "namely", "et al.": "and others",
    "a.m.": "A M", "p.m.": "P M", "a.k.a.": "also known as", "n.b.": "note",
    "p.s.": "P S", "r.i.p.": "rest in peace", "q.v.": "which see", "c/o": "care of",
    "n/a": "not applicable", "w/o": "without",
}  # fmt: skip

# Units after a number: (singular, plural). Case matters: "M" is a million, "m" a metre.
_METRIC = {"m": "meter", "km": "kilometer", "cm": "centimeter", "mm": "millimeter",
           "μm": "micrometer", "nm": "nanometer"}  # fmt: skip
_UNITS: dict[str, tuple[str, str]] = {
    **{k: (v, v + "s") for k, v in _METRIC.items()},
    "g": ("gram", "grams"), "kg": ("kilogram", "kilograms"), "mg": ("milligram", "milligrams"),
    "μg": ("microgram", "micrograms"), "t": ("tonne", "tonnes"),
    "lb": ("pound", "pounds"), "lbs": ("pound", "pounds"), "oz": ("ounce", "ounces"),
    "ft": ("foot", "feet"), "in": ("inch", "inches"), "yd": ("yard", "yards"),
    "yds": ("yard", "yards"), "mi": ("mile", "miles"),
    "mph": ("mile per hour", "miles per hour"),
    "kph": ("kilometer per hour", "kilometers per hour"),
    "km/h": ("kilometer per hour", "kilometers per hour"),
    "m/s": ("meter per second", "meters per second"),
    "fps": ("frame per second", "frames per second"),
    "rpm": ("revolution per minute", "revolutions per minute"),
    "bpm": ("beat per minute", "beats per minute"),
    "min": ("minute", "minutes"), "mins": ("minute", "minutes"), "hr": ("hour", "hours"),
    "hrs": ("hour", "hours"), "h": ("hour", "hours"), "sec": ("second", "seconds"),
    "secs": ("second", "seconds"), "ms": ("millisecond", "milliseconds"),
    "yr": ("year", "years"), "yrs": ("year", "years"), "wk": ("week", "weeks"),
    "wks": ("week", "weeks"),
    "mo": ("month", "months"), "mos": ("month", "months"),
    "kb": ("kilobyte", "kilobytes"), "KB": ("kilobyte", "kilobytes"),
    "kB": ("kilobyte", "kilobytes"),
    "MB": ("megabyte", "megabytes"), "mb": ("megabyte", "megabytes"),
    "GB": ("gigabyte", "gigabytes"),
    "gb": ("gigabyte", "gigabytes"), "TB": ("terabyte", "terabytes"),
    "tb": ("terabyte", "terabytes"),
    "Mbps": ("megabit per second", "megabits per second"),
    "Gbps": ("gigabit per second", "gigabits per second"),
    "kbps": ("kilobit per second", "kilobits per second"),
    "Hz": ("hertz", "hertz"), "hz": ("hertz", "hertz"), "kHz": ("kilohertz", "kilohertz"),
    "khz": ("kilohertz", "kilohertz"), "MHz": ("megahertz", "megahertz"),
    "mhz": ("megahertz", "megahertz"),
    "GHz": ("gigahertz", "gigahertz"), "ghz": ("gigahertz", "gigahertz"),
    "W": ("watt", "watts"), "kW": ("kilowatt", "kilowatts"), "MW": ("megawatt", "megawatts"),
    "kWh": ("kilowatt hour", "kilowatt hours"), "mAh": ("milliamp hour", "milliamp hours"),
    "V": ("volt", "volts"), "mA": ("milliamp", "milliamps"), "dB": ("decibel", "decibels"),
    "ml": ("milliliter", "milliliters"), "mL": ("milliliter", "milliliters"),
    "l": ("liter", "liters"), "L": ("liter", "liters"), "cl": ("centiliter", "centiliters"),
    "px": ("pixel", "pixels"), "pt": ("point", "points"), "cal": ("calorie", "calories"),
    "kcal": ("kilocalorie", "kilocalories"), "ha": ("hectare", "hectares"),
    "ac": ("acre", "acres"), "mpg": ("mile per gallon", "miles per gallon"),
    "K": ("K", "K"), "p": ("P", "P"), "D": ("D", "D"), "x": ("times", "times"),
    # parts of a second ("s" alone is a rule of its own: "10 s", never "3s and 4s")
    "ns": ("nanosecond", "nanoseconds"),
    "μs": ("microsecond", "microseconds"),
    "kgs": ("kilogram", "kilograms"), "kms": ("kilometer", "kilometers"),
    # binary sizes (IEC) and rates written in lower case
    "KiB": ("kibibyte", "kibibytes"), "MiB": ("mebibyte", "mebibytes"),
    "GiB": ("gibibyte", "gibibytes"), "TiB": ("tebibyte", "tebibytes"),
    "mbps": ("megabit per second", "megabits per second"),
    "gbps": ("gigabit per second", "gigabits per second"),
    "Kbps": ("kilobit per second", "kilobits per second"),
}  # fmt: skip
# Rates are always plural ("sixty miles per hour"); size and count units agree with the number.
_RATES = {"mph", "kph", "km/h", "m/s", "fps", "rpm", "bpm", "mpg", "Mbps", "Gbps", "kbps",
          "mbps", "gbps", "Kbps"}  # fmt: skip
# What a rate is per: "900kB/s" is "kilobytes per second", "IOPS/GiB" "I O P S per gibibyte"
_PER_UNIT = {
    "s": "second", "sec": "second", "h": "hour", "hr": "hour", "min": "minute", "d": "day",
    "day": "day", "wk": "week", "mo": "month", "yr": "year", "KiB": "kibibyte",
    "MiB": "mebibyte", "GiB": "gibibyte", "TiB": "tebibyte", "KB": "kilobyte", "kB": "kilobyte",
    "MB": "megabyte", "GB": "gigabyte", "TB": "terabyte", "kg": "kilogram", "km": "kilometer",
}  # fmt: skip
_PER_UNIT_RE = "|".join(sorted(_PER_UNIT, key=len, reverse=True))
_BRITISH_SPELLING = {"meter": "metre", "liter": "litre", "milliliter": "millilitre",
                     "centiliter": "centilitre"}  # fmt: skip
_UNIT_RE = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))
# A unit before these words is an adjective ("a 5km run"): singular.
_FUNCTION_WORDS = {
    "a", "an", "and", "or", "but", "the", "of", "in", "on", "at", "to", "for", "from", "by",
    "with", "per", "each", "is", "was", "are", "were", "be", "been", "it", "he", "she", "they",
    "we", "you", "i", "that", "this", "than", "then", "as", "so", "if", "when", "into", "away",
    "long", "high", "wide", "deep", "tall", "ago", "later", "old", "more", "less",
    "too", "up", "down", "off", "over", "under", "across", "behind", "below", "above",
    "yesterday", "today", "tomorrow", "now", "still", "only", "just", "every", "again",
}  # fmt: skip
_DETERMINERS = {
    "a", "an", "the", "this", "that", "these", "those", "his", "her", "its", "their", "our",
    "my", "your", "on", "with", "of", "in", "by", "for", "one", "each", "every", "any",
}  # fmt: skip

# A four-digit number before one of these is a count, not a year ("1350 people").
_COUNT_NOUNS = (
    "people|persons|men|women|children|words|pages|copies|times|miles|feet|meters|metres|"
    "kilometers|kilometres|dollars|pounds|euros|votes|years|days|hours|minutes|seconds|"
    "frames|shots|films|movies|screens|seats|tickets|members|students|soldiers|extras|"
    "units|items|points|calories|kilograms|pixels|cases|deaths|jobs|homes|acres|cars"
)
# Acronyms read as words, not letters. Longer unknown ones are read as words when they look
# pronounceable; shorter ones are spelled. A writer fixes the rest in [lexicon].
_ACRONYM_WORDS = {
    "NASA", "NATO", "UNESCO", "UNICEF", "IMAX", "BAFTA", "OPEC", "FIFA", "UEFA", "NAFTA",
    "AIDS", "LASER", "RADAR", "SCUBA", "SWAT", "ASCII", "JPEG", "GIF", "PIN", "SIM", "COVID",
    "OSHA", "FEMA", "DARPA", "NORAD", "SONAR", "WASP", "MOMA", "ASAP", "TED", "SAG", "NAB",
    "LEGO", "ANZAC", "AWOL", "SARS", "UNIX", "WIFI", "PDF", "OK", "UFO", "NAN", "ZIP", "GIFS",
}  # fmt: skip
# Words of a language written in capitals (SQL's keywords): said as words, never spelled
_CAPITAL_WORDS = {
    "SELECT", "FROM", "WHERE", "SET", "AND", "OR", "NOT", "NULL", "JOIN", "INSERT", "INTO",
    "UPDATE", "DELETE", "VALUES", "ORDER", "GROUP", "BY", "AS", "ON", "IN", "LIMIT", "CREATE",
    "TABLE", "DROP", "INDEX", "LIKE", "BETWEEN", "HAVING", "UNION", "ALL", "DISTINCT", "IS",
    "CASE", "WHEN", "THEN", "ELSE", "END", "EXISTS", "LEFT", "RIGHT", "INNER", "OUTER",
    "ALTER", "ADD", "COUNT", "SUM", "MAX", "MIN", "TRUE", "FALSE", "WITH", "OFFSET",
}  # fmt: skip
_SPELLED_OVERRIDES = {"OK": "okay", "PDF": "P D F", "UFO": "U F O", "WIFI": "wifi"}
_MIXED_CASE = {"PhD": "P H D", "PhDs": "P H Ds", "MSc": "M S C", "BSc": "B S C", "TVs": "T Vs"}
_LETTER_INITIALISMS = {
    "USSR", "UCLA", "ACLU", "NAACP", "NYPD", "LAPD", "NYC", "HTML", "HTTP", "USA", "UK",
    "EU", "UN", "TV", "DVD", "BBC", "HBO", "CEO", "FBI", "CIA",
}  # fmt: skip
# US states before a ZIP code are read by name: "Springfield, IL 62701"
_STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa",
    "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland",
    "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi",
    "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire",
    "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York", "NC": "North Carolina",
    "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee",
    "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming", "DC": "D C",
}  # fmt: skip
_STREET_TYPES = {
    "street": "Street", "st": "Street", "avenue": "Avenue", "ave": "Avenue", "road": "Road",
    "rd": "Road", "boulevard": "Boulevard", "blvd": "Boulevard", "lane": "Lane", "ln": "Lane",
    "drive": "Drive", "dr": "Drive", "court": "Court", "ct": "Court", "place": "Place",
    "pl": "Place", "way": "Way", "terrace": "Terrace", "square": "Square", "sq": "Square",
    "highway": "Highway", "hwy": "Highway", "parkway": "Parkway", "pkwy": "Parkway",
    "close": "Close", "crescent": "Crescent", "row": "Row", "circle": "Circle", "cir": "Circle",
    "alley": "Alley", "mews": "Mews", "gardens": "Gardens", "walk": "Walk",
}  # fmt: skip
_STREET_RE = "|".join(k.capitalize() for k in sorted(_STREET_TYPES, key=len, reverse=True))
# Top-level domains a bare "archive.org" may end in; others need their "https://".
_TLDS = (
    "com|org|net|edu|gov|mil|int|io|co|ai|app|dev|info|biz|tv|fm|ly|uk|ca|au|nz|de|"
    "fr|es|nl|eu|ch|se|dk|fi|jp|cn|ru|br|mx|ie|pl|xyz|blog|news|online|site"
)
# Short domain labels said as words ("dot com"); other short ones are spelled ("dot U K")
_TLD_WORDS = {"com", "org", "net", "gov", "co", "info", "app", "dev", "blog", "news", "online",
              "site", "biz", "me"}  # fmt: skip
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
# Software and standards whose "3.11" is a version ("three point eleven"), not a decimal
_VERSION_CUES = (
    "version|Version|Python|Ruby|Perl|PHP|Java|Node|Node.js|Django|Rails|Linux|Ubuntu|Debian|"
    "Fedora|iOS|iPadOS|macOS|OS X|Android|Windows|Firefox|Chrome|Safari|Web|HTTP|HTML|"
    "Bluetooth|USB|Wi-Fi|GPT|Unicode|TLS|SSL|IPv|Kotlin|Swift|Rust|Go|Vue|React|Angular"
)
_FRACTIONS = {2: ("half", "halves"), 4: ("quarter", "quarters")}
# A fraction before one of these is "of a": "three quarters of a cup", "half a mile"
_MEASURE_NOUNS = (
    "cup|teaspoon|tablespoon|tsp|tbsp|inch|foot|mile|pound|ounce|gallon|pint|quart|liter|"
    "litre|kilo|kilogram|hour|minute|second|day|week|month|year|page|point|acre|glass|bottle"
)
_TSP = {"tsp": "teaspoon", "tbsp": "tablespoon"}

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


# -- English: how each kind of match is said ---------------------------------------------------

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"  # 1,234,567.89 or 1234.5
_B = r"(?<![\w.,])"  # a number starts here: not inside a word or another number
_E = r"(?![\w]|[.,]\d)"  # and ends here
_DASH = r"\s?(?:-|–|—)\s?"
_MERIDIEM = r"[aApP]\.?\s?[mM]\.?"


# A rule looks this far either side of its match for context ("at", "call", "a 5km run"):
# never at the whole text, or every match would rescan it and a long text take quadratic time
_WINDOW = 80


def _before(m: re.Match[str], width: int = _WINDOW) -> str:
    """The text just before a match, at most `width` characters of it."""
    return m.string[max(0, m.start() - width) : m.start()]


def _after(m: re.Match[str], width: int = _WINDOW) -> str:
    """The text just after a match, at most `width` characters of it."""
    return m.string[m.end() : m.end() + width]


def _month(word: str) -> str:
    """'Sept.', 'Nov', 'june' or 'November' -> 'November'."""
    return _MONTH_ABBR.get(word.rstrip(".").lower()[:3], word)


def _date(month: str, day: str | None, year: str | None, say: Say, day_first: bool) -> str:
    name = _month(month)
    parts = []
    if day:
        ordinal = say.ordinal(day)
        parts.append(f"the {ordinal} of {name}" if day_first else f"{name} {ordinal}")
    else:
        parts.append(name)
    if year:
        parts.append(("," if day else "") + " " + say.year(year))
    return "".join(parts)


def _iso_date(m: re.Match[str], say: Say) -> str:
    year, month, day = m.group(1), int(m.group(2)), m.group(3)
    return _date(MONTHS[month - 1], day, year, say, say.british)


def _full_year(year: str) -> str:
    return year if len(year) == 4 else ("20" if int(year) < 50 else "19") + year


def _slash_date(m: re.Match[str], say: Say) -> str:
    a, b, year = int(m.group(1)), int(m.group(2)), _full_year(m.group(3))
    # 03/07/2016 is March in American English, July in British; 25/12 is clear either way
    if a > 12 or (say.day_first and b <= 12):
        day, month = a, b
    else:
        day, month = b, a
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return m.group(0).replace("/", " slash ")
    return _date(MONTHS[month - 1], str(day), year, say, say.british)


def _short_date(m: re.Match[str], say: Say) -> str:
    """'on 4/15' -> 'on April fifteenth' (day first where the language says so)."""
    a, b = int(m.group(2)), int(m.group(3))
    month, day = (b, a) if say.day_first else (a, b)
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return m.group(0)
    return f"{m.group(1)} {_date(MONTHS[month - 1], str(day), None, say, say.british)}"


def _dotted_date(m: re.Match[str], say: Say) -> str:
    day, month, year = int(m.group(1)), int(m.group(2)), m.group(3)
    return _date(MONTHS[month - 1], str(day), year, say, say.british)


def _month_day(m: re.Match[str], say: Say) -> str:
    return _date(m.group(1), m.group(2), m.group(3), say, day_first=False)


def _day_month(m: re.Match[str], say: Say) -> str:
    # "the 26th of May" has its "the" already: say it once
    return _date(m.group(3), m.group(2), m.group(4), say, day_first=True)


def _month_year(m: re.Match[str], say: Say) -> str:
    return f"{_month(m.group(1))} {say.year(m.group(2))}"


def _month_days(m: re.Match[str], say: Say) -> str:
    """'May 3–5, 2020' -> 'May third to fifth, twenty twenty'."""
    year = f", {say.year(m.group(4))}" if m.group(4) else ""
    return f"{_month(m.group(1))} {say.ordinal(m.group(2))} to {say.ordinal(m.group(3))}{year}"


def _days_month(m: re.Match[str], say: Say) -> str:
    year = f", {say.year(m.group(4))}" if m.group(4) else ""
    first, last, month = say.ordinal(m.group(1)), say.ordinal(m.group(2)), _month(m.group(3))
    return f"the {first} to the {last} of {month}{year}"


def _apostrophe_year(m: re.Match[str], say: Say, digits: str | None = None) -> str:
    digits = digits or m.group(1)
    return f"oh {say.cardinal(digits[1])}" if digits[0] == "0" else say.cardinal(digits)


def _season(m: re.Match[str], say: Say) -> str:
    first, second = m.group(1), m.group(2)
    if int(second) != (int(first) + 1) % 100:
        return m.group(0)  # not a season: the fraction rules read it
    if second == "00":
        return f"{say.year(first)} {say.year(str(int(first) + 1))}"
    return f"{say.year(first)} {_apostrophe_year(m, say, second)}"


def _meridiem_words(meridiem: str | None) -> str:
    return " " + " ".join(c.upper() for c in meridiem if c.isalpha()) if meridiem else ""


def _clock(hour: str, minute: str | None, meridiem: str | None, say: Say) -> str:
    """A time of day: '9', '05', 'pm' -> 'nine oh five P M'; '15', '00' -> 'fifteen hundred'."""
    words = say.cardinal(hour.lstrip("0") or "0")
    if minute and minute != "00":
        words += " " + (
            f"oh {say.cardinal(minute[1])}" if minute[0] == "0" else say.cardinal(minute)
        )
    elif minute == "00" and not meridiem:
        twenty_four = len(hour) == 2 and hour.startswith(("0", "1", "2")) and int(hour) > 12
        words += " hundred" if twenty_four else " o'clock"
    return words + _meridiem_words(meridiem)


def _time(m: re.Match[str], say: Say) -> str:
    return _clock(m.group(1), m.group(2), m.group(3), say)


def _time_range(m: re.Match[str], say: Say) -> str:
    """'2pm–5pm', '9–5pm', '10:00–11:30' -> '... to ...'; the meridiem is said where written."""
    first = _clock(m.group(1), m.group(2), m.group(3), say)
    return f"{first} to {_clock(m.group(4), m.group(5), m.group(6), say)}"


def _count(value: str, one: str, many: str, say: Say) -> str:
    return f"{say.cardinal(value.lstrip('0') or '0')} {one if int(value) == 1 else many}"


def _duration(m: re.Match[str], say: Say) -> str:
    """1:01:01 -> 'one hour, one minute and one second' (a running time, not a clock)."""
    hours, minutes, seconds = m.group(1), m.group(2), m.group(3)
    if _previous_word(m).lower() in ("at", "by", "until", "till", "from"):
        # "at 14:05:30" is a time of day, said with its seconds
        clock = _clock(hours, minutes, None, say)
        return f"{clock} and {_count(seconds, 'second', 'seconds', say)}"
    parts = [
        _count(v, one, many, say)
        for v, one, many in ((hours, "hour", "hours"), (minutes, "minute", "minutes"),
                             (seconds, "second", "seconds"))
        if int(v)
    ]  # fmt: skip
    if not parts:
        return "zero seconds"
    return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]


def _meridiem(m: re.Match[str], say: Say) -> str:
    return say.cardinal(m.group(1)) + _meridiem_words(m.group(2))


def _ratio(m: re.Match[str], say: Say) -> str:
    return f"{say.number(m.group(1))} to {say.number(m.group(2))}"


def _money(m: re.Match[str], say: Say) -> str:
    spoken = _amount(m.group(1), m.group(2), m.group(3), say)
    one, many = _CURRENCIES[m.group(1).upper()][:2]
    if _attributive(m) and spoken.endswith(" " + many) and "." not in m.group(2):
        return spoken[: -len(many)] + one  # "a $5k prize": a five thousand dollar prize
    return spoken


def _money_after(m: re.Match[str], say: Say) -> str:
    """12 € and 12€: the symbol after the amount, as much of Europe writes it."""
    return _amount(m.group(2), m.group(1), m.group(3), say)


def _money_code(m: re.Match[str], say: Say) -> str:
    return _amount(m.group(1), m.group(2), None, say)


def _money_code_after(m: re.Match[str], say: Say) -> str:
    return _amount(m.group(2), m.group(1), None, say)


def _cents(m: re.Match[str], say: Say) -> str:
    return _count(m.group(1), "cent", "cents", say)


def _money_range(m: re.Match[str], say: Say) -> str:
    """'$250–$300' -> 'two hundred fifty to three hundred dollars' (the unit said once)."""
    symbol, first, scale1, second, scale2 = m.groups()
    end = _amount(symbol, second, scale2, say)
    plain = "." not in first and (not scale1 or (scale2 or "").strip() == scale1.strip())
    if plain:
        scale = f" {_SCALES[scale1.strip().lower()]}" if scale1 and not scale2 else ""
        return f"{say.cardinal(first)}{scale} to {end}"
    return f"{_amount(symbol, first, scale1, say)} to {end}"


def _money_per(m: re.Match[str], say: Say) -> str:
    """'$20/mo' -> 'twenty dollars a month'."""
    per = _PER[m.group(4).lower()]
    return f"{_amount(m.group(1), m.group(2), m.group(3), say)} {_a(per)}"


def _amount(symbol: str, amount: str, scale: str | None, say: Say) -> str:
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


def _percent(m: re.Match[str], say: Say) -> str:
    start, end = m.group(1), m.group(2)
    if end:
        return f"{say.number(start)} to {say.number(end)} percent"
    return f"{say.number(start)} percent"


def _decade(m: re.Match[str], say: Say) -> str:
    digits = m.group(2)
    if len(digits) == 2:  # '90s
        return say.plural(say.cardinal(digits)) if digits != "00" else "two thousands"
    return say.plural(say.year(digits))


def _decade_range(m: re.Match[str], say: Say) -> str:
    second = m.group(2)
    words = say.cardinal(second) if len(second) == 2 else say.year(second)
    return f"{say.plural(say.year(m.group(1)))} to {say.plural(words)}"


def _range_word(m: re.Match[str]) -> str:
    """'to', but 'and' after 'between' ("between 5 and 10", as Chicago 9.58 has it)."""
    return "and" if _previous_word(m).lower() == "between" else "to"


def _score_side(number: str, say: Say) -> str:
    """A score's zero is 'nothing', as a broadcaster says '3–0'."""
    return "nothing" if number == "0" else say.number(number)


def _to(m: re.Match[str], say: Say) -> str:
    """A range: the dash becomes 'to'; the numbers are read by the rules after this one."""
    first, second = m.group(1), m.group(2)
    if second == "0" and first.isdigit() and int(first) > 0:
        return f"{say.number(first)} to nothing"  # "a 3–0 win"
    return f"{first} {_range_word(m)} {second}"


def _hyphen_range(m: re.Match[str], say: Say) -> str:
    first, second = m.group(1), m.group(2)
    if float(first.replace(",", "")) < float(second.replace(",", "")):
        return f"{first} {_range_word(m)} {second}"
    # "a 5-4 decision", "won 3-2": a score, not a range
    return f"{say.number(first)} {_score_side(second, say)}"


def _phone(m: re.Match[str], say: Say) -> str:
    groups = re.findall(r"\d+", m.group(0))
    spoken = [say.digits(g) for g in groups]
    if len(groups) >= 3 and groups[0] == "800":
        spoken[0] = "eight hundred"  # a toll-free number, as its advert says it
    return ", ".join(spoken)


_CALLING = re.compile(r"\b(?:call|dial|phone|tel|fax|text|ring|reach|number|line)\b", re.I)


def _phone_local(m: re.Match[str], say: Say) -> str:
    """555-1234 is a number to call only where the sentence says so; else '300-1000' is a range."""
    if _CALLING.search(_before(m, 200)):
        return _phone(m, say)
    return m.group(0)


def _phone_international(m: re.Match[str], say: Say) -> str:
    return "plus " + _phone(m, say)


def _phone_toll_free(m: re.Match[str], say: Say) -> str:
    """1-800-FLOWERS -> 'one, eight hundred, flowers', as the advert says it."""
    area, rest = m.group(1), m.group(2)
    area_words = "eight hundred" if area == "800" else say.digits(area)
    if rest.isalpha():
        rest_words = rest.lower()
    else:
        rest_words = ", ".join(
            say.digits(p) if p.isdigit() else " ".join(p.upper()) for p in rest.split("-")
        )
    return f"one, {area_words}, {rest_words}"


def _ip_address(m: re.Match[str], say: Say) -> str:
    return " dot ".join(say.digits(g) for g in m.groups())


def _version_part(part: str, say: Say) -> str:
    if part == "0":
        return "oh"
    return f"oh {say.cardinal(part[1:])}" if part.startswith("0") else say.cardinal(part)


def _version_words(version: str, say: Say) -> str:
    head, *rest = version.split(".")
    return " point ".join([say.cardinal(head), *(_version_part(p, say) for p in rest)])


def _version(m: re.Match[str], say: Say) -> str:
    return " point ".join(say.cardinal(p) for p in m.group(0).split("."))


def _version_cue(m: re.Match[str], say: Say) -> str:
    return f"{m.group(1)} {_version_words(m.group(2), say)}"


def _version_v(m: re.Match[str], say: Say) -> str:
    return "version " + _version_words(m.group(1), say)


def _tax_form(m: re.Match[str], say: Say) -> str:
    return f"{say.pair(m.group(1))} {m.group(2).upper()}"


def _hours_minutes(m: re.Match[str], say: Say) -> str:
    return (
        _count(m.group(1), "hour", "hours", say)
        + " "
        + _count(m.group(2), "minute", "minutes", say)
    )


def _year_range(m: re.Match[str], say: Say) -> str:
    first, second = m.group(1), m.group(2)
    second_words = say.year(second) if len(second) == 4 else say.cardinal(second)
    if len(second) == 2 and second.startswith("0"):
        second_words = "oh " + say.cardinal(second[1])
    return f"{say.year(first)} to {second_words}"


def _fraction_name(top: int, bottom: int, say: Say) -> str:
    if bottom in _FRACTIONS:
        return _FRACTIONS[bottom][0 if top == 1 else 1]
    return say.ordinal(str(bottom)) + ("" if top == 1 else "s")


def _fraction(m: re.Match[str], say: Say) -> str:
    whole, top, bottom = m.group(1), int(m.group(2)), int(m.group(3))
    if bottom == 0 or (not whole and top >= bottom):
        if top == bottom and top in (5, 10, 100):
            return f"{say.cardinal(str(top))} out of {say.cardinal(str(bottom))}"  # 10/10
        return f"{say.cardinal(str(top))} {say.cardinal(str(bottom))}"  # 50/50, 20/20
    of = re.match(r"\s+of\b", _after(m)) is not None  # "1/10 of the budget": a tenth
    if not whole and bottom in (10, 100) and not of:  # a score: 8/10 is "eight out of ten"
        return f"{say.cardinal(str(top))} out of {say.cardinal(str(bottom))}"
    name = _fraction_name(top, bottom, say)
    if whole:
        article = "a" if top == 1 else say.cardinal(str(top))
        return f"{say.cardinal(whole)} and {article} {name}"
    return f"{say.cardinal(str(top))} {name}"


def _fraction_ordinal(m: re.Match[str], say: Say) -> str:
    """'1/4th' -> 'one fourth': the writer spelled the ordinal out."""
    top, bottom = int(m.group(1)), int(m.group(2))
    if bottom == 0:
        return f"{say.cardinal(m.group(1))} {say.ordinal(m.group(2))}"
    return f"{say.cardinal(m.group(1))} {say.ordinal(m.group(2))}{'' if top == 1 else 's'}"


def _a(noun: str) -> str:
    return ("an " if noun[0] in "aeiou" or noun.startswith("hour") else "a ") + noun


def _fraction_of(top: int, bottom: int, noun: str, say: Say) -> str:
    """3/4 cup -> 'three quarters of a cup'; 1/2 mile -> 'half a mile'."""
    if top == 1 and bottom == 2:
        return "half " + _a(noun)
    name = _fraction_name(top, bottom, say)
    count = "a" if top == 1 else say.cardinal(str(top))
    return f"{count} {name} of {_a(noun)}"


def _fraction_measure(m: re.Match[str], say: Say) -> str:
    whole, top, bottom = m.group(1), int(m.group(2)), int(m.group(3))
    unit = m.group(5)
    if m.group(4) == "-":  # "a 1/2-inch bit": the hyphen stays between the words
        if top >= bottom or bottom == 0:
            return m.group(0)
        if whole:
            head = f"{say.cardinal(whole)} and {'a' if top == 1 else say.cardinal(str(top))}"
            return f"{head} {_fraction_name(top, bottom, say)}-{unit}"
        if top == 1 and bottom == 2:
            return f"half-{unit}"
        return f"{say.cardinal(str(top))} {_fraction_name(top, bottom, say)}-{unit}"
    one, many = _UNITS.get(unit) or _UNITS.get(unit.lower()) or (_TSP.get(unit.lower(), unit),) * 2
    if unit.lower() not in _UNITS and not unit.endswith("s") and unit.lower() not in _TSP:
        many = unit + "s"
    if not one.isalpha() and " " not in one:
        one = many = unit
    if bottom == 0 or top >= bottom:
        return m.group(0)
    if not whole and _attributive(m):  # "a 5/8 inch bolt", "a 1/2 inch gap"
        if top == 1 and bottom == 2:
            return f"half {one}"
        return f"{say.cardinal(str(top))} {_fraction_name(top, bottom, say)} {one}"
    if whole:
        head = f"{say.cardinal(whole)} and {'a' if top == 1 else say.cardinal(str(top))}"
        if top == 1 and bottom == 2:
            head = f"{say.cardinal(whole)} and a"
        noun = one if _attributive(m) else _plural_noun(unit, many)
        return f"{head} {_fraction_name(top, bottom, say)} {noun}"
    return _fraction_of(top, bottom, one, say)


def _plural_noun(unit: str, many: str) -> str:
    """'inch' -> 'inches', 'foot' -> 'feet' (measure nouns not in the unit table)."""
    if unit in _UNITS or unit.lower() in _UNITS or unit.lower() in _TSP:
        return many
    if unit == "foot":
        return "feet"
    return unit + "es" if unit.endswith(("ch", "sh", "x", "s")) else unit + "s"


def _out_of(m: re.Match[str], say: Say) -> str:
    return f"{say.number(m.group(1))} out of {say.number(m.group(2))}"


def _pair(m: re.Match[str], say: Say) -> str:
    """24/7, 9/11: numbers that are names, read as two numbers."""
    return f"{say.cardinal(m.group(1))} {say.cardinal(m.group(2))}"


def _ordinal(m: re.Match[str], say: Say) -> str:
    return say.ordinal(m.group(1))


def _attributive(m: re.Match[str]) -> bool:
    """Is the measure an adjective ('a 5km run', 'on 35mm film')? Then its unit is singular."""
    after = re.match(r"\s*-?([a-z]+)\b", _after(m))
    if not after or after.group(1) in _FUNCTION_WORDS:
        return False
    before = re.search(r"(?<![A-Za-z])([A-Za-z]+)\W*$", _before(m))
    return before is not None and before.group(1).lower() in _DETERMINERS


def _degrees(m: re.Match[str], say: Say) -> str:
    sign, number, scale = m.group(1), m.group(2), m.group(3) or ""
    name = {"C": " Celsius", "F": " Fahrenheit", "K": " kelvin"}.get(scale, "")
    plural = number not in ("1", "1.0") and not (not name and _attributive(m))
    minus = "minus " if sign else ""
    return f"{minus}{say.number(number)} degree{'s' if plural else ''}{name}"


def _times(m: re.Match[str], say: Say) -> str:
    """1920x1080 -> "nineteen twenty by ten eighty", as people say screen sizes."""

    def side(digits: str) -> str:
        return say.year(digits) if len(digits) == 4 else say.cardinal(digits)

    return f"{side(m.group(1))} by {side(m.group(2))}"


def _unit_word(unit: str, number: str, m: re.Match[str], say: Say, spaced: bool = True) -> str:
    one, many = _UNITS.get(unit) or _UNITS[unit.lower()]
    if unit in _RATES or unit.lower() in _RATES:
        word = one if number in ("1", "1.0") else many
    else:
        word = one if number in ("1", "1.0") or _attributive(m) else many
    if say.british:
        word = word.replace("meter", "metre").replace("liter", "litre")
    return word


def _unit(m: re.Match[str], say: Say) -> str:
    number, unit = m.group(1), m.group(3)
    return f"{say.number(number)} {_unit_word(unit, number, m, say)}"


def _scale(m: re.Match[str], say: Say) -> str:
    """5M viewers, a $2B budget: millions and billions."""
    return f"{say.number(m.group(1))} {_SCALES[m.group(2).lower()]}"


def _square(m: re.Match[str], say: Say) -> str:
    """100 m² -> 'one hundred square meters'; 2 ft³ -> 'two cubic feet'."""
    number, unit, power = m.group(1), m.group(2), m.group(3) or m.group(4)
    word = _unit_word(unit, number, m, say)
    shape = "square" if power == "2" else "cubic"
    return f"{say.number(number)} {shape} {word}"


def _square_written(m: re.Match[str], say: Say) -> str:
    number, shape, unit = m.group(1), m.group(2).lower(), m.group(3)
    word = _unit_word(unit, number, m, say)
    return f"{say.number(number)} {'square' if shape.startswith('sq') else 'cubic'} {word}"


def _feet_inches(m: re.Match[str], say: Say) -> str:
    """'6 ft 2 in' -> 'six feet two inches'; 5′11″ -> 'five foot eleven', as heights are said."""
    feet, mark, inches = m.group(1), m.group(2), m.group(3)
    if mark in ("'", "′", "’"):
        return f"{say.cardinal(feet)} foot {say.cardinal(inches)}"
    foot = "foot" if feet == "1" else "feet"
    inch = "inch" if inches == "1" else "inches"
    return f"{say.cardinal(feet)} {foot} {say.cardinal(inches)} {inch}"


_DIRECTIONS = {"N": "North", "S": "South", "E": "East", "W": "West", "NE": "Northeast",
               "NW": "Northwest", "SE": "Southeast", "SW": "Southwest"}  # fmt: skip
_DIRECTION_RE = r"(?:NE|NW|SE|SW|N|S|E|W)"


def _street_name(name: str, say: Say) -> str:
    """'42nd ' -> 'Forty-Second ': an ordinal street is a name, written with capitals."""
    return re.sub(r"\b(\d+)(?:st|nd|rd|th)\b", lambda o: _title(say.ordinal(o.group(1))), name)


def _stop_after(m: re.Match[str], dotted: bool) -> str:
    """'Elm St. Then': the abbreviation's full stop also ends the sentence; keep one."""
    return "." if dotted and re.match(r"\s+[A-Z]", _after(m)) else ""


def _house(m: re.Match[str], say: Say) -> str:
    """'221B Baker St.' -> 'two twenty-one B Baker Street': house numbers in pairs."""
    number, letter, name, kind = m.group(1), m.group(2) or "", m.group(4), m.group(5)
    letter = f" {letter.upper()}" if letter else ""
    toward = f"{_DIRECTIONS[m.group(3)]} " if m.group(3) else ""
    after = f" {_DIRECTIONS[m.group(7)]}" if m.group(7) else ""
    street = f"{toward}{_street_name(name, say)}{_STREET_TYPES[kind.lower()]}{after}"
    return f"{say.pair(number)}{letter} {street}{_stop_after(m, bool(m.group(6)))}"


def _ordinal_street(m: re.Match[str], say: Say) -> str:
    """'on 5th Ave.' -> 'on Fifth Avenue'."""
    name = _title(say.ordinal(m.group(1)))
    return f"{name} {_STREET_TYPES[m.group(2).lower()]}{_stop_after(m, bool(m.group(3)))}"


# Words that end a greeting or an answer, never a city: "Yes, OK" is not Oklahoma
_NOT_CITIES = {"Yes", "Okay", "Well", "Hello", "Sure", "Fine", "Right", "Great", "Thanks",
               "Alright", "Good", "Oh", "Hi", "Now", "So", "And", "But", "Then"}  # fmt: skip


def _state(m: re.Match[str], say: Say) -> str:
    """'Portland, OR' -> 'Portland, Oregon': a state after its city is said by name."""
    city, state = m.group(1), m.group(2)
    if city in _NOT_CITIES:
        return m.group(0)
    return f"{city}, {_STATES[state]}"


def _zip(m: re.Match[str], say: Say) -> str:
    state, code, plus4 = m.group(1), m.group(2), m.group(3)
    tail = f", {say.digits(plus4)}" if plus4 else ""
    return f"{_STATES[state]}, {say.digits(code)}{tail}"


def _postcode(m: re.Match[str], say: Say) -> str:
    """'SW1A 1AA' -> 'S W one A, one A A': a British postcode, one character at a time."""

    def spell(part: str) -> str:
        return " ".join(say.cardinal(c) if c.isdigit() else c for c in part)

    return f"{spell(m.group(1))}, {spell(m.group(2))}"


def _year(m: re.Match[str], say: Say) -> str:
    return say.year(m.group(1))


def _number_guard(m: re.Match[str], say: Say) -> str:
    sign = m.group(1)
    # a dash before a number is a minus only where nothing precedes it but space
    if sign and m.start() > 0 and not m.string[m.start() - 1].isspace():
        return sign + say.number(m.group(2))
    prefix = "minus " if sign else ""
    after = m.string[m.end() : m.end() + 1]
    return prefix + say.number(m.group(2)) + (" " if after.isalpha() else "")


def _roman_cue(m: re.Match[str], say: Say) -> str:
    cue, value = m.group(1), _roman_value(m.group(2))
    if value is None:
        return m.group(0)
    words = say.cardinal(str(value))
    cue = {"Vol": "Volume", "vol": "volume"}.get(cue, cue)
    return f"{cue} {_title(words) if cue[0].isupper() else words}"


def _roman_name(m: re.Match[str], say: Say) -> str:
    name, numeral = m.group(1), m.group(2)
    value = _roman_value(numeral)
    if value is None:
        return m.group(0)
    if name in _REGNAL:
        return f"{name} the {_title(say.ordinal(str(value)))}"
    if numeral == "I":
        return m.group(0)  # "Then I left": only a monarch's name makes "I" a numeral
    return f"{name} {_title(say.cardinal(str(value)))}"


def _act_scene(m: re.Match[str], say: Say) -> str:
    """'Macbeth, 5.5' -> 'Macbeth, act five, scene five' (and a line, if one is given)."""
    play, act, scene, line = m.group(1), m.group(2), m.group(3), m.group(4)
    spoken = f"{play}, act {say.cardinal(act)}, scene {say.cardinal(scene)}"
    return spoken + (f", line {say.cardinal(line)}" if line else "")


def _title(words: str) -> str:
    """'twenty-first' -> 'Twenty-First', as a name's number is written."""
    return re.sub(r"[a-z]+", lambda m: m.group(0).capitalize(), words)


def _world_war(m: re.Match[str], say: Say) -> str:
    return "World War " + _title(say.cardinal(str(len(m.group(1)))))


# "He lives on Baker St. Paul ...": after these, a capitalised word and "St." are a street
_PLACE_WORDS = {"on", "along", "down", "off", "up", "near", "onto", "via", "to", "from", "at",
                "in", "into", "past", "toward", "towards", "across", "lives", "live",
                "lived"}  # fmt: skip


def _doctor(m: re.Match[str], say: Say) -> str:
    before, abbr, after = m.group(1) or "", m.group(2), m.group(3) or ""
    # "Mulholland Dr." is a road, "Dr. Strangelove" a doctor, "Baker St." a street
    named = bool(before) and before[0].isupper()
    place = named and not (after and after[0].isupper())
    stop = ""
    if named and after[:1].isupper() and _previous_word(m).lower() in _PLACE_WORDS:
        place, stop = True, "."  # "on Baker St. Paul visits": the stop ends the sentence
    word = {"dr": ("Doctor", "Drive"), "st": ("Saint", "Street")}[abbr.lower()][place]
    return f"{before}{' ' if before else ''}{word}{stop}{after and ' ' + after}"


# Written in lower case, these are other words: "col. 2" is a column, "Col. Sanders" a colonel
_LOWER_CASE_READINGS = {"col": "column", "gen": "general", "est": "estimated"}


def _abbreviation(m: re.Match[str], say: Say) -> str:
    written = m.group(1)
    if written.islower() and written in _LOWER_CASE_READINGS:
        return _LOWER_CASE_READINGS[written]
    return ABBREVIATIONS["en"][written.lower()].spoken


def _dotted(m: re.Match[str], say: Say) -> str:
    key = re.sub(r"\s+", " ", m.group(0).lower())
    return _DOTTED.get(key) or _DOTTED[key.replace(" ", "")]


def _page(m: re.Match[str], say: Say) -> str:
    return ("pages " if m.group(1).lower() == "pp" else "page ") + m.group(2)


def _numbered(m: re.Match[str], say: Say) -> str:
    return ("numbers " if m.group(1).lower() == "nos" else "number ") + m.group(2)


def _circa(m: re.Match[str], say: Say) -> str:
    return "circa " + m.group(1)


def _dotted_initialism(m: re.Match[str], say: Say) -> str:
    return " ".join(c for c in m.group(0) if c.isalpha())


def _initial(m: re.Match[str], say: Say) -> str:
    return m.group(1)  # "J. R. R. Tolkien" -> "J R R Tolkien": no full stops mid-name


def _caps(m: re.Match[str], say: Say) -> str:
    word, tail = m.group(1), m.group(2) or ""
    upper = word.upper()
    if upper in _SPELLED_OVERRIDES:
        return _SPELLED_OVERRIDES[upper] + tail
    if word in _CAPITAL_WORDS:
        return word + tail
    if (
        word.isupper()
        and upper not in _ACRONYM_WORDS
        and (upper in _LETTER_INITIALISMS or len(word) <= 4 or not _pronounceable(word))
    ):
        letters = " ".join(word)
        return letters + ("s" if tail.lower() == "s" else tail)  # DVDs -> D V Ds
    return word + tail


def _caps_guard(m: re.Match[str], say: Say) -> str:
    # SHOUTED TEXT is read as words, not spelled: two all-caps neighbours mean shouting
    before = re.search(r"(?<![A-Za-z])([A-Za-z]+)\W*$", _before(m))
    after = re.match(r"\W*([A-Za-z]+)", _after(m))
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


def _pronounceable(word: str) -> bool:
    """A rough test: vowels in it and no more than two consonants in a row."""
    return bool(re.fullmatch(r"[^AEIOUY]{0,2}(?:[AEIOUY]+[^AEIOUY]{0,2})+", word.upper()))


def _greek(m: re.Match[str], say: Say) -> str:
    """A lone Greek letter in English prose is said by its name: 'π' -> 'pi'."""
    name = unicodedata.name(m.group(0), "")
    letter = name.rsplit(" ", 1)[-1].lower()
    return f" {'sigma' if 'SIGMA' in name else letter} "


# -- web addresses (every language, in its own words) --------------------------------------------


@dataclass(frozen=True)
class _WebWords:
    dot: str
    slash: str
    dash: str
    underscore: str
    at: str
    colon: str


_WEB_WORDS = {
    "en": _WebWords("dot", "slash", "dash", "underscore", "at", "colon"),
    "fr": _WebWords("point", "slash", "tiret", "tiret bas", "arobase", "deux-points"),
    "de": _WebWords("Punkt", "Slash", "Strich", "Unterstrich", "ät", "Doppelpunkt"),
}


def _label(label: str, say: Say, host: bool = True) -> str:
    """One part of a host or path: a word stays a word, 'bbc' is spelled, digits are numbers."""
    if label.isdigit():
        if say.lang == "en" and re.fullmatch(r"1\d{3}|20\d{2}", label):
            return say.year(label)  # "example.org/2019": the year as in prose
        return say.cardinal(label) if say.known else label
    if len(label) == 1:
        return label.upper()
    short = re.fullmatch(r"[a-z]{1,3}", label, re.I)
    if host and short and label.lower() not in _TLD_WORDS:
        return " ".join(label.upper())
    if label.isalpha() and _unsayable(label):
        return " ".join(label.upper())
    parts = re.findall(r"\d+|[^\W\d_]+", label)
    if len(parts) > 1:
        return " ".join(_label(p, say, host) for p in parts)
    return label


def _unsayable(label: str) -> bool:
    """'bbc', 'cnn', 'imdb' are spelled; 'example' and 'archive' are words."""
    clusters = [len(c) for c in re.findall(r"[^aeiouy]+", label.lower())]
    vowels = re.search(r"[aeiouy]", label, re.I)
    longest = max(clusters, default=0)
    # "filmclub" and "nightscape" join words: four consonants in a row are still sayable
    return not vowels or longest >= 5 or (len(label) <= 4 and longest >= 3)


def _web_path(path: str, words: _WebWords, say: Say) -> str:
    spoken = []
    for segment in [s for s in path.split("/") if s]:
        pieces = re.split(r"([-_.])", segment)
        names = {"-": words.dash, "_": words.underscore, ".": words.dot}
        spoken.append(" ".join(names.get(p) or _label(p, say, host=False) for p in pieces if p))
    return "".join(f" {words.slash} {s}" for s in spoken)


def _url(m: re.Match[str], say: Say) -> str:
    """'https://archive.org/details/reading-list' -> 'archive dot org slash details slash ...'."""
    words = _WEB_WORDS.get(say.lang, _WEB_WORDS["en"])
    url = re.sub(r"^(?:[a-z][a-z+.-]*://)?(?:www\.)?", "", m.group(0), flags=re.I)
    url = re.split(r"[?#]", url)[0]  # a query or fragment is not read aloud
    host, _, path = url.partition("/")
    host = host.split("@")[-1]
    host, _, port = host.partition(":")
    spoken = f" {words.dot} ".join(_label(p, say) for p in host.split(".") if p)
    if port.isdigit():
        spoken += f" {words.colon} {_label(port, say)}"
    return spoken + (_web_path(path, words, say) if _sayable_path(path) else "")


def _sayable_path(path: str) -> bool:
    """A short path of words ('about', 'films/2020') is read; a long or coded one is not.

    A narrator says where to go, not what to type: 'polarisproject dot org', never
    '/resources/2019-report/full-text' or '/p/8f3a9c2e41'.
    """
    segments = [s for s in path.split("/") if s]
    if len(segments) > 2:
        return False
    for segment in segments:
        pieces = [p for p in re.split(r"[-_.]", segment) if p]
        if len(pieces) > 3:
            return False
        if not all(p.isalpha() or (p.isdigit() and len(p) <= 4) for p in pieces):
            return False
    return True


def _email(m: re.Match[str], say: Say) -> str:
    words = _WEB_WORDS.get(say.lang, _WEB_WORDS["en"])
    user, domain = m.group(1), m.group(2)
    names = {".": words.dot, "_": words.underscore, "-": words.dash, "+": "plus"}
    user = re.sub(r"[._+-]", lambda c: f" {names[c[0]]} ", user)
    return f"{user} {words.at} {f' {words.dot} '.join(_label(p, say) for p in domain.split('.'))}"


def _dotted_name(m: re.Match[str], say: Say) -> str:
    """'Node.js' -> 'Node dot J S', 'ASP.NET' -> 'ASP dot net': a name, not a web address."""
    words = _WEB_WORDS.get(say.lang, _WEB_WORDS["en"])
    suffix = {"js": "J S", "ts": "T S", "net": "net"}[m.group(2).lower()]
    return f"{m.group(1)} {words.dot} {suffix}"


def _comparison(m: re.Match[str], say: Say) -> str:
    """'< 5' -> 'less than five'; '3 < 5' -> 'three is less than five', a statement."""
    statement = re.search(r"(?:\d|\b[A-Za-z])\s?$", _before(m, 3)) is not None
    words = {
        "<": "less than", ">": "greater than" if statement else "more than", "≤": "at most",
        "≥": "at least", "≠": "not equal to", "≈": "about",
    }[m.group(0)]  # fmt: skip
    return f" is {words} " if statement else f" {words} "


def _money_code_name(code: str) -> str:
    return code.rstrip(".").upper()


def _rate(m: re.Match[str], say: Say) -> str:
    """'900kB/s' -> 'nine hundred kilobytes per second'."""
    number, unit, per = m.group(1), m.group(3), m.group(4)
    one, many = _UNITS.get(unit) or _UNITS[unit.lower()]
    return f"{say.number(number)} {one if number in ('1', '1.0') else many} per {_PER_UNIT[per]}"


def _unit_gloss(m: re.Match[str], say: Say) -> str:
    """'120fps (frames per second)': the gloss says the unit again; say it once."""
    unit, gloss = m.group(3), " ".join(m.group(4).lower().split())
    if gloss not in (_UNITS.get(unit) or _UNITS.get(unit.lower()) or ()):
        return m.group(0)
    return _unit(m, say)


def _dotted_time(m: re.Match[str], say: Say) -> str:
    """'at 9.30' -> 'at nine thirty'; 'at 2.50 a share' stays a number."""
    if re.match(r"\s?(?:" + _UNIT_RE + r"|percent|per|a|an|each)(?!\w)|\s?%", _after(m)):
        return m.group(0)
    return f"{m.group(1)} {_clock(m.group(2), m.group(3), None, say)}"


def _military(m: re.Match[str], say: Say) -> str:
    """'at 0600' -> 'at oh six hundred'; 'at 1430 hours' -> 'at fourteen thirty hours'."""
    cue, hour, minute, hours = m.group(1), m.group(2), m.group(3), m.group(4)
    if not hours and not hour.startswith("0"):
        return m.group(0)  # "at 1500" may count something; hours or a leading 0 says time
    said = (
        f"oh {say.cardinal(hour[1])}"
        if hour.startswith("0") and hour != "00"
        else ("zero" if hour == "00" else say.cardinal(hour))
    )
    if minute == "00":
        said += " hundred"
    else:
        said += " " + (
            f"oh {say.cardinal(minute[1])}" if minute[0] == "0" else say.cardinal(minute)
        )
    return f"{cue} {said}" + (" hours" if hours else "")


def _model(m: re.Match[str], say: Say) -> str:
    """'Boeing 747' -> 'Boeing seven forty-seven': a model number is said in pairs."""
    words = say.pair(m.group(2))
    return f"{m.group(1).strip()} {say.plural(words) if m.group(3) else words}"


def _number_word(m: re.Match[str], say: Say) -> str:
    """'2PAC' -> 'two pac': a number run into a word in capitals that can be said."""
    word = m.group(2)
    if word in _LETTER_INITIALISMS or word in _UNITS or not _pronounceable(word):
        return m.group(0)
    return f"{say.cardinal(m.group(1))} {word.lower()}"


def _mixed_hyphen(m: re.Match[str], say: Say) -> str:
    """'1-1/2' -> '1 1/2': a mixed number written with a hyphen (the fraction rules read it)."""
    whole, top, bottom = m.group(1), int(m.group(2)), int(m.group(3))
    return f"{whole} {top}/{bottom}" if 0 < top < bottom else m.group(0)


_COUNTS = {"100": "hundreds", "1000": "thousands", "1000000": "millions"}
# Plays cited by act and scene ("Macbeth, 5.5"); a number after them is not a decimal
_PLAYS = (
    "Hamlet|Macbeth|Othello|King Lear|Lear|Romeo and Juliet|Julius Caesar|The Tempest|Tempest|"
    "Twelfth Night|A Midsummer Night's Dream|As You Like It|Much Ado About Nothing|"
    "The Merchant of Venice|Richard III|Richard II|Henry V|Coriolanus|Cymbeline|"
    "Antony and Cleopatra|The Winter's Tale|Measure for Measure|Pericles|Titus Andronicus"
)
_MODELS = r"Boeing\s|Airbus\sA|Porsche\s|Cessna\s|Learjet\s|Embraer\sE|Peugeot\s|Saab\s"


# -- the English table -----------------------------------------------------------------------------

_URL = r"\b(?:https?://|ftp://|www\.)[^\s<>\"“”()]+[^\s<>\"“”().,;:!?'’]"
_DOMAIN = (
    r"(?<![\w@./-])(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+(?:" + _TLDS + r")"
    r"(?:/[^\s<>\"“”()]*[^\s<>\"“”().,;:!?'’])?(?![\w@-]|\.\w)"
)
_EMAIL = r"(?<![\w.+-])([\w.+-]+)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)\b"


def _web_rules() -> list[Rule]:
    """Addresses first in every language: their dots and digits are not sentences or numbers."""
    return [
        rule("web.email", "an e-mail address, said part by part", _EMAIL, _email),
        rule("web.url", "a URL with its path; the scheme, query and fragment are not said",
             _URL, _url),
        rule("web.domain", "a bare domain such as archive.org, with any path after it",
             _DOMAIN, _url),
        rule("web.dotted_name", "Node.js, ASP.NET: a name with a dot, 'Node dot J S'",
             r"(?<![\w.])([A-Za-z][A-Za-z0-9]*)\.(js|ts|NET)\b(?!\.\w)", _dotted_name),
    ]  # fmt: skip


def _english_rules() -> list[Rule]:
    month, wd, cur = _MONTH_RE, _WEEKDAY_RE, _CURRENCY_RE
    scale = r"(\s?(?:thousand|million|billion|trillion|bn|mn|tn|[kmb])\b)?"
    return [
        *_web_rules(),
        # telephone numbers and addresses, before their digits can look like ranges or years
        rule("phone.international", "+44 20 7946 0958: plus, then the digits in their groups",
             r"(?<![\w+])\+\d{1,3}(?:[ .-]\(?\d{1,4}\)?){2,5}(?![\w-])", _phone_international),
        rule("phone.toll_free", "1-800-FLOWERS: 'one, eight hundred, flowers'",
             r"\b1-(8\d\d)-([A-Z]{4,}|[A-Z\d]{3,4}-[A-Z\d]{4})(?![\w-])", _phone_toll_free),
        rule("phone.north_american", "(555) 123-4567 and 1-555-123-4567: digits in groups",
             r"(?<![\w-])(?:1[-. ])?(?:\(\d{3}\)\s?|\d{3}[-.])\d{3}[-.]\d{4}(?![\w-])", _phone),
        rule("phone.spaced", "555 123 4567, (020) 7946 0958, 020 7946 0958: digits in groups",
             r"(?<![\w-])(?:\d{3} \d{3} \d{4}|\(0\d{1,4}\)\s?\d{3,4}\s\d{3,4}"
             r"|0\d{2,4} \d{3,4} \d{3,4})(?![\w-])", _phone),
        rule("phone.local", "call 555-1234: seven digits after a word for calling, in groups",
             r"(?<![\w-])[2-9]\d{2}-\d{4}(?![\w-])", _phone_local),
        rule("phone.emergency", "call 911: 'nine one one'",
             r"\b((?:[Cc]all(?:ed)?|[Dd]ial(?:l?ed)?|[Rr]ing|[Pp]hone(?:d)?)\s)(\d{3})\b",
             lambda m, s: m.group(1) + s.digits(m.group(2))),
        rule("phone.extension", "ext. 89: 'extension eight nine'",
             r"\b[Ee]xt\.?\s?(\d{1,5})\b", lambda m, s: "extension " + s.digits(m.group(1))),
        rule("address.zip", "Springfield, IL 62701: the state by name, the ZIP in digits",
             r"\b(" + "|".join(_STATES) + r")\s(\d{5})(?:-(\d{4}))?\b", _zip),
        rule("address.postcode", "SW1A 1AA: a British postcode, letter by letter",
             r"\b([A-Z]{1,2}\d[A-Z\d]?)\s(\d[A-Z]{2})\b", _postcode),
        rule("address.state", "Portland, OR: a state after its city, said by name",
             r"\b([A-Z][a-z]{2,}),\s(" + "|".join(_STATES) + r")\b(?![\w'’-])(?!\s?\d)", _state),
        rule("address.house", "221B Baker St., 123 N. Main St., 77 W 42nd St.: the house number in "
             "pairs, directions and the street type said",
             r"(?<![\w.,$£€])(\d{1,5})([A-Za-z])?\s(?:(" + _DIRECTION_RE + r")\.?\s)?"
             r"((?:(?:[A-Z][\w'’-]*|\d+(?:st|nd|rd|th))\s){1,3})(" + _STREET_RE + r")\b(\.)?"
             r"(?:\s(NE|NW|SE|SW)\b)?", _house),
        rule("address.ordinal_street", "on 5th Ave.: 'on Fifth Avenue'",
             _B + r"(\d+)(?:st|nd|rd|th)\s(" + _STREET_RE + r")\b(\.)?", _ordinal_street),
        # places for pages and numbers: "pp. 10-12" before the range rules
        rule("page", "p. 5, pp. 10–12: page, pages", r"\b(pp?)\.\s?(?=\d)(\d+)", _page, re.I),
        rule("number_sign.no", "No. 5: number five", r"\b(Nos?)\.\s?(\d+)", _numbered),
        rule("number_sign.hash", "#3: number three", r"#(?=\d)(\d+)",
             lambda m, s: "number " + m.group(1)),
        rule("circa", "c. 1850: circa", r"\b(?:c|ca|circa)\.\s?(\d{3,4}s?)\b", _circa),
        rule("world_war", "WWII: World War Two", r"\bWW(I{1,2})\b", _world_war),
        rule("tax_form", "401(k): 'four oh one K'", r"\b(\d{3})\(([a-z])\)", _tax_form),
        rule("act_scene", "Macbeth, 5.5: 'Macbeth, act five, scene five'",
             r"\b(" + _PLAYS + r"),?\s([1-5])\.(\d{1,2})(?:\.(\d{1,4}))?\b(?!\.\d)", _act_scene),
        rule("model", "Boeing 747, Airbus A380: the model number in pairs",
             r"\b(" + _MODELS + r")(\d{3})(s?)\b(?![.,]\d)", _model),
        rule("version.cue", "Python 3.11, Web 2.0: a version, 'three point eleven'",
             r"\b(" + _VERSION_CUES + r")\s?(\d+(?:\.\d+)+)\b", _version_cue),
        rule("version.v", "v2.0: 'version two point oh'", r"\b[vV](\d+(?:\.\d+)*)\b(?!\.\d)",
             _version_v),
        rule("ip_address", "192.168.0.1: each part in digits, 'dot' between",
             r"(?<![\w.])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?![\w]|\.\d)", _ip_address),
        rule("arithmetic.plus", "2+3: 'two plus three'", r"(?<=\d)\s?\+\s?(?=\d)",
             _words(" plus ")),
        rule("arithmetic.minus", "5 − 3 with a minus sign: 'five minus three'",
             r"(?<=\d)\s?−\s?(?=\d)", _words(" minus ")),
        rule("arithmetic.times", "3 × 4 spaced: 'three times four' (1920×1080 is 'by')",
             r"(?<=\d)\s×\s(?=\d)", _words(" times ")),
        rule("arithmetic.divided", "8 ÷ 2: 'eight divided by two'", r"\s?÷\s?",
             _words(" divided by ")),
        rule("arithmetic.equals", "2+3=5: 'equals'", r"(?<=[\d\s])=(?=[\s\d])", _words(" equals ")),
        rule("sign.plus_minus", "±2: 'plus or minus two'", r"±\s?", _words(" plus or minus ")),
        rule("sign.plus", "+3: 'plus three'", r"(?<![\w)])\+(?=\d)", _words("plus ")),
        rule("comparison", "< 5, ≥ 18: said as words",
             r"(?<=[\s\d])(?:<|>|≤|≥|≠|≈)(?=\s?\d)", _comparison),
        # money: "$3" is never a time or a plain number
        rule("money.range", "$250–$300: 'two hundred fifty to three hundred dollars'",
             r"(" + cur + r")\s?(" + _NUM + r")" + scale + _DASH + r"(?:" + cur + r")?\s?("
             + _NUM + r")" + scale, _money_range, re.I),
        rule("money.per", "$20/mo: 'twenty dollars a month'",
             r"(" + cur + r")\s?(" + _NUM + r")" + scale + r"\s?/\s?("
             + "|".join(sorted(_PER, key=len, reverse=True)) + r")\b", _money_per, re.I),
        rule("money", "$3.50, £12, €1.2 million", r"(" + cur + r")\s?(" + _NUM + r")" + scale,
             _money, re.I),
        rule("money.after", "12 €: the symbol after the amount",
             _B + r"(" + _NUM + r")\s?([$£€¥₹₩₽₺₪])(\s?(?:thousand|million|billion)\b)?",
             _money_after),
        rule("money.code", "USD 20, CAD 40, Rs 500: 'twenty US dollars'",
             r"\b(" + _CODE_RE + r"|Rs\.?)\s?(" + _NUM + r")",
             lambda m, s: _amount(_money_code_name(m.group(1)), m.group(2), None, s)),
        rule("money.code_after", "20 EUR, 300 CHF: 'twenty euros'",
             _B + r"(" + _NUM + r")\s?(" + _CODE_RE + r")\b", _money_code_after),
        rule("money.cents", "50¢: 'fifty cents'", _B + r"(\d+)\s?¢", _cents),
        # dates
        rule("date.iso", "2016-07-03", _B + r"(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])" + _E,
             _iso_date),
        rule("date.slash", "03/07/2016: month first in en-US, day first in en-GB",
             _B + r"(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})" + _E, _slash_date),
        rule("date.month_day_cue", "due on 4/15, until 12/26: a date after on/until/since",
             r"\b(on|until|till|since|due|through|thru|before|after|starting|from)\s"
             r"(\d{1,2})/(\d{1,2})" + _E + r"(?!\s+(?:of|stars?|cups?)\b)", _short_date),
        rule("date.dotted", "03.07.2016: day first, as Europe writes it",
             _B + r"(0?[1-9]|[12]\d|3[01])\.(0?[1-9]|1[0-2])\.(\d{4})" + _E, _dotted_date),
        rule("date.weekday_range", "Mon–Fri: 'Monday to Friday'",
             r"\b(" + wd + r")" + _DASH + r"(" + wd + r")(?![\w])",
             lambda m, s: f"{_WEEKDAYS[m.group(1).rstrip('.').lower()]} to "
             f"{_WEEKDAYS[m.group(2).rstrip('.').lower()]}"),
        rule("date.month_range", "Jan–Mar: 'January to March'",
             r"\b(" + month + r")" + _DASH + r"(" + month + r")(?![\w])",
             lambda m, s: f"{_month(m.group(1))} to {_month(m.group(2))}"),
        rule("date.month_days", "May 3–5, 2020: 'May third to fifth'",
             r"\b(" + month + r")\s(\d{1,2})(?:st|nd|rd|th)?" + _DASH
             + r"(\d{1,2})(?:st|nd|rd|th)?(?:,?\s(\d{4}))?" + _E, _month_days),
        rule("date.days_month", "3–5 May: 'the third to the fifth of May'",
             r"(?:\bthe\s)?\b(\d{1,2})(?:st|nd|rd|th)?" + _DASH + r"(\d{1,2})(?:st|nd|rd|th)?\s"
             r"(?:of\s)?(" + month + r")(?:,?\s(\d{4}))?" + _E, _days_month),
        rule("date.month_day", "July 4th, 1776; Jan. 15, 2020; june 5",
             r"\b(" + month + r")\s(\d{1,2})(?:st|nd|rd|th)?(?:,?\s(\d{4}))?" + _E, _month_day),
        rule("date.day_month", "26th May, the 26th of May: said with one 'the'",
             r"(?:\b(the)\s)?\b(\d{1,2})(?:st|nd|rd|th)?\s(?:of\s)?(" + month
             + r")(?:,?\s(\d{4}))?" + _E, _day_month),
        rule("date.month_year", "March 1999", r"\b(" + month + r")\s(\d{4})" + _E, _month_year),
        # times of day and running times
        rule("time.range", "2pm–5pm, 9–5pm: 'two P M to five P M'",
             _B + r"(\d{1,2})(?:[:.]([0-5]\d))?\s?(" + _MERIDIEM + r")?" + _DASH
             + r"(\d{1,2})(?:[:.]([0-5]\d))?\s?(" + _MERIDIEM + r")(?![\w])", _time_range),
        rule("time.range_24h", "10:00–11:30: 'ten o'clock to eleven thirty'",
             _B + r"([01]?\d|2[0-3]):([0-5]\d)()" + _DASH + r"([01]?\d|2[0-3]):([0-5]\d)()" + _E,
             _time_range),
        rule("time.duration", "1:01:01: 'one hour, one minute and one second'",
             _B + r"(\d{1,2}):([0-5]\d):([0-5]\d)" + _E, _duration),
        rule("time.dotted", "9.30 a.m., 1.59 p.m.: a British time with its a.m./p.m.",
             _B + r"(1[0-2]|0?[1-9])\.([0-5]\d)\s?([aApP]\.[mM]\.|[aApP][mM])(?![\w])", _time),
        rule("time.dotted_cue", "at 9.30, by 8.15: a time after at/by/until, not a decimal",
             r"\b(at|by|until|till|from|before|after|around)\s([01]?\d|2[0-3])\.([0-5]\d)"
             r"(?![\d°]|[.,]\d)", _dotted_time),
        rule("time.military", "at 0600, at 1430 hours: 'oh six hundred', 'fourteen thirty hours'",
             r"\b(at|by|until|till|from|before|after|since)\s([01]\d|2[0-3])([0-5]\d)"
             r"(?:\s(hours|hrs)\b)?(?![\w]|[.,]\d)", _military),
        rule("time.clock", "3:45 pm, 14:05, 10:00",
             _B + r"([01]?\d|2[0-3]):([0-5]\d)(?:\s?(" + _MERIDIEM + r")(?![\w]))?" + _E, _time),
        rule("time.meridiem", "7 p.m., 10am", _B + r"(1[0-2]|0?[1-9])\s?([aApP]\.[mM]\.|[aApP][mM])"
             r"(?![\w])", _meridiem),
        rule("ratio", "1.85:1, 2.39:1: aspect ratios", _B + r"(\d+(?:\.\d+)?):(1)" + _E, _ratio),
        rule("ratio.other", "16:9, won 3:2: 'sixteen to nine' (a time took 3:45 already)",
             _B + r"(\d+):(\d+)" + _E, _ratio),
        rule("version.dotted", "3.5.1: 'three point five point one'",
             _B + r"\d+(?:\.\d+){2,}" + _E, _version),
        rule("decimal.bare", ".5: 'point five'", r"(?<![\w.,])\.(\d+)" + _E,
             lambda m, s: "point " + s.digits(m.group(1))),
        rule("duration.hm", "2h 15m: 'two hours fifteen minutes'",
             _B + r"(\d+)\s?h(?:rs?)?\s?(\d+)\s?m(?:in)?" + _E, _hours_minutes),
        rule("percent", "50%, 5–10%", _B + r"(" + _NUM + r")(?:\s?%?" + r"\s?(?:-|–|—|to)\s?("
             + _NUM + r"))?\s?%", _percent),
        rule("per_mille", "5‰: 'five per mille'", _B + r"(" + _NUM + r")\s?‰",
             lambda m, s: f"{s.number(m.group(1))} per mille"),
        # decades before years, year ranges before plain ranges
        rule("decade.range", "1960s–70s",
             _B + r"(1\d{3}|20\d{2})(?<=0)s\s?(?:–|—|-|to)\s?['’]?(\d{2}|1\d{3}|20\d{2})(?<=0)s\b",
             _decade_range),
        rule("count.plural", "1000s of fans: 'thousands'",
             _B + r"(100|1,?000|1,?000,?000)s\b",
             lambda m, s: _COUNTS[m.group(1).replace(",", "")]),
        rule("decade", "the 1990s, the '90s, the 80's",
             r"(?<![\w.,])(['’]?)(\d{2}|1\d{3}|20\d{2})(?<=0)['’]?s\b", _decade),
        rule("year.apostrophe", "'99: 'ninety-nine'", r"(?<![\w'’])['’](\d{2})(?![\w'’%])",
             _apostrophe_year),
        rule("year.season", "the 2010/11 season: 'twenty ten eleven'",
             _B + r"(1\d{3}|20\d{2})/(\d{2})" + _E,
             _season),
        rule("year.range", "1990–95, 1939–1945",
             _B + r"(1\d{3}|20\d{2})\s?(?:–|—|-|to)\s?(1\d{3}|20\d{2}|\d{2})" + _E, _year_range),
        rule("ordinal.range", "3rd–5th: 'third to fifth'",
             _B + r"(\d+)(?:st|nd|rd|th)" + _DASH + r"(\d+)(?:st|nd|rd|th)\b",
             lambda m, s: f"{s.ordinal(m.group(1))} to {s.ordinal(m.group(2))}"),
        rule("fraction.mixed_hyphen", "1-1/2: a mixed number, not a range",
             _B + r"(\d+)-(\d{1,2})/(\d{1,2})" + _E, _mixed_hyphen),
        rule("range.times", "6-30x, 2–3x: 'six to thirty times'",
             _B + r"(\d+)\s?[-–]\s?(\d+)\s?x\b",
             lambda m, s: f"{s.cardinal(m.group(1))} to {s.cardinal(m.group(2))} times"),
        rule("range.dash", "5–10, 2.5–3: the en dash says 'to'",
             _B + r"(" + _NUM + r")\s?(?:–|—)\s?(" + _NUM + r")" + r"(?![\d]|[.,]\d)", _to),
        rule("range.hyphen", "10-12 and 1,000-2,000 are ranges; 5-4 is a score",
             _B + r"(" + _NUM + r")\s?-\s?(" + _NUM + r")" + _E, _hyphen_range),
        # fractions: 9/11 and 24/7 are names, 4/5 stars a score, the rest real fractions
        rule("fraction.name", "9/11: a name said as two numbers", _B + r"(9)/(11)" + _E, _pair),
        rule("fraction.name_24_7", "24/7: 'twenty-four seven'", _B + r"(24)/(7)" + _E, _pair),
        rule("fraction.score", "8.5/10: 'eight point five out of ten'",
             _B + r"(\d+\.\d+)/(5|10|100)" + _E, _out_of),
        rule("resolution", "1080p, 720p, 1080i: 'ten eighty P'", _B + r"(\d{3,4})([pi])\b",
             lambda m, s: f"{s.pair(m.group(1))} {m.group(2).upper()}"),
        rule("fraction.out_of", "4/5 stars", _B + r"(\d+(?:\.\d+)?)/(\d+(?:\.\d+)?)(?=\s+stars?\b)",
             _out_of),
        rule("fraction.ordinal", "1/4th: 'one fourth'", _B + r"(\d+)/(\d+)(?:st|nd|rd|th)s?\b",
             _fraction_ordinal),
        rule("fraction.measure", "½ cup, 4 1/2 lbs: 'half a cup', 'four and a half pounds'",
             _B + r"(?:(\d+)\s)?(\d+)[/⁄](\d{1,2})([\s-]?)(" + _MEASURE_NOUNS + "|" + _UNIT_RE
             + r")\b(?!/)", _fraction_measure),
        rule("fraction", "3/4, 1 1/2", _B + r"(?:(\d+)\s)?(\d+)[/⁄](\d{1,3})" + _E, _fraction),
        rule("ordinal", "1st, 101st, 1,000th", _B + r"(\d{1,3}(?:,\d{3})+|\d+)(?:st|nd|rd|th)\b",
             _ordinal),
        rule("degrees", "20°C, −4 °C, 90°", r"(?<![\w.,])([-−])?(" + _NUM + r")\s?°(?:\s?([CFK])"
             r"(?![\w]))?", _degrees),
        rule("dimensions", "1920x1080, 2 x 4: 'by'", _B + r"(\d+)\s?[x×]\s?(\d+)" + _E, _times),
        # units after a number
        rule("unit.feet_inches", "6 ft 2 in, 5′11″",
             _B + r"(\d+)\s?(?:ft|feet|foot|(['′’]))\s?(\d+)\s?(?:in\b\.?|inches|[\"″”]|′′)",
             _feet_inches),
        rule("unit.square", "100 m², 20 km2: square and cubic measures",
             _B + r"(" + _NUM + r")\s?(m|km|cm|mm|ft|in|yd|mi)(?:\^([23])|([23]))(?![\w])",
             _square),
        rule("unit.square_word", "500 sq ft, 2 sq. m.: 'square feet', 'square meters'",
             _B + r"(" + _NUM + r")\s?(sq|cu)\.?\s?(ft|m|mi|km|in|yd)\b\.?", _square_written),
        rule("unit.inch", "a 2 in. pipe: 'in.' after a number is inches",
             _B + r"(" + _NUM + r")(\s?)(in)\.", _unit),
        rule("unit.scale", "5M viewers: millions and billions",
             _B + r"(" + _NUM + r")\s?(M|B|bn|mn)\b(?=\s+[a-z])",
             _scale),
        rule("unit.gloss", "120fps (frames per second): the unit said once",
             _B + r"(" + _NUM + r")(\s?)(" + _UNIT_RE + r")\s?\(([^()]{1,40})\)", _unit_gloss),
        rule("unit.rate", "900kB/s, 220MB/s: 'kilobytes per second'",
             _B + r"(" + _NUM + r")(\s?)(" + _UNIT_RE + r")/(" + _PER_UNIT_RE + r")\b", _rate),
        rule("unit.seconds", "a 10 s pause: 's' after a space is seconds ('3s' is not)",
             _B + r"(" + _NUM + r")(\s)(s)\b(?![.'’]\w)",
             lambda m, s: f"{s.number(m.group(1))} "
             f"{'second' if m.group(1) in ('1', '1.0') or _attributive(m) else 'seconds'}"),
        rule("unit", "12kg, 5 km, 3.5 GHz, 60 mph: number and unit",
             _B + r"(" + _NUM + r")(\s?)(" + "|".join(re.escape(u) for u in sorted(
                 set(_UNITS) - {"in"}, key=len, reverse=True)) + r")(?![\w/])"
             r"(?:\.(?=\s+[a-z]))?", _unit),  # "6 ft. tall": the unit's full stop goes with it
        rule("power", "E=mc², 10³: 'squared', 'cubed'", r"\s?\^([23])(?!\d)",
             lambda m, s: " squared" if m.group(1) == "2" else " cubed"),
        rule("power.other", "2^10: 'to the power of ten'", r"\s?\^(\d+)",
             lambda m, s: f" to the power of {s.cardinal(m.group(1))}"),
        # years: a lone four-digit number from 1000 to 2099, unless it counts something
        rule("year", "1984, 2001, 1066", _B + r"(1\d{3}|20\d{2})(?!\s(?:" + _COUNT_NOUNS + r")\b)"
             + _E, _year),
        rule("number.word", "2PAC: 'two pac'", _B + r"(\d+)([A-Z]{3,})\b", _number_word),
        rule("number", "3, -5, 1,500, 3.25", r"(?<![\w.,])([-−–])?(" + _NUM + r")(?![\d])",
             _number_guard),
        rule("digits.rest", "anything left: never give the engine digits",
             r"\d+", lambda m, s: f" {s.cardinal(m.group(0))} "),
        *_english_word_rules(),
    ]  # fmt: skip


def _english_word_rules() -> list[Rule]:
    dotted = "|".join(re.escape(k).replace(r"\ ", r"\s?") for k in sorted(_DOTTED, key=len)[::-1])
    simple = {k: a for k, a in ABBREVIATIONS["en"].items() if a.spoken and "." not in k}
    abbreviations = "|".join(sorted(simple, key=len, reverse=True))
    currency_words = {k: v[1] for k, v in _CURRENCIES.items() if not k.isalpha()}
    return [
        rule("roman.world_war", "World War II", r"\bWorld War (I{1,3}|IV)\b",
             lambda m, s: "World War " + _title(s.cardinal(str(_roman_value(m.group(1)))))),
        rule("roman.cue", "Part II, Act I: a plain number",
             rf"\b({_NUMERAL_CUES})\.?\s([IVXLCDM]+)\b(?!\.\w)", _roman_cue),
        rule("roman.cue_lower", "chapter iv: a plain number after a lower-case cue",
             r"\b(chapter|part|act|scene|book|volume|section|appendix|canto|psalm)\s"
             r"([ivxlc]{2,}|[ivx]*[vx])\b(?![\w'’])",
             lambda m, s: m.group(0) if _roman_value(m.group(2).upper()) is None
             else f"{m.group(1)} {s.cardinal(str(_roman_value(m.group(2).upper())))}"),
        rule("roman.name", "Henry VIII (the Eighth), Henry VIII's, Elizabeth I, Rocky II (Two)",
             r"\b([A-Z][a-z]+)\s([IVXL]{2,}|[IVX]*[VX]|I)\b(?!\w)(?!['’](?!s\b))(?!\.\w)",
             _roman_name),
        rule("abbreviation.dotted", "e.g., i.e., a.m., et al.",
             r"(?:(?<=\s)|^)(" + dotted + r")(?=[\s,;:.)!?]|$)", _dotted, re.I),
        rule("abbreviation.doctor_saint", "Dr. and St.: Doctor/Saint before a name, Drive/Street "
             "after one", r"(?:\b([A-Z][\w'’-]*)\s)?\b(Dr|St)\.(?:\s([\w'’-]+))?", _doctor),
        rule("abbreviation.street", "Baker St, Abbey Rd (no full stop): the street type",
             r"\b([A-Z][a-z]+)\s(St|Rd|Ave|Blvd)\b(?!\.)",
             lambda m, s: f"{m.group(1)} {_STREET_TYPES[m.group(2).lower()]}"),
        rule("abbreviation.versus", "v. and vs: versus", r"\b(?:v\.?|vs\.?)(?=\s)",
             _words("versus")),
        rule("abbreviation", "Mr., Prof., approx., Ave.: the table above",
             r"\b(" + abbreviations + r")\.", _abbreviation, re.I),
        rule("abbreviation.month", "Nov. 2: the month's name",
             r"\b(" + "|".join(m[:3] for m in MONTHS if m != "May") + r"|Sept)\.(?=\s?\d)",
             lambda m, s: _month(m.group(1))),
        # letters and units around a slash, before their capitals are spelled
        rule("slash.letters", "Q/A: 'Q and A'; I/O, A/B: the letters",
             r"\b([A-Z])/([A-Z])\b",
             lambda m, s: "Q and A" if m.group(0) == "Q/A" else f"{m.group(1)} {m.group(2)}"),
        rule("slash.per_unit", "IOPS/GiB, req/sec: 'per' before a unit",
             r"\b([A-Za-z]{2,})/(" + _PER_UNIT_RE + r")\b",
             lambda m, s: f"{_UNITS.get(m.group(1), ('', m.group(1)))[1]} per "
             f"{_PER_UNIT[m.group(2)]}"),
        # initialisms: U.S. -> U S; J. R. R. Tolkien -> J R R Tolkien; BBC -> B B C
        rule("initialism.dotted", "U.S.A.: letters", r"\b(?:[A-Za-z]\.){2,}(?!\w)",
             _dotted_initialism),
        rule("initial", "J. R. R. Tolkien: no full stop mid-name", r"\b([A-Z])\.(?=\s[A-Z])",
             _initial),
        rule("initialism.mixed", "PhD, MSc", r"\b(" + "|".join(_MIXED_CASE) + r")\b",
             lambda m, s: _MIXED_CASE[m.group(1)]),
        rule("initialism", "BBC spelled, NASA said, SHOUTING left as words",
             r"\b([A-Z][A-Z0-9&]*[A-Z]|[A-Z]{2,})(s|'s|’s)?\b", _caps_guard),
        # symbols and signs
        rule("sign.ampersand", "Tom & Jerry", r"\s?&\s?", _words(" and ")),
        rule("sign.plus_plus", "C++", r"\b([A-Za-z])\+\+", lambda m, s: f"{m.group(1)} plus plus"),
        rule("sign.plus_after", "18+: 'eighteen plus'", r"(?<=\w)\s?\+(?!\s?\w)", _words(" plus")),
        rule("sign.plus_word", "A + B, +more", r"\s?\+\s?(?=\w)", _words(" plus ")),
        rule("hashtag", "#MeToo", r"(?<![\w])#([A-Za-z]\w*)", lambda m, s: "hashtag " + m.group(1)),
        rule("sign.equals", "a = b, E=mc²", r"\s?=\s?", _words(" equals ")),
        rule("slash.with", "w/ friends: 'with'", r"\bw/(?=\s)", _words("with")),
        rule("slash.and_or", "and/or: 'and or'", r"\band/or\b", _words("and or")),
        rule("slash.per", "km/h or m/s without a number: 'per'",
             r"\b(km|m|mi|ft)/(h|hr|s|sec)\b",
             lambda m, s: f"{_UNITS[m.group(1)][1]} per "
             f"{ {'h': 'hour', 'hr': 'hour', 's': 'second', 'sec': 'second'}[m.group(2)]}"),
        rule("slash.or", "he/she, either/or: 'or'", r"\b([A-Za-z]+)/([A-Za-z]+)\b",
             lambda m, s: f"{m.group(1)} {'' if m.group(2).lower() in ('or', 'nor') else 'or '}"
             f"{m.group(2)}"),
        rule("sign.at", "meet @ noon", r"\s@\s", _words(" at ")),
        rule("sign.section", "§ 4, §§ 4–6", r"(§§?)\s?",
             lambda m, s: "sections " if len(m.group(1)) == 2 else "section "),
        rule("sign.paragraph", "¶ 3", r"¶\s?", _words("paragraph ")),
        rule("sign.about", "~5: 'about five'", r"~(?=\s?\w)", _words("about ")),
        rule("sign.times", "×: 'times'", r"\s?×\s?", _words(" times ")),
        rule("sign.degree", "° with no number", r"°", _words(" degrees ")),
        rule("greek", "π, α, Δ alone: their names",
             r"[\u0391-\u03a9\u03b1-\u03c9]", _greek),
        rule("sign.currency", "a currency sign with no amount is still a word",
             r"US\$|[$£€¥₹₩₽₺₪]", lambda m, s: f" {currency_words[m.group(0)]} "),
        rule("sign.percent", "% with no number", r"%", _words(" percent ")),
        rule("sign.at_word", "@ elsewhere", r"@", _words(" at ")),
        rule("sign.number", "# elsewhere", r"(?<![\w])#", _words(" number ")),
        rule("hyphen.joined", "'R two -D two' -> 'R two-D two'", r"(?<=\w) +-(?=\w)", _words("-")),
    ]  # fmt: skip


# -- French and German: the same classes, in their own words -------------------------------------


@dataclass(frozen=True)
class _Tongue:
    """What a French or German narrator says where an English one says 'point' or 'percent'."""

    lang: str
    point: str
    minus: str
    percent: str
    per_mille: str
    degree: tuple[str, str]
    hour: tuple[str, str]  # "14 h 30" / "14:30 Uhr"
    currencies: dict[str, tuple[str, str, str, str]]
    units: dict[str, tuple[str, str]]
    signs: dict[str, str]
    feminine: frozenset[str]  # nouns that take "une"/"eine"
    number_sign: str


_FR = _Tongue(
    lang="fr", point="virgule", minus="moins", percent="pour cent",
    per_mille="pour mille", degree=("degré", "degrés"), hour=("heure", "heures"),
    currencies={
        "€": ("euro", "euros", "centime", "centimes"),
        "EUR": ("euro", "euros", "centime", "centimes"),
        "$": ("dollar", "dollars", "cent", "cents"), "£": ("livre", "livres", "penny", "pence"),
        "CHF": ("franc suisse", "francs suisses", "centime", "centimes"),
        "¥": ("yen", "yens", "sen", "sen"),
    },
    units={
        "km": ("kilomètre", "kilomètres"), "m": ("mètre", "mètres"),
        "cm": ("centimètre", "centimètres"),
        "mm": ("millimètre", "millimètres"), "kg": ("kilogramme", "kilogrammes"),
        "g": ("gramme", "grammes"), "mg": ("milligramme", "milligrammes"), "t": ("tonne", "tonnes"),
        "l": ("litre", "litres"), "L": ("litre", "litres"), "ml": ("millilitre", "millilitres"),
        "cl": ("centilitre", "centilitres"),
        "km/h": ("kilomètre à l'heure", "kilomètres à l'heure"),
        "min": ("minute", "minutes"), "s": ("seconde", "secondes"),
        "ms": ("milliseconde", "millisecondes"),
        "Go": ("gigaoctet", "gigaoctets"), "Mo": ("mégaoctet", "mégaoctets"),
        "Ko": ("kilooctet", "kilooctets"),
        "To": ("téraoctet", "téraoctets"), "Hz": ("hertz", "hertz"),
        "kHz": ("kilohertz", "kilohertz"),
        "MHz": ("mégahertz", "mégahertz"), "GHz": ("gigahertz", "gigahertz"),
        "W": ("watt", "watts"),
        "kW": ("kilowatt", "kilowatts"), "kWh": ("kilowattheure", "kilowattheures"),
        "ha": ("hectare", "hectares"), "m²": ("mètre carré", "mètres carrés"),
        "km²": ("kilomètre carré", "kilomètres carrés"), "m³": ("mètre cube", "mètres cubes"),
        "μs": ("microseconde", "microsecondes"), "ns": ("nanoseconde", "nanosecondes"),
        "Mo/s": ("mégaoctet par seconde", "mégaoctets par seconde"),
        "Go/s": ("gigaoctet par seconde", "gigaoctets par seconde"),
        "Ko/s": ("kilooctet par seconde", "kilooctets par seconde"),
    },
    signs={"&": "et", "@": "arobase", "+": "plus", "=": "égale", "×": "fois", "§": "paragraphe",
           "±": "plus ou moins", "°": "degrés", "~": "environ"},
    feminine=frozenset({"heure", "heures", "minute", "minutes", "seconde", "secondes", "livre",
                        "livres", "tonne", "tonnes", "milliseconde", "millisecondes",
                        "microseconde", "nanoseconde"}),
    number_sign="numéro",
)  # fmt: skip
_DE = _Tongue(
    lang="de", point="Komma", minus="minus", percent="Prozent",
    per_mille="Promille", degree=("Grad", "Grad"), hour=("Uhr", "Uhr"),
    currencies={
        "€": ("Euro", "Euro", "Cent", "Cent"), "EUR": ("Euro", "Euro", "Cent", "Cent"),
        "$": ("Dollar", "Dollar", "Cent", "Cent"), "£": ("Pfund", "Pfund", "Penny", "Pence"),
        "CHF": ("Franken", "Franken", "Rappen", "Rappen"), "¥": ("Yen", "Yen", "Sen", "Sen"),
    },
    units={
        "km": ("Kilometer", "Kilometer"), "m": ("Meter", "Meter"),
        "cm": ("Zentimeter", "Zentimeter"),
        "mm": ("Millimeter", "Millimeter"), "kg": ("Kilogramm", "Kilogramm"),
        "g": ("Gramm", "Gramm"),
        "mg": ("Milligramm", "Milligramm"), "t": ("Tonne", "Tonnen"), "l": ("Liter", "Liter"),
        "L": ("Liter", "Liter"), "ml": ("Milliliter", "Milliliter"),
        "km/h": ("Kilometer pro Stunde", "Kilometer pro Stunde"), "min": ("Minute", "Minuten"),
        "s": ("Sekunde", "Sekunden"),
        "h": ("Stunde", "Stunden"), "Std": ("Stunde", "Stunden"),
        "ms": ("Millisekunde", "Millisekunden"),
        "GB": ("Gigabyte", "Gigabyte"), "MB": ("Megabyte", "Megabyte"),
        "KB": ("Kilobyte", "Kilobyte"),
        "TB": ("Terabyte", "Terabyte"), "Hz": ("Hertz", "Hertz"), "kHz": ("Kilohertz", "Kilohertz"),
        "MHz": ("Megahertz", "Megahertz"), "GHz": ("Gigahertz", "Gigahertz"), "W": ("Watt", "Watt"),
        "kW": ("Kilowatt", "Kilowatt"), "kWh": ("Kilowattstunde", "Kilowattstunden"),
        "ha": ("Hektar", "Hektar"), "m²": ("Quadratmeter", "Quadratmeter"),
        "km²": ("Quadratkilometer", "Quadratkilometer"), "m³": ("Kubikmeter", "Kubikmeter"),
        "Mio": ("Million", "Millionen"), "Mrd": ("Milliarde", "Milliarden"),
        "Tsd": ("tausend", "tausend"),
        "μs": ("Mikrosekunde", "Mikrosekunden"), "ns": ("Nanosekunde", "Nanosekunden"),
        "MB/s": ("Megabyte pro Sekunde", "Megabyte pro Sekunde"),
        "GB/s": ("Gigabyte pro Sekunde", "Gigabyte pro Sekunde"),
        "kB/s": ("Kilobyte pro Sekunde", "Kilobyte pro Sekunde"),
    },
    signs={"&": "und", "@": "ät", "+": "plus", "=": "gleich", "×": "mal", "§": "Paragraf",
           "±": "plus minus", "°": "Grad", "~": "etwa"},
    feminine=frozenset({"Minute", "Minuten", "Sekunde", "Stunde", "Tonne", "Million", "Milliarde",
                        "Millisekunde", "Kilowattstunde", "Mikrosekunde", "Nanosekunde"}),
    number_sign="Nummer",
)  # fmt: skip
_TONGUES = {"fr": _FR, "de": _DE}

# 1 000 000 or 1.000.000 (groups), 3,50 (a decimal comma)
_EU_NUM = r"\d{1,3}(?:[ \u00a0\u202f.]\d{3})+(?:,\d+)?(?!\d)|\d+(?:,\d+)?"


def _eu_digits(number: str) -> tuple[str, str]:
    """'1 000,50' -> ('1000', '50')."""
    whole, _, frac = number.partition(",")
    return re.sub(r"[ \u00a0\u202f.]", "", whole), frac


def _eu_cardinal(number: str, say: Say, noun: str = "") -> str:
    """A whole number before `noun`: 'un'/'une', 'ein'/'eine' agree with it."""
    words = say.cardinal(number)
    tongue = _TONGUES[say.lang]
    if say.lang == "fr" and words.endswith("un") and noun in tongue.feminine:
        words += "e"
    elif say.lang == "de" and words.endswith("eins") and noun:
        words = words[:-1] + ("e" if noun in tongue.feminine else "")
    return words


def _eu_number(number: str, say: Say, noun: str = "") -> str:
    whole, frac = _eu_digits(number)
    if not frac:
        return _eu_cardinal(whole, say, noun)
    tongue = _TONGUES[say.lang]
    if say.lang == "fr":
        # French reads the decimals as a number: "trois virgule quatorze", "zéro cinq"
        zeros = len(frac) - len(frac.lstrip("0"))
        rest = frac.lstrip("0")
        tail = " ".join(["zéro"] * zeros + ([say.cardinal(rest)] if rest else []))
    else:
        tail = " ".join(say.cardinal(d) for d in frac)  # German: "drei Komma eins vier"
    return f"{say.cardinal(whole)} {tongue.point} {tail}"


def _eu_amount(symbol: str, amount: str, say: Say) -> str:
    """'3,50 €' -> 'trois euros cinquante' / 'drei Euro fünfzig'."""
    tongue = _TONGUES[say.lang]
    key = symbol.upper() if symbol.isalpha() else symbol
    one, many, minor_one, minor_many = tongue.currencies[key]
    whole, cents = _eu_digits(amount)
    if len(cents) not in (0, 2):
        return f"{_eu_number(amount, say, many)} {many}"
    value = int(whole or "0")
    unit = one if value == 1 else many
    spoken = f"{_eu_cardinal(whole or '0', say, unit)} {unit}"
    if cents and int(cents):
        cents = cents.lstrip("0")
        if value == 0:
            minor = minor_one if cents == "1" else minor_many
            return f"{_eu_cardinal(cents, say, minor)} {minor}"
        return f"{spoken} {say.cardinal(cents)}"
    return spoken


def _eu_money_after(m: re.Match[str], say: Say) -> str:
    return _eu_amount(m.group(2), m.group(1), say)


def _eu_money_before(m: re.Match[str], say: Say) -> str:
    return _eu_amount(m.group(1), m.group(2), say)


def _eu_money_split(m: re.Match[str], say: Say) -> str:
    """'3€50' -> 'trois euros cinquante'."""
    return _eu_amount(m.group(2), f"{m.group(1)},{m.group(3)}", say)


def _eu_to(m: re.Match[str], say: Say) -> str:
    """A range's dash: 'à'/'bis', but 'et'/'und' after 'entre'/'zwischen'."""
    between = _previous_word(m).lower() in ("entre", "zwischen")
    return {"fr": ("à", "et"), "de": ("bis", "und")}[say.lang][between]


def _eu_percent(m: re.Match[str], say: Say) -> str:
    tongue = _TONGUES[say.lang]
    start = _eu_number(m.group(1), say)
    if m.group(2):
        return f"{start} {_eu_to(m, say)} {_eu_number(m.group(2), say)} {tongue.percent}"
    return f"{start} {tongue.percent}"


def _eu_unit(m: re.Match[str], say: Say) -> str:
    power = next((g for g in m.groups()[2:] if g), None)  # "m²" is "m^2" or "m2" here
    return _eu_measure(m.group(1), m.group(2), power, say)


def _eu_measure(number: str, unit: str, power: str | None, say: Say) -> str:
    """'100', 'm', '2' -> 'cent mètres carrés'; '5', 'km', None -> 'fünf Kilometer'."""
    tongue = _TONGUES[say.lang]
    if power:
        unit += {"2": "²", "3": "³"}[power]
    one, many = tongue.units[unit]
    whole, frac = _eu_digits(number)
    word = one if (whole == "1" and not frac) else many
    return f"{_eu_number(number, say, word.split()[0])} {word}"


def _eu_degrees(m: re.Match[str], say: Say) -> str:
    tongue = _TONGUES[say.lang]
    sign, number, scale = m.group(1), m.group(2), m.group(3)
    name = {"C": " Celsius", "F": " Fahrenheit"}.get(scale or "", "")
    one = number in ("1", "0") or number.startswith(("0,", "1,"))
    word = tongue.degree[0] if one else tongue.degree[1]
    minus = f"{tongue.minus} " if sign else ""
    return f"{minus}{_eu_number(number, say, word)} {word}{name}"


_EU_COMPARISONS = {
    "fr": ("est", {"<": "inférieur à", ">": "supérieur à"}),
    "de": ("ist", {"<": "kleiner als", ">": "größer als"}),
}


def _eu_comparison(m: re.Match[str], say: Say) -> str:
    verb, words = _EU_COMPARISONS[say.lang]
    statement = re.search(r"(?:\d|\b[^\W\d_])\s?$", _before(m, 3)) is not None
    return f" {verb} {words[m.group(0)]} " if statement else f" {words[m.group(0)]} "


def _eu_signed(m: re.Match[str], say: Say) -> str:
    return f"{_TONGUES[say.lang].minus} {_eu_number(m.group(1), say)}"


def _eu_plain(m: re.Match[str], say: Say) -> str:
    after = re.match(r"\s*([^\W\d_]+)", _after(m))
    return _eu_number(m.group(0), say, after.group(1) if after else "")


def _eu_range(m: re.Match[str], say: Say) -> str:
    return f"{m.group(1)} {_eu_to(m, say)} {m.group(2)}"


def _eu_day(day: str, say: Say, before: str) -> str:
    """A day of the month: 'premier', 'quatorze'; 'dritten' after 'am', 'dritte' after 'der'."""
    if say.lang == "fr":
        return "premier" if int(day) == 1 else say.cardinal(day.lstrip("0"))
    return _de_ordinal(day.lstrip("0"), say, before)


_DE_DATIVE = {"am", "im", "vom", "zum", "beim", "dem", "den", "des", "zur", "seit", "ab", "vor",
              "nach", "bis", "einem", "seinem", "ihrem", "diesem"}  # fmt: skip
_DE_NOMINATIVE = {"der", "die", "das", "dieser", "jeder"}


def _de_ordinal(digits: str, say: Say, before: str) -> str:
    """German ordinals agree with what comes before: 'am dritten', 'der dritte', 'dritter'."""
    base = say.ordinal(digits)  # "dritte"
    word = before.lower()
    if word in _DE_DATIVE:
        return base + "n"
    if word in _DE_NOMINATIVE:
        return base
    return base + "r"


def _previous_word(m: re.Match[str]) -> str:
    found = re.search(r"(?<![^\W\d_])([^\W\d_]+)\W*$", _before(m))
    return found.group(1) if found else ""


def _eu_date(m: re.Match[str], say: Say, day: str, month: int, year: str | None) -> str:
    if not (1 <= month <= 12 and 1 <= int(day) <= 31):
        return m.group(0)
    name = MONTH_NAMES[say.lang][month - 1]
    words = f"{_eu_day(day, say, _previous_word(m))} {name}"
    return words + (f" {_eu_year(year, say)}" if year else "")


def _eu_year(year: str, say: Say) -> str:
    value = int(_full_year(year))
    if say.lang == "de" and 1100 <= value <= 1999:
        return say.year(str(value))  # "neunzehnhundertneunzig"
    return say.cardinal(str(value))


def _eu_numeric_date(m: re.Match[str], say: Say) -> str:
    return _eu_date(m, say, m.group(1), int(m.group(2)), m.group(3))


def _eu_iso_date(m: re.Match[str], say: Say) -> str:
    return _eu_date(m, say, m.group(3), int(m.group(2)), m.group(1))


def _eu_time(m: re.Match[str], say: Say) -> str:
    return _eu_clock(m.group(1), next((g for g in m.groups()[1:] if g), None), say)


def _eu_clock(hour: str, minute: str | None, say: Say) -> str:
    """'14h30', '14:30' -> 'quatorze heures trente'; '14:30 Uhr' -> 'vierzehn Uhr dreißig'."""
    tongue = _TONGUES[say.lang]
    hour = hour.lstrip("0") or "0"
    word = tongue.hour[0] if hour in ("0", "1") else tongue.hour[1]
    spoken = f"{_eu_cardinal(hour, say, word)} {word}"
    if minute and minute != "00":
        spoken += " " + say.cardinal(minute.lstrip("0"))
    return spoken


def _fr_ordinal(m: re.Match[str], say: Say) -> str:
    """1er -> 'premier', 1re -> 'première', 2e -> 'deuxième', XIXe -> 'dix-neuvième'."""
    number, suffix = m.group(1), m.group(2)
    value = int(number) if number.isdigit() else _roman_value(number)
    if value is None:
        return m.group(0)
    if suffix.startswith("nd"):
        return "seconde" if suffix.startswith("nde") else "second"
    if value == 1:
        return "première" if suffix.startswith("r") or suffix.startswith("è") else "premier"
    return say.ordinal(str(value))


def _fr_regnal(m: re.Match[str], say: Say) -> str:
    """Louis XIV -> 'Louis quatorze', François Ier -> 'François premier'."""
    value = _roman_value(m.group(2))
    return m.group(0) if value is None else f"{m.group(1)} {say.cardinal(str(value))}"


def _de_ordinal_rule(m: re.Match[str], say: Say) -> str:
    return _de_ordinal(m.group(1), say, _previous_word(m)) + m.group(2)


_DE_YEAR_CUES = {
    "jahr",
    "jahre",
    "jahres",
    "seit",
    "von",
    "um",
    "bis",
    "ab",
    "anno",
    "im",
    "in",
    "vor",
    "nach",
    "und",
    "zwischen",
} | {m.lower() for m in MONTH_NAMES["de"]}


def _de_year(m: re.Match[str], say: Say) -> str:
    """'seit 1871' and 'im Jahr 1990' are years; '1500 Menschen' is a count."""
    after = _after(m)
    if _previous_word(m).lower() in _DE_YEAR_CUES or re.match(
        r"\s*(?:[.,;:!?)]|$|und\b|bis\b|[-–]|v\.|n\.)", after
    ):
        return say.year(m.group(1))
    return say.cardinal(m.group(1))


def _eu_web_and_dates(tongue: _Tongue) -> list[Rule]:
    months = "|".join(MONTH_NAMES[tongue.lang])
    return [
        *_web_rules(),
        rule("date.iso", "2016-07-03", _B + r"(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])" + _E,
             _eu_iso_date),
        rule("date.numeric", "14/07/1789, 03.10.1990: day first",
             _B + r"(\d{1,2})[/.](\d{1,2})[/.](\d{4}|\d{2})" + _E, _eu_numeric_date),
        rule("date.day_month", "le 14 juillet, am 3. Oktober: the day before the month",
             _B + r"(\d{1,2})(?:er|\.)?\s(?=(?:" + months + r")\b)",
             lambda m, s: _eu_day(m.group(1), s, _previous_word(m)) + " "),
    ]  # fmt: skip


def _eu_rules(tongue: _Tongue) -> list[Rule]:
    """The number rules French and German share; each says them with its own words."""
    currencies = "|".join(re.escape(c) for c in tongue.currencies)
    units = "|".join(re.escape(u) for u in sorted(tongue.units, key=len, reverse=True)
                     if not u.endswith(("²", "³")))  # fmt: skip
    signs = tongue.signs
    return [
        rule("money.split", "3€50", _B + r"(\d+)(€)(\d{2})\b", _eu_money_split),
        rule("money.after", "3,50 €, 12 €",
             _B + r"(" + _EU_NUM + r")\s?(" + currencies + r")(?![\w])", _eu_money_after),
        rule("money.before", "€3,50, $5", r"(" + currencies + r")\s?(" + _EU_NUM + r")(?![\d])",
             _eu_money_before),
        rule("percent", "15 %, 5–10 %", _B + r"(" + _EU_NUM + r")(?:\s?%?\s?(?:-|–|—|à|bis)\s?("
             + _EU_NUM + r"))?\s?%", _eu_percent),
        rule("per_mille", "5 ‰", _B + r"(" + _EU_NUM + r")\s?‰",
             lambda m, s: f"{_eu_number(m.group(1), s)} {tongue.per_mille}"),
        rule("range", "1990–1995, 10-12: 'à', 'bis'",
             _B + r"(\d+)\s?(?:–|—|-)\s?(\d+)" + _E, _eu_range),
        rule("degrees", "20 °C, −4 °C",
             r"(?<![\w.,])([-−])?(" + _EU_NUM + r")\s?°\s?([CF])?(?![\w])", _eu_degrees),
        rule("unit.square", "100 m², 100 m2",
             _B + r"(" + _EU_NUM + r")\s?(m|km)(?:\^([23])|([23]))(?![\w])",
             _eu_unit),
        rule("unit", "5 km, 3,5 kg", _B + r"(" + _EU_NUM + r")\s?(" + units + r")(?![\w/])",
             _eu_unit),
        rule("sign.minus", "-5: 'moins cinq', 'minus fünf'",
             r"(?:(?<=\s)|^)[-−](" + _EU_NUM + r")(?![\d])", _eu_signed),
        rule("sign.plus", "+3", r"(?<![\w)])\+(?=\d)", _words(signs["+"] + " ")),
        rule("comparison", "3 < 5: 'trois est inférieur à cinq', 'drei ist kleiner als fünf'",
             r"(?<=[\s\d])[<>](?=\s?\d)", _eu_comparison),
        rule("number.sign", "n° 5, № 5: 'numéro', 'Nummer'", r"(?i:\bn[°º]|№|#)\s?(?=\d)",
             _words(tongue.number_sign + " ")),
    ]  # fmt: skip


def _eu_signs(tongue: _Tongue) -> list[Rule]:
    signs = tongue.signs
    currency = {k: v[1] for k, v in tongue.currencies.items() if not k.isalpha()}
    return [
        rule("number", "3, 1 000, 3,14", r"(?<![\w.,])(?:" + _EU_NUM + r")(?![\d])", _eu_plain),
        rule("decimal.dot", "3.11 written with a dot: 'trois point onze', 'drei Punkt elf'",
             r"(?<![\w.,])(\d+)\.(\d+)(?![\d])",
             lambda m, s: f"{s.cardinal(m.group(1))} {_WEB_WORDS[s.lang].dot} "
             f"{s.cardinal(m.group(2))}"),
        rule("digits.rest", "anything left: the language's words, never digits",
             r"\d+", lambda m, s: f" {s.cardinal(m.group(0))} "),
        rule("sign.ampersand", "&", r"\s?&\s?", _words(f" {signs['&']} ")),
        rule("sign.at", "@", r"\s?@\s?", _words(f" {signs['@']} ")),
        rule("sign.plus_word", "+ elsewhere", r"\s?\+\s?", _words(f" {signs['+']} ")),
        rule("sign.equals", "=", r"\s=\s", _words(f" {signs['=']} ")),
        rule("sign.times", "×", r"\s?×\s?", _words(f" {signs['×']} ")),
        rule("sign.plus_minus", "±", r"±\s?", _words(f" {signs['±']} ")),
        rule("sign.section", "§", r"§\s?", _words(f"{signs['§']} ")),
        rule("sign.degree", "°", r"°", _words(f" {signs['°']} ")),
        rule("sign.about", "~5", r"~(?=\s?\w)", _words(f"{signs['~']} ")),
        rule("sign.percent", "%", r"%", _words(f" {tongue.percent} ")),
        rule("sign.currency", "a currency sign alone", "|".join(re.escape(c) for c in currency),
             lambda m, s: f" {currency[m.group(0)]} "),
    ]  # fmt: skip


_FR_TITLES = {"Mme": "Madame", "Mmes": "Mesdames", "Mlle": "Mademoiselle",
              "Mlles": "Mesdemoiselles", "Dr": "Docteur", "Pr": "Professeur"}  # fmt: skip


def _french_rules() -> list[Rule]:
    t = _FR
    return [
        *_eu_web_and_dates(t),
        rule("abbreviation.monsieur", "M. Dupont: Monsieur", r"\bM\.(?=\s[A-ZÉÈ])",
             _words("Monsieur")),
        rule("abbreviation.messieurs", "MM. Dupont et Durand", r"\bMM\.(?=\s[A-ZÉÈ])",
             _words("Messieurs")),
        rule("abbreviation.titles", "Mme, Mlle, Mmes, Dr, Pr",
             r"\b(Mmes|Mme|Mlles|Mlle|Dr|Pr)\b\.?", lambda m, s: _FR_TITLES[m.group(1)]),
        rule("abbreviation.saint", "St-Denis, Ste-Anne", r"\b(St|Ste)(?=[- ][A-ZÉ])",
             lambda m, s: "Saint" if m.group(1) == "St" else "Sainte"),
        rule("abbreviation.era", "av. J.-C., apr. J.-C.", r"\b(av|apr)\.\s?J\.-C\.",
             lambda m, s: ("avant" if m.group(1) == "av" else "après") + " Jésus-Christ"),
        rule("abbreviation.dotted", "p. ex., c.-à-d., etc.",
             r"\bp\.\s?ex\.|\bc\.-à-d\.|\betc\.|\benv\.|\bchap\.|\bvol\.|\bp\.(?=\s?\d)",
             lambda m, s: {"p.ex.": "par exemple", "c.-à-d.": "c'est-à-dire", "etc.": "et cetera",
                           "env.": "environ", "chap.": "chapitre", "vol.": "volume",
                           "p.": "page"}[m.group(0).replace(" ", "")]),
        rule("time", "14h30, 14 h, 14:30: 'quatorze heures trente'",
             _B + r"([01]?\d|2[0-3])\s?(?:h|:)\s?([0-5]\d)?(?![\w])", _eu_time),
        rule("ordinal", "1er, 1re, 2e, 3ème, 2nd", r"\b(\d+)(ers?|res?|ères?|es?|èmes?|nde?s?)\b",
             _fr_ordinal),
        rule("ordinal.roman", "XIXe siècle, Ve République, Ier", r"\b([IVX]+)(e|ème|er|re)\b",
             lambda m, s: _fr_ordinal(m, s) if m.group(2) in ("e", "ème") or m.group(1) == "I"
             else m.group(0)),
        rule("roman.regnal", "Louis XIV, François Ier",
             r"\b([A-ZÉ][a-zéèï]+)\s(Ier|[IVX]{2,}|[IVX]*[VX])\b",
             lambda m, s: f"{m.group(1)} premier" if m.group(2) == "Ier" else _fr_regnal(m, s)),
        *_eu_rules(t),
        *_eu_signs(t),
    ]  # fmt: skip


def _german_rules() -> list[Rule]:
    t = _DE
    months = "|".join(MONTH_NAMES["de"])
    nouns = (
        "Jahrhundert|Jahrtausend|Jahrestag|Geburtstag|Mal|Stock|Platz|Klasse|Auflage|Weltkrieg"
        "|Kapitel|Akt|Satz|Runde|Staffel|Folge|Ausgabe|Band|Spieltag|Etage|Tag|Woche|Monat"
    )
    return [
        *_eu_web_and_dates(t),
        rule("abbreviation.dotted", "z. B., d. h., u. a., v. Chr., n. Chr.",
             r"\b(z|d|u|v|n)\.\s?(B|h|a|Chr)\.",
             lambda m, s: {"zB": "zum Beispiel", "dh": "das heißt", "ua": "unter anderem",
                           "vChr": "vor Christus", "nChr": "nach Christus"}.get(
                 m.group(1) + m.group(2), m.group(0))),
        rule("abbreviation", "usw., bzw., Nr., Dr., Str., Jh., vgl., ca., Mio.: the table",
             r"\b(" + "|".join(k for k, a in ABBREVIATIONS["de"].items() if a.spoken and len(k) > 1)
             + r")\.", lambda m, s: ABBREVIATIONS["de"][m.group(1).lower()].spoken, re.I),
        rule("abbreviation.street", "Hauptstr. 5: Hauptstraße", r"(?<=\w)str\.", _words("straße")),
        rule("abbreviation.page", "S. 5: Seite", r"\bS\.\s?(?=\d)", _words("Seite ")),
        rule("scale", "2 Mio. €, 3,5 Mrd. Euro: Millionen, Milliarden",
             _B + r"(" + _EU_NUM + r")\s?(Mio|Mrd|Tsd)\.?(?=\s|$)",
             lambda m, s: _eu_measure(m.group(1), m.group(2), None, s)),
        rule("time", "14:30 Uhr, 14.30 Uhr, 14:30: 'vierzehn Uhr dreißig'",
             _B + r"([01]?\d|2[0-3])(?::([0-5]\d)|\.([0-5]\d)(?=\s?Uhr))(?:\s?Uhr)?(?![\w])",
             _eu_time),
        rule("ordinal", "am 3. Oktober, im 19. Jahrhundert: 'am dritten', 'im neunzehnten'",
             _B + r"(\d{1,4})\.(\s(?:" + months + r"|" + nouns + r")\b)", _de_ordinal_rule),
        *_eu_rules(t),
        rule("year", "1990 after 'im Jahr', 'seit', a month, or before a stop: a year",
             _B + r"(1[1-9]\d{2})" + _E, _de_year),
        *_eu_signs(t),
    ]  # fmt: skip


def _num2words_rules() -> list[Rule]:
    """A language num2words knows and we have no table for: whole numbers in its words."""
    return [
        rule(
            "number",
            "whole numbers only; decimals and signs are the engine's to read",
            r"(?<![\w.,])\d+(?![\w]|[.,]\d)",
            lambda m, s: s.cardinal(m.group(0)),
        ),
    ]


@cache
def rules(language: str) -> tuple[Rule, ...]:
    """The table for a language, compiled once; () where digits go to the engine untouched."""
    lang = Say(language).lang
    if lang == "en":
        return tuple(_english_rules())
    if lang == "fr":
        return tuple(_french_rules())
    if lang == "de":
        return tuple(_german_rules())
    if lang in CONVERTER_CLASSES:
        return tuple(_num2words_rules())
    return ()


# -- text clean-up -------------------------------------------------------------------------

_PROTECT_START = 0xF0000  # Unicode plane 15 private use: never in speakable text
_STASH = re.compile("[\U000f0000-\U000ffffd]")
_DROP = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff\u2122\u00ae\u2020\u2021"))
_SPACES = re.compile(r"[\s\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"


def _clean(text: str) -> str:
    text = text.translate(_DROP).replace("©", " copyright ").replace("℗", "")
    # before NFKC folds "m²" into "m2": a power after a letter is a power; any other
    # superscript after a word is a footnote mark, which a narrator does not read
    text = re.sub(r"(?<=[A-Za-zµμ])([²³])", lambda m: "^" + str(_SUPERSCRIPTS.index(m[1])), text)
    text = re.sub(r"(?<=[^\W\d_]|[.,;:!?)’”\"])[⁰¹⁴-⁹]+", "", text)
    text = re.sub(r"(?<=\d)([²³])", lambda m: "^" + str(_SUPERSCRIPTS.index(m[1])), text)
    # "1½" is one and a half: a space keeps NFKC's "1⁄2" from joining the whole number
    text = re.sub(r"(?<=\d)([¼½¾⅐-⅞])", r" \1", text)
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
    # (?<!\s): a match starts where a run of spaces does, never inside it (linear time)
    text = re.sub(r"(?<!\s)\s*(?:\.\s?){3,}|(?<!\s)\s*…", " , ", text)  # ellipses
    text = re.sub(r"(?<!\s)\s*(?:—|–|--+|―|‒)\s*", " , ", text)  # dashes in prose
    text = re.sub(r"(?<!\s)\s+-\s+", " , ", text)
    text = re.sub(r"\[\s*sic\s*\]", " ", text, flags=re.I)
    text = re.sub(r"[()\[\]{}]", " , ", text)
    text = re.sub(r"[*_|<>^~\\]+", " ", text)
    text = re.sub(r"(?<!\w)/(?!\w)|/", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    # tidy the pauses: no pause at the start, none before other punctuation, one at a time
    text = re.sub(r"(?<!\s)\s+([,.;:!?])", r"\1", text)
    text = re.sub(r",(?:\s*,)+", ",", text)
    text = re.sub(r",\s*([.;:!?])", r"\1", text)
    text = re.sub(r"([;:!?.])\s*,", r"\1", text)
    text = re.sub(r"^[\s,;:.]+", "", text)
    text = re.sub(r",\s*$", "", text)
    text = re.sub(r"([,;:])(?=[^\s\d])", r"\1 ", text)
    return text.strip()


# -- text the voice cannot speak -------------------------------------------------------------------

# The scripts a language's voices read. Latin is read by every voice we ship, so an English
# name in a Russian essay stays; a language not listed here skips nothing.
_CYRILLIC = ("ru", "uk", "bg", "sr", "be", "mk", "kk", "ky", "tg", "mn")
_LATIN = (
    "en", "fr", "de", "es", "it", "pt", "nl", "sv", "da", "no", "nb", "nn", "fi", "pl", "cs",
    "sk", "sl", "hr", "bs", "ro", "hu", "tr", "id", "ms", "vi", "ca", "eu", "gl", "cy", "ga",
    "is", "et", "lv", "lt", "sq", "mt", "af", "sw", "tl", "eo", "la", "az", "uz", "lb",
)  # fmt: skip
SCRIPTS: dict[str, frozenset[str]] = {
    **{lang: frozenset({"LATIN"}) for lang in _LATIN},
    **{lang: frozenset({"CYRILLIC"}) for lang in _CYRILLIC},
    "el": frozenset({"GREEK"}), "he": frozenset({"HEBREW"}), "yi": frozenset({"HEBREW"}),
    "ar": frozenset({"ARABIC"}), "fa": frozenset({"ARABIC"}), "ur": frozenset({"ARABIC"}),
    "zh": frozenset({"CJK"}), "ja": frozenset({"CJK", "HIRAGANA", "KATAKANA"}),
    "ko": frozenset({"HANGUL", "CJK"}), "hi": frozenset({"DEVANAGARI"}),
    "mr": frozenset({"DEVANAGARI"}), "ne": frozenset({"DEVANAGARI"}), "bn": frozenset({"BENGALI"}),
    "ta": frozenset({"TAMIL"}), "te": frozenset({"TELUGU"}), "th": frozenset({"THAI"}),
    "ka": frozenset({"GEORGIAN"}), "hy": frozenset({"ARMENIAN"}), "am": frozenset({"ETHIOPIC"}),
}  # fmt: skip
_NEUTRAL_SCRIPTS = {"COMBINING", "MODIFIER", "LATIN"}


def _script(char: str) -> str | None:
    """The script of a letter or mark ('HEBREW', 'CJK'), None for anything else."""
    if not unicodedata.category(char).startswith(("L", "M")):
        return None
    return unicodedata.name(char, "UNKNOWN").split(" ")[0].split("-")[0]


def _skip_unspeakable(text: str, lang: str) -> tuple[str, tuple[str, ...]]:
    """Cut out runs of a script the voice cannot speak; return the text and the runs."""
    allowed = SCRIPTS.get(lang)
    if allowed is None or text.isascii():
        return text, ()
    runs: list[tuple[int, int]] = []
    start = last = -1
    for i, char in enumerate(text):
        script = _script(char)
        foreign = script is not None and script not in allowed and script not in _NEUTRAL_SCRIPTS
        known = (script is not None and not foreign) or ord(char) >= _PROTECT_START
        if foreign:
            start = i if start < 0 else start
            last = i
        elif known and start >= 0:
            runs.append((start, last + 1))
            start = -1
    if start >= 0:
        runs.append((start, last + 1))
    kept, skipped, at = [], [], 0
    for begin, end in runs:
        run = text[begin:end]
        if lang == "en" and len(run) == 1 and _script(run) == "GREEK":
            continue  # a lone π or Δ: the English rules say its name
        if run == "μ" and text[end : end + 1].isalpha():
            continue  # "50 μs": the micro sign of a unit, in every language
        kept.append(text[at:begin])
        kept.append(" ")
        skipped.append(run)
        at = end
    kept.append(text[at:])
    return "".join(kept), tuple(skipped)


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


def apply_lexicon(
    text: str, lexicon: Mapping[str, str], wrap: Callable[[str], str] | None = None
) -> str:
    """Replace whole words by their respellings; exact case first, lower-case keys match any.

    `wrap` sees each respelling before it goes in (normalize() uses it to keep the
    respelling away from its own rules).
    """
    pattern = _lexicon_pattern(lexicon)
    if pattern is None:
        return text

    def swap(m: re.Match[str]) -> str:
        value = _lookup(m.group(0), lexicon)
        if value is None:
            return m.group(0)
        return wrap(value) if wrap else value

    return pattern.sub(swap, text)


# -- sentence ends (text.py splits sentences by these) ---------------------------------------------

# Abbreviations that are also common words: only their capitalised form is an abbreviation
# ("No. 5", but "I said no.")
_WORDLIKE = {"no", "nos", "gen", "col", "rev", "sen", "rep", "est", "dir", "co", "mar", "dec",
             "jan", "sun", "sat", "fr", "mt", "ft", "lt", "hon", "al", "gov", "pres", "esp",
             "apt", "ste", "bldg", "m", "s", "a", "b", "d", "h", "u", "n", "z", "av", "ex",
             "env"}  # fmt: skip


@cache
def _never_final(language: str) -> re.Pattern[str]:
    lang = Say(language).lang
    table = ABBREVIATIONS.get(lang, {})
    forms = set()
    for key, abbreviation in table.items():
        if abbreviation.ends:
            continue
        forms.add(key.capitalize() if "." not in key else key)
        if key not in _WORDLIKE or lang == "de":
            forms.add(key)
    alternatives = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    initial = r"\b[A-Z]\."
    return re.compile(rf"(?:\b(?:{alternatives})\.|{initial})$" if alternatives else initial + "$")


# "Baker St. The house" and "King Jr. He spoke": the abbreviation ends the sentence too
_STREET_END = re.compile(
    r"(?<=\S)\s([A-Z][\w'’-]+)\s(?:St|Ave|Rd|Blvd|Dr|Ln|Pkwy|Hwy)\.(\s+)(?=[A-Z])"
    r"|\s(?:Jr|Sr|Inc|Ltd|Corp|Bros)\.(\s+)(?=[A-Z][a-z])"
)


def continues(before: str, language: str = "en") -> bool:
    """Does `before` end in an abbreviation whose full stop cannot end the sentence ("Dr.")?"""
    before = before.rstrip()
    if _never_final(language).search(before):
        return True
    if Say(language).lang != "en":
        return False
    # "St." and "Dr." end a sentence only as a street, after a name: "on Baker St."
    # (?<!\S): the word is tried from its start only, or "word" and 64,000 dots is quadratic
    place = re.search(r"(?<!\S)(\S+)\s(?:St|Dr)\.$|^(?:St|Dr)\.$", before)
    return place is not None and not (place.group(1) and place.group(1)[0].isupper())


def split_at_abbreviations(sentence: str, language: str = "en") -> list[str]:
    """Split where an abbreviation's full stop also ends a sentence (the segmenter keeps them)."""
    if Say(language).lang != "en":
        return [sentence]
    pieces, at = [], 0
    for m in _STREET_END.finditer(sentence):
        space = m.start(2) if m.group(2) is not None else m.start(3)
        pieces.append(sentence[at:space])
        at = space
    pieces.append(sentence[at:])
    return [p for p in pieces if p.strip()]


# -- the entry point ------------------------------------------------------------------------

_PHONEMES = re.compile(r"\[\[.*?\]\]", re.S)


def read_aloud(
    text: str, language: str = "en", lexicon: Mapping[str, str] | None = None
) -> Reading:
    """One sentence or paragraph of plain text -> what the voice says, and what it skips."""
    stash: list[str] = []

    def keep(value: str) -> str:
        stash.append(value)
        return chr(_PROTECT_START + len(stash) - 1)

    text = _clean(text)
    ending = re.search(r"([.!?])[\s\"'”’)\]]*$", text)
    # Piper's [[ phonemes ]] and lexicon respellings pass through every rule untouched
    text = _PHONEMES.sub(lambda m: " " + keep(m.group(0)) + " ", text)
    if lexicon:
        text = apply_lexicon(text, lexicon, keep)
    say = Say(language)
    capital = text.lstrip()[:1].isupper()
    text, skipped = _skip_unspeakable(text, say.lang)
    for row in rules(language):
        text = row.apply(text, say)
    text = _pauses(text)
    text = _SPACES.sub(" ", text).strip()
    if ending and text and text[-1] not in ".!?" and ord(text[-1]) < _PROTECT_START:
        text += ending.group(1)
    if capital and text[:1].islower():
        text = text[0].upper() + text[1:]  # "No. 5 is best" -> "Number five is best"
    if not re.search(r"\w", _STASH.sub("x", text)):
        text = ""  # only punctuation is left: nothing to say
    spoken = _STASH.sub(lambda m: stash[ord(m.group(0)) - _PROTECT_START], text)
    return Reading(spoken, skipped)


def normalize(text: str, language: str = "en", lexicon: Mapping[str, str] | None = None) -> str:
    """One sentence or paragraph of plain text -> the words a narrator says."""
    return read_aloud(text, language, lexicon).spoken
