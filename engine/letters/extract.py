"""Letters to cases: what an IMR letter documents, as an engine.facts.Case with evidence for every fact.

`extract_case(path)` reads a letter (PDF or text); `build_case(letter, vocab)` turns a parsed letter
into a Case (`read_letter` also keeps what the summary and the rationales each documented):
- header dates, reviewer, diagnoses stated in the summary, and the parts the letter lacks (`missing`);
  the weeks since the injury from the header's dates where the text gives none;
- one item per disputed item, in letter order: the disputed text (for a partly certified request, the
  remaining IMR-eligible portion), its treatment from `normalize_item`, the request facts read from
  that text (section "request", spans in the letter's normalized text), the decision as written
  (recorded None for "Withheld"), the MAXIMUS citations resolved to catalog editions, and the
  index procedure an ancillary service belongs to;
- the clinical facts of the summary and rationales (engine.letters.clinical), read blind to the
  decisions.
An item's own facts win in this order: what its rationale documents, what its text says, what the
summary says of it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pydantic import ValidationError

from engine.errors import InputError
from engine.facts import (
    Case,
    CaseDates,
    Citation,
    Documented,
    Evidence,
    RequestedItem,
    Reviewer,
    Source,
    URPortion,
)
from engine.letters.citing import cited_region, read_citations, resolved_treatment
from engine.letters.clinical import ClinicalFacts, ClinicalReader, ItemTarget, merge_layers
from engine.letters.cues import CueBook, load_cues
from engine.letters.item_model import NormalizedItem
from engine.letters.items import normalize_item
from engine.letters.links import Link, ancillary_links, certified_index, ur_portion_facts
from engine.letters.model import GuidelineCitation, ParsedItem, ParsedLetter, TextSpan
from engine.letters.parse import parse_letter
from engine.letters.schedules import read_schedules
from engine.paths import LETTERS_DIR
from engine.vocab import Vocabulary, load_vocabulary

_DRUG_KINDS = frozenset({"medication", "compound_topical"})
_COURSE_HISTORY = {"additional": True, "repeat": True, "initial": False}
_WEEKS_PER = {"hour": 1 / 168, "day": 1 / 7, "week": 1.0, "month": 4.33}


def extract_case(path: str | Path, data: bytes | None = None) -> Case:
    """Read one letter file (PDF or text), or its bytes, into a case; unreadable input raises InputError."""
    try:
        return build_case(parse_letter(path, data), load_vocabulary())
    except InputError as exc:
        if exc.path is not None:
            raise
        raise InputError(path, exc.message, exc.line) from None


@dataclass(frozen=True)
class LetterReading:
    """A letter read into a case, and the clinical facts of each section before precedence merged them
    (an audit compares what a rationale says is missing with what the summary documents)."""

    case: Case
    clinical: ClinicalFacts


def build_case(letter: ParsedLetter, vocab: Vocabulary, cues: CueBook | None = None) -> Case:
    """A parsed letter as a case (see the module docstring)."""
    return read_letter(letter, vocab, cues).case


def read_letter(letter: ParsedLetter, vocab: Vocabulary, cues: CueBook | None = None) -> LetterReading:
    """A parsed letter as a case, with the clinical facts it was built from."""
    cues = cues if cues is not None else load_cues()
    if not letter.items:
        raise InputError(letter.source, "no disputed items found: the letter cannot be read into a case")
    readings = [_read_item(letter, item, vocab) for item in letter.items]
    header = letter.header
    ur_denial = header.ur_denial_date.value if header.ur_denial_date else None
    decided = header.decision_date.value if header.decision_date else None
    targets = [reading.target for reading in readings]
    reader = ClinicalReader(letter, targets, vocab, cues, decided)
    clinical = reader.read()
    prescriptions = read_schedules(reader.sentences, targets, reader.namer, vocab)
    links = ancillary_links(readings, vocab)
    certified = clinical.findings.get("surgery_certified_or_performed")
    items = []
    for reading in readings:
        item_id = reading.item.item_id
        stated, standing = ur_portion_facts(reading.item, reading.normalized, vocab)
        facts = merge_layers(
            clinical.item_facts.get(item_id, {}),
            stated,
            reading.request_facts,
            clinical.summary_item_facts.get(item_id, {}),
            prescriptions.get(item_id, {}),
            standing,
        )
        link = links.get(item_id)
        if link is None and "surgical_service" in facts and certified is not None:
            facts.update(certified_index(certified, facts, vocab))
        items.append(reading.requested(facts, link, vocab))
    findings = dict(clinical.findings)
    if findings.get("weeks_since_injury") is None:
        since_injury = _weeks_since_injury(letter)
        if since_injury is not None:
            findings["weeks_since_injury"] = since_injury
    try:
        case = Case(
            case_id=_case_id(letter),
            source=Source(file=_source_name(letter.source), sha256=letter.sha256 or None, extracted=True),
            dates=CaseDates(
                injury=header.date_of_injury.value if header.date_of_injury else None,
                ur_denial=ur_denial,
                assigned=header.date_assigned.value if header.date_assigned else None,
                decision=header.decision_date.value if header.decision_date else None,
            ),
            reviewer=(
                Reviewer(licensure=letter.reviewer.licensure, specialties=letter.reviewer.specialties)
                if letter.reviewer is not None
                else None
            ),
            diagnoses=clinical.diagnoses,
            findings=findings,
            items=items,
            missing=list(letter.missing),
        )
    except ValidationError as exc:
        raise InputError(
            letter.source, f"the letter does not make a valid case: {exc.errors()[0]['msg']}"
        ) from None
    return LetterReading(case=case, clinical=clinical)


def _case_id(letter: ParsedLetter) -> str:
    if letter.header.case_number is not None and letter.header.case_number.text.strip():
        return letter.header.case_number.text.strip()
    return Path(letter.source).stem or letter.source


@cache
def _letters_dir() -> Path:
    return LETTERS_DIR.resolve()


def _source_name(source: str) -> str:
    """The letter's path relative to the development letters folder when it lies there."""
    try:
        return Path(os.path.abspath(source)).relative_to(_letters_dir()).as_posix()
    except (ValueError, OSError):
        return source


# --- one item ---------------------------------------------------------------------------------------


class _ItemReading:
    """A parsed item, its normalized treatment and the facts its text states."""

    def __init__(
        self, item: ParsedItem, text: TextSpan, normalized: NormalizedItem, vocab: Vocabulary
    ) -> None:
        self.item = item
        self.text = text
        self.normalized = normalized
        # a generic heading is completed by what the reviewer's citation names
        cited = read_citations(item.maximus_citations, vocab)
        subtype = normalized.subtype.value if normalized.subtype is not None else None
        self.kind, self.subtype = resolved_treatment(normalized.kind, subtype, cited)
        drug = normalized.drug
        self.generic = drug.generic if drug is not None else None
        self.ingredients = [i.generic for i in drug.ingredients] if drug is not None else []
        self.target = ItemTarget(
            item_id=item.item_id,
            kind=self.kind,
            generic=self.generic,
            ingredients=frozenset(self.ingredients),
            drug_class=drug.drug_class if drug is not None else None,
            is_drug=self.kind in _DRUG_KINDS or drug is not None,
            form=drug.form.value if drug is not None and drug.form is not None else None,
            subtype=self.subtype,
            visit_based=vocab.kinds[self.kind].visit_based,
            parts=frozenset((part.region, part.side) for part in normalized.body_parts),
        )
        self.request_facts = request_facts(normalized, text, vocab)
        region = cited_region(self.kind, [p.region for p in normalized.body_parts], cited)
        if region is not None and cited is not None and normalized.implied_region is None:
            cited_evidence = [cited.evidence]
            self.request_facts["body_region"] = Documented(value=region, evidence=cited_evidence)
            self.request_facts["body_part_specified"] = Documented(value=True, evidence=cited_evidence)

    def requested(self, facts: dict[str, Documented], link: Link | None, vocab: Vocabulary) -> RequestedItem:
        normalized = self.normalized
        drug = normalized.drug
        route = None
        if drug is not None:
            usual = vocab.drugs[drug.generic].route if drug.generic is not None else None
            route = drug.route if drug.route != usual else None
        ur = self.item.ur_portion
        return RequestedItem(
            item_id=self.item.item_id,
            text=self.text.text,
            kind=self.kind,
            subtype=self.subtype,
            generic=self.generic,
            route=route,
            ingredients=self.ingredients if self.generic is None else [],
            ancillary_to=link.index_id if link is not None else None,
            ancillary_basis=link.basis if link is not None else None,
            facts=dict(facts),
            ur_portion=(
                URPortion(
                    original_request=ur.original_request.text,
                    authorized=ur.authorized.text if ur.authorized is not None else None,
                    remaining=ur.remaining_portion.text,
                )
                if ur is not None
                else None
            ),
            decision_word=self.item.decision_word or None,
            recorded=self.item.recorded_outcome,
            cited=_citations(self.item.maximus_citations, vocab),
        )


def _weeks_since_injury(letter: ParsedLetter) -> Documented | None:
    """The weeks from the date of injury to the UR decision, from the header: the request went to
    utilization review days before its decision, so they are the weeks the complaint had lasted when
    it was requested, give or take those days."""
    injury, decided = letter.header.date_of_injury, letter.header.ur_denial_date
    if injury is None or decided is None or decided.value < injury.value:
        return None
    evidence = [
        Evidence(quote=letter.text[date.start : date.end], section="header", span=[date.start, date.end])
        for date in (injury, decided)
    ]
    return Documented(value=round((decided.value - injury.value).days / 7, 1), evidence=evidence)


def _read_item(letter: ParsedLetter, item: ParsedItem, vocab: Vocabulary) -> _ItemReading:
    text = _trimmed(item.disputed) or _trimmed(item.heading)
    if text is None:
        text = TextSpan(text=f"item {item.item_id}", start=item.heading.start, end=item.heading.start)
    return _ItemReading(item, text, normalize_item(text.text, vocab), vocab)


def _trimmed(span: TextSpan) -> TextSpan | None:
    stripped = span.text.strip()
    if not stripped:
        return None
    start = span.start + (len(span.text) - len(span.text.lstrip()))
    return TextSpan(text=stripped, start=start, end=start + len(stripped))


def request_facts(normalized: NormalizedItem, text: TextSpan, vocab: Vocabulary) -> dict[str, Documented]:
    """What the disputed text itself states; every fact quotes the text, with its span in the letter."""
    if text.end == text.start:
        return {}
    evidence = [Evidence(quote=text.text, section="request", span=[text.start, text.end])]
    facts: dict[str, Documented] = {}

    def put(name: str, value: bool | int | float | str | None) -> None:
        if value is not None:
            facts[name] = Documented(value=value, evidence=evidence)

    kind = vocab.kinds.get(normalized.kind)
    visit_based = kind is not None and kind.visit_based
    drug = normalized.drug
    if drug is not None and drug.strength is not None and drug.strength.value.mg is not None:
        put("strength_mg", _number(drug.strength.value.mg))
    if visit_based:
        if normalized.visits is not None:
            put("visits_requested", normalized.visits.value.high)
    else:
        if normalized.quantity is not None:
            put("quantity", normalized.quantity.value)
            put("quantity_specified", True)
        elif normalized.quantity_unspecified:
            put("quantity_specified", False)
    frequency = normalized.frequency.value if normalized.frequency is not None else None
    if frequency is not None:
        put("frequency_specified", True)
        if drug is not None:
            per_day = frequency.per_day_high if frequency.per_day_high is not None else frequency.per_day_low
            put("doses_per_day", _number(per_day) if per_day is not None else None)
        if frequency.per_week is not None:
            put("visits_per_week", frequency.per_week.high)
        if frequency.weeks is not None:
            put("weeks_requested", frequency.weeks.high)
        if frequency.hours_per_day is not None:
            # a service given so many hours a day, on the days a week written, or daily
            days = frequency.per_week.high if frequency.per_week is not None else 7
            put("hours_per_week", _number(frequency.hours_per_day.high * days))
    elif normalized.frequency_unspecified:
        put("frequency_specified", False)
    if "weeks_requested" not in facts and normalized.duration is not None:
        duration = normalized.duration.value
        if duration.unit in ("week", "month", "day"):
            put("weeks_requested", _number(round(duration.amount.high * _WEEKS_PER[duration.unit], 1)))
    if normalized.course is not None and normalized.course.value in _COURSE_HISTORY:
        # "additional physical therapy", "continuation of ...": a course was given; "initial": none was
        put("prior_course", _COURSE_HISTORY[normalized.course.value])
    if normalized.body_parts:
        put("body_part_specified", True)
        put("body_region", normalized.body_parts[0].region)
        sides = {part.side for part in normalized.body_parts if part.side is not None}
        if sides:
            put("laterality", sides.pop() if len(sides) == 1 else "bilateral")
    elif normalized.implied_region is not None:
        # the procedure names its body part ("carpal tunnel release" is of the wrist)
        put("body_part_specified", True)
        put("body_region", normalized.implied_region.value)
    elif normalized.body_part_unspecified:
        put("body_part_specified", False)
    if normalized.procedures:
        facts["procedures"] = Documented(value=[p.value for p in normalized.procedures], evidence=evidence)
    put("surgical_service", _surgical_service(normalized))
    if normalized.unknown_drug is not None:
        put("unknown_drug", normalized.unknown_drug.value)
    return facts


# The role a surgical ancillary subtype gives its item when the item's words name no other.
_SERVICE_OF_ANCILLARY = {
    "preop_clearance": "preoperative",
    "preop_labs": "preoperative",
    "ekg": "preoperative",
    "chest_xray": "preoperative",
    "cold_therapy": "postoperative",
    "cpm": "postoperative",
    "dvt_prophylaxis": "postoperative",
}


def _surgical_service(normalized: NormalizedItem) -> str | None:
    """The item's own words make it a service of a surgery (pre-, post-operative, associated)."""
    if normalized.kind == "surgery":
        return None
    if normalized.surgical_context is not None:
        return normalized.surgical_context.value
    if normalized.kind == "surgical_ancillary":
        return _SERVICE_OF_ANCILLARY.get(normalized.ancillary or "", "associated")
    return None


def _number(value: float) -> int | float:
    return int(value) if value == int(value) else value


# --- citations and ancillary services ----------------------------------------------------------------


def _citations(citations: Sequence[GuidelineCitation], vocab: Vocabulary) -> list[Citation]:
    """The MAXIMUS citations, each resolved to a catalog edition where its name allows."""
    resolved: list[Citation] = []
    for citation in citations:
        if citation.source == "none_cited":
            resolved.append(Citation(none_cited=True))
            continue
        if citation.source == "not_mtus_based" or citation.guideline is None:
            continue
        name = citation.guideline if citation.source == "mtus" else f"Non-MTUS Citation {citation.guideline}"
        edition = vocab.resolve_citation(name, citation.year)
        if edition is None and citation.source == "non_mtus" and citation.chapter is not None:
            edition = vocab.resolve_citation(f"Non-MTUS Citation ODG {citation.chapter}", citation.year)
        resolved.append(
            Citation(
                edition=edition,
                guideline=citation.guideline,
                chapter=citation.chapter,
                sections=list(citation.sections),
                pages=citation.pages,
            )
        )
    return resolved
