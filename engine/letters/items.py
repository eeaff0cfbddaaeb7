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

The values are the models of item_model.py; item_amounts.py reads how much and how often,
item_places.py where, over item_reader.py's cursor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from engine.letters.item_amounts import (
    read_concentration,
    read_counts,
    read_duration,
    read_frequency,
    read_package,
    read_refills,
    strength_after,
    visits_from,
)
from engine.letters.item_model import (
    BodyPart,
    Course,
    DosageForm,
    DrugReading,
    Frequency,
    Ingredient,
    NormalizedItem,
    SurgicalContext,
    Unspecifiable,
    Value,
)
from engine.letters.item_places import limbs_of, read_body_parts, read_contrast, read_image_guidance
from engine.letters.item_reader import ItemReader
from engine.procedures import SURGERY
from engine.vocab import Drug, DrugMention, Route, Span, TreatmentWord, Vocabulary

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

_FORMS: tuple[tuple[DosageForm, str, Route], ...] = (
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


@dataclass
class _KindCandidate:
    kind: str
    subtype: str | None
    start: int
    end: int
    weak: bool


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
    reader = ItemReader(text, 0, len(text), vocab)
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
    reader = ItemReader(text, start, end, vocab)
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
    frequency = read_frequency(reader)
    duration = read_duration(reader)
    refills = read_refills(reader)
    drug = _drug(reader, mentions, candidates) if mentions else None
    body_parts, levels, level_count = read_body_parts(reader)
    kind, kind_span, subtypes = _choose_kind(reader, candidates, drug, frequency, body_parts)
    unknown_drug = _unknown_drug(reader) if kind == "other" else None
    if unknown_drug is not None:
        kind = "medication"
    procedures = _procedures(vocab, subtypes) if kind == SURGERY else []
    principal = procedures[0] if procedures else subtypes[0] if subtypes else None
    kind, subtypes, ancillary = _ancillary(kind, subtypes, context, body_parts)
    visit_based = vocab.kinds[kind].visit_based
    quantity, visits = read_counts(reader, visit_based)
    visits_computed = False
    if visits is None and visit_based and frequency is not None:
        visits = visits_from(frequency)
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
        limbs=limbs_of(vocab, body_parts) if kind == "electrodiagnostic" else [],
        contrast=read_contrast(reader),
        image_guidance=read_image_guidance(reader),
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


def _unspecified(reader: ItemReader) -> list[Value[Unspecifiable]]:
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


def _kind_candidates(reader: ItemReader) -> list[_KindCandidate]:
    candidates = []
    for match in reader.vocab.treatment_words.find(reader.focus):
        word: TreatmentWord | None = match.payload
        if word is None or reader.overlaps(match.start, match.end):
            continue
        candidates.append(_KindCandidate(word.kind, word.subtype, match.start, match.end, word.weak))
    return candidates


def _choose_kind(
    reader: ItemReader,
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


def _asks_for_consultation(reader: ItemReader, candidates: list[_KindCandidate]) -> bool:
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


def _unknown_drug(reader: ItemReader) -> Value[str] | None:
    """The name of a drug request whose drug the vocabulary does not know ("Xyzzol 10mg #30")."""
    match = _UNKNOWN_DRUG.match(reader.focus)
    if match is None:
        return None
    return Value[str](value=match.group("name"), span=reader.span(match.start("name"), match.end("name")))


def _cpt_codes(reader: ItemReader) -> list[_Code]:
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


def _code_candidate(reader: ItemReader, code: _Code) -> _KindCandidate:
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


def _subtypes(reader: ItemReader, kind: str, pool: list[_KindCandidate]) -> list[Value[str]]:
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


def _surgical_context(reader: ItemReader) -> Value[SurgicalContext] | None:
    found: list[tuple[int, int, SurgicalContext]] = []
    for pattern, context in _SURGICAL_CONTEXT:
        for match in reader.matches(pattern, avoid_taken=False):
            found.append((match.start(), match.end(), context))
    if not found:
        return None
    start, end, context = min(found)
    return Value[SurgicalContext](value=context, span=reader.span(start, end))


def _is_compound_topical(drug: DrugReading) -> bool:
    return drug.compounded and drug.route in ("topical", "transdermal")


def _drug(reader: ItemReader, mentions: list[DrugMention], candidates: list[_KindCandidate]) -> DrugReading:
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
    concentration = read_concentration(reader)
    package = read_package(reader)
    injected = any(c.kind == "injection" and c.weak for c in candidates)
    if len(generics) == 1:
        drug = vocab.drugs[generics[0]]
        route = _route(first.route, form, drug.route, injected)
        strength = strength_after(reader, local.end, len(reader.focus), drug)
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
                strength=strength_after(reader, start, stop, vocab.drugs[mention.generic]),
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


def _local(reader: ItemReader, span: Span) -> Span:
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


def _form(reader: ItemReader, first: DrugMention) -> Value[str] | None:
    if first.form is not None:
        return Value[str](value=first.form, span=first.span)
    # A form inside a dose ("1 tablet every 6 hours") still says what the drug is.
    for match in reader.matches(_FORM, avoid_taken=False):
        for i, (name, _, _) in enumerate(_FORMS):
            if match.group(f"f{i}"):
                return Value[str](value=name, span=reader.span(match.start(), match.end()))
    return None


def _course(reader: ItemReader) -> Value[Course] | None:
    for match in reader.matches(_COURSE, avoid_taken=False):
        return Value[Course](
            value=_COURSE_OF[match.group("word").lower()], span=reader.span(match.start(), match.end())
        )
    return None


def _acquisition(reader: ItemReader) -> Value[Literal["purchase", "rental"]] | None:
    for match in reader.matches(_ACQUISITION, avoid_taken=False):
        word = match.group("word").lower()
        value: Literal["purchase", "rental"] = "rental" if word.startswith("rent") else "purchase"
        return Value[Literal["purchase", "rental"]](value=value, span=reader.span(match.start(), match.end()))
    return None
