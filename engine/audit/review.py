"""The items an auditor reads one by one, from the database: flagged determinations with their
traces, rationales contradicted by the record, and the inputs that could not be audited."""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict

from engine.audit.pairs import SideEvidence, item_evidence
from engine.facts import StrictModel

# Flagged items shown with their full trace; the rest are listed without it.
TRACED_FLAGGED = 200


class TracedCriterion(StrictModel):
    criterion_id: str
    text: str
    citation: str
    deciding: bool
    evidence: SideEvidence


class FlaggedItem(StrictModel):
    item_pk: int
    source: str
    case_id: str | None
    item_id: str
    text: str
    category: str
    recorded: str
    predicted: str
    deciding: list[str]
    trace: list[TracedCriterion] | None


class ContradictedRationale(StrictModel):
    item_pk: int
    source: str
    case_id: str | None
    item_id: str
    text: str
    recorded: str | None
    predicted: str | None
    facts: list[str]
    decisive: bool
    rationale_quote: str
    summary_quote: str


class FailedInput(StrictModel):
    source: str
    error: str
    kind: str


def flagged_items(db: sqlite3.Connection, rules_version: str) -> list[FlaggedItem]:
    """Items where the rules and the reviewer part ways, Overturned against Upheld first (the
    reviewer granted what the rules would not), each with the criteria that decide the difference."""
    criteria = {
        c: (text, f"{guideline}, {section}" + (f", p.{pages}" if pages else ""))
        for c, text, guideline, section, pages in db.execute(
            "SELECT criterion_id, text, guideline, section, pages FROM rule_criteria WHERE rules_version = ?",
            (rules_version,),
        )
    }
    rows = db.execute(
        """
        SELECT i.item_pk, l.source, l.case_id, i.item_id, i.text, i.category_dwc, i.recorded, i.predicted,
               i.deciding
        FROM items i JOIN letters l USING (letter_id)
        WHERE l.rules_version = ? AND i.status = 'flagged'
        ORDER BY i.recorded DESC, l.source, i.position
        """,
        (rules_version,),
    ).fetchall()
    found = []
    for rank, (pk, source, case_id, item_id, text, category, recorded, predicted, deciding) in enumerate(
        rows
    ):
        decided_by = json.loads(deciding)
        trace = None
        if rank < TRACED_FLAGGED:
            trace = [
                TracedCriterion(
                    criterion_id=c,
                    text=criteria.get(c, ("", ""))[0],
                    citation=criteria.get(c, ("", ""))[1],
                    deciding=c in decided_by,
                    evidence=evidence,
                )
                for c, evidence in item_evidence(db, pk).items()
            ]
        found.append(
            FlaggedItem(
                item_pk=pk,
                source=source,
                case_id=case_id,
                item_id=item_id,
                text=text,
                category=category,
                recorded=recorded,
                predicted=predicted,
                deciding=decided_by,
                trace=trace,
            )
        )
    return found


def contradicted_rationales(db: sqlite3.Connection, rules_version: str) -> list[ContradictedRationale]:
    """One entry per item and pair of quotes (a sentence may contradict several facts), those whose
    fact decided the item first."""
    rows = db.execute(
        """
        SELECT i.item_pk, l.source, l.case_id, i.item_id, i.text, i.recorded, i.predicted,
               k.fact, k.decisive, k.rationale_quote, k.summary_quote
        FROM contradictions k JOIN items i USING (item_pk) JOIN letters l USING (letter_id)
        WHERE l.rules_version = ?
        ORDER BY l.source, i.position, k.position
        """,
        (rules_version,),
    )
    grouped: dict[tuple[int, str, str], list[tuple[str, bool]]] = defaultdict(list)
    heads: dict[tuple[int, str, str], tuple[str, str | None, str, str, str | None, str | None]] = {}
    for pk, source, case_id, item_id, text, recorded, predicted, fact, decisive, said, shown in rows:
        key = (pk, said, shown)
        grouped[key].append((fact, bool(decisive)))
        heads[key] = (source, case_id, item_id, text, recorded, predicted)
    found = [
        ContradictedRationale(
            item_pk=key[0],
            source=heads[key][0],
            case_id=heads[key][1],
            item_id=heads[key][2],
            text=heads[key][3],
            recorded=heads[key][4],
            predicted=heads[key][5],
            facts=[fact for fact, _ in facts],
            decisive=any(decisive for _, decisive in facts),
            rationale_quote=key[1],
            summary_quote=key[2],
        )
        for key, facts in grouped.items()
    ]
    found.sort(key=lambda c: not c.decisive)
    return found


def failed_inputs(db: sqlite3.Connection, rules_version: str) -> list[FailedInput]:
    return [
        FailedInput(source=source, error=error, kind=kind)
        for source, error, kind in db.execute(
            "SELECT source, error, error_kind FROM letters WHERE rules_version = ? AND error IS NOT NULL"
            " ORDER BY source",
            (rules_version,),
        )
    ]
