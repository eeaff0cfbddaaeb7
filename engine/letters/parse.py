"""IMR determination letters to ParsedLetter: header, reviewer, case summary and disputed items.

Works on the normalized text (one paragraph or structural line per line), in one pass over its lines.
A letter missing a part still parses, with the part named in `missing`; a text with none of the
letter's structure is refused with an InputError.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from engine.errors import InputError
from engine.letters.citations import parse_guideline_line
from engine.letters.model import (
    DateSpan,
    GuidelineCitation,
    Header,
    LetterFormat,
    Outcome,
    ParsedItem,
    ParsedLetter,
    Reviewer,
    Span,
    TextSpan,
    UrPortion,
)
from engine.letters.text import (
    CREDENTIAL_RE,
    HEADER_FIELD_RE,
    KNOWN_DECISIONS,
    LABEL_RE,
    SECTION_TITLE_RE,
    decision_of,
    is_intro_end,
    normalize,
    read_letter_text,
)

_OUTCOMES: dict[str, Outcome] = {"upheld": "Upheld", "overturned": "Overturned"}
_HEADER_LABELS = (
    r"Case\s+Number|Date\s+Assigned|Date\s+of\s+Injury|Decision\s+Date|UR\s+Denial\s+Date|Priority"
    r"|Application\s+Received"
)
_HEADER_VALUE_RE = re.compile(
    rf"(?P<label>{_HEADER_LABELS})\s*:\s*(?P<value>.*?)\s*(?=(?:{_HEADER_LABELS})\s*:|$)", re.IGNORECASE
)
_DATE_RE = re.compile(r"\b(?P<month>\d{1,2})[/-](?P<day>\d{1,2})[/-](?P<year>\d{4}|\d{2})\b")
_PROSE_CREDENTIALS_RE = re.compile(
    r"\bThe\s+expert\s+reviewer\s+is\s+Board\s+Certified\s+in\s+(?P<specialty>[^,.]+?)"
    r"(?:,\s*(?:and\s+)?has\s+a\s+subspecialty\s+in\s+(?P<subspecialty>[^,.]+?))?"
    r",?\s+and\s+is\s+licensed\s+to\s+practice\s+in\s+(?P<states>[^.]+?)\.",
    re.IGNORECASE,
)
_STATE_LIST_SPLIT_RE = re.compile(r",\s*(?:and\s+)?|\s+and\s+")
_SUMMARY_INTRO_RE = re.compile(r"^The\s+expert\s+reviewer\s+developed\s+the\s+following", re.IGNORECASE)
_UR_FORM_RE = re.compile(
    r"^(?P<original>.+?)\s+was\s+the\s+original\s+request\.\s*"
    r"(?:(?P<authorized>.+?)\s+(?:was|were)\s+authorized\s+by\s+the\s+Claims\s+Administrator\.\s*"
    r"|The\s+Claims\s+Administrator\s+authorized\s+(?P<authorized_first>.+?)"
    r"(?:,\s*leaving\s+the\s+original\s+request\s+IMR\s+eligible)?\.\s*)?"
    r"(?:The\s+remaining\s+IMR\s+eligible\s+portion\s+of\s+the\s+original\s+request(?:\s+is)?|"
    r"The\s+original\s+request)\s*,?\s*(?P<remaining>.+?)(?:,?\s+is)?\s*$",
    re.IGNORECASE | re.DOTALL,
)


@dataclass(slots=True)
class _Line:
    start: int
    end: int
    text: str


@dataclass(slots=True)
class _ItemDraft:
    heading_line: _Line
    claims: list[GuidelineCitation] = field(default_factory=list)
    maximus: list[GuidelineCitation] = field(default_factory=list)
    has_claims: bool = False
    has_maximus: bool = False
    rationale: Span | None = None


def parse_letter(path: str | Path, data: bytes | None = None) -> ParsedLetter:
    """Read and parse one letter file (PDF or text), or its bytes already read."""
    raw = read_letter_text(path, data)
    return parse_text(raw.text, str(path), raw.sha256, raw.format)


def parse_text(text: str, source: str, sha256: str, fmt: LetterFormat) -> ParsedLetter:
    """Parse a letter's extracted text; `source` names it in errors and in the result."""
    normalized = normalize(text)
    lines = _split_lines(normalized)
    titles = _title_positions(lines)
    first_title = min(titles.values(), default=len(lines))
    header = _parse_header(lines[:first_title] if titles else _leading_header_lines(lines))
    reviewer = _parse_reviewer(lines[: titles.get("issues", len(lines))])
    drafts = _find_items(lines, titles)
    summary = _parse_summary(normalized, lines, titles, drafts)
    if not titles and header.is_empty() and reviewer is None and not drafts and not _has_labels(lines):
        raise InputError(
            source,
            "not an IMR determination letter: no section titles, header fields or item decisions found",
        )
    items = [_build_item(normalized, index, draft) for index, draft in enumerate(drafts, start=1)]
    missing = [
        name
        for name, absent in (
            ("header", header.is_empty()),
            ("reviewer", reviewer is None),
            ("summary", summary is None),
            ("items", not items),
        )
        if absent
    ]
    for draft, item in zip(drafts, items, strict=True):
        missing.extend(
            f"item {item.item_id}: {part}"
            for part, absent in (
                ("claims_administrator_guideline", not draft.has_claims),
                ("maximus_guideline", not draft.has_maximus),
                ("rationale", item.rationale is None),
            )
            if absent
        )
    return ParsedLetter(
        source=source,
        sha256=sha256,
        format=fmt,
        text=normalized,
        header=header,
        reviewer=reviewer,
        summary=summary,
        items=items,
        missing=missing,
    )


def _split_lines(text: str) -> list[_Line]:
    lines: list[_Line] = []
    position = 0
    for chunk in text.split("\n"):
        lines.append(_Line(position, position + len(chunk), chunk))
        position += len(chunk) + 1
    return [line for line in lines if line.text]


def _title_positions(lines: list[_Line]) -> dict[str, int]:
    """Index of the first line of each section title ("how", "summary", "issues")."""
    positions: dict[str, int] = {}
    for index, line in enumerate(lines):
        match = SECTION_TITLE_RE.match(line.text)
        if match and match.lastgroup and match.lastgroup not in positions:
            positions[match.lastgroup] = index
    return positions


def _leading_header_lines(lines: list[_Line]) -> list[_Line]:
    leading: list[_Line] = []
    for line in lines:
        if not HEADER_FIELD_RE.match(line.text):
            break
        leading.append(line)
    return leading


# --- header and reviewer --------------------------------------------------------------------------


def _parse_header(lines: list[_Line]) -> Header:
    values: dict[str, TextSpan | DateSpan] = {}
    for line in lines:
        if not HEADER_FIELD_RE.match(line.text):
            continue
        for match in _HEADER_VALUE_RE.finditer(line.text):
            name = "_".join(match.group("label").lower().split())
            if name in values or not match.group("value"):
                continue
            start = line.start + match.start("value")
            value = match.group("value")
            if name in ("case_number", "priority"):
                if name == "case_number":
                    value = value.split()[0]
                values[name] = TextSpan(text=value, start=start, end=start + len(value))
            elif dated := _date_span(value, start):
                values[name] = dated
    return Header.model_validate(values)


def _date_span(value: str, start: int) -> DateSpan | None:
    match = _DATE_RE.search(value)
    if match is None:
        return None
    year = int(match.group("year"))
    if year < 100:
        year += 2000
    try:
        parsed = date(year, int(match.group("month")), int(match.group("day")))
    except ValueError:
        return None
    return DateSpan(value=parsed, start=start + match.start(), end=start + match.end())


def _parse_reviewer(lines: list[_Line]) -> Reviewer | None:
    licensure: TextSpan | None = None
    specialties: TextSpan | None = None
    for line in lines:
        match = CREDENTIAL_RE.match(line.text)
        if match is None or match.lastgroup == "intro":
            continue
        value = line.text[match.end() :].rstrip()
        span = TextSpan(text=value, start=line.start + match.end(), end=line.start + match.end() + len(value))
        if match.lastgroup == "licensure" and licensure is None:
            licensure = span
        elif match.lastgroup == "specialty" and specialties is None:
            specialties = span
    if licensure is None and specialties is None:
        return _reviewer_from_prose(lines)
    return Reviewer(
        licensure=_listed(licensure),
        specialties=_listed(specialties),
        licensure_span=licensure,
        specialties_span=specialties,
    )


def _reviewer_from_prose(lines: list[_Line]) -> Reviewer | None:
    """Older letters state the credentials in a sentence of the "how it was made" paragraph."""
    for line in lines:
        match = _PROSE_CREDENTIALS_RE.search(line.text)
        if match is None:
            continue
        specialty_end = match.end("subspecialty") if match.group("subspecialty") else match.end("specialty")
        specialties = TextSpan(
            text=line.text[match.start("specialty") : specialty_end],
            start=line.start + match.start("specialty"),
            end=line.start + specialty_end,
        )
        licensure = TextSpan(
            text=match.group("states"),
            start=line.start + match.start("states"),
            end=line.start + match.end("states"),
        )
        named = [match.group("specialty"), match.group("subspecialty")]
        return Reviewer(
            licensure=[
                " ".join(state.split())
                for state in _STATE_LIST_SPLIT_RE.split(licensure.text)
                if state.strip()
            ],
            specialties=[" ".join(name.split()) for name in named if name],
            licensure_span=licensure,
            specialties_span=specialties,
        )
    return None


def _listed(span: TextSpan | None) -> list[str]:
    if span is None:
        return []
    return [" ".join(part.split()) for part in span.text.split(",") if part.strip()]


# --- summary --------------------------------------------------------------------------------------


def _parse_summary(
    text: str, lines: list[_Line], titles: dict[str, int], drafts: list[_ItemDraft]
) -> TextSpan | None:
    if "summary" not in titles:
        return None
    first = titles["summary"] + 1
    end = len(lines)
    following = [index for index in titles.values() if index > titles["summary"]]
    if following:
        end = min(following)
    if drafts:
        end = min(end, lines.index(drafts[0].heading_line))
    body = lines[first:end]
    if body and (_SUMMARY_INTRO_RE.match(body[0].text) or is_intro_end(body[0].text)):
        body = body[1:]
    if not body:
        return None
    return TextSpan(text=text[body[0].start : body[-1].end], start=body[0].start, end=body[-1].end)


# --- items ----------------------------------------------------------------------------------------


def _has_labels(lines: list[_Line]) -> bool:
    return any(LABEL_RE.match(line.text) for line in lines)


def _is_heading(lines: list[_Line], index: int, in_issues: bool, in_guideline: bool) -> bool:
    line = lines[index]
    word = decision_of(line.text)
    if word is None or LABEL_RE.match(line.text) or _is_structural(line.text):
        return False
    next_label = LABEL_RE.match(lines[index + 1].text) if index + 1 < len(lines) else None
    if in_guideline:
        # A guideline line broken by a blank line can end "Section(s): Special Studies." too.
        return next_label is not None and next_label.group("claims") is not None
    return next_label is not None or (in_issues and word.lower() in KNOWN_DECISIONS)


def _is_structural(text: str) -> bool:
    return bool(SECTION_TITLE_RE.match(text) or HEADER_FIELD_RE.match(text) or CREDENTIAL_RE.match(text))


def _find_items(lines: list[_Line], titles: dict[str, int]) -> list[_ItemDraft]:
    drafts: list[_ItemDraft] = []
    current: _ItemDraft | None = None
    block: str | None = None
    for index, line in enumerate(lines):
        in_issues = "issues" in titles and index > titles["issues"]
        title = SECTION_TITLE_RE.match(line.text)
        if title is not None:
            current, block = None, None
            continue
        if _is_heading(lines, index, in_issues, block in ("claims", "maximus")):
            current, block = _ItemDraft(heading_line=line), None
            drafts.append(current)
            continue
        if current is None:
            continue
        label = LABEL_RE.match(line.text)
        if label is not None:
            block = label.lastgroup
            if block == "rationale":
                current.rationale = Span(start=line.start + label.end(), end=line.end)
            else:
                _add_citations(current, block, line)
        elif block == "rationale" and current.rationale is not None:
            current.rationale = Span(start=current.rationale.start, end=line.end)
        elif block in ("claims", "maximus"):
            _add_citations(current, block, line)
    return drafts


def _add_citations(draft: _ItemDraft, block: str | None, line: _Line) -> None:
    citations = parse_guideline_line(line.text, line.start)
    if block == "claims":
        draft.claims.extend(citations)
        draft.has_claims = True
    else:
        draft.maximus.extend(citations)
        draft.has_maximus = True


def _build_item(text: str, number: int, draft: _ItemDraft) -> ParsedItem:
    line = draft.heading_line
    colon = line.text.rfind(":")
    heading_text = line.text[:colon].rstrip()
    decision_start = colon + 1 + (len(line.text[colon + 1 :]) - len(line.text[colon + 1 :].lstrip()))
    decision_word = line.text[decision_start:].strip().rstrip(".").strip()
    heading = TextSpan(text=heading_text, start=line.start, end=line.start + len(heading_text))
    rationale = None
    if draft.rationale is not None and draft.rationale.end > draft.rationale.start:
        rationale = TextSpan(
            text=text[draft.rationale.start : draft.rationale.end],
            start=draft.rationale.start,
            end=draft.rationale.end,
        )
    return ParsedItem(
        item_id=str(number),
        heading=heading,
        decision_word=decision_word,
        decision_span=Span(
            start=line.start + decision_start, end=line.start + decision_start + len(decision_word)
        ),
        recorded_outcome=_OUTCOMES.get(decision_word.lower()),
        ur_portion=_ur_portion(heading),
        claims_administrator_citations=draft.claims,
        maximus_citations=draft.maximus,
        rationale=rationale,
    )


def _ur_portion(heading: TextSpan) -> UrPortion | None:
    match = _UR_FORM_RE.match(heading.text)
    if match is None:
        return None

    def part(group: str) -> TextSpan:
        start, end = match.span(group)
        return TextSpan(text=heading.text[start:end], start=heading.start + start, end=heading.start + end)

    authorized = next(
        (part(group) for group in ("authorized", "authorized_first") if match.group(group)), None
    )
    return UrPortion(
        original_request=part("original"), authorized=authorized, remaining_portion=part("remaining")
    )
