"""The item reader's cursor over a request's text, and the numbers requests write (digits or words,
ranges "1-2" and "2 to 3")."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from engine.letters.item_model import Range
from engine.limits import read_figure
from engine.vocab import Span, Vocabulary

# Numbers as letters spell them (the clinical-fact cues add "a", "a few", "half a", ...).
NUMBER_WORDS: dict[str, int] = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "twenty-four": 24,
    "thirty": 30,
    "thirty-six": 36,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}

NUM = r"(?:\d+(?:\.\d+)?|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")"

RANGE = rf"{NUM}(?:\s*(?:-|to|or)\s*{NUM})?"

_RANGE_SPLIT = re.compile(r"\s*(?:-|\bto\b|\bor\b)\s*", re.IGNORECASE)


def number(word: str) -> float:
    word = word.lower()
    return float(NUMBER_WORDS[word]) if word in NUMBER_WORDS else read_figure(word)


def whole(value: float) -> int | None:
    return int(value) if value == int(value) else None


def number_range(written: str) -> Range | None:
    parts = [whole(number(p)) for p in _RANGE_SPLIT.split(written.strip()) if p]
    if not parts or any(p is None for p in parts) or len(parts) > 2:
        return None
    low, high = parts[0], parts[-1]
    assert low is not None and high is not None
    return Range(low=min(low, high), high=max(low, high))


@dataclass
class ItemReader:
    text: str
    start: int
    end: int
    vocab: Vocabulary
    taken: list[tuple[int, int]] = field(default_factory=list)

    @property
    def focus(self) -> str:
        return self.text[self.start : self.end]

    def span(self, start: int, end: int) -> Span:
        """A span of the focus, in offsets of the whole text."""
        return Span(start=self.start + start, end=self.start + end)

    def matches(self, pattern: re.Pattern[str], avoid_taken: bool = True) -> Iterator[re.Match[str]]:
        for match in pattern.finditer(self.focus):
            if avoid_taken and self.overlaps(match.start(), match.end()):
                continue
            yield match

    def overlaps(self, start: int, end: int) -> bool:
        return any(start < t_end and t_start < end for t_start, t_end in self.taken)

    def take(self, start: int, end: int) -> None:
        self.taken.append((start, end))
