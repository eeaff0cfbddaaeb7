"""One input audited, as the rows the database stores: what a worker sends back to the coordinator.

A worker reads the letter or case, evaluates it and flattens everything into named tuples whose
fields follow the tables' columns (cheap to send between processes, inserted as they are); the
coordinator only adds the row ids. Any failure of one input, bad input or a bug, becomes that
input's recorded error and the run goes on.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import socket
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, NamedTuple

from engine.audit.categories import ServiceCategories, drug_class, load_categories, treatment_family
from engine.audit.contradictions import Contradiction, contradictions_in_case, contradictions_in_reading
from engine.errors import InputError
from engine.evaluate import (
    CaseResult,
    CriterionResult,
    EngineError,
    Evaluator,
    ItemResult,
    durable_matcher,
    item_facts,
)
from engine.facts import (
    TREATMENT_DESCRIPTORS,
    Case,
    Citation,
    Documented,
    Evidence,
    load_case,
    load_fact_vocabulary,
)
from engine.inputs import CASE_SUFFIXES, read_bytes
from engine.rules import RulePack
from engine.vocab import Vocabulary, load_vocabulary

ErrorKind = Literal["input", "unreadable", "internal", "worker_died"]
# (quote, section, span start, span end)
EvidenceRow = tuple[str, str, int | None, int | None]


class FactRow(NamedTuple):
    name: str
    value: str  # JSON
    origin: Literal["case", "item", "derived"]
    evidence: tuple[EvidenceRow, ...]


class CriterionRow(NamedTuple):
    criterion_id: str
    rule_id: str
    status: str
    supports: bool
    from_rationale: bool  # every fact it read was documented by a rationale alone: a reviewer's reading
    facts: str  # JSON: the values the criterion read, null where not documented
    missing: str  # JSON list


class CitationRow(NamedTuple):
    edition: str | None
    edition_label: str | None
    document: str | None  # the catalog's title of the edition's guideline
    guideline: str | None  # as the letter writes it
    chapter: str | None
    sections: str  # JSON list
    pages: str | None
    none_cited: bool


class ContradictionRow(NamedTuple):
    fact: str
    rationale_value: str  # JSON
    summary_value: str  # JSON
    rationale: EvidenceRow
    summary: EvidenceRow
    decisive: bool


class ItemRow(NamedTuple):
    item_id: str
    text: str
    kind: str
    subtype: str | None
    generic: str | None
    drug_class: str | None
    category_dwc: str
    category_cwci: str
    family: str
    ancillary_to: str | None
    decision_word: str | None
    recorded: str | None
    predicted: str | None
    status: str
    result: str
    as_of: str
    as_of_basis: str
    rule_ids: str  # JSON list
    deciding: str  # JSON list
    ur_original: str | None
    ur_authorized: str | None
    ur_remaining: str | None
    citations: tuple[CitationRow, ...]
    criteria: tuple[CriterionRow, ...]
    facts: tuple[FactRow, ...]
    contradictions: tuple[ContradictionRow, ...]


class LetterRecord(NamedTuple):
    """One input: its case and items, or the one-line reason it could not be audited."""

    source: str
    sha256: str
    input_kind: Literal["letter", "case"]
    worker: str
    error: str | None = None
    error_kind: ErrorKind | None = None
    case_id: str | None = None
    injury_date: str | None = None
    ur_denial_date: str | None = None
    assigned_date: str | None = None
    decision_date: str | None = None
    licensure: tuple[str, ...] = ()
    specialties: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    findings: tuple[FactRow, ...] = ()
    items: tuple[ItemRow, ...] = ()


def preload(letters: bool) -> None:
    """Load and compile the vocabularies and categories once (and the cues, when letters are to be
    read), so that forked workers inherit them instead of each spending a second on them."""
    load_fact_vocabulary()
    load_vocabulary()
    load_categories()
    if letters:
        from engine.letters.cues import load_cues

        load_cues()


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def input_kind(path: str | Path) -> Literal["letter", "case"]:
    return "case" if Path(path).suffix.lower() in CASE_SUFFIXES else "letter"


def failed(
    source: str, sha256: str, message: str, kind: ErrorKind, worker: str | None = None
) -> LetterRecord:
    return LetterRecord(
        source=source,
        sha256=sha256,
        input_kind=input_kind(source),
        worker=worker or worker_name(),
        error=" ".join(message.split()),
        error_kind=kind,
    )


class AuditWorker:
    """Audits inputs in one process: its own durable_rules host, vocabularies and categories.

    A lock serializes audits when a cluster worker runs several threads: durable_rules keeps
    per-process state and holds the GIL anyway.
    """

    def __init__(self, pack: RulePack, as_of: dt.date | None) -> None:
        self.pack = pack
        self.as_of = as_of
        matcher = durable_matcher(pack, load_vocabulary())
        # every kind's ruleset up front: a worker's memory is flat from its first letter on, and no
        # letter waits for the ruleset of a kind met for the first time; a ruleset durable_rules
        # refuses is left to the letters that need it, each recorded with the error
        with contextlib.suppress(InputError, EngineError):
            matcher.create_all()
        self.evaluator = Evaluator(pack, matcher=matcher)
        self.vocab: Vocabulary = self.evaluator.vocab
        self.categories: ServiceCategories = load_categories()
        self.name = worker_name()
        self._lock = threading.Lock()

    def audit(self, path: str, sha256: str) -> LetterRecord:
        with self._lock:
            try:
                return self._audit(path, sha256)
            except InputError as exc:
                return failed(path, sha256, exc.one_line(), "input", self.name)
            except EngineError as exc:
                return failed(path, sha256, f"{path}: internal error: {exc}", "internal", self.name)
            except Exception as exc:  # a bug on one input must not end a run over thousands
                message = f"{path}: internal error: {type(exc).__name__}: {exc}"
                return failed(path, sha256, message, "internal", self.name)

    def _audit(self, path: str, sha256: str) -> LetterRecord:
        """The record carries the hash of the bytes read here (the file may have changed since it
        was handed out under `sha256`)."""
        found: dict[str, list[Contradiction]]
        if input_kind(path) == "case":
            data = read_bytes(path)
            sha256 = hashlib.sha256(data).hexdigest()
            case = load_case(Path(path), data)
            found = contradictions_in_case(case)
        else:
            from engine.letters.extract import read_letter
            from engine.letters.parse import parse_letter

            letter = parse_letter(path)
            sha256 = letter.sha256 or sha256
            reading = read_letter(letter, self.vocab)
            case = reading.case
            found = contradictions_in_reading(reading)
        result = self.evaluator.evaluate(case, self.as_of)
        return self._record(path, sha256, case, result, found)

    def _record(
        self, path: str, sha256: str, case: Case, result: CaseResult, found: Mapping[str, list[Contradiction]]
    ) -> LetterRecord:
        dates = case.dates
        reviewer = case.reviewer
        return LetterRecord(
            source=path,
            sha256=sha256,
            input_kind=input_kind(path),
            worker=self.name,
            case_id=case.case_id,
            injury_date=_iso(dates.injury),
            ur_denial_date=_iso(dates.ur_denial),
            assigned_date=_iso(dates.assigned),
            decision_date=_iso(dates.decision),
            licensure=tuple(reviewer.licensure) if reviewer else (),
            specialties=tuple(dict.fromkeys(reviewer.specialties)) if reviewer else (),
            missing=tuple(case.missing),
            findings=tuple(_fact_row(name, d, "case") for name, d in case.findings.items() if d is not None),
            items=tuple(
                self._item_row(case, item_result, found.get(item_result.item_id, []), result)
                for item_result in result.items
            ),
        )

    def _item_row(
        self, case: Case, result: ItemResult, found: Sequence[Contradiction], case_result: CaseResult
    ) -> ItemRow:
        item = next(i for i in case.items if i.item_id == result.item_id)
        klass = drug_class(self.vocab, item.kind, item.generic)
        own = {name: d for name, d in item.facts.items() if d is not None}
        deciding_facts = {name for c in result.criteria if c.id in result.deciding for name in c.facts}
        ur = item.ur_portion
        return ItemRow(
            item_id=item.item_id,
            text=item.text,
            kind=item.kind,
            subtype=item.subtype,
            generic=item.generic,
            drug_class=klass,
            category_dwc=self.categories.label("dwc", item.kind),
            category_cwci=self.categories.label("cwci", item.kind),
            family=treatment_family(item.kind, item.subtype, klass),
            ancillary_to=item.ancillary_to,
            decision_word=item.decision_word,
            recorded=result.recorded,
            predicted=result.predicted,
            status=result.status,
            result=result.result,
            as_of=case_result.as_of.isoformat(),
            as_of_basis=case_result.as_of_basis,
            rule_ids=json.dumps(result.rule_ids),
            deciding=json.dumps(result.deciding),
            ur_original=ur.original_request if ur else None,
            ur_authorized=ur.authorized if ur else None,
            ur_remaining=ur.remaining if ur else None,
            citations=tuple(self._citation_row(c) for c in item.cited),
            criteria=tuple(self._criterion_row(c) for c in result.criteria),
            facts=(
                *(_fact_row(name, d, "item") for name, d in own.items()),
                *self._derived_facts(case, item.item_id, result, own),
            ),
            contradictions=tuple(
                ContradictionRow(
                    fact=c.fact,
                    rationale_value=_json(c.rationale_value),
                    summary_value=_json(c.summary_value),
                    rationale=_evidence_row(c.rationale),
                    summary=_evidence_row(c.summary),
                    decisive=c.fact in deciding_facts,
                )
                for c in found
            ),
        )

    def _citation_row(self, citation: Citation) -> CitationRow:
        edition = self.vocab.edition(citation.edition) if citation.edition else None
        document = self.vocab.document_of(citation.edition) if citation.edition else None
        return CitationRow(
            edition=citation.edition,
            edition_label=edition.label if edition else None,
            document=document.title if document else None,
            guideline=citation.guideline,
            chapter=citation.chapter,
            sections=json.dumps(citation.sections),
            pages=citation.pages,
            none_cited=citation.none_cited,
        )

    def _criterion_row(self, c: CriterionResult) -> CriterionRow:
        rule = self.pack.by_id[c.rule_id]
        supports = c.status == "met" or (
            c.status == "not_documented" and rule.combine == "all" and not c.blocks_when_not_documented
        )
        return CriterionRow(
            criterion_id=c.id,
            rule_id=c.rule_id,
            status=c.status,
            supports=supports,
            from_rationale=bool(c.evidence_detail)
            and all(e.section == "rationale" for e in c.evidence_detail),
            facts=_json(c.facts),
            missing=json.dumps(c.missing),
        )

    def _derived_facts(
        self, case: Case, item_id: str, result: ItemResult, own: Mapping[str, Documented]
    ) -> list[FactRow]:
        """Facts a criterion read that the letter does not state: worked out by the evaluator (daily
        MME, the index procedure's outcome), with the evidence they were worked out from."""
        read = {name: value for c in result.criteria for name, value in c.facts.items() if value is not None}
        wanted = [
            name
            for name in read
            if name not in own and name not in case.findings and name not in TREATMENT_DESCRIPTORS
        ]
        if not wanted:
            return []
        item = next(i for i in case.items if i.item_id == item_id)
        computed = item_facts(case, item, self.vocab)
        rows = []
        for name in wanted:
            evidence = computed.evidence.get(name) or tuple(
                e
                for c in result.criteria
                if name in c.facts
                for e in c.evidence_detail
                if e.section == "derived"
            )
            rows.append(
                FactRow(
                    name=name,
                    value=_json(read[name]),
                    origin="derived",
                    evidence=tuple(dict.fromkeys(_evidence_row(e) for e in evidence)),
                )
            )
        return rows


def _fact_row(name: str, documented: Documented, origin: Literal["case", "item"]) -> FactRow:
    return FactRow(
        name=name,
        value=_json(documented.value),
        origin=origin,
        evidence=tuple(_evidence_row(e) for e in documented.evidence),
    )


def _evidence_row(evidence: Evidence) -> EvidenceRow:
    span = evidence.span
    return (evidence.quote, evidence.section, span[0] if span else None, span[1] if span else None)


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _json(value: Any) -> str:
    return json.dumps(value, default=_date_json, ensure_ascii=False)


def _date_json(value: object) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} {value!r}")
