"""The audit report as one document, built from the database alone (never from a run's memory), so
that the terminal summary, `--json` and the HTML page show the same figures for the same database."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from engine.audit.figures import (
    Breakdown,
    Comparison,
    GroupFigures,
    Overview,
    breakdowns,
    comparisons,
    overall,
    overview,
)
from engine.audit.pairs import MIN_SHARE, InconsistentGroup, inconsistent_groups
from engine.audit.review import (
    ContradictedRationale,
    FailedInput,
    FlaggedItem,
    contradicted_rationales,
    failed_inputs,
    flagged_items,
)
from engine.errors import InputError
from engine.facts import StrictModel


class RunInfo(StrictModel):
    run_id: int
    started_at: str
    finished_at: str | None
    status: str
    engine_version: str
    options: dict[str, Any]
    inputs: int
    audited: int
    skipped: int
    failed: int


class AuditReport(StrictModel):
    database: str
    rules_version: str
    runs: list[RunInfo]
    overview: Overview
    overall: GroupFigures
    breakdowns: list[Breakdown]
    published: list[Comparison]
    pair_min_share: float
    inconsistent: list[InconsistentGroup]
    contradicted: list[ContradictedRationale]
    flagged: list[FlaggedItem]
    errors: list[FailedInput]


def latest_rules_version(db: sqlite3.Connection, path: Path) -> str:
    row = db.execute("SELECT rules_version FROM runs ORDER BY run_id DESC LIMIT 1").fetchone()
    if row is None:
        raise InputError(path, "the database holds no audit run")
    return str(row[0])


def build_report(db: sqlite3.Connection, path: Path, rules_version: str) -> AuditReport:
    """Everything the reports show, for the letters audited under one rules version."""
    rows = db.execute(
        "SELECT run_id, started_at, finished_at, status, engine_version, options, inputs, audited,"
        " skipped, failed FROM runs WHERE rules_version = ? ORDER BY run_id",
        (rules_version,),
    )
    runs = [
        RunInfo(
            run_id=row[0],
            started_at=row[1],
            finished_at=row[2],
            status=row[3],
            engine_version=row[4],
            options=json.loads(row[5]),
            inputs=row[6],
            audited=row[7],
            skipped=row[8],
            failed=row[9],
        )
        for row in rows
    ]
    summary = overview(db, rules_version)
    everything = overall(db, rules_version)
    found = breakdowns(db, rules_version)
    return AuditReport(
        database=str(path),
        rules_version=rules_version,
        runs=runs,
        overview=summary,
        overall=everything,
        breakdowns=found,
        published=comparisons(db, rules_version, everything, found, summary),
        pair_min_share=round(float(MIN_SHARE), 4),
        inconsistent=inconsistent_groups(db, rules_version),
        contradicted=contradicted_rationales(db, rules_version),
        flagged=flagged_items(db, rules_version),
        errors=failed_inputs(db, rules_version),
    )
