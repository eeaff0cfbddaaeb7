"""The audit database itself: versioned migrations, one writer at a time, and databases this
version cannot read left alone."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from engine.audit.schema import APPLICATION_ID, MIGRATIONS, TABLES
from engine.audit.store import AuditStore, connect_readonly
from engine.errors import InputError
from engine.rules import load_rules


def test_a_new_database_has_every_migration_and_is_marked_as_ours(tmp_path: Path) -> None:
    with AuditStore(tmp_path / "a.db") as store:
        store.begin_run(load_rules(), {"workers": 1})
    with sqlite3.connect(tmp_path / "a.db") as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert set(TABLES) <= tables
    # opened again: added to, nothing migrated twice
    with AuditStore(tmp_path / "a.db") as store:
        store.begin_run(load_rules(), {})
    assert sqlite3.connect(tmp_path / "a.db").execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 2


def test_a_database_from_a_newer_engine_is_refused(tmp_path: Path) -> None:
    with AuditStore(tmp_path / "a.db"):
        pass
    with sqlite3.connect(tmp_path / "a.db") as db:
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(InputError, match="newer imr-engine"):
        AuditStore(tmp_path / "a.db")
    with pytest.raises(InputError, match="newer imr-engine"):
        connect_readonly(tmp_path / "a.db")


def test_one_writer_at_a_time(tmp_path: Path) -> None:
    with AuditStore(tmp_path / "a.db"), pytest.raises(InputError, match="another imr audit is writing"):
        AuditStore(tmp_path / "a.db")
    with AuditStore(tmp_path / "a.db"):  # the lock goes with the store
        pass


def test_a_run_killed_before_its_end_is_marked_interrupted_when_the_database_is_next_opened(
    tmp_path: Path,
) -> None:
    store = AuditStore(tmp_path / "a.db")
    store.begin_run(load_rules(), {})
    store.close()  # as a killed run leaves it: no finish_run
    with AuditStore(tmp_path / "a.db"):
        pass
    with sqlite3.connect(tmp_path / "a.db") as db:
        assert db.execute("SELECT status, finished_at FROM runs").fetchall() == [("interrupted", None)]
