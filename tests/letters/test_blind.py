"""Blind mode: the facts that predict an outcome never come from the outcome itself.

For every development letter, masking the decision words (Upheld/Overturned -> Withheld) and deleting
every sentence that states a conclusion, before parsing, must change no extracted fact. The
conclusion sentences are found here by the task's own list of phrasings, independently of the
extractor's: if the extractor read a fact from such a sentence, the fact would change.
"""

from __future__ import annotations

import re
from functools import cache

import pytest

from engine.facts import Case, FactValue
from engine.letters.extract import build_case
from engine.letters.model import ParsedLetter
from engine.letters.parse import parse_letter, parse_text
from engine.paths import LETTERS_DIR
from engine.vocab import load_vocabulary

needs_letters = pytest.mark.skipif(
    not LETTERS_DIR.is_dir(), reason=f"development letters not found at {LETTERS_DIR}"
)
LETTER_NAMES = (
    sorted(
        p.relative_to(LETTERS_DIR).as_posix() for p in LETTERS_DIR.glob("*/*") if p.suffix in (".pdf", ".txt")
    )
    if LETTERS_DIR.is_dir()
    else []
)

# The task's list of how a conclusion is stated.
CONCLUSION = re.compile(
    r"medically necessary|medical necessity|non-?certified|\bcertified\b|is not indicated"
    r"|the request is (?:not )?supported|therefore,? the request",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?][\"')\]]*(?=\s+[\"'(\[]?[A-Z0-9])")
_LABEL = re.compile(r"^(?:Decision rationale:\s*)", re.IGNORECASE)


def blinded(letter: ParsedLetter) -> str:
    """The letter's text with its decisions masked and its conclusion sentences deleted."""
    text = letter.text
    for item in sorted(letter.items, key=lambda i: i.decision_span.start, reverse=True):
        span = item.decision_span
        if text[span.start : span.end] in ("Upheld", "Overturned"):
            text = text[: span.start] + "Withheld" + text[span.end :]
    lines = []
    for line in text.split("\n"):
        label = _LABEL.match(line)
        head, body = (line[: label.end()], line[label.end() :]) if label else ("", line)
        if ":" in body.rstrip()[-12:] or not CONCLUSION.search(body):
            lines.append(line)
            continue
        kept = [sentence for sentence in _sentences(body) if not CONCLUSION.search(sentence)]
        lines.append(head + " ".join(kept))
    return "\n".join(lines)


def _sentences(text: str) -> list[str]:
    found = []
    start = 0
    for end in _SENTENCE_END.finditer(text):
        found.append(text[start : end.end()].strip())
        start = end.end()
    found.append(text[start:].strip())
    return [sentence for sentence in found if sentence]


def facts_of(case: Case) -> dict[tuple[str | None, str], tuple[FactValue, tuple[tuple[str, str], ...]]]:
    """Every fact with its value and the quotes behind it (spans move when text is deleted)."""
    found = {}
    for name, fact in case.findings.items():
        if fact is not None:
            found[(None, name)] = (fact.value, tuple((e.section, e.quote) for e in fact.evidence))
    for item in case.items:
        for name, fact in item.facts.items():
            if fact is not None:
                found[(item.item_id, name)] = (fact.value, tuple((e.section, e.quote) for e in fact.evidence))
    return found


@cache
def _parsed(name: str) -> ParsedLetter:
    return parse_letter(LETTERS_DIR / name)


@needs_letters
@pytest.mark.parametrize("name", LETTER_NAMES)
def test_masking_decisions_and_conclusions_changes_no_fact(name: str) -> None:
    letter = _parsed(name)
    masked_text = blinded(letter)
    assert masked_text != letter.text
    masked = parse_text(masked_text, name, letter.sha256, letter.format)
    assert [item.decision_word for item in masked.items] == ["Withheld"] * len(letter.items)
    vocab = load_vocabulary()
    seen = build_case(letter, vocab)
    blind = build_case(masked, vocab)
    assert [item.recorded for item in blind.items] == [None] * len(blind.items)
    assert [(item.text, item.kind, item.generic) for item in blind.items] == [
        (item.text, item.kind, item.generic) for item in seen.items
    ]
    assert facts_of(blind) == facts_of(seen)


@needs_letters
def test_conclusion_sentences_are_really_deleted() -> None:
    letter = _parsed("dwc-2016-2017/CM16-0219557.pdf")
    masked = blinded(letter)
    assert "was not medically necessary" in letter.text
    assert "medically necessary" not in masked
    assert "non-certified" not in masked.lower()
    assert "Facet joint injections L4-5, L5-S1: Withheld" in masked
