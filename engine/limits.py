"""Input limits: what no IMR letter or case can be is refused before it costs time or memory.

The largest development letter is a 101 KB PDF whose text is 10,806 characters with 6 disputed
items; the defaults leave two orders of magnitude above that. Each limit can be raised for a run
(`--max-bytes`, `--max-chars`, `--max-items`); worker processes inherit the limits in force when
they start.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

from engine.errors import InputError


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 10_000_000
    max_chars: int = 1_000_000
    max_items: int = 100


_current = Limits()


def limits() -> Limits:
    return _current


def set_limits(
    max_bytes: int | None = None, max_chars: int | None = None, max_items: int | None = None
) -> Limits:
    """Raise (or lower) the limits for this process and the workers it starts from now on."""
    global _current
    changes = {
        name: value
        for name, value in (("max_bytes", max_bytes), ("max_chars", max_chars), ("max_items", max_items))
        if value is not None
    }
    _current = replace(_current, **changes)
    return _current


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]?)b?\s*$", re.IGNORECASE)
_SCALE = {"": 1, "k": 1_000, "m": 1_000_000, "g": 1_000_000_000}


def parse_size(text: str) -> int:
    """ "20M", "500k", "1.5G" or a plain count, as a number; decimal units, as disk sizes are sold."""
    match = _SIZE.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a size (examples: 20M, 500k, 1000000)")
    value = float(match.group(1)) * _SCALE[match.group(2).lower()]
    if value < 1:
        raise ValueError(f"{text!r}: a limit must be at least 1")
    return int(value)


def human_size(count: int) -> str:
    for unit, scale in (("G", 1_000_000_000), ("M", 1_000_000), ("k", 1_000)):
        if count >= scale:
            return f"{count / scale:.3g}{unit}"
    return str(count)


def check_bytes(size: int, path: object) -> None:
    limit = _current.max_bytes
    if size > limit:
        raise InputError(
            str(path),
            f"file is {human_size(size)}B, over the {human_size(limit)}B input limit "
            "(no IMR letter or case is that large; raise it with --max-bytes)",
        )


def check_chars(count: int, path: object) -> None:
    limit = _current.max_chars
    if count > limit:
        raise InputError(
            str(path),
            f"text is {human_size(count)} characters, over the {human_size(limit)} input limit "
            "(no IMR letter is that long; raise it with --max-chars)",
        )


def check_items(count: int, path: object, line: int | None = None) -> None:
    limit = _current.max_items
    if count > limit:
        raise InputError(
            str(path),
            f"{count} disputed items, over the limit of {limit} "
            "(no IMR letter has that many; raise it with --max-items)",
            line,
        )


# No count, dose, duration or score in a treatment request comes near this; past it a number is
# a typing accident or a hostile input, and floats lose the exactness the rules compare with.
MAX_FIGURE = 1e12


def figure_problem(value: float) -> str | None:
    """Why `value` cannot be a clinical figure (not finite, or beyond any), or None."""
    if isinstance(value, float) and math.isnan(value):
        return "not a number (nan)"
    if abs(value) > MAX_FIGURE:
        return f"beyond any clinical figure (at most {MAX_FIGURE:.0e})"
    return None


def read_figure(written: str) -> float:
    """A number written in a letter, refused (InputError without a file: the caller names it) when
    it cannot be a clinical figure."""
    value = float(written)
    problem = figure_problem(value)
    if problem is not None:
        shown = written if len(written) <= 24 else f"{written[:12]}… ({len(written)} digits)"
        raise InputError(None, f"the number {shown} is {problem}")
    return value
