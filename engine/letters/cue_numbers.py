"""Numbers and dates as letters write them, for the cues' {number} and {date}: digits or words
("a"/"an" = 1, "a few", "half a"), and dates in the forms progress notes use."""

from __future__ import annotations

import calendar
import datetime as dt
import re

from engine.letters.item_reader import NUMBER_WORDS as SPELLED_NUMBERS
from engine.limits import figure_problem

NUMBER_WORDS: dict[str, float] = {
    **SPELLED_NUMBERS,
    "a": 1,
    "an": 1,
    "a couple of": 2,
    "a few": 3,
    "half a": 0.5,
}

# Counts a cue writes out where its own words make them a count ("(?P<value>no|{number}) drug screens
# in the past year", "tested (?P<value>twice)"); never part of {number}, where "no" would be a count
# in any sentence.
_COUNT_WORDS: dict[str, float] = {"no": 0, "none": 0, "single": 1, "a single": 1, "once": 1, "twice": 2}

NUMBER_RE = (
    r"(?:\d+(?:\.\d+)?|"
    + "|".join(re.escape(w).replace(r"\ ", " ") for w in sorted(NUMBER_WORDS, key=len, reverse=True))
    + r")"
)

_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}

_MONTH_NAME = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)

DATE_RE = (
    rf"(?:{_MONTH_NAME}\.?\s+(?:\d{{1,2}}(?:st|nd|rd|th)?,?\s+)?(?:19|20)\d\d"
    r"|\d{1,2}[/-]\d{1,2}[/-](?:(?:19|20)\d\d|\d\d)(?![\d/-])"
    r"|\d{1,2}[/-](?:19|20)\d\d(?![\d/-])"
    r"|(?<![\d/-])(?:19|20)\d\d(?![\d/-]))"
)

_DATE_PARTS = re.compile(
    rf"^(?:(?P<month_name>{_MONTH_NAME})\.?\s+(?:(?P<day_of_name>\d{{1,2}})(?:st|nd|rd|th)?,?\s+)?(?P<year_of_name>\d{{4}})"
    r"|(?P<month>\d{1,2})[/-](?:(?P<day>\d{1,2})[/-])?(?P<year>\d{4}|\d\d)"
    r"|(?P<year_only>\d{4}))$",
    re.IGNORECASE,
)


def parse_number(text: str) -> float | None:
    """A number as written: digits or words ("a year" is one year)."""
    cleaned = " ".join(text.lower().split())
    if cleaned in NUMBER_WORDS:
        return NUMBER_WORDS[cleaned]
    if cleaned in _COUNT_WORDS:
        return _COUNT_WORDS[cleaned]
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if figure_problem(value) is None else None


def parse_date(text: str) -> tuple[dt.date, bool] | None:
    """The latest day a written date can mean, and whether the day itself was written.

    "6/2014" is read as 2014-06-30 and "2013" as 2013-12-31: durations counted from such a date are
    the least the letter supports.
    """
    match = _DATE_PARTS.match(" ".join(text.split()))
    if match is None:
        return None
    groups = match.groupdict()
    if groups["year_only"]:
        year, month, day = int(groups["year_only"]), 12, None
    elif groups["month_name"]:
        year = int(groups["year_of_name"])
        month = _MONTHS[groups["month_name"][:3].lower()]
        day = int(groups["day_of_name"]) if groups["day_of_name"] else None
    else:
        year = int(groups["year"])
        year += 2000 if year < 100 else 0
        month = int(groups["month"])
        day = int(groups["day"]) if groups["day"] else None
    if not 1 <= month <= 12 or not 1900 <= year <= 2099:
        return None
    last_day = calendar.monthrange(year, month)[1]
    if day is not None and not 1 <= day <= last_day:
        return None
    return dt.date(year, month, day or last_day), day is not None


def plain_number(value: float) -> int | float:
    """A whole number as an int ("4.0" read from "four" is 4), any other as it is."""
    return int(value) if value == int(value) else value
