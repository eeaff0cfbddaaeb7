"""An audit killed mid-run (SIGKILL, every process of it) and run again loses no item and stores
none twice; Ctrl-C stops it cleanly with what was finished kept; a worker that dies on a letter is
reported for that letter and the run goes on."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from development_letters import all_letter_paths, letter_case, needs_letters

from engine.audit.record import AuditWorker
from engine.audit.runner import BATCH_LETTERS, BATCH_SECONDS, LocalPool, run_audit
from engine.audit.store import AuditStore
from engine.letters.text import read_letter_text
from engine.paths import CASES_DIR
from engine.rules import load_rules

IMR = str(Path(sys.executable).parent / "imr")
# Copies of every development letter: a run long enough to be stopped between its commits (a
# transaction every BATCH_LETTERS letters or BATCH_SECONDS) however fast the machine reads.
COPIES = 4 * BATCH_LETTERS // 79 + 1


@pytest.fixture(scope="module")
def letters(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, int]:
    """A folder of COPIES texts of each development letter (each copy its own sha256), with the
    number of letters and of items in it."""
    folder = tmp_path_factory.mktemp("letters")
    items = 0
    for path in all_letter_paths():
        text = read_letter_text(path).text
        for copy in range(COPIES):
            (folder / f"{path.stem}-{copy}.txt").write_text(text + "\n" * (copy + 1), encoding="utf-8")
        items += COPIES * len(letter_case(path.stem).items)
    return folder, COPIES * len(all_letter_paths()), items


def _count(db: Path, sql: str) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as connection:
            return int(connection.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:  # the schema is not there yet
        return 0


def _start(folder: Path, db: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [IMR, "audit", str(folder), "--db", str(db), "--workers", "1", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: the signal reaches the workers too
        # as from a terminal: a shell that starts the tests in the background (`&`, no job control)
        # leaves SIGINT ignored, and a program started with SIGINT ignored rightly keeps ignoring it
        preexec_fn=_interruptible,
    )


def _interruptible() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_for_letters(db: Path, process: subprocess.Popen[str], at_least: int) -> int:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        done = _count(db, "SELECT COUNT(*) FROM letters")
        if done >= at_least:
            return done
        assert process.poll() is None, f"the audit ended before it was stopped: {process.stderr}"
        time.sleep(0.02)
    raise AssertionError("no letter was committed within two minutes")


@needs_letters
def test_killed_mid_run_and_run_again_every_item_is_stored_once(
    tmp_path: Path, letters: tuple[Path, int, int]
) -> None:
    folder, total, expected_items = letters
    assert total > 2 * BATCH_LETTERS and BATCH_SECONDS > 0
    db = tmp_path / "killed.db"
    process = _start(folder, db)
    committed = _wait_for_letters(db, process, 3)
    os.killpg(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)
    assert committed < total, "the audit finished before it could be killed"
    assert _integrity(db) == "ok"

    rerun = subprocess.run(
        [IMR, "audit", str(folder), "--db", str(db), "--workers", "2", "--json"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert rerun.returncode == 0, rerun.stderr
    assert _integrity(db) == "ok"
    assert _count(db, "SELECT COUNT(*) FROM letters") == total
    assert _count(db, "SELECT COUNT(DISTINCT sha256) FROM letters") == total
    assert _count(db, "SELECT COUNT(*) FROM items") == expected_items
    assert (
        _count(
            db, "SELECT COUNT(*) FROM (SELECT 1 FROM items GROUP BY letter_id, position HAVING COUNT(*) > 1)"
        )
        == 0
    )
    # the killed run is marked as interrupted, the rerun audited only what was missing
    assert _count(db, "SELECT COUNT(*) FROM runs WHERE status = 'interrupted'") == 1
    assert _count(db, "SELECT audited FROM runs WHERE status = 'finished'") == total - _count(
        db, "SELECT COUNT(*) FROM letters WHERE run_id = 1"
    )


def _integrity(db: Path) -> str:
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])


@needs_letters
def test_ctrl_c_stops_cleanly_and_keeps_what_was_finished(
    tmp_path: Path, letters: tuple[Path, int, int]
) -> None:
    folder, total, _ = letters
    db = tmp_path / "stopped.db"
    process = _start(folder, db)
    _wait_for_letters(db, process, 2)
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "interrupted:" in stderr and "run the same command again" in stderr
    assert _integrity(db) == "ok"
    assert _count(db, "SELECT COUNT(*) FROM runs WHERE status = 'interrupted'") == 1
    kept = _count(db, "SELECT COUNT(*) FROM letters")
    assert 2 <= kept < total
    assert _count(db, "SELECT audited FROM runs") == kept


_audit = AuditWorker.audit


def _dies_on_the_poisoned(worker: AuditWorker, path: str, sha256: str) -> object:
    if path.endswith("poisoned.yaml"):
        os._exit(1)
    return _audit(worker, path, sha256)


def test_a_worker_that_dies_is_reported_for_its_letter_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workers are forked from this process, so they inherit the patched method."""
    monkeypatch.setattr(AuditWorker, "audit", _dies_on_the_poisoned)
    folder = tmp_path / "cases"
    folder.mkdir()
    names = sorted(p.name for p in (CASES_DIR / "2014-2015").glob("*.yaml"))
    for name in names:
        (folder / name).write_text((CASES_DIR / "2014-2015" / name).read_text())
    (folder / "poisoned.yaml").write_text((CASES_DIR / "2014-2015" / names[0]).read_text() + "# another\n")
    pack = load_rules()
    with AuditStore(tmp_path / "dead.db") as store:
        summary = run_audit([folder], store, pack, lambda: LocalPool(pack, None, 2), {}, progress=False)
    assert (summary.audited, summary.failed) == (len(names) + 1, 1)
    (error,) = summary.errors
    assert (
        "poisoned.yaml" in error
        and "worker process exited with code 1" in error
        and "again when retried" in error
    )
    assert _count(tmp_path / "dead.db", "SELECT COUNT(*) FROM letters WHERE error IS NULL") == len(names)
    assert _count(tmp_path / "dead.db", "SELECT COUNT(*) FROM letters WHERE error_kind = 'worker_died'") == 1
