"""Sentences of a letter's case summary, rationales and item headings, each with its span.

A sentence ends at a period, question or exclamation mark followed by a capital or a number (after
closing quotes and brackets), at a period run into a capitalized word ("...seen.The"), or at a line
break: letters converted from PDF keep one paragraph per line, and headings stand on lines of their
own. A period after an abbreviation ("Dr.", "e.g.", "No. 5", a capital initial) ends nothing.

Each sentence knows whether it closes a quotation opened before it and whether it leaves one open:
a straight quote mark is told by its shape (one after a space opens, one after a word closes), as
PDF text often loses one mark of a pair and counting them would misplace every quote after it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

SectionName = Literal["summary", "rationale", "request"]

_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])|(?<=[a-z0-9]\.)(?=[A-Z][a-z]+\b)|\n")
_WORD_BEFORE_PERIOD = re.compile(r"(?:^|[\s(\[\"'])(?P<word>[A-Za-z][A-Za-z.]*)$")
# Abbreviations after which a period does not end the sentence. Words that also end sentences
# ("PT.", "etc.") are not among them; "No." is, before a number.
_ABBREVIATIONS = frozenset(
    [
        "dr",
        "mr",
        "mrs",
        "ms",
        "vs",
        "e.g",
        "i.e",
        "eg",
        "ie",
        "approx",
        "pg",
        "pgs",
        "pp",
        "fig",
        "jr",
        "sr",
        "u.s",
        "jan",
        "feb",
        "aug",
        "sept",
        "oct",
        "nov",
        "dec",
    ]
)
_QUOTES = re.compile(r"[\"“”]")
_BEFORE_OPENING = frozenset(" \t\n([{")


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of the summary or of a rationale; `text == letter.text[start:end]`."""

    start: int
    end: int
    text: str
    section: SectionName
    item_id: str | None
    opens_quote: bool = False
    lowered: str = ""
    closes_quote: bool = False


def split_sentences(
    text: str, start: int, end: int, section: SectionName, item_id: str | None = None
) -> list[Sentence]:
    """The sentences of text[start:end], trimmed, each with its absolute span."""
    sentences: list[Sentence] = []
    position = start
    for boundary in _SENTENCE_END.finditer(text, start, end):
        if boundary.group() != "\n" and _is_abbreviation(text, boundary.start()):
            continue
        _append_sentence(sentences, text, position, boundary.end(), section, item_id)
        position = boundary.end()
    _append_sentence(sentences, text, position, end, section, item_id)
    return sentences


def _is_abbreviation(text: str, period: int) -> bool:
    if period >= len(text) or text[period] != ".":
        return False
    before = _WORD_BEFORE_PERIOD.search(text, max(0, period - 12), period)
    if before is None:
        return False
    word = before.group("word").lower().rstrip(".")
    if word in ("no", "p"):
        return text[period + 1 : period + 3].strip()[:1].isdigit()
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha() and before.group("word").isupper())


def _append_sentence(
    sentences: list[Sentence], text: str, start: int, end: int, section: SectionName, item_id: str | None
) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        written = text[start:end]
        opens_quote, closes_quote = _quotation(written)
        sentences.append(
            Sentence(start, end, written, section, item_id, opens_quote, written.lower(), closes_quote)
        )


def _quotation(written: str) -> tuple[bool, bool]:
    """Whether `written` leaves a quotation open, and whether it closes one opened before it."""
    depth = 0
    closes_earlier = False
    for mark in _QUOTES.finditer(written):
        at = mark.start()
        before = written[at - 1] if at else " "
        after = written[at + 1] if at + 1 < len(written) else " "
        if mark.group() == "“":
            opening = True
        elif mark.group() == "”":
            opening = False
        elif (before in _BEFORE_OPENING) != after.isspace():
            opening = before in _BEFORE_OPENING
        else:
            opening = depth == 0
        if opening:
            depth += 1
        elif depth:
            depth -= 1
        else:
            closes_earlier = True
    return depth > 0, closes_earlier
