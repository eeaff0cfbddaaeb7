"""The hand-transcribed cases in cases/2014-2015/ against the letters they were read from.

Each case must load strictly, quote its letter word for word, list the letter's disputed items in
order with their recorded outcomes, and stay blind to the outcome in its evidence.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from engine.facts import Case, Documented, Facts, load_case
from engine.paths import CASES_DIR, LETTERS_DIR, PROJECT_ROOT
from engine.yamlio import load_yaml, validate

CASE_DIR = CASES_DIR / "2014-2015"
CASE_PATHS = sorted(CASE_DIR.glob("*.yaml"))
EXPECTED_ITEMS = PROJECT_ROOT / "tests" / "letters" / "expected_items.yaml"
# Words that give the outcome away: a fact quoted from a conclusion would let the letter's decision
# leak into the facts the engine decides from.
OUTCOME_WORDS = ("medically necessary", "upheld", "overturned", "non-certified", "is not indicated")

needs_letters = pytest.mark.skipif(not LETTERS_DIR.is_dir(), reason=f"letters not found at {LETTERS_DIR}")


def _case(path: Path) -> Case:
    """The case as written, checked for structure only (the vocabulary checks are load_case's test)."""
    return validate(load_yaml(path), Case)


def _letter_path(case: Case) -> Path:
    assert case.source is not None, f"{case.case_id}: no source"
    return LETTERS_DIR / case.source.file


def _normalized(text: str) -> str:
    """The letter text as quotes are written: every run of whitespace (line breaks too) one space."""
    return " ".join(text.split())


def _documented_facts(case: Case) -> list[tuple[str, str, Documented]]:
    """(where, fact name, documented fact) for every documented fact of the case."""
    located: list[tuple[str, Facts]] = [("findings", case.findings)]
    located += [(f"item {item.item_id}", item.facts) for item in case.items]
    return [
        (where, name, documented)
        for where, facts in located
        for name, documented in facts.items()
        if documented is not None
    ]


def _expected_items() -> dict[str, list[dict[str, str]]]:
    letters = load_yaml(EXPECTED_ITEMS).data["letters"]
    return {entry["file"]: entry["items"] for entry in letters}


def test_there_are_case_files() -> None:
    assert CASE_PATHS, f"no case files in {CASE_DIR}"


@pytest.mark.parametrize("path", CASE_PATHS, ids=lambda p: p.stem)
def test_case_loads_strictly(path: Path) -> None:
    case = load_case(path)
    assert case.case_id == f"2014-2015/{path.stem}"
    assert case.source is not None
    assert case.source.file == f"2014-2015/{path.stem}.txt"
    assert case.source.extracted is False


@needs_letters
def test_every_letter_has_a_case() -> None:
    letters = {p.stem for p in (LETTERS_DIR / "2014-2015").glob("*.txt")}
    assert letters == {p.stem for p in CASE_PATHS}


@needs_letters
@pytest.mark.parametrize("path", CASE_PATHS, ids=lambda p: p.stem)
def test_source_hash_is_the_letters(path: Path) -> None:
    case = _case(path)
    assert case.source is not None
    assert case.source.sha256 == hashlib.sha256(_letter_path(case).read_bytes()).hexdigest()


@needs_letters
@pytest.mark.parametrize("path", CASE_PATHS, ids=lambda p: p.stem)
def test_every_quote_is_in_the_letter(path: Path) -> None:
    case = _case(path)
    letter = _normalized(_letter_path(case).read_text(encoding="utf-8"))
    missing = [
        f"{where} {name}: {evidence.quote!r}"
        for where, name, documented in _documented_facts(case)
        for evidence in documented.evidence
        if evidence.quote not in letter
    ]
    assert not missing, "quotes not in the letter:\n" + "\n".join(missing)
    wrong_spans = [
        f"{where} {name}: {evidence.span} is {letter[evidence.span[0] : evidence.span[1]]!r}"
        for where, name, documented in _documented_facts(case)
        for evidence in documented.evidence
        if evidence.span is not None and letter[evidence.span[0] : evidence.span[1]] != evidence.quote
    ]
    assert not wrong_spans, "spans that do not hold their quote:\n" + "\n".join(wrong_spans)


@pytest.mark.parametrize("path", CASE_PATHS, ids=lambda p: p.stem)
def test_request_facts_quote_the_item_heading(path: Path) -> None:
    case = _case(path)
    outside = [
        f"item {item.item_id} {name}: {evidence.quote!r}"
        for item in case.items
        for name, documented in item.facts.items()
        if documented is not None
        for evidence in documented.evidence
        if evidence.section == "request" and evidence.quote not in item.text
    ]
    assert not outside, "request evidence not from the item heading:\n" + "\n".join(outside)


@pytest.mark.parametrize("path", CASE_PATHS, ids=lambda p: p.stem)
def test_no_fact_is_read_from_the_outcome(path: Path) -> None:
    case = _case(path)
    leaks = [
        f"{where} {name}: {evidence.quote!r}"
        for where, name, documented in _documented_facts(case)
        for evidence in documented.evidence
        if any(word in evidence.quote.lower() for word in OUTCOME_WORDS)
    ]
    assert not leaks, "evidence quoting the outcome:\n" + "\n".join(leaks)


@pytest.mark.parametrize("path", CASE_PATHS, ids=lambda p: p.stem)
def test_items_match_the_hand_checked_list(path: Path) -> None:
    case = _case(path)
    assert case.source is not None
    expected = _expected_items()[case.source.file]
    assert [item.item_id for item in case.items] == [str(n) for n in range(1, len(case.items) + 1)]
    assert [(item.text, item.recorded) for item in case.items] == [
        (entry["text"], entry["outcome"]) for entry in expected
    ]
    assert [item.decision_word for item in case.items] == [entry["outcome"] for entry in expected]


@needs_letters
@pytest.mark.parametrize("path", CASE_PATHS, ids=lambda p: p.stem)
def test_item_headings_are_in_the_letter(path: Path) -> None:
    case = _case(path)
    letter = _normalized(_letter_path(case).read_text(encoding="utf-8"))
    missing = [item.item_id for item in case.items if f"{item.text}: {item.decision_word}" not in letter]
    assert not missing, f"item headings not in the letter: {missing}"


@pytest.mark.parametrize("path", CASE_PATHS, ids=lambda p: p.stem)
def test_weeks_since_injury_runs_from_injury_to_ur(path: Path) -> None:
    """The convention of these files: whole weeks from the injury to the UR date, where both are given."""
    case = _case(path)
    documented = case.findings.get("weeks_since_injury")
    injury, ur_denial = case.dates.injury, case.dates.ur_denial
    if injury is None or ur_denial is None:
        assert documented is None, "weeks_since_injury without both an injury and a UR date"
        return
    assert documented is not None, "injury and UR dates are given but weeks_since_injury is not"
    assert documented.value == (ur_denial - injury).days // 7
