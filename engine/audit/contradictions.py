"""Rationales contradicted by the record: a rationale finds a fact absent (the reviewer says the
record lacks it) while the letter's own case summary documents it.

This is the ground on which a WCAB panel set an IMR aside in Bowen v. County of San Bernardino
(2019): "no documentation of functional improvement" where the records documented it. The check is
made per item between the facts its rationale documents and those the summary documents for it (or
for the whole case); each side keeps the quote it was read from, so the auditor can judge both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.facts import Case, Documented, Evidence, FactValue

if TYPE_CHECKING:
    from engine.letters.extract import LetterReading


@dataclass(frozen=True)
class Contradiction:
    fact: str
    rationale_value: FactValue
    summary_value: FactValue
    rationale: Evidence
    summary: Evidence


def contradictions(
    rationale: Mapping[str, Documented], summary: Mapping[str, Documented]
) -> list[Contradiction]:
    """Facts a rationale finds absent (false) that the summary documents as present (true)."""
    found = []
    for name, stated in rationale.items():
        documented = summary.get(name)
        if documented is None or stated.value is not False or documented.value is not True:
            continue
        said = next((e for e in stated.evidence if e.section == "rationale"), None)
        shown = next((e for e in documented.evidence if e.section == "summary"), None)
        if said is not None and shown is not None:
            found.append(Contradiction(name, stated.value, documented.value, said, shown))
    return found


def contradictions_in_reading(reading: LetterReading) -> dict[str, list[Contradiction]]:
    """Per item of a letter: its rationale's facts against the summary's, item facts over findings."""
    clinical = reading.clinical
    found = {}
    for item in reading.case.items:
        summary = {**clinical.findings, **clinical.summary_item_facts.get(item.item_id, {})}
        listed = contradictions(clinical.item_facts.get(item.item_id, {}), summary)
        if listed:
            found[item.item_id] = listed
    return found


def contradictions_in_case(case: Case) -> dict[str, list[Contradiction]]:
    """Per item of a case file: where its own facts quote the rationale against a summary finding
    (a case file keeps one value per fact, so only the case-wide findings can be compared)."""
    findings = {name: d for name, d in case.findings.items() if d is not None}
    found = {}
    for item in case.items:
        own = {name: d for name, d in item.facts.items() if d is not None}
        listed = contradictions(own, findings)
        if listed:
            found[item.item_id] = listed
    return found
