"""The development letters read blind and evaluated, once per test process, for the tests that check
the rules and cues on them.

Letters are named by file stem ("CM17-0005418", "001_b817fa713b9d8123") or by a prefix that only one
stem has ("003_"). Every letter is extracted at most once and evaluated at most once by one shared
evaluator over the project's rules, however many test modules ask for it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from engine.batch import read_case
from engine.evaluate import CriterionResult, Evaluator, ItemResult
from engine.facts import Case
from engine.paths import LETTERS_DIR
from engine.rules import load_rules

needs_letters = pytest.mark.skipif(not LETTERS_DIR.is_dir(), reason=f"letters not found at {LETTERS_DIR}")


@cache
def all_letter_paths() -> tuple[Path, ...]:
    """Every development letter: the 2014-2015 text letters, then the 2016-2017 PDFs, each sorted."""
    return tuple(
        sorted(LETTERS_DIR.glob("2014-2015/*.txt")) + sorted(LETTERS_DIR.glob("dwc-2016-2017/*.pdf"))
    )


@cache
def _paths_by_stem() -> dict[str, Path]:
    return {path.stem: path for path in all_letter_paths()}


def letter_path(letter: str) -> Path:
    """The letter whose stem is `letter`, or else the only one whose stem starts with it."""
    by_stem = _paths_by_stem()
    if letter in by_stem:
        return by_stem[letter]
    prefixed = [path for stem, path in by_stem.items() if stem.startswith(letter)]
    if len(prefixed) != 1:
        raise LookupError(f"{len(prefixed)} letters named {letter!r} in {LETTERS_DIR}, expected one")
    return prefixed[0]


@cache
def evaluator() -> Evaluator:
    return Evaluator(load_rules())


@cache
def rule_ids_in(rule_files: frozenset[str] | tuple[str, ...]) -> frozenset[str]:
    """The ids of the rules written in these rule files (paths as `Rule.file` gives them)."""
    return frozenset(rule.id for rule in evaluator().pack.rules if rule.file in rule_files)


def letter_case(letter: str) -> Case:
    return _read(letter_path(letter))


def letter_results(letter: str) -> tuple[ItemResult, ...]:
    return _evaluate(letter_path(letter))


# Cached by path rather than by name so that a stem and its prefix share one reading.
@cache
def _read(path: Path) -> Case:
    return read_case(path)


@cache
def _evaluate(path: Path) -> tuple[ItemResult, ...]:
    return tuple(evaluator().evaluate(_read(path)).items)


def item_result(letter: str, item_id: str) -> ItemResult:
    return next(result for result in letter_results(letter) if result.item_id == item_id)


def criterion_result(result: ItemResult, criterion_id: str) -> CriterionResult:
    return next(criterion for criterion in result.criteria if criterion.id == criterion_id)


def item_fact(letter: str, item_id: str, fact: str) -> object:
    """The value of a fact of a disputed item, None where the letter does not document it."""
    item = next(item for item in letter_case(letter).items if item.item_id == item_id)
    documented = item.facts.get(fact)
    return None if documented is None else documented.value


def finding(letter: str, name: str, item_id: str | None = None) -> object:
    """The value of a clinical finding as the case (item_id None) or one item sees it (its own value,
    else the case's), None where the letter does not document it."""
    case = letter_case(letter)
    documented = case.findings.get(name)
    if item_id is not None:
        item = next(i for i in case.items if i.item_id == item_id)
        documented = item.facts.get(name) or documented
    return None if documented is None else documented.value
