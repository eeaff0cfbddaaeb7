"""The audit database: SQLite (the standard library's), WAL mode, one writer.

An existing database is added to, never replaced; a file that is not an imr audit database is left
untouched (bad input). One process writes at a time (an exclusive lock on the file, released by the
system even when the process is killed); each batch of letters is one transaction, so a crash or a
kill loses at most the batch in progress, which the next run audits again. Row ids are handed out by
the writer, so a batch is inserted table by table in a few statements.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import sqlite3
from collections.abc import Iterable, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from engine.audit.record import FactRow, ItemRow, LetterRecord
from engine.audit.schema import APPLICATION_ID, MIGRATIONS
from engine.errors import InputError
from engine.rules import RulePack

SQLITE_HEADER = b"SQLite format 3\x00"
# The fields of an ItemRow that are columns of `items` (its citations, criteria, facts and
# contradictions go to tables of their own).
ITEM_COLUMNS = ItemRow._fields.index("citations")
# Errors worth another try on the next run (the letter itself may be fine); bad input would fail again.
RETRIED_ERRORS = ("internal", "worker_died", "unreadable")


def engine_version() -> str:
    try:
        return version("imr-engine")
    except PackageNotFoundError:
        return "unknown"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _days(start: str | None, end: str | None) -> int | None:
    if start is None or end is None:
        return None
    return (dt.date.fromisoformat(end) - dt.date.fromisoformat(start)).days


def connect_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection to an existing audit database (for reports and exports)."""
    _check_is_audit_database(path, must_exist=True)
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    _check_version(connection, path)
    return connection


def _check_is_audit_database(path: Path, must_exist: bool) -> None:
    """Refuse anything but an audit database of ours or an empty file (checked through SQLite: in
    WAL mode the header on disk may not yet carry the application id)."""
    if not path.exists():
        if must_exist:
            raise InputError(path, "no such audit database")
        return
    if path.is_dir():
        raise InputError(path, "is a folder, not an audit database")
    try:
        with path.open("rb") as stream:
            header = stream.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise InputError(path, f"cannot read the database: {exc.strerror}") from None
    if not header:
        if must_exist:
            raise InputError(path, "the database is empty: nothing has been audited into it")
        return
    if header != SQLITE_HEADER:
        raise InputError(path, "not an SQLite database; refusing to write to it (choose another --db)")
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            application_id = connection.execute("PRAGMA application_id").fetchone()[0]
            tables = connection.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        raise InputError(path, f"cannot read the database: {exc}") from None
    if application_id != APPLICATION_ID and tables:
        raise InputError(
            path,
            "an SQLite database that imr audit did not create; refusing to write to it (choose another --db)",
        )


def _check_version(connection: sqlite3.Connection, path: Path) -> int:
    found = connection.execute("PRAGMA user_version").fetchone()[0]
    if found > len(MIGRATIONS):
        raise InputError(
            path, f"written by a newer imr-engine (schema {found}; this one knows {len(MIGRATIONS)})"
        )
    return int(found)


class AuditStore:
    """The database a run writes to. Use as a context manager; see the module docstring."""

    def __init__(self, path: Path) -> None:
        self.path = path
        _check_is_audit_database(path, must_exist=False)
        try:
            self._lock_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise InputError(path, f"cannot open the database: {exc.strerror}") from None
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock_fd)
            raise InputError(path, "another imr audit is writing to this database") from None
        # autocommit mode: every transaction below is opened and committed explicitly
        self.db = sqlite3.connect(path, isolation_level=None)
        try:
            self._prepare()
        except BaseException:
            self.close()
            raise
        self._next_ids = {
            table: self.db.execute(f"SELECT COALESCE(MAX({key}), 0) + 1 FROM {table}").fetchone()[0]
            for table, key in (("letters", "letter_id"), ("items", "item_pk"), ("facts", "fact_pk"))
        }

    def _prepare(self) -> None:
        db = self.db
        db.execute("PRAGMA journal_mode = WAL")
        # in WAL mode NORMAL survives a killed process; only a power loss may drop the last commits
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA foreign_keys = ON")
        applied = _check_version(db, self.path)
        if applied == 0:
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        for number, (_, script) in enumerate(MIGRATIONS[applied:], start=applied + 1):
            # executescript commits first; the migration and its version bump are one transaction
            db.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
        # runs a killed process left open
        db.execute("UPDATE runs SET status = 'interrupted' WHERE status = 'running'")

    def __enter__(self) -> AuditStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if getattr(self, "db", None) is not None:
            self.db.close()
            self.db = None  # type: ignore[assignment]
        if getattr(self, "_lock_fd", None) is not None:
            # after the connection: closing any descriptor of the file drops SQLite's own locks
            os.close(self._lock_fd)
            self._lock_fd = None  # type: ignore[assignment]

    # --- runs ------------------------------------------------------------------------------------

    def begin_run(self, pack: RulePack, options: dict[str, Any]) -> int:
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        cursor = db.execute(
            "INSERT INTO runs (started_at, status, rules_version, engine_version, options)"
            " VALUES (?, 'running', ?, ?, ?)",
            (_now(), pack.content_hash, engine_version(), json.dumps(options, default=str)),
        )
        db.executemany(
            "INSERT OR IGNORE INTO rule_criteria VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    pack.content_hash,
                    c.id,
                    rule.id,
                    rule.title,
                    rule.edition,
                    rule.authority,
                    int(rule.cross_cutting),
                    rule.combine,
                    c.text,
                    c.citation.as_json()["guideline"],
                    c.citation.as_json()["section"],
                    c.citation.as_json()["pages"],
                    int(c.blocks_when_not_documented),
                )
                for rule in pack.rules
                for c in rule.criteria
            ),
        )
        db.execute("COMMIT")
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def finish_run(
        self, run_id: int, status: str, inputs: int, audited: int, skipped: int, failed: int
    ) -> None:
        self.db.execute(
            "UPDATE runs SET finished_at = ?, status = ?, inputs = ?, audited = ?, skipped = ?, failed = ?"
            " WHERE run_id = ?",
            (_now(), status, inputs, audited, skipped, failed, run_id),
        )

    # --- resuming --------------------------------------------------------------------------------

    def done(self, rules_version: str) -> set[str]:
        """The sha256 of every input already audited under these rules (bad input included: it would
        fail again), after clearing the internal failures so that they are tried once more."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        db.execute(
            f"DELETE FROM letters WHERE rules_version = ? AND error_kind IN ({_marks(len(RETRIED_ERRORS))})",
            (rules_version, *RETRIED_ERRORS),
        )
        db.execute("COMMIT")
        rows = db.execute("SELECT sha256 FROM letters WHERE rules_version = ?", (rules_version,))
        return {sha for (sha,) in rows}

    def note_sources(self, run_id: int, sources: Iterable[tuple[str, str]]) -> None:
        """Record (sha256, path) pairs seen, including inputs skipped as already audited."""
        self.db.executemany(
            "INSERT OR IGNORE INTO sources (sha256, source, first_run_id) VALUES (?, ?, ?)",
            ((sha, source, run_id) for sha, source in sources),
        )

    # --- writing ---------------------------------------------------------------------------------

    def write(self, run_id: int, rules_version: str, records: Sequence[LetterRecord]) -> None:
        """One transaction: every row of these letters, or none of them."""
        rows: dict[str, list[tuple[Any, ...]]] = {
            name: []
            for name in (
                "letters",
                "sources",
                "specialties",
                "items",
                "citations",
                "criteria",
                "facts",
                "evidence",
                "contradictions",
            )
        }
        ids = dict(self._next_ids)
        for record in records:
            letter_id = ids["letters"]
            ids["letters"] += 1
            rows["letters"].append(
                (
                    letter_id,
                    run_id,
                    rules_version,
                    record.sha256,
                    record.source,
                    record.input_kind,
                    record.worker,
                    record.case_id,
                    record.injury_date,
                    record.ur_denial_date,
                    record.assigned_date,
                    record.decision_date,
                    _days(record.ur_denial_date, record.decision_date),
                    _days(record.assigned_date, record.decision_date),
                    json.dumps(record.licensure),
                    json.dumps(record.missing),
                    record.error,
                    record.error_kind,
                )
            )
            rows["sources"].append((record.sha256, record.source, run_id))
            rows["specialties"].extend((letter_id, s) for s in record.specialties)
            self._fact_rows(rows, ids, letter_id, None, record.findings)
            for position, item in enumerate(record.items, start=1):
                item_pk = ids["items"]
                ids["items"] += 1
                rows["items"].append((item_pk, letter_id, position, *item[:ITEM_COLUMNS]))
                rows["citations"].extend((item_pk, i, *c) for i, c in enumerate(item.citations, start=1))
                rows["criteria"].extend((item_pk, i, *c) for i, c in enumerate(item.criteria, start=1))
                rows["contradictions"].extend(
                    (
                        item_pk, i, c.fact, c.rationale_value, c.summary_value,
                        c.rationale[0], c.rationale[2], c.rationale[3],
                        c.summary[0], c.summary[2], c.summary[3], c.decisive,
                    )
                    for i, c in enumerate(item.contradictions, start=1)
                )  # fmt: skip
                self._fact_rows(rows, ids, letter_id, item_pk, item.facts)
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany(f"INSERT INTO letters VALUES ({_marks(18)})", rows["letters"])
            db.executemany(
                "INSERT OR IGNORE INTO sources (sha256, source, first_run_id) VALUES (?, ?, ?)",
                rows["sources"],
            )
            db.executemany("INSERT INTO reviewer_specialties VALUES (?, ?)", rows["specialties"])
            db.executemany(f"INSERT INTO items VALUES ({_marks(25)})", rows["items"])
            db.executemany(f"INSERT INTO item_citations VALUES ({_marks(10)})", rows["citations"])
            db.executemany(f"INSERT INTO criteria VALUES ({_marks(9)})", rows["criteria"])
            db.executemany(f"INSERT INTO facts VALUES ({_marks(6)})", rows["facts"])
            db.executemany(f"INSERT INTO evidence VALUES ({_marks(6)})", rows["evidence"])
            db.executemany(f"INSERT INTO contradictions VALUES ({_marks(12)})", rows["contradictions"])
            db.execute(
                "UPDATE runs SET audited = audited + ?, failed = failed + ? WHERE run_id = ?",
                (len(records), sum(r.error is not None for r in records), run_id),
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        self._next_ids = ids

    @staticmethod
    def _fact_rows(
        rows: dict[str, list[tuple[Any, ...]]],
        ids: dict[str, int],
        letter_id: int,
        item_pk: int | None,
        facts: Iterable[FactRow],
    ) -> None:
        for fact in facts:
            fact_pk = ids["facts"]
            ids["facts"] += 1
            rows["facts"].append((fact_pk, letter_id, item_pk, *fact[:3]))
            rows["evidence"].extend((fact_pk, i, *e) for i, e in enumerate(fact.evidence, start=1))


def _marks(n: int) -> str:
    return ", ".join("?" * n)
