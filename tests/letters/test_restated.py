"""Wording robustness: the development letters restated in other words (tests/letters/restated/, see
SOURCES.md there) read into the same items and, for nearly every item, the same outcome.

The restatements keep every fact, negation, number, item heading, guideline line and conclusion
sentence and reword the rest as another reviewer would; a reading that depended on one reviewer's
phrasing would part ways with the original here.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from development_letters import evaluator, letter_case, letter_results, needs_letters

from engine.batch import read_case
from engine.evaluate import ItemResult
from engine.facts import Case

RESTATED = Path(__file__).parent / "restated"
NAMES = sorted(path.stem for path in RESTATED.glob("*.txt"))
# the share of items whose predicted outcome must not move when the letter is reworded
OUTCOME_FLOOR = 0.95
# the share of the facts each item sees that must read the same
FACT_FLOOR = 0.88

pytestmark = needs_letters


@cache
def _restated(name: str) -> tuple[Case, tuple[ItemResult, ...]]:
    case = read_case(RESTATED / f"{name}.txt")
    return case, tuple(evaluator().evaluate(case).items)


def _seen(case: Case) -> dict[tuple[str, str], object]:
    found: dict[tuple[str, str], object] = {}
    for item in case.items:
        for layer in (case.findings, item.facts):
            for fact, documented in layer.items():
                if documented is not None:
                    found[(item.item_id, fact)] = documented.value
    return found


def test_every_development_letter_is_restated() -> None:
    assert len(NAMES) == 79


@pytest.mark.parametrize("name", NAMES)
def test_a_restated_letter_reads_into_the_same_items(name: str) -> None:
    original = letter_case(name)
    restated, _ = _restated(name)
    assert [(i.item_id, i.text, i.kind, i.generic) for i in restated.items] == [
        (i.item_id, i.text, i.kind, i.generic) for i in original.items
    ]
    assert [i.recorded for i in restated.items] == [i.recorded for i in original.items]


def test_restated_letters_give_the_same_outcomes_and_facts() -> None:
    items = same_outcome = facts = same_facts = 0
    moved = []
    for name in NAMES:
        original = {r.item_id: r for r in letter_results(name)}
        case, results = _restated(name)
        for result in results:
            items += 1
            if result.predicted == original[result.item_id].predicted:
                same_outcome += 1
            else:
                moved.append(f"{name} #{result.item_id}")
        before, after = _seen(letter_case(name)), _seen(case)
        keys = set(before) | set(after)
        facts += len(keys)
        same_facts += sum(before.get(k) == after.get(k) for k in keys)
    print(f"\nrestated: outcomes {same_outcome}/{items}, facts {same_facts}/{facts}; moved: {moved}")
    assert same_outcome / items >= OUTCOME_FLOOR, moved
    assert same_facts / facts >= FACT_FLOOR
