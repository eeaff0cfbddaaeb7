"""Letter to case speed on one core, against the bare letter parser measured in the same run.

    .venv/bin/python bench/bench_extract.py [--rounds N] [LETTERS_DIR]

(a) baseline: parse_text on already-extracted text (text -> ParsedLetter);
(b) text -> Case: parse_text + normalize_item for every item + clinical facts (build_case).
The letters' text is extracted once beforehand: PDF reading is bench/bench_letters.py's subject.
Each rate is the best of several rounds. Budget (DESIGN.md): (b) >= 100 letters/s.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from timing import best_rate

from engine.letters.cues import load_cues
from engine.letters.extract import build_case
from engine.letters.parse import parse_text
from engine.letters.text import RawLetter, read_letter_text
from engine.paths import LETTERS_DIR
from engine.vocab import load_vocabulary

LETTER_TO_CASE_BUDGET = 100.0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("letters_dir", nargs="?", type=Path, default=LETTERS_DIR)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    paths = sorted(p for p in args.letters_dir.glob("**/*") if p.suffix.lower() in (".pdf", ".txt"))
    if not paths:
        sys.exit(f"no letters under {args.letters_dir}")
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    letters: list[tuple[Path, RawLetter]] = [(path, read_letter_text(path)) for path in paths]
    vocab = load_vocabulary()
    cues = load_cues()
    # warm the caches every run shares (cue index, compiled patterns)
    build_case(parse_text(letters[0][1].text, str(letters[0][0]), "", letters[0][1].format), vocab, cues)

    def text_to_letter() -> int:
        for path, raw in letters:
            parse_text(raw.text, str(path), raw.sha256, raw.format)
        return len(letters)

    def text_to_case() -> int:
        for path, raw in letters:
            build_case(parse_text(raw.text, str(path), raw.sha256, raw.format), vocab, cues)
        return len(letters)

    rates = {
        "(a) parse_text (text -> ParsedLetter)": best_rate(text_to_letter, args.rounds),
        "(b) text -> Case (parse, items, facts)": best_rate(text_to_case, args.rounds),
    }
    base = next(iter(rates.values()))
    print(f"{len(letters)} letters, one core, best of {args.rounds} rounds")
    for name, rate in rates.items():
        print(f"{name:<40} {rate:8.1f} letters/s   {rate / base:5.2f}x baseline")
    case_rate = rates["(b) text -> Case (parse, items, facts)"]
    verdict = "ok" if case_rate >= LETTER_TO_CASE_BUDGET else "BELOW BUDGET"
    print(f"letter to case budget >= {LETTER_TO_CASE_BUDGET:.0f} letters/s: {verdict}")


if __name__ == "__main__":
    main()
