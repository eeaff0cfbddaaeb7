"""The case model: a case, its requested items, and facts that are documented or not documented.

A fact is either *documented* (a value plus the evidence it was read from) or *not documented*
(absent from the case). A `null` in a case file also means not documented. The fact vocabulary --
every name a case or rule may use, with its type -- is defined once, in `guidelines/facts/*.yaml`;
`FactVocabulary.check` holds each documented value to its declared type exactly, so a case that
names an unknown fact, or writes "14" where a number is due, or "true" for a boolean, is rejected.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Annotated, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

from engine.cache import load_cached
from engine.errors import InputError
from engine.limits import check_items, figure_problem
from engine.paths import GUIDELINES_DIR
from engine.yamlio import load_yaml, validate

FACTS_DIR = GUIDELINES_DIR / "facts"

Section = Literal["header", "summary", "rationale", "request", "citation", "derived"]
Outcome = Literal["Upheld", "Overturned"]
FactType = Literal["boolean", "integer", "number", "enum", "enum_list", "date", "text", "text_list"]
FactValue = bool | int | float | str | dt.date | list[str]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Evidence(StrictModel):
    """Where a documented fact was read: the quote, the letter section, and its character span."""

    quote: Annotated[str, Field(min_length=1)]
    section: Section
    span: Annotated[list[int], Field(min_length=2, max_length=2)] | None = None
    # what the sentence is: the record's statement about the patient, or the reviewer's statement
    # that the record lacks the fact (documented absence); unset for evidence not read from a letter
    role: Literal["record", "absence"] | None = None


class Documented(StrictModel):
    """A documented fact: its value and the evidence behind it (at least one quote)."""

    value: FactValue
    evidence: Annotated[list[Evidence], Field(min_length=1)]


Facts = dict[str, Documented | None]


# --- the fact vocabulary --------------------------------------------------------------------


class FactSpec(StrictModel):
    """One entry of the fact vocabulary."""

    name: str
    type: FactType
    scope: Literal["case", "item"]
    text: Annotated[str, Field(min_length=1)]
    unit: str | None = None
    values: list[str] | None = None
    # a case fact about the patient as a whole (age, work status, medications, comorbidities), not
    # about one complaint, body region or request: a rationale's finding of it stands for the case
    whole_case: bool = False

    @model_validator(mode="after")
    def _values_match_type(self) -> FactSpec:
        needs_values = self.type in ("enum", "enum_list")
        if needs_values and not self.values:
            raise ValueError(f"fact of type {self.type} needs 'values'")
        if not needs_values and self.values:
            raise ValueError(f"fact of type {self.type} takes no 'values'")
        if self.whole_case and self.scope != "case":
            raise ValueError("'whole_case' is for case facts only")
        return self

    def type_error(self, value: object) -> str | None:
        """Why `value` is not a valid value of this fact, or None. Exact types: no coercion."""
        ok: bool
        match self.type:
            case "boolean":
                ok = isinstance(value, bool)
            case "integer":
                ok = isinstance(value, int) and not isinstance(value, bool)
            case "number":
                ok = isinstance(value, int | float) and not isinstance(value, bool)
            case "date":
                ok = isinstance(value, dt.date)
            case "text":
                ok = isinstance(value, str)
            case "text_list":
                ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
            case "enum":
                ok = isinstance(value, str) and value in (self.values or ())
            case "enum_list":
                ok = isinstance(value, list) and all(
                    isinstance(v, str) and v in (self.values or ()) for v in value
                )
        if ok and self.type in ("integer", "number"):
            problem = figure_problem(value)  # type: ignore[arg-type]
            if problem is not None:
                return f"fact {self.name!r} expects {self.type}, got {value!r}: {problem}"
        if ok:
            return None
        expected = self.type
        if self.values:
            expected += " of " + ", ".join(self.values)
        return f"fact {self.name!r} expects {expected}, got {type(value).__name__} {value!r}"


class _FactEntry(StrictModel):
    type: FactType
    scope: Literal["case", "item"]
    text: Annotated[str, Field(min_length=1)]
    unit: str | None = None
    values: list[str] | None = None
    whole_case: bool = False


class _FactFile(StrictModel):
    facts: dict[str, _FactEntry]


class FactVocabulary:
    """Every fact name a case or a rule may use, with its type."""

    def __init__(self, specs: Mapping[str, FactSpec]) -> None:
        self.specs = dict(specs)

    def __contains__(self, name: object) -> bool:
        return name in self.specs

    def problem(self, name: str, value: object, *, at_case_level: bool) -> str | None:
        """Why (name, value) may not stand in a case, or None if it may."""
        spec = self.specs.get(name)
        if spec is None:
            return f"unknown fact {name!r}"
        if at_case_level and spec.scope == "item":
            return f"fact {name!r} describes a requested item; put it under that item's facts"
        return spec.type_error(value)


def _load_fact_file(path: Path) -> dict[str, FactSpec]:
    document = load_yaml(path)
    parsed = validate(document, _FactFile)
    specs = {}
    for name, entry in parsed.facts.items():
        try:
            specs[name] = FactSpec(name=name, **entry.model_dump(exclude_none=True))
        except ValueError as exc:
            raise document.error(("facts", name), f"fact {name!r}: {exc}") from None
    return specs


@cache
def load_fact_vocabulary(directory: Path = FACTS_DIR) -> FactVocabulary:
    files = sorted(directory.glob("*.yaml"))
    return load_cached(
        "facts", [*files, Path(__file__)], lambda: _build_fact_vocabulary(files), FactVocabulary
    )


def _build_fact_vocabulary(files: Sequence[Path]) -> FactVocabulary:
    specs: dict[str, FactSpec] = {}
    for path in files:
        for name, spec in _load_fact_file(path).items():
            if name in specs:
                raise InputError(path, f"fact {name!r} is already defined in another facts file")
            specs[name] = spec
    return FactVocabulary(specs)


# --- the case ---------------------------------------------------------------------------------


class Source(StrictModel):
    """The letter a case was read from."""

    file: str
    sha256: str | None = None
    extracted: bool = False


class Citation(StrictModel):
    """A guideline citation as the reviewer gave it, resolved to a catalog edition where possible."""

    edition: str | None = None
    guideline: str | None = None
    chapter: str | None = None
    sections: list[str] = []
    pages: str | None = None
    none_cited: bool = False


class URPortion(StrictModel):
    """The "original request / authorized / remaining IMR eligible portion" form."""

    original_request: str
    authorized: str | None = None
    remaining: str


class Reviewer(StrictModel):
    licensure: list[str] = []
    specialties: list[str] = []


class RequestedItem(StrictModel):
    """One disputed item: what was requested, normalized, and (for IMR letters) how it was decided.

    `kind`, `subtype`, `generic` identify the treatment and are validated against the vocabularies
    in guidelines/; everything a rule reads about the request (quantity, visits, body region, ...)
    is a fact, documented or not.
    """

    item_id: str
    text: Annotated[str, Field(min_length=1)]
    kind: str
    subtype: str | None = None
    generic: str | None = None
    route: str | None = None
    ingredients: list[str] = []
    ancillary_to: str | None = None
    # why the item was linked to its index (written by the letter reader; shown by `imr explain`)
    ancillary_basis: str | None = None
    facts: Facts = {}
    ur_portion: URPortion | None = None
    decision_word: str | None = None
    recorded: Outcome | None = None
    cited: list[Citation] = []


class CaseDates(StrictModel):
    injury: dt.date | None = None
    ur_denial: dt.date | None = None
    assigned: dt.date | None = None
    decision: dt.date | None = None


class Case(StrictModel):
    """A case as transcribed or extracted from one letter (or written by hand as a request)."""

    case_id: Annotated[str, Field(min_length=1)]
    source: Source | None = None
    dates: CaseDates = CaseDates()
    reviewer: Reviewer | None = None
    diagnoses: list[str] = []
    findings: Facts = {}
    items: Annotated[list[RequestedItem], Field(min_length=1)]
    missing: list[str] = []

    @model_validator(mode="after")
    def _item_ids_unique(self) -> Case:
        ids = [item.item_id for item in self.items]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate item_id(s): {', '.join(duplicates)}")
        by_id = {item.item_id: item for item in self.items}
        for item in self.items:
            if item.ancillary_to is None:
                continue
            index = by_id.get(item.ancillary_to)
            if index is None:
                raise ValueError(f"item {item.item_id} is ancillary_to unknown item {item.ancillary_to}")
            if index is item:
                raise ValueError(f"item {item.item_id} is ancillary_to itself")
            # an ancillary service is decided after its index: a chain (a laxative after the opioid
            # of a surgery) is decided along it, a cycle never could be
            seen = {item.item_id}
            step: RequestedItem | None = index
            while step is not None:
                if step.item_id in seen:
                    raise ValueError(
                        f"item {item.item_id} is ancillary_to item {index.item_id}, whose index procedures "
                        f"lead back to item {step.item_id}: ancillary services cannot be each other's index"
                    )
                seen.add(step.item_id)
                step = by_id.get(step.ancillary_to) if step.ancillary_to is not None else None
        return self


# --- loading a case file ------------------------------------------------------------------------

# Facts the evaluator reads off the item's kind, subtype and generic through the vocabularies.
TREATMENT_DESCRIPTORS = frozenset(
    {"kind", "subtype", "generic", "drug_class", "route", "sedating", "ingredients", "ancillary"}
)


class TreatmentVocabulary(Protocol):
    """What the case checks need of guidelines/ (implemented by engine.vocab.Vocabulary)."""

    def item_problems(
        self, kind: str, subtype: str | None, generic: str | None, ingredients: Sequence[str]
    ) -> list[tuple[str, str]]: ...

    def has_edition(self, edition_id: str) -> bool: ...

    def value_problem(self, fact: str, value: object) -> str | None: ...


def check_case(
    case: Case, vocabulary: FactVocabulary, treatments: TreatmentVocabulary
) -> list[tuple[tuple[str | int, ...], str]]:
    """Every problem of a structurally valid case, each with its location in the case file."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    for name, documented in case.findings.items():
        if documented is not None:
            problem = vocabulary.problem(name, documented.value, at_case_level=True)
            if problem:
                problems.append(
                    (("findings", name, "value") if name in vocabulary else ("findings", name), problem)
                )
    for i, item in enumerate(case.items):
        for field_name, problem in treatments.item_problems(
            item.kind, item.subtype, item.generic, item.ingredients
        ):
            problems.append((("items", i, field_name), problem))
        for name, documented in item.facts.items():
            if documented is None:
                continue
            if name in TREATMENT_DESCRIPTORS:
                problems.append(
                    (
                        ("items", i, "facts", name),
                        f"{name!r} is read from the item's kind/generic, not written as a fact",
                    )
                )
                continue
            problem = vocabulary.problem(
                name, documented.value, at_case_level=False
            ) or treatments.value_problem(name, documented.value)
            if problem:
                loc = (
                    ("items", i, "facts", name, "value")
                    if name in vocabulary
                    else ("items", i, "facts", name)
                )
                problems.append((loc, problem))
        for j, citation in enumerate(item.cited):
            if citation.edition is not None and not treatments.has_edition(citation.edition):
                problems.append(
                    (("items", i, "cited", j, "edition"), f"unknown guideline edition {citation.edition!r}")
                )
    return problems


def load_case(path: Path, data: bytes | None = None) -> Case:
    """Read and check one case file (or its bytes, already read); the first problem raises
    InputError naming file and line."""
    from engine.vocab import load_vocabulary

    document = load_yaml(path, data)
    items = document.data.get("items") if isinstance(document.data, dict) else None
    if isinstance(items, list):
        check_items(len(items), path, document.line_of(("items",)))
    case = validate(document, Case)
    problems = check_case(case, load_fact_vocabulary(), load_vocabulary())
    if problems:
        loc, message = problems[0]
        raise document.error(loc, message)
    return case
