"""What a letter says, as read: every value carries the character span it was read from.

All offsets index `ParsedLetter.text`, the normalized text (see `engine.letters.text.normalize`), so a
quote can always be checked with `letter.text[span.start:span.end]`.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

LetterFormat = Literal["pdf", "text"]
Outcome = Literal["Upheld", "Overturned"]
# mtus: "Decision based on MTUS ..."; non_mtus: "Decision based on Non-MTUS Citation ...";
# none_cited: "... did not cite any medical evidence ..."; not_mtus_based: "... based their decision on
# recommendation(s) outside of the MTUS" / "did not base their decision on the MTUS".
CitationSource = Literal["mtus", "non_mtus", "none_cited", "not_mtus_based"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Span(_Strict):
    """Half-open character range [start, end) in the normalized letter text."""

    start: int
    end: int

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"span [{self.start}, {self.end}) is not an ordered range of offsets")
        return self


class TextSpan(Span):
    """A quote and where it stands: `text == letter.text[start:end]`."""

    text: str


class DateSpan(Span):
    """A date as read, with the span of the date as written."""

    value: date


class Header(_Strict):
    """The DWC header block; 2014-2015 letters have none, so every field may be missing."""

    case_number: TextSpan | None = None
    date_assigned: DateSpan | None = None
    date_of_injury: DateSpan | None = None
    decision_date: DateSpan | None = None
    ur_denial_date: DateSpan | None = None
    priority: TextSpan | None = None
    application_received: DateSpan | None = None

    def is_empty(self) -> bool:
        return all(getattr(self, name) is None for name in type(self).model_fields)


class Reviewer(_Strict):
    """The expert reviewer's credentials as listed (states of licensure, board specialties)."""

    licensure: list[str]
    specialties: list[str]
    licensure_span: TextSpan | None = None
    specialties_span: TextSpan | None = None


class GuidelineCitation(_Strict):
    """One guideline a reviewer or claims administrator relied on, parsed from a guideline line.

    `guideline` is the name as written ("Chronic Pain Medical Treatment", "Low Back Complaints",
    "Official Disability Guidelines (ODG)", "ACOEM"); `chapter` is the ODG chapter (canonical name,
    e.g. "Low Back", "Pain (Chronic)") or an ACOEM chapter as written; `pages` is kept as written
    ("98-99", "77-81, 89 and 94").
    """

    raw: TextSpan
    source: CitationSource
    guideline: str | None = None
    year: int | None = None
    chapter: str | None = None
    sections: list[str] = []
    pages: str | None = None


class UrPortion(_Strict):
    """The partial-certification form: what was asked, what UR allowed, what IMR decided on."""

    original_request: TextSpan
    authorized: TextSpan | None
    remaining_portion: TextSpan


class ParsedItem(_Strict):
    """One disputed item: its heading, recorded decision, cited guidelines and rationale."""

    item_id: str
    heading: TextSpan
    decision_word: str
    decision_span: Span
    recorded_outcome: Outcome | None
    ur_portion: UrPortion | None = None
    claims_administrator_citations: list[GuidelineCitation] = []
    maximus_citations: list[GuidelineCitation] = []
    rationale: TextSpan | None = None

    @property
    def disputed(self) -> TextSpan:
        """The text IMR actually decided on: the remaining portion of a partly certified request."""
        return self.ur_portion.remaining_portion if self.ur_portion is not None else self.heading


class ParsedLetter(_Strict):
    """A letter read into its parts. `missing` names the parts that were not found."""

    source: str
    sha256: str
    format: LetterFormat
    text: str
    header: Header
    reviewer: Reviewer | None
    summary: TextSpan | None
    items: list[ParsedItem]
    missing: list[str]
