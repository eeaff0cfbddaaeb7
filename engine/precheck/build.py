"""A request file becomes a case: the same input the evaluator takes from a letter, with no outcome.

Each line's text is the form's line as a reviewer reads it -- service, quantity, frequency, duration,
side and body part -- and goes through the letters' item normalizer, so a request and a letter
saying the same thing yield the same facts. A field the normalizer cannot read is bad input (it is
never guessed); a field the form leaves empty is documented as not stated, since IMR decides the
request as written. Clinical facts keep their document and page for the report; facts the form
itself determines (age from the date of birth, weeks since the injury) are derived from its dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.errors import InputError
from engine.facts import (
    TREATMENT_DESCRIPTORS,
    Case,
    CaseDates,
    Documented,
    Evidence,
    FactVocabulary,
    RequestedItem,
    Source,
    load_fact_vocabulary,
)
from engine.letters.extract import request_facts
from engine.letters.item_model import NormalizedItem
from engine.letters.items import normalize_item
from engine.letters.model import TextSpan
from engine.precheck.request import (
    NOT_DOCUMENTED,
    ClinicalFacts,
    LoadedRequest,
    RecordedFact,
    Request,
    RequestLine,
)
from engine.vocab import Vocabulary, load_vocabulary

# Facts the form states (read from the line) or the evaluator derives: a clinical block may not set them.
FORM_FACTS = frozenset(
    {*TREATMENT_DESCRIPTORS, "quantity_specified", "frequency_specified", "body_part_specified"}
)
# Facts of a later stage than a request: utilization review's partial certification, the result of
# an index procedure's evaluation, a dose the evaluator computes from strength and frequency.
NOT_ASKED_FACTS = frozenset({"visits_original_request", "index_procedure_supported"})
# Facts the line's fields state, and the field that states them.
FIELD_FACTS: dict[str, str] = {
    "quantity": "quantity",
    "visits_requested": "quantity",
    "quantity_specified": "quantity",
    "visits_per_week": "frequency",
    "doses_per_day": "frequency",
    "frequency_specified": "frequency",
    "weeks_requested": "duration",
    "body_region": "body_part",
    "body_part_specified": "body_part",
    "laterality": "side",
    "strength_mg": "service",
}
_DRUG_KINDS = frozenset({"medication", "compound_topical"})


@dataclass(frozen=True)
class BuiltLine:
    """One form line: what was written, how it was read, and the case item it became."""

    number: int
    line: RequestLine
    text: str
    normalized: NormalizedItem
    item: RequestedItem


@dataclass(frozen=True)
class BuiltRequest:
    """A request as a case, with what the report needs to point back into the request."""

    request: Request
    case: Case
    lines: tuple[BuiltLine, ...]
    path: Path | None
    # (line number or None for the patient, fact) -> the recorded fact as written
    recorded: Mapping[tuple[int | None, str], RecordedFact] = field(default_factory=dict)
    derived: frozenset[tuple[int | None, str]] = frozenset()

    @property
    def as_of(self) -> dt.date:
        return self.request.rfa.date


def written(line: RequestLine, field_name: str) -> Any:
    """A field's value as written on the form: None when it is empty or not documented."""
    value = getattr(line, field_name)
    return None if value == NOT_DOCUMENTED else value


def line_text(line: RequestLine) -> tuple[str, dict[str, tuple[int, int]]]:
    """The form line as one text, and where each field stands in it."""
    parts: list[tuple[str, str]] = [("service", line.service)]
    quantity, frequency, duration = (
        written(line, "quantity"),
        written(line, "frequency"),
        written(line, "duration"),
    )
    body_part = written(line, "body_part")
    if quantity is not None:
        parts.append(("quantity", f"quantity {quantity}"))
    if frequency is not None:
        parts.append(("frequency", frequency))
    if duration is not None:
        parts.append(("duration", duration if duration.lower().startswith("for ") else f"for {duration}"))
    if body_part is not None:
        parts.append(("body_part", f"{line.side} {body_part}" if line.side else body_part))
    elif line.side is not None:
        parts.append(("side", line.side))
    text, spans = "", {}
    for name, part in parts:
        if text:
            text += ", "
        spans[name] = (len(text), len(text) + len(part))
        text += part
    return text, spans


class _Builder:
    def __init__(self, loaded: LoadedRequest, facts: FactVocabulary, vocab: Vocabulary) -> None:
        self.loaded = loaded
        self.request = loaded.request
        self.facts = facts
        self.vocab = vocab
        self.attachments = {a.id: a for a in self.request.attachments}
        self.recorded: dict[tuple[int | None, str], RecordedFact] = {}
        self.derived: set[tuple[int | None, str]] = set()

    def error(self, loc: tuple[str | int, ...], message: str) -> InputError:
        return InputError(self.loaded.path, message, self.loaded.line_of(loc))

    def build(self) -> BuiltRequest:
        request = self.request
        findings = self.patient_facts()
        lines = [self.line(number, line) for number, line in enumerate(request.items, start=1)]
        path = self.loaded.path
        case = Case(
            case_id=path.stem if path is not None else "request",
            source=Source(file=str(path)) if path is not None else None,
            dates=CaseDates(injury=request.employee.date_of_injury),
            diagnoses=[line.diagnosis for line in request.items if line.diagnosis],
            findings=findings,
            items=[built.item for built in lines],
        )
        return BuiltRequest(
            request=request,
            case=case,
            lines=tuple(lines),
            path=path,
            recorded=dict(self.recorded),
            derived=frozenset(self.derived),
        )

    # facts about the patient

    def patient_facts(self) -> dict[str, Documented | None]:
        request = self.request
        findings: dict[str, Documented | None] = {}
        born, injured, on = request.employee.date_of_birth, request.employee.date_of_injury, request.rfa.date
        if born is not None:
            years = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
            findings["age"] = _derived(
                years, f"date of birth {born.isoformat()}, request date {on.isoformat()}"
            )
            self.derived.add((None, "age"))
        if injured is not None:
            if injured > on:
                raise self.error(
                    ("employee", "date_of_injury"), "the date of injury is after the request date"
                )
            weeks = (on - injured).days // 7
            findings["weeks_since_injury"] = _derived(
                weeks, f"date of injury {injured.isoformat()}, request date {on.isoformat()}"
            )
            self.derived.add((None, "weeks_since_injury"))
        for name, documented in self.clinical(request.clinical, ("clinical",), None, findings).items():
            findings[name] = documented
        return findings

    def clinical(
        self,
        block: ClinicalFacts,
        loc: tuple[str | int, ...],
        line_number: int | None,
        stated: Mapping[str, Documented | None],
    ) -> dict[str, Documented | None]:
        """A clinical block as facts; a fact the form already states must agree with it."""
        out: dict[str, Documented | None] = {}
        for name, entry in block.items():
            where = (*loc, name)
            if name in FORM_FACTS:
                raise self.error(
                    where, f"{name!r} is read from the form's line, not written as a clinical fact"
                )
            if name in NOT_ASKED_FACTS:
                raise self.error(
                    where,
                    f"{name!r} is not a fact of a request before review (the engine derives or ignores it)",
                )
            if name not in self.facts:
                raise self.error(where, f"unknown fact {name!r} (see guidelines/facts/)")
            if entry == NOT_DOCUMENTED:
                out[name] = None
                continue
            assert isinstance(entry, RecordedFact)
            problem = self.facts.problem(
                name, entry.value, at_case_level=line_number is None
            ) or self.vocab.value_problem(name, entry.value)
            if problem:
                raise self.error((*where, "value"), problem)
            if entry.source not in self.attachments:
                known = ", ".join(self.attachments) or "none: list them under attachments:"
                raise self.error(
                    (*where, "source"), f"source {entry.source!r} is not an attachment ({known})"
                )
            earlier = stated.get(name)
            if earlier is not None and earlier.value != entry.value:
                raise self.error(
                    (*where, "value"),
                    f"{name} = {entry.value!r} disagrees with the form, which gives {earlier.value!r}",
                )
            out[name] = Documented(
                value=entry.value, evidence=[Evidence(quote=entry.quote, section="summary")]
            )
            self.recorded[(line_number, name)] = entry
        return out

    # one line

    def line(self, number: int, line: RequestLine) -> BuiltLine:
        loc: tuple[str | int, ...] = ("items", number - 1)
        text, spans = line_text(line)
        normalized = normalize_item(text, self.vocab)
        self.check_fields_read(line, normalized, spans, loc)
        kind, subtype, generic, ingredients = self.treatment(line, normalized, loc)
        facts = self.form_facts(line, normalized, text, kind)
        facts.update(self.clinical(line.clinical, (*loc, "clinical"), number, facts))
        drug = normalized.drug
        route = None
        if drug is not None and generic is not None and drug.generic == generic:
            route = drug.route if drug.route != self.vocab.drugs[generic].route else None
        item = RequestedItem(
            item_id=str(number),
            text=text,
            kind=kind,
            subtype=subtype,
            generic=generic,
            route=route,
            ingredients=ingredients,
            ancillary_to=str(line.ancillary_to) if line.ancillary_to is not None else None,
            facts=facts,
        )
        return BuiltLine(number=number, line=line, text=text, normalized=normalized, item=item)

    def check_fields_read(
        self,
        line: RequestLine,
        normalized: NormalizedItem,
        spans: Mapping[str, tuple[int, int]],
        loc: tuple[str | int, ...],
    ) -> None:
        """Every field written is read where it was written; nothing the normalizer missed passes."""

        def within(name: str, start: int, end: int) -> bool:
            field_start, field_end = spans[name]
            return field_start <= start and end <= field_end

        if "frequency" in spans:
            frequency = normalized.frequency
            if frequency is None or not within("frequency", frequency.span.start, frequency.span.end):
                raise self.error(
                    (*loc, "frequency"),
                    f"frequency {line.frequency!r} is not understood: write it as e.g. '3 times a week', "
                    "'twice a day', 'every 6 hours as needed'",
                )
        if "duration" in spans:
            read = [
                v.span
                for v in (normalized.duration, normalized.frequency)
                if v is not None and within("duration", v.span.start, v.span.end)
            ]
            if not read:
                raise self.error(
                    (*loc, "duration"),
                    f"duration {line.duration!r} is not understood: "
                    "write it as e.g. '4 weeks', '30 days', '3 months'",
                )
        if "body_part" in spans and not any(
            within("body_part", part.span.start, part.span.end) for part in normalized.body_parts
        ):
            raise self.error(
                (*loc, "body_part"),
                f"body part {line.body_part!r} is not a known region (see guidelines/body-regions.yaml)",
            )
        if isinstance(line.quantity, int):
            service_only = normalize_item(line.service, self.vocab)
            written = service_only.visits.value.high if service_only.visits is not None else None
            if written is None and service_only.quantity is not None:
                written = service_only.quantity.value
            if written is not None and written != line.quantity:
                raise self.error(
                    (*loc, "quantity"),
                    f"quantity {line.quantity} disagrees with the service, which says {written}",
                )

    def treatment(
        self, line: RequestLine, normalized: NormalizedItem, loc: tuple[str | int, ...]
    ) -> tuple[str, str | None, str | None, list[str]]:
        drug = normalized.drug
        if line.treatment is None:
            generic = drug.generic if drug is not None else None
            ingredients = (
                [i.generic for i in drug.ingredients] if drug is not None and generic is None else []
            )
            subtype = normalized.subtype.value if normalized.subtype is not None else None
            return normalized.kind, subtype, generic, ingredients
        given = line.treatment
        for field_name, problem in self.vocab.item_problems(given.kind, given.subtype, given.generic, []):
            raise self.error((*loc, "treatment", field_name), problem)
        return given.kind, given.subtype, given.generic, []

    def form_facts(
        self, line: RequestLine, normalized: NormalizedItem, text: str, kind: str
    ) -> dict[str, Documented | None]:
        """What the line states, and what it leaves unstated (documented as not stated)."""
        span = TextSpan(text=text, start=0, end=len(text))
        facts: dict[str, Documented | None] = dict(request_facts(normalized, span, self.vocab))
        visit_based = self.vocab.kinds[kind].visit_based
        if visit_based and "visits_requested" not in facts and "quantity" in facts:
            facts["visits_requested"] = facts.pop("quantity")
        if not visit_based and "quantity" not in facts and "visits_requested" in facts:
            facts["quantity"] = facts.pop("visits_requested")
        request = [Evidence(quote=text, section="request")]
        stated = {
            "quantity_specified": ("quantity", "quantity" in facts or "visits_requested" in facts),
            "frequency_specified": ("frequency", normalized.frequency is not None),
            "body_part_specified": ("body_part", bool(normalized.body_parts)),
        }
        for name, (field_name, value) in stated.items():
            if value or getattr(line, field_name) != NOT_DOCUMENTED:
                facts[name] = Documented(value=value, evidence=request)
        if line.side is not None and "laterality" not in facts:
            facts["laterality"] = Documented(value=line.side, evidence=request)
        if kind not in _DRUG_KINDS:
            facts.pop("doses_per_day", None)
        return facts


def _derived(value: int, basis: str) -> Documented:
    return Documented(value=value, evidence=[Evidence(quote=basis, section="derived")])


def build_request(
    loaded: LoadedRequest, facts: FactVocabulary | None = None, vocab: Vocabulary | None = None
) -> BuiltRequest:
    """The request as a case; a fact or field that cannot stand raises InputError at its line."""
    return _Builder(loaded, facts or load_fact_vocabulary(), vocab or load_vocabulary()).build()
