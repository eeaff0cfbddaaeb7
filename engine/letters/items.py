"""Normalize a disputed item's text: what is requested, how much, how often, where.

`normalize_item("Norco 7.5/325mg #90", vocab)` reads the treatment kind (from
guidelines/treatments.yaml, or a drug from guidelines/drugs.yaml), the drug's generic, class,
strength and quantity, a therapy's visits and weekly schedule, imaging modality and body region,
spinal levels, laterality, and the markers reviewers act on: a quantity, frequency or body part
the request says is unspecified, a retrospective request, a surgical context. Every value keeps
the span of the words it was read from (offsets into the text given).

A value that is not written is absent (None); a value the request *says* is unspecified is
recorded in `unspecified`: IMR reviewers treat both as not stated, but only the second is a
statement of the request. Given the whole UR paragraph ("X was the original request. ... The
remaining IMR eligible portion of the original request, Y is"), only Y is read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import Field, model_validator

from engine.limits import read_figure
from engine.procedures import SURGERY
from engine.vocab import (
    Drug,
    DrugMention,
    Route,
    Side,
    Span,
    TreatmentWord,
    VocabModel,
    Vocabulary,
)

T = TypeVar("T")


class Value(VocabModel, Generic[T]):
    """A value read from the item text, with the span of the words it came from."""

    value: T
    span: Span


class Range(VocabModel):
    """A count as written: "6" is 6..6, "1 to 2" is 1..2."""

    low: Annotated[int, Field(ge=0)]
    high: Annotated[int, Field(ge=0)]

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.high < self.low:
            raise ValueError(f"range {self.low}..{self.high} runs backwards")
        return self


class Frequency(VocabModel):
    """How often: doses or uses per day, visits per week, for how many weeks, hours per day."""

    per_day_low: float | None = None
    per_day_high: float | None = None
    per_week: Range | None = None
    weeks: Range | None = None
    hours_per_day: Range | None = None
    units_per_dose: Range | None = None
    as_needed: bool = False


class Duration(VocabModel):
    amount: Range
    unit: Literal["hour", "day", "week", "month"]


StrengthUnit = Literal["mg", "mcg", "%", "mg/ml", "mcg/ml", "mcg/hr"]


class Strength(VocabModel):
    """A strength as written ("7.5/325mg"): its components in order and the principal mg."""

    text: str
    amounts: Annotated[list[float], Field(min_length=1)]
    unit: StrengthUnit
    mg: float | None = None


class Amount(VocabModel):
    """A package size: "420ml", "120grams"."""

    amount: float
    unit: Literal["ml", "g", "oz"]


class Ingredient(VocabModel):
    generic: str
    span: Span
    strength: Value[Strength] | None = None


class DrugReading(VocabModel):
    """The drug part of a request. `generic` is None for a compound named by its ingredients."""

    name: Value[str]
    generic: str | None
    drug_class: str
    ingredients: list[Ingredient] = []
    compounded: bool = False
    route: Route
    form: Value[str] | None = None
    extended_release: Span | None = None
    strength: Value[Strength] | None = None
    concentration: Value[Strength] | None = None
    package: Value[Amount] | None = None
    sedating: bool | None = None
    mme_factor: float | None = None


class BodyPart(VocabModel):
    region: str
    side: Side | None = None
    span: Span
    side_span: Span | None = None


Unspecifiable = Literal["quantity", "frequency", "body_part", "duration", "strength"]
Course = Literal["initial", "additional", "trial", "repeat"]
SurgicalContext = Literal["preoperative", "postoperative", "associated"]
Limb = Literal["left_upper", "right_upper", "left_lower", "right_lower"]
Contrast = Literal["with", "without", "with_and_without"]
Guidance = Literal["fluoroscopy", "ultrasound", "ct"]


class NormalizedItem(VocabModel):
    """A disputed item as understood; see the module docstring."""

    text: str
    focus: Span
    kind: str
    kind_span: Span | None = None
    subtype: Value[str] | None = None
    subtypes: list[Value[str]] = []
    drug: DrugReading | None = None
    quantity: Value[int] | None = None
    visits: Value[Range] | None = None
    visits_computed: bool = False
    frequency: Value[Frequency] | None = None
    duration: Value[Duration] | None = None
    refills: Value[int] | None = None
    body_parts: list[BodyPart] = []
    levels: list[Value[str]] = []
    level_count: int | None = None
    limbs: list[Limb] = []
    contrast: Value[Contrast] | None = None
    image_guidance: Value[Guidance] | None = None
    retrospective: Span | None = None
    course: Value[Course] | None = None
    acquisition: Value[Literal["purchase", "rental"]] | None = None
    surgical_context: Value[SurgicalContext] | None = None
    ancillary: str | None = None
    procedures: list[Value[str]] = []
    cpt_codes: list[Value[str]] = []
    implied_region: Value[str] | None = None
    # a medication request naming a drug the vocabulary does not know: its name, never guessed at
    unknown_drug: Value[str] | None = None
    unspecified: list[Value[Unspecifiable]] = []

    def said_unspecified(self, what: Unspecifiable) -> bool:
        return any(marker.value == what for marker in self.unspecified)

    @property
    def quantity_unspecified(self) -> bool:
        return self.said_unspecified("quantity")

    @property
    def frequency_unspecified(self) -> bool:
        return self.said_unspecified("frequency")

    @property
    def body_part_unspecified(self) -> bool:
        return self.said_unspecified("body_part")

    @property
    def duration_unspecified(self) -> bool:
        return self.said_unspecified("duration")

    @property
    def quantity_specified(self) -> bool:
        """The request states how many: units, or visits (also as so many a week for so many weeks)."""
        return self.quantity is not None or self.visits is not None

    @property
    def body_part_specified(self) -> bool:
        return bool(self.body_parts)


# --- numbers ------------------------------------------------------------------------------------

# Numbers as letters spell them (the clinical-fact cues add "a", "a few", "half a", ...).
NUMBER_WORDS: dict[str, int] = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "twenty-four": 24,
    "thirty": 30,
    "thirty-six": 36,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "ninety": 90,
}
_NUM = r"(?:\d+(?:\.\d+)?|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")"
_RANGE = rf"{_NUM}(?:\s*(?:-|to|or)\s*{_NUM})?"
_RANGE_SPLIT = re.compile(r"\s*(?:-|\bto\b|\bor\b)\s*", re.IGNORECASE)
_TIMES_WORDS = {"once": 1, "twice": 2, "thrice": 3}


def _number(word: str) -> float:
    word = word.lower()
    return float(NUMBER_WORDS[word]) if word in NUMBER_WORDS else read_figure(word)


def _whole(value: float) -> int | None:
    return int(value) if value == int(value) else None


def _range(written: str) -> Range | None:
    parts = [_whole(_number(p)) for p in _RANGE_SPLIT.split(written.strip()) if p]
    if not parts or any(p is None for p in parts) or len(parts) > 2:
        return None
    low, high = parts[0], parts[-1]
    assert low is not None and high is not None
    return Range(low=min(low, high), high=max(low, high))


# --- patterns -------------------------------------------------------------------------------------

_I = re.IGNORECASE

# The UR form: "... The remaining IMR eligible portion of the original request, Y is" or, when only
# an evaluation was authorized, "... The original request, Y is".
_UR_PORTIONS = (
    re.compile(r"remaining\s+IMR\s+eligible\s+portion\s+of\s+the\s+original\s+request\s*,\s*", _I),
    re.compile(r"(?:^|[.;]\s+)The\s+original\s+request\s*,\s*", _I),
)
_UR_PORTION_END = re.compile(r"(?:\s+is)?\s*:?\s*$", _I)

_UNSPECIFIED_WHAT = (
    r"quantity|qty|amount|number(?:\s+of\s+\w+)?|frequency|body\s+parts?|body\s+regions?|sites?|"
    r"duration|dose|dosage|strength|sessions|visits"
)
_UNSPECIFIED = re.compile(
    rf"\b(?:unspecified|unknown|unstated|undetermined|not\s+specified)\s+(?P<before>{_UNSPECIFIED_WHAT})\b"
    rf"|\b(?P<after>{_UNSPECIFIED_WHAT})\s+(?:unspecified|unknown|not\s+(?:specified|stated|provided))\b",
    _I,
)

_CONCENTRATION = re.compile(
    r"(?<![\w.])(?P<amount>\d+(?:\.\d+)?)\s*(?P<unit>mg|mcg)\s*/\s*(?:(?P<per>\d+(?:\.\d+)?)\s*)?ml\b", _I
)
_PATCH_RATE = re.compile(r"(?<![\w.])(?P<amount>\d+(?:\.\d+)?)\s*mcg\s*/\s*(?:hr|hour|h)\b", _I)
_STRENGTH = re.compile(
    r"(?<![\w.])(?P<amounts>\d+(?:\.\d+)?(?:\s*(?:mg|mcg))?(?:\s*[/-]\s*\d+(?:\.\d+)?(?:\s*(?:mg|mcg))?)*)"
    r"\s*(?P<unit>mg|mcg)\b(?!\s*/\s*(?:\d|ml|hr|hour|h\b))",
    _I,
)
_PERCENT = re.compile(r"(?<![\w.])(?P<amount>\d+(?:\.\d+)?)\s*%")
_PACKAGE = re.compile(
    r"(?<![\w.])(?P<amount>\d+(?:\.\d+)?)\s*(?P<unit>ml|milliliters?|gm|grams?|g|oz|ounces?)\b(?!\s*/)", _I
)
_AMOUNTS = re.compile(r"\d+(?:\.\d+)?")

_HASH_COUNT = re.compile(r"#\s*(?P<n>\d+(?:\.\d+)?)")
_QTY_COUNT = re.compile(r"\b(?:qty|quantity)\s*[:#]?\s*(?P<n>\d+(?:\.\d+)?)", _I)
_LEADING_COUNT = re.compile(rf"^\s*(?P<n>{_NUM})(?:\s*\(\s*\d+\s*\))?\s+(?P<next>[A-Za-z][\w-]*)", _I)
_TRAILING_COUNT = re.compile(rf",\s*(?P<n>{_NUM})\s*$", _I)
_VISIT_WORDS = r"(?:sessions?|visits?|treatments?)"
_VISITS = re.compile(rf"\b(?P<n>{_RANGE})\s*(?:\(\s*\d+\s*\)\s*)?{_VISIT_WORDS}\b", _I)
_TIMES_COUNT = re.compile(r"(?<![\w.])x\s*(?P<n>\d+)\b(?!\s*(?:days?|weeks?|months?|/))", _I)
_LEADING_SKIP = re.compile(
    r"^(?:associated\s+surgical\s+service\s*:\s*|retro(?:spective)?\s*(?:request)?\s*:?\s*)", _I
)

_TIMES = rf"(?:(?P<n>{_RANGE})\s*(?:times|x|visits?|sessions?|days?)|(?P<word>once|twice|thrice))"
_PER_WEEK = re.compile(
    rf"\b{_TIMES}\s*(?:(?:a|per|/|each|every)\s*(?:week|wk)\b|weekly\b)"
    rf"(?:\s*(?:for|x|times|over|during)\s*(?:(?:a|the)\s+)?(?:next\s+)?(?P<weeks>{_RANGE})\s*(?:weeks?|wks?)\b)?",
    _I,
)
_N_BY_M = re.compile(
    rf"(?<![#\w.])(?P<n>{_NUM})\s*(?:x|times)\s*(?P<m>{_NUM})\b(?:\s*(?:weeks?|wks?)\b)?"
    r"(?!\s*(?:(?:a|per|/)\s*(?:day|week)|refills?|days?|months?))",
    _I,
)
_HOURS_PER_DAY = re.compile(rf"\b(?P<n>{_RANGE})\s*(?:hours?|hrs?)\s*(?:a|per|/|each)\s*day\b", _I)
_TIMES_PER_DAY = re.compile(
    rf"\b(?:(?P<n>{_RANGE})\s*(?:times|x)|(?P<word>once|twice|thrice))\s*(?:(?:a|per|/|each)\s*day|daily)\b",
    _I,
)
_EVERY_HOURS = re.compile(rf"\b(?:every|q)\s*(?P<h>{_RANGE})\s*-?\s*(?:hours?|hrs?|h)\b", _I)
_NAMED_DOSES = (
    (re.compile(r"\bb\.?i\.?d\.?(?!\w)", _I), 2.0),
    (re.compile(r"\bt\.?i\.?d\.?(?!\w)", _I), 3.0),
    (re.compile(r"\bq\.?i\.?d\.?(?!\w)", _I), 4.0),
    (
        re.compile(r"\b(?:q\.?d\.?|q\.?a\.?m\.?|q\.?p\.?m\.?|daily|every\s+day|per\s+day|a\s+day)(?!\w)", _I),
        1.0,
    ),
    (re.compile(r"\b(?:q\.?h\.?s\.?|at\s+bedtime|nightly|every\s+night|at\s+night)(?!\w)", _I), 1.0),
)
_AS_NEEDED = re.compile(r"\b(?:p\.?r\.?n\.?|as\s+needed)(?!\w)", _I)
_UNITS_PER_DOSE = re.compile(
    rf"\b(?:take\s+)?(?P<u>{_RANGE})\s*(?:(?:tabs?|tablets?|caps?|capsules?|pills?|patch(?:es)?|puffs?|sprays?)\b\s*)?"
    r"(?:by\s+mouth|p\.?o\.?(?!\w)|orally|sublingually)"
    rf"|\b(?P<u2>{_RANGE})\s*(?:tabs?|tablets?|caps?|capsules?|pills?)\b",
    _I,
)
_DURATION = re.compile(
    rf"\b(?P<n>{_RANGE})[\s-]*(?P<unit>days?|weeks?|wks?|months?|hours?|hrs?)\b"
    r"(?:\s*(?:of\s+)?(?:supply|use|trial|rental|coverage|course|program|treatment))?",
    _I,
)
_REFILLS = re.compile(rf"\b(?P<n>{_NUM})\s+refills?\b|\brefills?\s*[:#x]?\s*(?P<n2>\d+)\b", _I)
_CONTRAST: tuple[tuple[re.Pattern[str], Contrast], ...] = (
    (
        re.compile(
            r"\b(?:with\s+(?:and|&|/)\s*without|w/\s*(?:and\s+)?w/?o|w/wo)\s*(?:iv\s+)?contrast\b", _I
        ),
        "with_and_without",
    ),
    (
        re.compile(r"\b(?:without|w/o|w/out|no)\s+(?:iv\s+)?contrast\b|\bnon[-\s]?contrast(?:ed)?\b", _I),
        "without",
    ),
    (
        re.compile(r"\b(?:with|w/)\s*(?:iv\s+)?(?:contrast|gadolinium)\b|\bcontrast[-\s]enhanced\b", _I),
        "with",
    ),
)
_GUIDANCE: tuple[tuple[re.Pattern[str], Guidance], ...] = (
    (re.compile(r"\bfluoroscop(?:ic|y|ically)\b|\bfluoro\b", _I), "fluoroscopy"),
    (re.compile(r"\bultrasound[-\s]?guid(?:ed|ance)\b|\bunder\s+ultrasound\b", _I), "ultrasound"),
    (re.compile(r"\bCT[-\s]?guid(?:ed|ance)\b", _I), "ct"),
)
_RETROSPECTIVE = re.compile(r"\bretro(?:spective(?:ly)?)?\b|\bDOS\b", _I)
_COURSE = re.compile(
    r"\b(?P<word>initial|new|additional|continuation|continued|continue|extra|repeat|trial)\b", _I
)
_COURSE_OF: dict[str, Course] = {
    "initial": "initial",
    "new": "initial",
    "additional": "additional",
    "continuation": "additional",
    "continued": "additional",
    "continue": "additional",
    "extra": "additional",
    "repeat": "repeat",
    "trial": "trial",
}
_ACQUISITION = re.compile(r"\b(?P<word>purchase|purchased|buy|rental|rent|rented)\b", _I)
_SURGICAL_CONTEXT: tuple[tuple[re.Pattern[str], SurgicalContext], ...] = (
    (re.compile(r"\bassociated\s+surgical\s+services?\b|\bperi[-\s]?operative\b", _I), "associated"),
    (re.compile(r"\bpre[-\s]?op(?:erative(?:ly)?)?\b|\bpre[-\s]?surgical\b", _I), "preoperative"),
    (re.compile(r"\bpost[-\s]?op(?:erative(?:ly)?)?\b|\bpost[-\s]?surgical\b", _I), "postoperative"),
)
_LEVEL = re.compile(
    r"(?<![A-Za-z0-9])(?P<a>[CTLS])\s?(?P<an>\d{1,2})(?:\s*[-–/]\s*(?P<b>[CTLS])?\s?(?P<bn>\d{1,2}))?(?![A-Za-z0-9%.])"
)
_LIMBS: dict[tuple[str, str], Limb] = {
    ("left", "upper_extremity"): "left_upper",
    ("right", "upper_extremity"): "right_upper",
    ("left", "lower_extremity"): "left_lower",
    ("right", "lower_extremity"): "right_lower",
}
_LEVEL_WORDS = re.compile(rf"\b(?P<n>{_NUM})[\s-]*levels?\b", _I)
_VERTEBRAE = {"C": 7, "T": 12, "L": 5, "S": 5}
_VERTEBRA_OFFSET = {"C": 0, "T": 7, "L": 19, "S": 24}

_FORMS: tuple[tuple[str, str, Route], ...] = (
    ("oral suspension", r"oral\s+suspension|suspension", "oral"),
    ("tablet", r"tabs?|tablets?", "oral"),
    ("capsule", r"caps?|capsules?", "oral"),
    ("patch", r"patch(?:es)?", "topical"),
    ("cream", r"creams?", "topical"),
    ("gel", r"gels?", "topical"),
    ("ointment", r"ointments?", "topical"),
    ("lotion", r"lotions?", "topical"),
    ("spray", r"sprays?", "topical"),
    ("solution", r"solution|liquid", "oral"),
    ("injection", r"injections?|injectable|im|iv", "injection"),
)
_FORM = re.compile(r"\b(?:" + "|".join(f"(?P<f{i}>{p})" for i, (_, p, _) in enumerate(_FORMS)) + r")\b", _I)
_EXTENDED_RELEASE = re.compile(
    r"\b(?:ER|XR|SR|CR|XL|LA|(?i:extended|sustained|controlled)[-\s](?i:release))\b"
)

# Kinds whose items serve a surgery when marked pre/post-operative or "associated surgical service".
_THERAPY_KINDS = frozenset(
    {
        "physical_therapy",
        "occupational_therapy",
        "chiropractic",
        "aquatic_therapy",
        "massage",
        "physical_modality",
    }
)
_EQUIPMENT_KINDS = frozenset({"dme", "brace_support", "tens_electrical_stimulation"})
_DRUG_KINDS = frozenset({"medication", "compound_topical"})
_CONSULT_WORDS = re.compile(r"\b(?:consult(?:ation)?s?|referral|refer|second\s+opinion)\b", _I)
_EVALUATION_WORDS = re.compile(r"\b(?:evaluation|eval|assessment|evaluate)\b", _I)
# A request to see a specialist about a procedure ("Spine surgery consultation", "Pain management
# evaluation for epidural injection") is the consultation, not the procedure.
_PROCEDURE_KINDS = frozenset({"surgery", "injection"})
# A CPT code as requests write it: five digits, or a letter and four digits (HCPCS), alone.
_CPT = re.compile(r"(?<![\w./#$-])(?P<code>[A-Z]\d{4}|\d{5})(?![\w./%-])")


# --- the reader -------------------------------------------------------------------------------


@dataclass
class _KindCandidate:
    kind: str
    subtype: str | None
    start: int
    end: int
    weak: bool


@dataclass
class _Reader:
    text: str
    start: int
    end: int
    vocab: Vocabulary
    taken: list[tuple[int, int]] = field(default_factory=list)

    @property
    def focus(self) -> str:
        return self.text[self.start : self.end]

    def span(self, start: int, end: int) -> Span:
        """A span of the focus, in offsets of the whole text."""
        return Span(start=self.start + start, end=self.start + end)

    def matches(self, pattern: re.Pattern[str], avoid_taken: bool = True) -> Iterator[re.Match[str]]:
        for match in pattern.finditer(self.focus):
            if avoid_taken and self.overlaps(match.start(), match.end()):
                continue
            yield match

    def overlaps(self, start: int, end: int) -> bool:
        return any(start < t_end and t_start < end for t_start, t_end in self.taken)

    def take(self, start: int, end: int) -> None:
        self.taken.append((start, end))


def _focus(text: str) -> tuple[int, int]:
    start, end = len(text) - len(text.lstrip()), len(text.rstrip())
    for pattern in _UR_PORTIONS:
        lead = pattern.search(text)
        if lead is not None:
            tail = _UR_PORTION_END.search(text, lead.end())
            return lead.end(), tail.start() if tail is not None else end
    return start, end


def procedures_named(text: str, vocab: Vocabulary) -> list[str]:
    """The surgical procedures a text names (words and CPT codes); an approach only when alone."""
    reader = _Reader(text, 0, len(text), vocab)
    found = [Value[str](value=c.procedure, span=c.written.span) for c in _cpt_codes(reader)]
    for candidate in _kind_candidates(reader):
        if candidate.kind == SURGERY and candidate.subtype is not None:
            span = reader.span(candidate.start, candidate.end)
            found.append(Value[str](value=candidate.subtype, span=span))
    found.sort(key=lambda v: v.span.start)
    return list(dict.fromkeys(v.value for v in _procedures(vocab, found)))


def normalize_item(text: str, vocab: Vocabulary) -> NormalizedItem:
    """Read one disputed item's text (see the module docstring)."""
    start, end = _focus(text)
    reader = _Reader(text, start, end, vocab)
    focus = reader.focus

    unspecified = _unspecified(reader)
    mentions = [
        m.model_copy(update={"span": reader.span(m.span.start, m.span.end)}) for m in vocab.find_drugs(focus)
    ]
    for mention in mentions:
        local = _local(reader, mention.span)
        reader.take(local.start, local.end)
    cpt_codes = _cpt_codes(reader)
    candidates = _kind_candidates(reader) + [_code_candidate(reader, code) for code in cpt_codes]
    context = _surgical_context(reader)
    frequency = _frequency(reader)
    duration = _duration(reader)
    refills = _refills(reader)
    drug = _drug(reader, mentions, candidates) if mentions else None
    body_parts, levels, level_count = _body_parts(reader)
    kind, kind_span, subtypes = _choose_kind(reader, candidates, drug, frequency, body_parts)
    unknown_drug = _unknown_drug(reader) if kind == "other" else None
    if unknown_drug is not None:
        kind = "medication"
    procedures = _procedures(vocab, subtypes) if kind == SURGERY else []
    principal = procedures[0] if procedures else subtypes[0] if subtypes else None
    kind, subtypes, ancillary = _ancillary(kind, subtypes, context, body_parts)
    visit_based = vocab.kinds[kind].visit_based
    quantity, visits = _counts(reader, visit_based)
    visits_computed = False
    if visits is None and visit_based and frequency is not None:
        visits = _visits_from(frequency)
        visits_computed = visits is not None
    return NormalizedItem(
        text=text,
        focus=reader.span(0, len(focus)),
        kind=kind,
        kind_span=kind_span,
        subtype=principal,
        subtypes=subtypes,
        drug=drug,
        quantity=quantity,
        visits=visits,
        visits_computed=visits_computed,
        frequency=frequency,
        duration=duration,
        refills=refills,
        body_parts=body_parts,
        levels=levels,
        level_count=level_count,
        limbs=_limbs(vocab, body_parts) if kind == "electrodiagnostic" else [],
        contrast=_contrast(reader),
        image_guidance=_image_guidance(reader),
        retrospective=next(
            (reader.span(m.start(), m.end()) for m in reader.matches(_RETROSPECTIVE, avoid_taken=False)), None
        ),
        course=_course(reader),
        acquisition=_acquisition(reader),
        surgical_context=context,
        ancillary=ancillary,
        procedures=procedures,
        cpt_codes=[c.written for c in cpt_codes],
        implied_region=_implied_region(vocab, procedures, cpt_codes) if not body_parts else None,
        unknown_drug=unknown_drug,
        unspecified=unspecified,
    )


# --- pieces -----------------------------------------------------------------------------------


def _unspecified(reader: _Reader) -> list[Value[Unspecifiable]]:
    markers: list[Value[Unspecifiable]] = []
    for match in reader.matches(_UNSPECIFIED, avoid_taken=False):
        word = (match.group("before") or match.group("after")).lower()
        what: Unspecifiable
        if word.startswith(("quantity", "qty", "amount", "number", "session", "visit")):
            what = "quantity"
        elif word.startswith("frequency"):
            what = "frequency"
        elif word.startswith("duration"):
            what = "duration"
        elif word.startswith(("dose", "dosage", "strength")):
            what = "strength"
        else:
            what = "body_part"
        markers.append(Value[Unspecifiable](value=what, span=reader.span(match.start(), match.end())))
        reader.take(match.start(), match.end())
    return markers


def _kind_candidates(reader: _Reader) -> list[_KindCandidate]:
    candidates = []
    for match in reader.vocab.treatment_words.find(reader.focus):
        word: TreatmentWord | None = match.payload
        if word is None or reader.overlaps(match.start, match.end):
            continue
        candidates.append(_KindCandidate(word.kind, word.subtype, match.start, match.end, word.weak))
    return candidates


def _choose_kind(
    reader: _Reader,
    candidates: list[_KindCandidate],
    drug: DrugReading | None,
    frequency: Value[Frequency] | None,
    body_parts: list[BodyPart],
) -> tuple[str, Span | None, list[Value[str]]]:
    kinds = reader.vocab.kinds
    strong = [c for c in candidates if not c.weak]
    if drug is not None:
        drug_kind = "compound_topical" if _is_compound_topical(drug) else "medication"
        strong.append(
            _KindCandidate(
                drug_kind, None, drug.name.span.start - reader.start, drug.name.span.end - reader.start, False
            )
        )
    pool = strong or [c for c in candidates if c.weak]
    if not pool:
        return "other", None, []
    best = max(pool, key=lambda c: (kinds[c.kind].priority, -c.start))
    kind = best.kind
    if kind in _PROCEDURE_KINDS and _asks_for_consultation(reader, candidates):
        kind = "consult"
    subtypes = _subtypes(reader, kind, pool)
    if kind == "imaging" and _is_therapeutic_ultrasound(subtypes, frequency, body_parts):
        kind = "physical_modality"
        subtypes = [Value[str](value="therapeutic_ultrasound", span=subtypes[0].span)]
    kind_span = reader.span(best.start, best.end) if best.kind == kind else None
    if kind_span is None:
        own = next((c for c in pool if c.kind == kind), None)
        kind_span = reader.span(own.start, own.end) if own else None
    return kind, kind_span, subtypes


def _asks_for_consultation(reader: _Reader, candidates: list[_KindCandidate]) -> bool:
    """The item asks for a consultation: a consult word, or an evaluation by a named specialty."""
    if any(True for _ in reader.matches(_CONSULT_WORDS, avoid_taken=False)):
        return True
    specialty = any(c.kind == "consult" and c.subtype is not None for c in candidates)
    return specialty and any(True for _ in reader.matches(_EVALUATION_WORDS, avoid_taken=False))


@dataclass(frozen=True)
class _Code:
    """A CPT code read from the item: the code as written and the procedure (and region) it names."""

    written: Value[str]
    procedure: str
    region: str | None


# A drug request as prescriptions are written: a name, then a strength or a dosage form.
_UNKNOWN_DRUG = re.compile(
    r"^\s*(?P<name>[A-Za-z][A-Za-z-]{2,}(?:\s+[A-Za-z][A-Za-z-]{2,}){0,2}?)\s+"
    r"(?=\d+(?:\.\d+)?\s*(?:mg|mcg|%|ml)\b|(?:tabs?|tablets?|caps?|capsules?|cream|gel|ointment|lotion|patch(?:es)?|"
    r"solution|suspension)\b)",
    _I,
)


def _unknown_drug(reader: _Reader) -> Value[str] | None:
    """The name of a drug request whose drug the vocabulary does not know ("Xyzzol 10mg #30")."""
    match = _UNKNOWN_DRUG.match(reader.focus)
    if match is None:
        return None
    return Value[str](value=match.group("name"), span=reader.span(match.start("name"), match.end("name")))


def _cpt_codes(reader: _Reader) -> list[_Code]:
    """CPT codes of known procedures; their digits are not read as counts."""
    codes: list[_Code] = []
    for match in reader.matches(_CPT):
        known = reader.vocab.procedures.code(match.group("code"))
        if known is None:
            continue
        reader.take(match.start(), match.end())
        written = Value[str](value=match.group("code"), span=reader.span(match.start(), match.end()))
        codes.append(_Code(written, known.procedure, known.region))
    return codes


def _code_candidate(reader: _Reader, code: _Code) -> _KindCandidate:
    start, end = code.written.span.start - reader.start, code.written.span.end - reader.start
    return _KindCandidate("surgery", code.procedure, start, end, False)


def _procedures(vocab: Vocabulary, subtypes: list[Value[str]]) -> list[Value[str]]:
    """The procedures a surgical item names; an approach ("arthroscopy") only when it is alone."""
    named = [v for v in subtypes if not vocab.procedures.is_approach(v.value)]
    return named or subtypes


def _implied_region(vocab: Vocabulary, procedures: list[Value[str]], codes: list[_Code]) -> Value[str] | None:
    """The body region a procedure implies when the item names none ("carpal tunnel release")."""
    for code in codes:
        if code.region is not None:
            return Value[str](value=code.region, span=code.written.span)
    for procedure in procedures:
        region = vocab.procedures.implied_region([procedure.value])
        if region is not None:
            return Value[str](value=region, span=procedure.span)
    return None


def _subtypes(reader: _Reader, kind: str, pool: list[_KindCandidate]) -> list[Value[str]]:
    found: list[Value[str]] = []
    for candidate in sorted(pool, key=lambda c: c.start):
        if candidate.kind != kind or candidate.subtype is None:
            continue
        if all(v.value != candidate.subtype for v in found):
            found.append(
                Value[str](value=candidate.subtype, span=reader.span(candidate.start, candidate.end))
            )
    names = [v.value for v in found]
    if kind == "electrodiagnostic" and "emg" in names and "ncs" in names:
        first = found[0].span
        last = max(v.span.end for v in found)
        combined = Value[str](value="emg_ncs", span=Span(start=first.start, end=last))
        found = [combined, *[v for v in found if v.value not in ("emg", "ncs")]]
    return found


def _is_therapeutic_ultrasound(
    subtypes: list[Value[str]], frequency: Value[Frequency] | None, body_parts: list[BodyPart]
) -> bool:
    """An "ultrasound" given so many times a week, to no body part, is the passive modality."""
    return (
        [v.value for v in subtypes] == ["ultrasound"]
        and frequency is not None
        and frequency.value.per_week is not None
        and not body_parts
    )


def _ancillary(
    kind: str,
    subtypes: list[Value[str]],
    context: Value[SurgicalContext] | None,
    body_parts: list[BodyPart],
) -> tuple[str, list[Value[str]], str | None]:
    """The item's role around a surgery (a surgical_ancillary subtype), converting pre-op tests."""
    if kind == "surgical_ancillary":
        return kind, subtypes, subtypes[0].value if subtypes else "associated_service"
    if context is None:
        return kind, subtypes, None
    if context.value == "preoperative":
        names = [v.value for v in subtypes]
        converted: str | None = None
        if kind == "lab_test":
            converted = "ekg" if "ekg" in names else "preop_labs"
        elif kind == "imaging" and "xray" in names and any(p.region == "chest" for p in body_parts):
            converted = "chest_xray"
        elif kind in ("consult", "office_visit"):
            converted = "preop_clearance"
        if converted is not None:
            return "surgical_ancillary", [Value[str](value=converted, span=context.span)], converted
    role: str | None = None
    if kind in _THERAPY_KINDS:
        role = "postop_therapy"
    elif kind in _EQUIPMENT_KINDS:
        role = "postop_dme"
    elif kind in _DRUG_KINDS:
        role = "postop_medication"
    elif context.value == "associated":
        role = "associated_service"
    return kind, subtypes, role


def _surgical_context(reader: _Reader) -> Value[SurgicalContext] | None:
    found: list[tuple[int, int, SurgicalContext]] = []
    for pattern, context in _SURGICAL_CONTEXT:
        for match in reader.matches(pattern, avoid_taken=False):
            found.append((match.start(), match.end(), context))
    if not found:
        return None
    start, end, context = min(found)
    return Value[SurgicalContext](value=context, span=reader.span(start, end))


# drugs


def _is_compound_topical(drug: DrugReading) -> bool:
    return drug.compounded and drug.route in ("topical", "transdermal")


def _drug(reader: _Reader, mentions: list[DrugMention], candidates: list[_KindCandidate]) -> DrugReading:
    vocab = reader.vocab
    generics: list[str] = []
    for mention in mentions:
        if mention.generic not in generics:
            generics.append(mention.generic)
    first = mentions[0]
    local = _local(reader, first.span)
    form = _form(reader, first)
    extended = next(
        (reader.span(m.start(), m.end()) for m in reader.matches(_EXTENDED_RELEASE, avoid_taken=False)), None
    )
    concentration = _concentration(reader)
    package = _package(reader)
    injected = any(c.kind == "injection" and c.weak for c in candidates)
    if len(generics) == 1:
        drug = vocab.drugs[generics[0]]
        route = _route(first.route, form, drug.route, injected)
        strength = _strength_after(reader, local.end, len(reader.focus), drug)
        ingredients = [Ingredient(generic=g, span=first.span) for g in drug.ingredients]
        return DrugReading(
            name=Value[str](value=first.text, span=first.span),
            generic=drug.generic,
            drug_class=drug.drug_class,
            ingredients=ingredients,
            compounded=drug.kind == "compound",
            route=route,
            form=form,
            extended_release=extended,
            strength=strength,
            concentration=concentration,
            package=package,
            sedating=drug.sedating,
            mme_factor=_mme_factor(vocab, drug),
        )
    ingredients = []
    for i, mention in enumerate(mentions):
        if i and mention.generic == mentions[i - 1].generic:
            continue
        start = mention.span.end - reader.start
        stop = mentions[i + 1].span.start - reader.start if i + 1 < len(mentions) else len(reader.focus)
        ingredients.append(
            Ingredient(
                generic=mention.generic,
                span=mention.span,
                strength=_strength_after(reader, start, stop, vocab.drugs[mention.generic]),
            )
        )
    last = mentions[-1].span
    has_percent = any(i.strength is not None and i.strength.value.unit == "%" for i in ingredients)
    topical_form = form is not None and form.value in ("cream", "gel", "ointment", "lotion", "patch", "spray")
    topical_package = package is not None and package.value.unit == "g"
    first_drug = vocab.drugs[first.generic]
    # Compounded topicals are written with percent strengths, by the gram, or as a cream or gel; or
    # named a compound, or mixing in a drug that is only applied to the skin (lidocaine, capsaicin).
    named_compound = any(c.kind == "compound_topical" for c in candidates)
    skin_only = any(vocab.drugs[i.generic].route == "topical" for i in ingredients)
    topical = (
        topical_form
        or has_percent
        or topical_package
        or first.route == "topical"
        or (not injected and (named_compound or skin_only))
    )
    route: Route = "topical" if topical else _route(first.route, form, first_drug.route, injected)
    drug_class = "topical_analgesic" if route == "topical" else first_drug.drug_class
    sedating_flags = [vocab.drugs[i.generic].sedating for i in ingredients]
    return DrugReading(
        name=Value[str](
            value=reader.text[first.span.start : last.end], span=Span(start=first.span.start, end=last.end)
        ),
        generic=None,
        drug_class=drug_class,
        ingredients=ingredients,
        compounded=True,
        route=route,
        form=form,
        extended_release=extended,
        concentration=concentration,
        package=package,
        sedating=True if any(sedating_flags) else None,
        mme_factor=next(
            (f for f in (_mme_factor(vocab, vocab.drugs[i.generic]) for i in ingredients) if f is not None),
            None,
        ),
    )


def _local(reader: _Reader, span: Span) -> Span:
    return Span(start=span.start - reader.start, end=span.end - reader.start)


def _mme_factor(vocab: Vocabulary, drug: Drug) -> float | None:
    opioid = vocab.opioid_component(drug)
    return opioid.mme_factor if opioid is not None else None


def _route(name_route: Route | None, form: Value[str] | None, default: Route, injected: bool) -> Route:
    if name_route is not None:
        return name_route
    if form is not None:
        for name, _, route in _FORMS:
            if name == form.value:
                if route == "topical" and default == "transdermal":
                    return default
                return route
    if injected:
        return "injection"
    return default


def _form(reader: _Reader, first: DrugMention) -> Value[str] | None:
    if first.form is not None:
        return Value[str](value=first.form, span=first.span)
    # A form inside a dose ("1 tablet every 6 hours") still says what the drug is.
    for match in reader.matches(_FORM, avoid_taken=False):
        for i, (name, _, _) in enumerate(_FORMS):
            if match.group(f"f{i}"):
                return Value[str](value=name, span=reader.span(match.start(), match.end()))
    return None


def _strength_after(reader: _Reader, start: int, stop: int, drug: Drug) -> Value[Strength] | None:
    window = reader.focus[start:stop]
    found: list[tuple[int, int, Strength]] = []
    for match in _PATCH_RATE.finditer(window):
        amount = read_figure(match.group("amount"))
        found.append(
            (match.start(), match.end(), Strength(text=match.group(), amounts=[amount], unit="mcg/hr"))
        )
    for match in _STRENGTH.finditer(window):
        amounts = [read_figure(a) for a in _AMOUNTS.findall(match.group("amounts"))]
        unit = match.group("unit").lower()
        found.append(
            (
                match.start(),
                match.end(),
                Strength(
                    text=match.group(),
                    amounts=amounts,
                    unit="mg" if unit == "mg" else "mcg",
                    mg=_principal_mg(reader.vocab, drug, amounts, unit),
                ),
            )
        )
    for match in _PERCENT.finditer(window):
        found.append(
            (
                match.start(),
                match.end(),
                Strength(text=match.group(), amounts=[read_figure(match.group("amount"))], unit="%"),
            )
        )
    if not found:
        return None
    s, e, strength = min(found, key=lambda f: f[0])
    return Value[Strength](value=strength, span=reader.span(start + s, start + e))


def _principal_mg(vocab: Vocabulary, drug: Drug, amounts: list[float], unit: str) -> float | None:
    """mg of the ingredient a rule counts: the opioid of a combination, else the only or first one."""
    scale = 1.0 if unit == "mg" else 0.001
    if len(amounts) == 1:
        return amounts[0] * scale
    if drug.kind != "single" and len(amounts) == len(drug.ingredients):
        opioid = vocab.opioid_component(drug)
        index = drug.ingredients.index(opioid.generic) if opioid is not None else 0
        return amounts[index] * scale
    return None


def _concentration(reader: _Reader) -> Value[Strength] | None:
    for match in reader.matches(_CONCENTRATION, avoid_taken=False):
        per = read_figure(match.group("per")) if match.group("per") else 1.0
        amount = read_figure(match.group("amount")) / per
        unit: StrengthUnit = "mg/ml" if match.group("unit").lower() == "mg" else "mcg/ml"
        reader.take(match.start(), match.end())
        return Value[Strength](
            value=Strength(text=match.group(), amounts=[amount], unit=unit),
            span=reader.span(match.start(), match.end()),
        )
    return None


def _package(reader: _Reader) -> Value[Amount] | None:
    for match in reader.matches(_PACKAGE):
        unit_word = match.group("unit").lower()
        unit: Literal["ml", "g", "oz"] = (
            "ml" if unit_word.startswith("m") else "oz" if unit_word.startswith("o") else "g"
        )
        reader.take(match.start(), match.end())
        return Value[Amount](
            value=Amount(amount=read_figure(match.group("amount")), unit=unit),
            span=reader.span(match.start(), match.end()),
        )
    return None


# counts, schedules, durations


def _counts(reader: _Reader, visit_based: bool) -> tuple[Value[int] | None, Value[Range] | None]:
    """The quantity (units) or, for a therapy, the visits the request states."""
    found: list[tuple[int, int, Range]] = []
    if visit_based:
        for match in reader.matches(_VISITS):
            written = _range(match.group("n"))
            if written is not None:
                found.append((match.start(), match.end(), written))
    for pattern in (_HASH_COUNT, _QTY_COUNT, _TRAILING_COUNT):
        for match in reader.matches(pattern):
            count = _whole(_number(match.group("n")))
            if count is not None:
                found.append((match.start(), match.end(), Range(low=count, high=count)))
    leading = _leading_count(reader)
    if leading is not None:
        found.append(leading)
    if not found:
        for match in reader.matches(_TIMES_COUNT):
            count = int(match.group("n"))
            found.append((match.start(), match.end(), Range(low=count, high=count)))
    if not found:
        return None, None
    start, end, count = min(found, key=lambda f: f[0])
    span = reader.span(start, end)
    if visit_based:
        return None, Value[Range](value=count, span=span)
    return Value[int](value=count.high, span=span), None


def _leading_count(reader: _Reader) -> tuple[int, int, Range] | None:
    skip = _LEADING_SKIP.match(reader.focus)
    offset = skip.end() if skip else 0
    match = _LEADING_COUNT.match(reader.focus, offset)
    if match is None or reader.overlaps(match.start("n"), match.end("n")):
        return None
    following = match.group("next").lower()
    if following.startswith(("refill", "day", "week", "month", "hour", "time", "x")):
        return None
    count = _whole(_number(match.group("n")))
    if count is None:
        return None
    return match.start("n"), match.end("n"), Range(low=count, high=count)


def _frequency(reader: _Reader) -> Value[Frequency] | None:
    parts: dict[str, object] = {}
    spans: list[tuple[int, int]] = []

    def claim(match: re.Match[str]) -> None:
        spans.append((match.start(), match.end()))
        reader.take(match.start(), match.end())

    for match in reader.matches(_HOURS_PER_DAY):
        parts.setdefault("hours_per_day", _range(match.group("n")))
        claim(match)
    for match in reader.matches(_PER_WEEK):
        per_week = (
            _range(match.group("n"))
            if match.group("n")
            else Range(
                low=_TIMES_WORDS[match.group("word").lower()], high=_TIMES_WORDS[match.group("word").lower()]
            )
        )
        parts.setdefault("per_week", per_week)
        if match.group("weeks"):
            parts.setdefault("weeks", _range(match.group("weeks")))
        claim(match)
    for match in reader.matches(_N_BY_M):
        per_week = _range(match.group("n"))
        weeks = _range(match.group("m"))
        if per_week is None or weeks is None or "per_week" in parts:
            continue
        parts["per_week"], parts["weeks"] = per_week, weeks
        claim(match)
    # every daily figure written widens one range: "3 times a day to 4 times a day", "TID-QID"
    readings: list[tuple[float, float]] = []
    for match in reader.matches(_TIMES_PER_DAY):
        times = (
            _range(match.group("n"))
            if match.group("n")
            else Range(
                low=_TIMES_WORDS[match.group("word").lower()], high=_TIMES_WORDS[match.group("word").lower()]
            )
        )
        if times is not None:
            readings.append((float(times.low), float(times.high)))
        claim(match)
    for match in reader.matches(_EVERY_HOURS):
        hours = _range(match.group("h"))
        if hours is not None and hours.low > 0:
            readings.append((24 / hours.high, 24 / hours.low))
        claim(match)
    for pattern, per_day in _NAMED_DOSES:
        for match in reader.matches(pattern):
            readings.append((per_day, per_day))
            claim(match)
    low = min((r[0] for r in readings), default=None)
    high = max((r[1] for r in readings), default=None)
    if low is not None:
        parts["per_day_low"], parts["per_day_high"] = low, high
    for match in reader.matches(_UNITS_PER_DOSE):
        units = _range(match.group("u") or match.group("u2"))
        if units is not None:
            parts.setdefault("units_per_dose", units)
        claim(match)
    for match in reader.matches(_AS_NEEDED):
        parts["as_needed"] = True
        claim(match)
    if not spans:
        return None
    start = min(s for s, _ in spans)
    end = max(e for _, e in spans)
    frequency = Frequency.model_validate({k: v for k, v in parts.items() if v is not None})
    return Value[Frequency](value=frequency, span=reader.span(start, end))


def _visits_from(frequency: Value[Frequency]) -> Value[Range] | None:
    schedule = frequency.value
    if schedule.per_week is None or schedule.weeks is None:
        return None
    visits = Range(
        low=schedule.per_week.low * schedule.weeks.low, high=schedule.per_week.high * schedule.weeks.high
    )
    return Value[Range](value=visits, span=frequency.span)


def _duration(reader: _Reader) -> Value[Duration] | None:
    for match in reader.matches(_DURATION):
        amount = _range(match.group("n"))
        if amount is None:
            continue
        unit_word = match.group("unit").lower()
        unit: Literal["hour", "day", "week", "month"] = (
            "day"
            if unit_word.startswith("d")
            else "month"
            if unit_word.startswith("m")
            else "hour"
            if unit_word.startswith("h")
            else "week"
        )
        reader.take(match.start(), match.end())
        return Value[Duration](
            value=Duration(amount=amount, unit=unit), span=reader.span(match.start(), match.end())
        )
    return None


def _refills(reader: _Reader) -> Value[int] | None:
    for match in reader.matches(_REFILLS):
        count = _whole(_number(match.group("n") or match.group("n2")))
        if count is None:
            continue
        reader.take(match.start(), match.end())
        return Value[int](value=count, span=reader.span(match.start(), match.end()))
    return None


# body parts


@dataclass
class _Place:
    start: int
    end: int
    region: str | None = None
    side: Side | None = None


def _body_parts(reader: _Reader) -> tuple[list[BodyPart], list[Value[str]], int | None]:
    vocab = reader.vocab
    focus = reader.focus
    places: list[_Place] = []
    levels: list[Value[str]] = []
    level_count = 0
    for match in vocab.region_words.find(focus):
        if not reader.overlaps(match.start, match.end):
            places.append(_Place(match.start, match.end, region=match.payload))
    for match in reader.matches(_LEVEL):
        counted = _segments(match)
        if counted is None:
            continue
        region = vocab.region_by_spinal_letter.get(match.group("a"))
        levels.append(Value[str](value=match.group(), span=reader.span(match.start(), match.end())))
        level_count += counted
        if region is not None:
            places.append(_Place(match.start(), match.end(), region=region))
    for match in vocab.side_words.find(focus):
        if not reader.overlaps(match.start, match.end):
            places.append(_Place(match.start, match.end, side=match.payload))
    places.sort(key=lambda p: p.start)

    parts: list[BodyPart] = []
    pending: _Place | None = None
    carried: _Place | None = None
    previous_end: int | None = None
    for place in places:
        if place.region is None:
            pending = place
            continue
        region = vocab.regions[place.region]
        side_place: _Place | None = None
        if pending is not None:
            side_place, pending = pending, None
        elif (
            carried is not None
            and region.sided
            and previous_end is not None
            and re.fullmatch(r"[\s,/&]*(?:and\s*)?(?:the\s*)?", focus[previous_end : place.start], _I)
        ):
            side_place = carried
        carried = side_place if side_place is not None and region.sided else None
        parts.append(
            BodyPart(
                region=place.region,
                side=side_place.side if side_place else None,
                span=reader.span(place.start, place.end),
                side_span=reader.span(side_place.start, side_place.end) if side_place else None,
            )
        )
        previous_end = place.end
    if pending is not None and parts and parts[-1].side is None and vocab.regions[parts[-1].region].sided:
        last = parts[-1]
        parts[-1] = last.model_copy(
            update={"side": pending.side, "side_span": reader.span(pending.start, pending.end)}
        )
    stated_levels = _LEVEL_WORDS.search(focus)
    if not levels and stated_levels is not None:
        written = _whole(_number(stated_levels.group("n")))
        return _merge(parts), levels, written
    return _merge(parts), levels, level_count or None


def _segments(match: re.Match[str]) -> int | None:
    """Motion segments a spinal level covers: L4-5 is 1, L3-S1 is 3, a single root (L4) is 1."""
    first = match.group("a")
    first_n = int(match.group("an"))
    if not 1 <= first_n <= _VERTEBRAE[first]:
        return None
    if match.group("bn") is None:
        return 1
    second = match.group("b") or first
    second_n = int(match.group("bn"))
    if not 1 <= second_n <= _VERTEBRAE[second]:
        return None
    distance = (_VERTEBRA_OFFSET[second] + second_n) - (_VERTEBRA_OFFSET[first] + first_n)
    return distance if distance >= 1 else None


def _merge(parts: list[BodyPart]) -> list[BodyPart]:
    """One entry per region and side; a region named with a side absorbs its side-less mention."""
    merged: list[BodyPart] = []
    for part in parts:
        same = [m for m in merged if m.region == part.region]
        if any(m.side == part.side for m in same):
            continue
        sideless = next((m for m in same if m.side is None), None)
        if sideless is not None and part.side is not None:
            merged[merged.index(sideless)] = part
            continue
        if part.side is None and same:
            continue
        merged.append(part)
    return merged


def _limbs(vocab: Vocabulary, parts: list[BodyPart]) -> list[Limb]:
    limbs: list[Limb] = []
    for part in parts:
        group = vocab.regions[part.region].group
        if group not in ("upper_extremity", "lower_extremity") or part.side is None:
            continue
        sides = ("left", "right") if part.side == "bilateral" else (part.side,)
        for side in sides:
            limb = _LIMBS[(side, group)]
            if limb not in limbs:
                limbs.append(limb)
    return limbs


# markers


def _contrast(reader: _Reader) -> Value[Contrast] | None:
    for pattern, value in _CONTRAST:
        for match in reader.matches(pattern, avoid_taken=False):
            return Value[Contrast](value=value, span=reader.span(match.start(), match.end()))
    return None


def _image_guidance(reader: _Reader) -> Value[Guidance] | None:
    for pattern, value in _GUIDANCE:
        for match in reader.matches(pattern, avoid_taken=False):
            return Value[Guidance](value=value, span=reader.span(match.start(), match.end()))
    return None


def _course(reader: _Reader) -> Value[Course] | None:
    for match in reader.matches(_COURSE, avoid_taken=False):
        return Value[Course](
            value=_COURSE_OF[match.group("word").lower()], span=reader.span(match.start(), match.end())
        )
    return None


def _acquisition(reader: _Reader) -> Value[Literal["purchase", "rental"]] | None:
    for match in reader.matches(_ACQUISITION, avoid_taken=False):
        word = match.group("word").lower()
        value: Literal["purchase", "rental"] = "rental" if word.startswith("rent") else "purchase"
        return Value[Literal["purchase", "rental"]](value=value, span=reader.span(match.start(), match.end()))
    return None
