"""Guideline lines ("MAXIMUS guideline: Decision based on MTUS ...") to structured citations.

A guideline line is a run of statements: "Decision based on MTUS <part> <year>[, Section(s): ...]
[, and <part> <year> ...]", "Decision based on Non-MTUS Citation <source>", and the stock sentences
saying that no evidence was cited or that the decision was not based on the MTUS. Older letters cite
the 2009 Chronic Pain guideline by page ("Muscle Relaxants Page(s): 63").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.letters.model import CitationSource, GuidelineCitation, TextSpan
from engine.letters.text import LABEL_RE

_STATEMENT_RE = re.compile(
    r"(?P<mtus>Decision\s+based\s+on\s+(?:the\s+)?MTUS\b(?!-))"
    r"|(?P<non_mtus>Decision\s+based\s+on\s+(?:the\s+)?Non-?\s*MTUS(?:\s+Citations?)?\s*:?)"
    r"|(?P<none_cited>The\s+(?:Claims\s+Administrator|Expert\s+Reviewer)\s+did\s+not\s+cite\s+any"
    r"\s+(?:medical\s+)?evidence\b[^.]*\.?)"
    r"|(?P<not_mtus_based>The\s+(?:Claims\s+Administrator|Expert\s+Reviewer)\s+(?:based\s+(?:their|its)"
    r"\s+decision\s+on\s+recommendation(?:\(s\)|s)?\s+outside\s+(?:of\s+)?the\s+MTUS(?:\s+Guidelines)?"
    r"|did\s+not\s+base\s+(?:their|its)\s+decision\s+on\s+the\s+MTUS)\.?)",
    re.IGNORECASE,
)
_BARE_MTUS_RE = re.compile(r"(?<!-)\bMTUS\b")
_YEAR = r"(?:19|20)\d{2}"
# The parts of the MTUS as the letters name them (ACOEM 2004 chapters, the later MTUS guidelines).
# Only names with commas strictly need listing; the rest also help older letters that give no year.
_MTUS_PARTS = (
    r"Chronic\s+Pain\s+Medical\s+Treatment\s+Guidelines",
    r"Chronic\s+Pain\s+Medical\s+Treatment",
    r"Chronic\s+Pain\s+Treatment\s+Guidelines",
    r"Chronic\s+Pain\s+Guidelines",
    r"Acupuncture\s+Medical\s+Treatment(?:\s+Guidelines)?",
    r"Acupuncture\s+Treatment(?:\s+Guidelines)?",
    r"Post-?\s*surgical\s+Treatment(?:\s+Guidelines)?",
    r"Opioids?\s+Treatment(?:\s+Guidelines)?",
    r"General\s+Approaches",
    r"Neck\s+and\s+Upper\s+Back\s+Complaints",
    r"Shoulder\s+Complaints",
    r"Elbow\s+(?:Complaints|Disorders)",
    r"Forearm,\s+Wrist,?\s+and\s+Hand\s+Complaints",
    r"Low\s+Back\s+Complaints",
    r"Knee\s+Complaints",
    r"Ankle\s+and\s+Foot\s+Complaints",
    r"Stress[-\s]Related\s+Conditions",
    r"ACOEM",
)
_KNOWN_PART = "|".join(_MTUS_PARTS)
_GENERIC_PART = r"[A-Z][\w'’/\-]*(?:\s+(?:and\s+|&\s+|of\s+|to\s+|for\s+)?[A-Z][\w'’/\-]*){0,6}"
_PART_WITH_YEAR_RE = re.compile(
    rf"(?<![\w\-])(?P<name>{_KNOWN_PART}|{_GENERIC_PART})\s+(?P<year>{_YEAR})\b(?![\-/])"
)
_KNOWN_PART_RE = re.compile(rf"(?P<name>{_KNOWN_PART})\b", re.IGNORECASE)
_SECTIONS_RE = re.compile(r"Sections?\s*\(s\)\s*:|Sections?\s*:", re.IGNORECASE)
_PAGES_RE = re.compile(r"Pages?\s*\(s\)\s*:|Pages?\s*:", re.IGNORECASE)
_EFFECTIVE_RE = re.compile(
    rf"(?:8\s*C\.\s*C\.\s*R\.[^()]*?)?\((?:Effective\s+)?(?:[A-Z][a-z]+\.?\s+\d{{1,2}},\s*)?(?P<year>{_YEAR})\)",
    re.IGNORECASE,
)
_NUMBERED_SECTION_SPLIT_RE = re.compile(r"[,;]\s*(?=\d+(?:\.\d+)+\s)")
_ACRONYM_RE = re.compile(r"^[A-Z]{2,}s?$")

_ODG_NAME_RE = re.compile(
    r"(?P<name>Official\s+Disability\s+Guidelines(?:\s*\(ODG\))?|ODG(?:\s+guidelines)?)(?![\w])",
    re.IGNORECASE,
)
_ACOEM_NAME_RE = re.compile(
    r"(?P<name>ACOEM(?:'s)?(?:\s+Occupational\s+Medicine\s+Practice\s+Guidelines)?)(?![\w])", re.IGNORECASE
)
_OTHER_GUIDELINES_RE = re.compile(
    r"(?:\s+and\s+)?\bOther\s+Medical\s+Treatment\s+Guidelines?\b", re.IGNORECASE
)
_NEXT_ODG_RE = re.compile(r"(?:,\s*|\s+)(?=(?:ODG|Official\s+Disability\s+Guidelines)\b)", re.IGNORECASE)
_PUBLISHER_RE = re.compile(r"Work\s+Loss\s+Data\s+Institute(?:\s*\([^)]*\))?", re.IGNORECASE)
_LEADING_YEAR_RE = re.compile(rf"(?P<year>{_YEAR})\b(?![\-/])")
_SEPARATORS = " \t\n,;:.-–—/"
# ODG chapters (its table of contents), with the spellings letters use.
_ODG_CHAPTERS: tuple[tuple[str, str], ...] = (
    (
        "Low Back",
        r"low(?:er)?\s+back(?:\s*(?:[,\-–]\s*)?(?:lumbar\s*(?:&|and)\s*thoracic))?|lumbar\s*(?:&|and)\s*thoracic",
    ),
    ("Neck and Upper Back", r"neck(?:\s*(?:&|and)\s*upper\s+back)?"),
    ("Pain (Chronic)", r"(?:chronic\s+)?pain(?:\s*\(chronic\))?"),
    ("Knee and Leg", r"knee(?:\s*(?:&|and)\s*leg)?"),
    ("Hip and Pelvis", r"hips?(?:\s*(?:&|and)\s*pelvis)?"),
    ("Forearm, Wrist and Hand", r"forearm,?\s*wrist,?\s*(?:&|and)\s*hand"),
    ("Carpal Tunnel Syndrome", r"carpal\s+tunnel\s+syndrome"),
    ("Shoulder", r"shoulder"),
    ("Elbow", r"elbow"),
    ("Head", r"head"),
    ("Ankle and Foot", r"ankle(?:\s*(?:&|and)\s*foot)?"),
    ("Mental Illness and Stress", r"mental\s+illness(?:\s*(?:&|and)\s*stress)?"),
    ("Traumatic Brain Injury", r"traumatic\s+brain\s+injury|TBI"),
    ("Eye", r"eye"),
    ("Hernia", r"hernia"),
    ("Burns", r"burns"),
    ("Pulmonary", r"pulmonary"),
    ("Diabetes", r"diabetes"),
    ("Preface", r"preface"),
)
_ODG_CHAPTER_RES = tuple(
    (name, re.compile(rf"(?:{pattern})(?![A-Za-z])", re.IGNORECASE)) for name, pattern in _ODG_CHAPTERS
)
# What may follow a chapter name: "(Acute & Chronic)", "Chapter", "section", "(updated 11/22/16)".
_CHAPTER_SUFFIX_RE = re.compile(
    r"\s*(?:\((?:acute|chronic|thoracic|lumbar)[^)]*\)|chapter\b|section\b|\(updated[^)]*\)|\(online[^)]*\))",
    re.IGNORECASE,
)
_ACOEM_PAGES_RE = re.compile(
    r"\b(?:pgs?|pp|p|pages?)\.?\s*(?P<pages>\d+(?:\s*(?:-|–|,|and)\s*\d+)*)", re.IGNORECASE
)
_EDITION_RE = re.compile(r"\b\d+(?:st|nd|rd|th)\s+ed(?:ition)?\b\.?", re.IGNORECASE)
_PAREN_YEAR_RE = re.compile(rf"\((?P<year>{_YEAR})\)")
_TRIM = " \t\n,;:."


@dataclass(frozen=True, slots=True)
class _Piece:
    """A slice of the guideline text: [start, end) relative to the line passed in."""

    start: int
    end: int


def parse_guideline_line(text: str, offset: int = 0) -> list[GuidelineCitation]:
    """Citations in one guideline line; `offset` is where `text` starts in the letter text.

    The line may still carry its label ("MAXIMUS guideline:"). Spans in the result are absolute.
    """
    parser = _LineParser(text, offset)
    return parser.parse()


class _LineParser:
    def __init__(self, text: str, offset: int) -> None:
        self.text = text
        self.offset = offset
        self.citations: list[GuidelineCitation] = []

    def parse(self) -> list[GuidelineCitation]:
        label = LABEL_RE.match(self.text)
        begin = label.end() if label else 0
        statements = list(_STATEMENT_RE.finditer(self.text, begin))
        first = statements[0].start() if statements else len(self.text)
        if self.text[begin:first].strip(_TRIM):
            self._unrecognised(_Piece(begin, first))
        for index, statement in enumerate(statements):
            end = statements[index + 1].start() if index + 1 < len(statements) else len(self.text)
            kind = statement.lastgroup
            if kind == "mtus":
                self._mtus(_Piece(statement.start(), end), statement.end())
            elif kind == "non_mtus":
                self._non_mtus(_Piece(statement.end(), end))
            elif kind == "none_cited":
                self._add(_Piece(statement.start(), statement.end()), "none_cited")
            else:
                self._add(_Piece(statement.start(), statement.end()), "not_mtus_based")
        return self.citations

    # -- helpers over slices of self.text --

    def _trimmed(self, piece: _Piece) -> _Piece:
        start, end = piece.start, piece.end
        while start < end and self.text[start] in _TRIM:
            start += 1
        while end > start and self.text[end - 1] in _TRIM:
            end -= 1
        # A trailing " and" joins the next MTUS part; it is not part of this one.
        if self.text[start:end].endswith(" and"):
            return self._trimmed(_Piece(start, end - 4))
        return _Piece(start, end)

    def _span(self, piece: _Piece) -> TextSpan:
        piece = self._trimmed(piece)
        return TextSpan(
            text=self.text[piece.start : piece.end],
            start=self.offset + piece.start,
            end=self.offset + piece.end,
        )

    def _add(
        self,
        raw: _Piece,
        source: CitationSource,
        *,
        guideline: str | None = None,
        year: int | None = None,
        chapter: str | None = None,
        sections: list[str] | None = None,
        pages: str | None = None,
    ) -> None:
        self.citations.append(
            GuidelineCitation(
                raw=self._span(raw),
                source=source,
                guideline=guideline,
                year=year,
                chapter=chapter,
                sections=sections or [],
                pages=pages,
            )
        )

    def _unrecognised(self, piece: _Piece) -> None:
        """Text in no known statement form: kept whole as the guideline name."""
        trimmed = self._trimmed(piece)
        words = self.text[trimmed.start : trimmed.end]
        source: CitationSource = "mtus" if _BARE_MTUS_RE.search(words) else "non_mtus"
        self._add(trimmed, source, guideline=" ".join(words.split()))

    # -- MTUS --

    def _mtus(self, clause: _Piece, body_start: int) -> None:
        starts = [body_start]
        for match in _PART_WITH_YEAR_RE.finditer(self.text, body_start, clause.end):
            before = self.text[body_start : match.start()].rstrip()
            if before and (before.endswith(",") or before.endswith(" and")):
                starts.append(match.start())
        bounds = [*starts, clause.end]
        for index in range(len(starts)):
            raw_start = clause.start if index == 0 else starts[index]
            self._mtus_part(_Piece(raw_start, bounds[index + 1]), _Piece(starts[index], bounds[index + 1]))

    def _mtus_part(self, raw: _Piece, body: _Piece) -> None:
        body = self._trimmed(body)
        name: str | None = None
        year: int | None = None
        rest_start = body.start
        with_year = _PART_WITH_YEAR_RE.match(self.text, body.start, body.end)
        if with_year:
            name, year = with_year.group("name"), int(with_year.group("year"))
            rest_start = with_year.end()
        elif known := _KNOWN_PART_RE.match(self.text, body.start, body.end):
            name, rest_start = known.group("name"), known.end()
        rest = self.text[rest_start : body.end]
        sections_at = _SECTIONS_RE.search(rest)
        pages_at = _PAGES_RE.search(rest)
        pages = rest[pages_at.end() :].strip(_TRIM) if pages_at else None
        sections_end = pages_at.start() if pages_at else len(rest)
        if sections_at and sections_at.start() < sections_end:
            sections_text, official = rest[sections_at.end() : sections_end], True
        else:
            sections_text, official = rest[:sections_end], False
        if year is None and (effective := _EFFECTIVE_RE.search(rest)):
            year = int(effective.group("year"))
        sections_text = _EFFECTIVE_RE.sub("", sections_text)
        if name is None:
            # An MTUS part this parser does not know, cited without a year: keep its words as the name.
            name, sections_text = sections_text.strip(_TRIM) or None, ""
        self._add(
            raw,
            "mtus",
            guideline=" ".join(name.split()) if name else None,
            year=year,
            sections=split_sections(sections_text, official=official),
            pages=pages or None,
        )

    # -- Non-MTUS --

    def _non_mtus(self, clause: _Piece) -> None:
        inherited: str | None = None
        for part in self._non_mtus_parts(clause):
            inherited = self._non_mtus_part(part, inherited)

    def _non_mtus_parts(self, clause: _Piece) -> list[_Piece]:
        """Split a Non-MTUS clause where another source or another ODG chapter starts."""
        cuts = [
            (m.start(), m.end()) for m in _OTHER_GUIDELINES_RE.finditer(self.text, clause.start, clause.end)
        ]
        depth = 0
        for position in range(clause.start, clause.end):
            char = self.text[position]
            if char in "([":
                depth += 1
            elif char in ")]":
                depth = max(0, depth - 1)
            elif char == ";" and depth == 0 and self._starts_odg_reference(position + 1, clause.end, char):
                cuts.append((position, position + 1))
        for match in _NEXT_ODG_RE.finditer(self.text, clause.start, clause.end):
            name = _ODG_NAME_RE.match(self.text, match.end(), clause.end)
            if match.start() > clause.start and name and self._chapter_at(name.end(), clause.end):
                cuts.append((match.start(), match.end()))
        parts: list[_Piece] = []
        position = clause.start
        for cut_start, cut_end in sorted(cuts):
            if cut_start >= position:
                parts.append(_Piece(position, cut_start))
                position = cut_end
        parts.append(_Piece(position, clause.end))
        trimmed = [self._trimmed(part) for part in parts]
        return [part for part in trimmed if part.end > part.start]

    def _starts_odg_reference(self, start: int, end: int, separator: str) -> bool:
        """After a separator: a new ODG name, or a whole list piece that is an ODG chapter."""
        position = self._skip(start, end)
        if separator == ";" and _ODG_NAME_RE.match(self.text, position, end):
            return True
        chapter = self._chapter_at(position, end)
        if chapter is None:
            return False
        after = self._skip_blanks(chapter[1], end)
        return after == end or self.text[after] in ",;."

    def _skip_blanks(self, start: int, end: int) -> int:
        while start < end and self.text[start] in " \t\n":
            start += 1
        return start

    def _chapter_at(self, start: int, end: int) -> tuple[str, int] | None:
        position = self._skip(start, end)
        for name, pattern in _ODG_CHAPTER_RES:
            match = pattern.match(self.text, position, end)
            if match:
                after = match.end()
                while suffix := _CHAPTER_SUFFIX_RE.match(self.text, after, end):
                    if suffix.end() == after:
                        break
                    after = suffix.end()
                return name, after
        return None

    def _skip(self, start: int, end: int) -> int:
        while start < end and self.text[start] in _SEPARATORS:
            start += 1
        return start

    def _non_mtus_part(self, part: _Piece, inherited: str | None) -> str | None:
        odg = _ODG_NAME_RE.match(self.text, part.start, part.end)
        if odg or self._starts_odg_reference(part.start, part.end, ","):
            name = odg.group("name") if odg else inherited
            self._odg(part, odg.end() if odg else part.start, name)
            return name
        acoem = _ACOEM_NAME_RE.match(self.text, part.start, part.end)
        if acoem:
            self._acoem(part, acoem.end(), acoem.group("name"))
            return None
        text = self.text[part.start : part.end]
        self._add(part, "non_mtus", guideline=" ".join(text.split()))
        return None

    def _odg(self, part: _Piece, rest_start: int, name: str | None) -> None:
        position = self._skip(rest_start, part.end)
        year: int | None = None
        publisher = _PUBLISHER_RE.match(self.text, position, part.end)
        if publisher:
            position = self._skip(publisher.end(), part.end)
        if leading_year := _LEADING_YEAR_RE.match(self.text, position, part.end):
            year = int(leading_year.group("year"))
            position = self._skip(leading_year.end(), part.end)
        chapter: str | None = None
        if found := self._chapter_at(position, part.end):
            chapter, position = found
        citation_start = part.start
        while True:
            # "ODG, Neck and Upper Back, Low Back": a list piece that is a chapter starts another citation.
            following = self._next_chapter_piece(position, part.end) if chapter else None
            end = following[0] if following else part.end
            self._add(
                _Piece(citation_start, end),
                "non_mtus",
                guideline=" ".join(name.split()) if name else None,
                year=year,
                chapter=chapter,
                sections=split_sections(self.text[self._skip(position, end) : end], official=False),
            )
            if following is None:
                return
            citation_start = end + 1
            _, chapter, position = following

    def _next_chapter_piece(self, start: int, end: int) -> tuple[int, str, int] | None:
        """The next list piece that is an ODG chapter of its own: (its comma, chapter, end of chapter)."""
        depth = 0
        for position in range(start, end):
            char = self.text[position]
            if char in "([":
                depth += 1
            elif char in ")]":
                depth = max(0, depth - 1)
            elif char == "," and depth == 0 and self._starts_odg_reference(position + 1, end, char):
                found = self._chapter_at(position + 1, end)
                if found is not None:
                    return position, found[0], found[1]
        return None

    def _acoem(self, part: _Piece, rest_start: int, name: str) -> None:
        rest = self.text[rest_start : part.end]
        pages_match = _ACOEM_PAGES_RE.search(rest)
        pages = pages_match.group("pages") if pages_match else None
        year_match = _PAREN_YEAR_RE.search(rest)
        cleaned = _EDITION_RE.sub("", rest)
        cleaned = _ACOEM_PAGES_RE.sub("", cleaned)
        cleaned = _PAREN_YEAR_RE.sub("", cleaned)
        pieces = split_sections(cleaned.strip(_SEPARATORS), official=False)
        chapter = next((piece for piece in pieces if re.search(r"\bDisorders\b", piece, re.IGNORECASE)), None)
        self._add(
            part,
            "non_mtus",
            guideline=" ".join(name.split()),
            year=int(year_match.group("year")) if year_match else None,
            chapter=chapter,
            sections=[piece for piece in pieces if piece != chapter],
            pages=pages,
        )


def split_sections(text: str, *, official: bool) -> list[str]:
    """Section names from a comma-separated list, keeping parenthesised commas inside their name.

    In the official MTUS form ("Section(s): ...") section titles themselves contain commas
    ("NSAIDs, GI symptoms & cardiovascular risk", "Ultrasound, therapeutic"): a piece starting in
    lower case continues the previous title, and so does one starting with an acronym after a bare
    acronym ("NSAIDs, GI symptoms ...").
    Numbered Opioid Treatment sections ("3.3.6 Opioids for ...: Use of Urine Drug Testing") are
    split only before their numbers.
    """
    text = text.strip(_TRIM)
    if not text:
        return []
    if re.match(r"\d+(?:\.\d+)+\s", text):
        return [piece.strip(_TRIM) for piece in _NUMBERED_SECTION_SPLIT_RE.split(text) if piece.strip(_TRIM)]
    pieces: list[tuple[int, int]] = []
    depth = 0
    start = 0
    for position, char in enumerate(text):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(0, depth - 1)
        elif char in ",;" and depth == 0:
            pieces.append((start, position))
            start = position + 1
    pieces.append((start, len(text)))
    pieces = [(s, e) for s, e in pieces if text[s:e].strip(_TRIM)]
    if official:
        merged: list[tuple[int, int]] = []
        for start, end in pieces:
            piece = text[start:end].strip()
            previous = text[merged[-1][0] : merged[-1][1]].strip() if merged else ""
            first_word = piece.split(maxsplit=1)[0] if piece else ""
            if merged and (
                piece[:1].islower() or (_ACRONYM_RE.match(previous) and _ACRONYM_RE.match(first_word))
            ):
                merged[-1] = (merged[-1][0], end)
            else:
                merged.append((start, end))
        pieces = merged
    return [" ".join(text[s:e].strip(_TRIM).split()) for s, e in pieces]
