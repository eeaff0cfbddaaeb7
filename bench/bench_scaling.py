"""Reading time against input size: each size doubles the one before, so linear reading shows a
ratio near 2 between rows, quadratic near 4.

    .venv/bin/python bench/bench_scaling.py [--rounds N] [--sizes N ...]

Shapes, each grown to the size given (characters) inside one real development letter:
short lines (one long paragraph of short physical lines), one long sentence, numbers of 20 digits,
and disputed items (headings with their guideline lines and rationale). Each time is the best of
several rounds of reading the letter text into a case (engine.letters: parse + build_case).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

from engine.letters.cues import load_cues
from engine.letters.extract import build_case
from engine.letters.parse import parse_text
from engine.limits import set_limits
from engine.paths import LETTERS_DIR
from engine.vocab import load_vocabulary

LETTER = LETTERS_DIR / "2014-2015" / "000_749f852bc9fe9999.txt"
ANCHOR = "The injured worker is a 68-year-old male"
ITEM = (
    "Physical Therapy QTY {n}: Upheld\n\nClaims Administrator guideline: Decision based on MTUS.\n\n"
    "MAXIMUS guideline: Decision based on MTUS.\n\nDecision rationale: Not medically necessary.\n\n"
)
SHAPES: dict[str, Callable[[int], str]] = {
    "short lines": lambda size: "\n".join(["ab c"] * (size // 5)),
    "one sentence": lambda size: "word " * (size // 5),
    "20-digit numbers": lambda size: ("1" * 20 + " ") * (size // 21),
    "items": lambda size: "".join(ITEM.format(n=i % 20 + 1) for i in range(size // len(ITEM))),
}


def letter_with(shape: str, size: int, base: str) -> str:
    body = SHAPES[shape](size)
    if shape == "items":
        heading = "Physical Therapy QTY 12: Upheld"
        return base.replace(heading, body + heading, 1)
    return base.replace(ANCHOR, f"{ANCHOR} {body}", 1)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=[25_000, 50_000, 100_000, 200_000])
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    set_limits(max_chars=10**9, max_items=10**9)
    base = LETTER.read_text()
    vocab, cues = load_vocabulary(), load_cues()
    build_case(parse_text(base, "warm", "", "text"), vocab, cues)
    print(f"reading one letter grown to each size, best of {args.rounds} rounds; ratio to the size before")
    for shape in SHAPES:
        previous = None
        for size in args.sizes:
            text = letter_with(shape, size, base)
            best = float("inf")
            try:
                for _ in range(args.rounds):
                    started = time.perf_counter()
                    build_case(parse_text(text, shape, "", "text"), vocab, cues)
                    best = min(best, time.perf_counter() - started)
            except Exception as exc:  # a refused shape is reported, not a failed benchmark
                print(f"{shape:<18} {size:>9} chars  refused: {exc}")
                previous = None
                continue
            ratio = f"{best / previous:5.2f}x" if previous else "    -"
            print(f"{shape:<18} {size:>9} chars  {best:7.3f} s  {ratio}")
            previous = best


if __name__ == "__main__":
    main()
