"""The development letters in two halves, by a fixed rule on the case number, to measure how the
reading generalizes inside the project.

Half A holds the letters whose case number is even, half B those whose case number is odd (a letter
with no case number, such as a 2014-2015 text letter, counts by the number its file name starts
with). Lexicon, cue and context entries are written from the guidelines and half A; half B is kept
apart, and the gap between the two halves' figures is the honest measure of what a letter never seen
will get.
"""

from __future__ import annotations

import re
from typing import Literal

Half = Literal["A", "B"]
HALVES: tuple[Half, ...] = ("A", "B")

_CASE_NUMBER = re.compile(r"CM\d\d-(\d+)")
_LEADING_NUMBER = re.compile(r"^(\d+)")


def half_of(case_id: str) -> Half | None:
    """The half a letter belongs to, from its case number (or the number its name starts with)."""
    match = _CASE_NUMBER.search(case_id) or _LEADING_NUMBER.match(case_id)
    if match is None:
        return None
    return "A" if int(match.group(1)) % 2 == 0 else "B"
