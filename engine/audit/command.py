"""`imr audit`: run the audit into the database (when inputs are given), then report from the
database: terminal summary or --json, the HTML page, the Parquet export.

Exit codes (engine.cliconv): 0 done; 1 an input failed inside the engine (a bug, or a worker that
died); 2 bad input, or inputs that could not be read (each named on one line); 130 interrupted by
Ctrl-C (what was finished is kept, and a rerun resumes).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from engine.audit.document import build_report, latest_rules_version
from engine.audit.runner import Dispatcher, LocalPool, RunSummary, run_audit
from engine.audit.store import AuditStore, connect_readonly
from engine.cliconv import EXIT_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK
from engine.errors import InputError
from engine.rules import RulePack
from engine.terminal import plain


@dataclass(frozen=True)
class AuditRequest:
    paths: Sequence[Path]
    db: Path
    html: Path | None
    workers: int
    as_json: bool
    cluster: str | None
    export: tuple[str, Path] | None
    as_of: dt.date | None
    rules: list[Path] | None
    timeout: float
    progress: bool


class Printer(Protocol):
    def print(self, *renderables: Any) -> None: ...

    def json(self, document: Any) -> None: ...


def run_audit_command(
    request: AuditRequest,
    load_pack: Callable[[list[Path] | None], RulePack],
    output: Printer,
    error_line: Callable[[str], None],
    note_line: Callable[[str], None],
) -> int:
    if request.export is not None and request.export[0].lower() != "parquet":
        raise InputError(None, f"--export supports parquet only, not {request.export[0]!r}")
    if request.workers < 0:
        raise InputError(None, "--workers must be 0 (one per core) or more")
    # refuse what could not be written before the run, not after it
    if request.html is not None:
        from engine.audit.html import check_replaceable

        check_replaceable(request.html)
    if request.export is not None:
        from engine.audit.export import check_exportable

        check_exportable(request.export[1])
    summary: RunSummary | None = None
    if request.paths:
        pack = load_pack(request.rules)
        summary = _audit(request, pack)
        rules_version = pack.content_hash
    elif not request.db.exists():
        raise InputError(request.db, "no such audit database; name letters to audit into it")
    db = connect_readonly(request.db)
    try:
        if summary is None:
            rules_version = latest_rules_version(db, request.db)
        report = build_report(db, request.db, rules_version)
        if request.as_json:
            document = report.model_dump(mode="json")
            if summary is not None:
                document["run"] = _run_json(summary)
            output.json(document)
        else:
            from engine.audit.terminal import summary as terminal_summary

            for renderable in terminal_summary(report):
                output.print(renderable)
            if summary is not None:
                output.print(plain(_run_line(summary)))
        if request.html is not None:
            from engine.audit.html import write_html

            write_html(report, request.html)
            note_line(f"report: {request.html}")
        if request.export is not None:
            from engine.audit.export import export_parquet

            written = export_parquet(db, request.export[1])
            note_line(f"exported {len(written)} tables to {request.export[1]}")
    finally:
        db.close()
    if summary is None:
        return EXIT_OK
    for left_out in summary.left_out:
        note_line(f"skipped: {left_out.path}: {left_out.reason}")
    for message in summary.errors:
        error_line(f"error: {message}")
    if summary.interrupted:
        error_line(
            f"interrupted: {summary.audited} inputs audited in this run are kept in {request.db};"
            " run the same command again to go on"
        )
        return EXIT_INTERRUPTED
    if summary.internal_failures:
        return EXIT_INTERNAL
    return EXIT_INPUT if summary.errors else EXIT_OK


def _audit(request: AuditRequest, pack: RulePack) -> RunSummary:
    workers = request.workers or os.cpu_count() or 1

    def dispatcher() -> Dispatcher:
        if request.cluster is not None:
            from engine.audit.cluster import ClusterDispatcher

            return ClusterDispatcher(request.cluster, pack, request.as_of)
        return LocalPool(pack, request.as_of, request.workers, request.timeout)

    options = {
        "paths": [str(p) for p in request.paths],
        "workers": None if request.cluster else workers,
        "cluster": request.cluster,
        "as_of": request.as_of,
        "rules": [str(p) for p in request.rules] if request.rules else None,
    }
    with AuditStore(request.db) as store:
        return run_audit(request.paths, store, pack, dispatcher, options, progress=request.progress)


def _run_json(summary: RunSummary) -> dict[str, object]:
    return {
        "run_id": summary.run_id,
        "inputs": summary.inputs,
        "audited": summary.audited,
        "skipped": summary.skipped,
        "duplicates": summary.duplicates,
        "failed": summary.failed,
        "interrupted": summary.interrupted,
        "seconds": round(summary.seconds, 3),
        "coordinator_cpu_seconds": round(summary.cpu_seconds, 3),
        "letters_per_second": round(summary.rate, 1),
    }


def _run_line(summary: RunSummary) -> str:
    parts = [
        f"run {summary.run_id}: {summary.audited - summary.failed} inputs audited in {summary.seconds:.1f} s"
        f" ({summary.rate:.0f}/s)"
    ]
    if summary.skipped:
        parts.append(f"{summary.skipped} already in the database")
    if summary.duplicates:
        parts.append(f"{summary.duplicates} duplicates of inputs in this run")
    if summary.failed:
        parts.append(f"{summary.failed} could not be audited")
    return ", ".join(parts)
