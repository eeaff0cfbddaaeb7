"""The reader on clinicians' wording: each sentence of tests/letters/phrasing/ read in a small letter,
scored against what its writer says it documents.

    .venv/bin/python tests/letters/phrasing.py [--failures]   the development sets
    .venv/bin/python tests/letters/phrasing.py --held-out     the held-out set (figures only)

The sentences were written for the facts of guidelines/facts/ by a second reader who saw neither the
code nor the development letters; so they measure how the lexicons, cues and context triggers carry
over to wording nobody tuned them to; the held-out set (phrasing-heldout/) is never used to write a
lexicon entry, so only its figures are printed. Each sentence is the case summary (or the item's
rationale) of a letter with one disputed item; the fact's value is the item's own, else the case's.
Three classes: documented present (true, a number or a value), documented absent (false) and
silent (a hypothesis, a guideline's words, someone else's condition, a plan: nothing may be read).
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from written_letters import letter

from engine.facts import FactValue
from engine.letters.extract import read_letter
from engine.letters.parse import parse_text
from engine.vocab import Vocabulary, load_vocabulary

PHRASING_DIR = Path(__file__).parent / "phrasing"
HELD_OUT_DIR = Path(__file__).parent / "phrasing-heldout"
_OTHER_SUMMARY = "The injured worker is a 50-year-old who was hurt at work."
_OTHER_RATIONALE = "The request is reviewed below."

Expected = FactValue | None
Kind = Literal["present", "false", "silent"]


@dataclass(frozen=True)
class Phrasing:
    source: str
    fact: str
    item: str
    section: Literal["summary", "rationale"]
    sentence: str
    expect: Expected

    @property
    def kind(self) -> Kind:
        return "silent" if self.expect is None else "false" if self.expect is False else "present"


@dataclass(frozen=True)
class Reading:
    phrasing: Phrasing
    read: Expected

    @property
    def right(self) -> bool:
        expected, read = self.phrasing.expect, self.read
        if isinstance(expected, bool) or isinstance(read, bool) or expected is None or read is None:
            return expected is read
        if isinstance(expected, int | float) and isinstance(read, int | float):
            return abs(expected - read) < 1e-6
        return expected == read

    @property
    def misread(self) -> bool:
        """Read as something it does not say (not merely missed)."""
        return not self.right and self.read is not None


def load_phrasings(directory: Path = PHRASING_DIR) -> list[Phrasing]:
    found = []
    for path in sorted(directory.glob("*.yaml")):
        for number, entry in enumerate(yaml.safe_load(path.read_text(encoding="utf-8"))):
            expect = entry["expect"]
            found.append(
                Phrasing(
                    source=f"{path.name}#{number + 1}",
                    fact=entry["fact"],
                    item=entry["item"],
                    section=entry["section"],
                    sentence=entry["sentence"],
                    expect=None if expect == "silent" else expect,
                )
            )
    return found


def read_phrasing(phrasing: Phrasing, vocab: Vocabulary) -> Reading:
    summary, rationale = (
        (phrasing.sentence, _OTHER_RATIONALE)
        if phrasing.section == "summary"
        else (_OTHER_SUMMARY, phrasing.sentence)
    )
    text = letter("00001", summary, (phrasing.item, "Upheld", rationale))
    case = read_letter(parse_text(text, phrasing.source, "", "text"), vocab).case
    documented = case.items[0].facts.get(phrasing.fact) or case.findings.get(phrasing.fact)
    if documented is not None and all(e.section == "header" for e in documented.evidence):
        # the small letter's own header dates (the weeks since the injury), not the sentence
        documented = None
    return Reading(phrasing, None if documented is None else documented.value)


def read_all(directory: Path = PHRASING_DIR) -> list[Reading]:
    vocab = load_vocabulary()
    return [read_phrasing(p, vocab) for p in load_phrasings(directory)]


def shares(readings: list[Reading]) -> dict[Kind, tuple[int, int]]:
    """Per class: (read right, sentences)."""
    right: Counter[Kind] = Counter()
    total: Counter[Kind] = Counter()
    for reading in readings:
        total[reading.phrasing.kind] += 1
        right[reading.phrasing.kind] += reading.right
    return {kind: (right[kind], total[kind]) for kind in ("present", "false", "silent")}


def main() -> None:
    held_out = "--held-out" in sys.argv[1:]
    readings = read_all(HELD_OUT_DIR if held_out else PHRASING_DIR)
    for kind, (right, total) in shares(readings).items():
        print(f"{kind:<8} {right:>4}/{total:<4} {right / total:6.1%}")
    misread = sum(r.misread for r in readings)
    right = sum(r.right for r in readings)
    print(f"all      {right:>4}/{len(readings):<4}   misread (a wrong value): {misread}")
    if "--failures" in sys.argv[1:] and not held_out:
        for reading in readings:
            if not reading.right:
                p = reading.phrasing
                print(f"{p.source}: {p.fact} expected {p.expect!r}, read {reading.read!r}: {p.sentence}")


if __name__ == "__main__":
    main()
