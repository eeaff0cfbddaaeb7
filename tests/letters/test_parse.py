"""Parsing the development letters: items, outcomes, header, reviewer, summary and spans."""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from pathlib import Path

import pytest
from pydantic import BaseModel

from engine.letters.model import DateSpan, ParsedLetter, TextSpan
from engine.letters.parse import parse_letter, parse_text
from engine.letters.text import normalize, read_letter_text
from engine.paths import LETTERS_DIR
from engine.yamlio import load_yaml

EXPECTED_ITEMS = Path(__file__).parent / "expected_items.yaml"


needs_letters = pytest.mark.skipif(
    not LETTERS_DIR.is_dir(), reason=f"development letters not found at {LETTERS_DIR}"
)


def _letter_files() -> list[Path]:
    if not LETTERS_DIR.is_dir():
        return []
    return sorted(p for p in LETTERS_DIR.glob("*/*") if p.suffix in (".pdf", ".txt"))


@cache
def _parsed(path: Path) -> ParsedLetter:
    return parse_letter(path)


def _letter(relative: str) -> ParsedLetter:
    return _parsed(LETTERS_DIR / relative)


def _expected() -> list[dict]:
    if not EXPECTED_ITEMS.is_file():
        pytest.skip(f"{EXPECTED_ITEMS.name} (hand-checked items) not written yet")
    return load_yaml(EXPECTED_ITEMS).data["letters"]


def _words(text: str) -> str:
    return " ".join(text.split())


def _spans(node: object) -> list[TextSpan | DateSpan]:
    """Every TextSpan and DateSpan anywhere in a model."""
    found: list[TextSpan | DateSpan] = []
    if isinstance(node, (TextSpan, DateSpan)):
        found.append(node)
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            found.extend(_spans(getattr(node, name)))
    elif isinstance(node, list):
        for element in node:
            found.extend(_spans(element))
    return found


@needs_letters
def test_all_development_letters_are_present() -> None:
    files = _letter_files()
    assert len([f for f in files if f.suffix == ".pdf"]) == 74
    assert len([f for f in files if f.suffix == ".txt"]) == 5


@needs_letters
@pytest.mark.parametrize("path", _letter_files(), ids=lambda p: p.name)
def test_letter_parses_completely(path: Path) -> None:
    letter = _parsed(path)
    assert letter.items, "no items found"
    # 2014-2015 letters are converted text without the DWC header block; nothing else may be missing.
    assert letter.missing == (["header"] if letter.format == "text" else [])
    assert letter.format == ("pdf" if path.suffix == ".pdf" else "text")
    assert [item.item_id for item in letter.items] == [str(n) for n in range(1, len(letter.items) + 1)]


@needs_letters
@pytest.mark.parametrize("path", _letter_files(), ids=lambda p: p.name)
def test_every_span_quotes_the_normalized_text(path: Path) -> None:
    letter = _parsed(path)
    spans = _spans(letter)
    assert len(spans) > 5
    for span in spans:
        assert 0 <= span.start < span.end <= len(letter.text)
        if isinstance(span, TextSpan):
            assert letter.text[span.start : span.end] == span.text
    for item in letter.items:
        assert letter.text[item.decision_span.start : item.decision_span.end] == item.decision_word


@needs_letters
def test_items_and_outcomes_match_the_hand_checked_list() -> None:
    expected = _expected()
    assert len(expected) == 79
    total = 0
    for entry in expected:
        letter = _letter(entry["file"])
        got = [(_words(item.heading.text), item.decision_word) for item in letter.items]
        want = [(_words(item["text"]), item["outcome"]) for item in entry["items"]]
        assert got == want, entry["file"]
        for item, wanted in zip(letter.items, entry["items"], strict=True):
            outcome = wanted["outcome"]
            assert item.recorded_outcome == (outcome if outcome in ("Upheld", "Overturned") else None)
        total += len(got)
    assert total == 153


@needs_letters
def test_case_numbers_match_the_hand_checked_list_and_file_names() -> None:
    for entry in _expected():
        letter = _letter(entry["file"])
        case_number = letter.header.case_number.text if letter.header.case_number else None
        assert case_number == entry["case_number"], entry["file"]
        if entry["file"].endswith(".pdf"):
            assert Path(entry["file"]).stem == case_number


@needs_letters
def test_pdf_header_fields() -> None:
    header = _letter("dwc-2016-2017/CM16-0219557.pdf").header
    assert header.date_assigned is not None and header.date_assigned.value == date(2016, 11, 18)
    assert header.date_of_injury is not None and header.date_of_injury.value == date(2016, 10, 10)
    assert header.decision_date is not None and header.decision_date.value == date(2016, 12, 19)
    assert header.ur_denial_date is not None and header.ur_denial_date.value == date(2016, 11, 9)
    assert header.application_received is not None and header.application_received.value == date(2016, 11, 14)
    assert header.priority is not None and header.priority.text == "Standard"


@needs_letters
def test_every_pdf_header_is_complete_and_dates_are_ordered() -> None:
    for path in _letter_files():
        if path.suffix != ".pdf":
            continue
        header = _parsed(path).header
        dates = [header.date_of_injury, header.ur_denial_date, header.date_assigned, header.decision_date]
        assert all(d is not None for d in dates), path.name
        injury, denial, assigned, decided = (d.value for d in dates if d is not None)
        assert injury <= denial <= assigned <= decided, path.name


@needs_letters
def test_reviewer_credentials() -> None:
    reviewer = _letter("dwc-2016-2017/CM16-0219557.pdf").reviewer
    assert reviewer is not None
    assert reviewer.licensure == ["Texas", "New York", "California"]
    assert reviewer.specialties == ["Preventive Medicine", "Occupational Medicine"]
    # Older letters state the credentials in a sentence instead of two labelled lines.
    older = _letter("2014-2015/003_562eafed43e403d6.txt").reviewer
    assert older is not None
    assert older.licensure == ["California"]
    assert older.specialties == ["Physical Medicine and Rehabilitation", "Interventional Spine"]


@needs_letters
def test_summary_is_the_case_summary_body() -> None:
    letter = _letter("dwc-2016-2017/CM16-0219557.pdf")
    assert letter.summary is not None
    assert letter.summary.text.startswith("The applicant is a 34-year-old male who has filed a claim")
    assert letter.summary.text.endswith("while the patient was seemingly kept off of work.")
    assert "IMR ISSUES" not in letter.summary.text


@needs_letters
def test_guidelines_and_rationale_belong_to_their_item() -> None:
    letter = _letter("dwc-2016-2017/CM16-0219557.pdf")
    (item,) = letter.items
    assert item.heading.text == "Facet joint injections L4-5, L5-S1"
    assert [c.guideline for c in item.claims_administrator_citations] == ["Low Back Complaints"]
    assert [(c.source, c.guideline, c.year) for c in item.maximus_citations] == [
        ("mtus", "Low Back Complaints", 2004),
        ("mtus", "Chronic Pain Medical Treatment", 2016),
        ("non_mtus", "ACOEM Occupational Medicine Practice Guidelines", None),
    ]
    assert item.rationale is not None
    assert item.rationale.text.startswith("No, the request for multilevel lumbar facet injections")
    assert item.rationale.text.endswith("Therefore, the request was not medically necessary.")


@needs_letters
def test_rationale_ends_where_the_next_heading_starts() -> None:
    letter = _letter("2014-2015/000_749f852bc9fe9999.txt")
    first, second, _ = letter.items
    assert first.rationale is not None
    assert first.rationale.text.endswith(
        "the request for physical therapy QTY: 12 is not medically necessary."
    )
    assert first.rationale.end < second.heading.start
    assert "Norco 7.5/325mg (unspecified quantity): Upheld" not in first.rationale.text


@needs_letters
def test_partial_certification_form() -> None:
    item = _letter("dwc-2016-2017/CM16-0233904.pdf").items[0]
    assert item.ur_portion is not None
    assert item.ur_portion.original_request.text == "Baclofen 100mg #30"
    assert item.ur_portion.authorized is not None and item.ur_portion.authorized.text == "Baclofen 100mg #27"
    assert item.ur_portion.remaining_portion.text == "Baclofen 100mg #3"
    assert item.disputed.text == "Baclofen 100mg #3"
    # The variant where UR authorized only part of the service and left the whole request eligible.
    variant = _letter("dwc-2016-2017/CM17-0001749.pdf").items[0]
    assert variant.recorded_outcome == "Overturned"
    assert variant.ur_portion is not None
    assert variant.ur_portion.remaining_portion.text == "Partial Hospitalization day treatment"
    assert variant.ur_portion.authorized is not None
    assert (
        variant.ur_portion.authorized.text == "an Evaluation only for a Partial Hospitalization day treatment"
    )
    # An ordinary heading has no UR form, and its disputed text is the heading.
    plain = _letter("dwc-2016-2017/CM16-0219557.pdf").items[0]
    assert plain.ur_portion is None and plain.disputed == plain.heading


@needs_letters
def test_headings_with_colons_split_on_the_last_colon() -> None:
    items = _letter("dwc-2016-2017/CM17-0006797.pdf").items
    assert [item.heading.text for item in items[2:5]] == [
        "Associated surgical service: Shoulder Brace",
        "Associated surgical service: Cryotherapy unit, seven day use",
        "Associated surgical service: Physical Therapy sessions, 12",
    ]
    quantity = _letter("2014-2015/003_562eafed43e403d6.txt").items[0]
    assert quantity.heading.text == "Carisoprodol 350mg QTY: 30.00"


@needs_letters
def test_heading_whose_decision_wrapped_onto_its_own_line() -> None:
    item = _letter("dwc-2016-2017/CM16-0238676.pdf").items[0]
    assert (
        item.heading.text
        == "Additional physical therapy three times a week for two weeks of the right hip and foot"
    )
    assert item.decision_word == "Upheld"


@needs_letters
def test_normalized_text_keeps_structural_lines_and_joins_wrapped_lines() -> None:
    text = _letter("2014-2015/002_b67151935dfeaf0e.txt").text
    lines = text.split("\n")
    assert "60 Flexeril 10mg: Upheld" in lines
    maximus = "MAXIMUS guideline: Decision based on MTUS Chronic Pain Medical Treatment 2009, Section(s): "
    assert maximus + "Opioids for chronic pain." in lines
    # The blank-line-between-every-line layout is gone; a page break inside a sentence is joined.
    assert "\n\n" not in text
    assert "they may impair function and memory more than opioid pain relievers" in text
    # A real compound broken at a line end keeps its hyphen.
    assert "do not recommend long-term use of muscle relaxants" in text


@needs_letters
def test_line_end_hyphenation_follows_the_letters_own_spelling() -> None:
    joined = _letter("dwc-2016-2017/CM17-0015198.pdf").text
    assert "documentation" in joined and "documen-tation" not in joined
    kept = _letter("dwc-2016-2017/CM17-0001064.pdf").text
    assert "prescribed anti-inflammatories, muscle relaxants" in kept
    assert "\ufffe" not in joined + kept


@needs_letters
@pytest.mark.parametrize("path", _letter_files(), ids=lambda p: p.name)
def test_normalize_is_idempotent_and_reparsing_gives_the_same_items(path: Path) -> None:
    letter = _parsed(path)
    assert normalize(letter.text) == letter.text
    again = parse_text(letter.text, letter.source, letter.sha256, letter.format)
    assert again.items == letter.items


@needs_letters
@pytest.mark.parametrize("path", _letter_files(), ids=lambda p: p.name)
def test_masked_decisions_give_the_same_items_without_outcomes(path: Path) -> None:
    raw = read_letter_text(path)
    masked = re.sub(r"\b(?:Upheld|Overturned)\b", "Withheld", raw.text)
    letter = _parsed(path)
    blind = parse_text(masked, str(path), raw.sha256, raw.format)
    assert [item.heading.text for item in blind.items] == [item.heading.text for item in letter.items]
    assert all(item.decision_word == "Withheld" and item.recorded_outcome is None for item in blind.items)
    assert [len(i.maximus_citations) for i in blind.items] == [len(i.maximus_citations) for i in letter.items]


def _relaid(text: str, layout: str) -> str:
    lines = text.replace("\r\n", "\n").split("\n")
    if layout == "no trailing blanks":
        return "\n".join(line.rstrip() for line in lines)
    # The 2014-2015 conversion layout: an empty line after every line, page breaks as line ends.
    return "\n\n".join(line for page_line in lines for line in page_line.split("\f"))


@needs_letters
@pytest.mark.parametrize("layout", ["no trailing blanks", "blank line between every line"])
@pytest.mark.parametrize("path", [p for p in _letter_files() if p.suffix == ".pdf"], ids=lambda p: p.name)
def test_other_text_layouts_of_a_pdf_letter_give_the_same_items(path: Path, layout: str) -> None:
    raw = read_letter_text(path)
    relaid = parse_text(_relaid(raw.text, layout), str(path), raw.sha256, "text")
    letter = _parsed(path)
    assert [item.heading.text for item in relaid.items] == [item.heading.text for item in letter.items]
    assert [item.decision_word for item in relaid.items] == [item.decision_word for item in letter.items]
    assert relaid.missing == letter.missing


@needs_letters
def test_parsed_letter_round_trips_through_json() -> None:
    letter = _letter("dwc-2016-2017/CM16-0233904.pdf")
    assert ParsedLetter.model_validate_json(letter.model_dump_json()) == letter
