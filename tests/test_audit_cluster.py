"""`imr audit --cluster`: the same audit on a Dask LocalCluster that the test starts (two worker
processes); the workers audit, this process alone writes the database, and the stored results are
those of a local run."""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

import pytest
from distributed import LocalCluster

from engine.audit.command import AuditRequest, run_audit_command
from engine.paths import CASES_DIR, LETTERS_DIR
from engine.rules import load_rules


class _Quiet:
    def print(self, *renderables: object) -> None:
        pass

    def json(self, document: object) -> None:
        pass


def _audit(paths: list[Path], db: Path, cluster: str | None) -> int:
    request = AuditRequest(
        paths=paths, db=db, html=None, workers=1, as_json=False, cluster=cluster, export=None, as_of=None,
        rules=None, timeout=120.0, progress=False,
    )  # fmt: skip
    return run_audit_command(request, lambda _: load_rules(), _Quiet(), sys.stderr.write, lambda _: None)


def _stored(db: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as connection:
        return connection.execute(
            "SELECT l.sha256, i.position, i.text, i.kind, i.recorded, i.predicted, i.status, i.deciding,"
            " (SELECT group_concat(c.criterion_id || '=' || c.status) FROM criteria c"
            " WHERE c.item_pk = i.item_pk)"
            " FROM items i JOIN letters l USING (letter_id) ORDER BY l.sha256, i.position"
        ).fetchall()


def test_a_cluster_run_stores_what_a_local_run_stores(tmp_path: Path) -> None:
    inputs = [CASES_DIR / "2014-2015"]
    if LETTERS_DIR.is_dir():
        inputs += sorted(LETTERS_DIR.glob("dwc-2016-2017/*.pdf"))[:5]
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        worker_pids = {w.pid for w in cluster.workers.values() if hasattr(w, "pid")}
        assert _audit(inputs, tmp_path / "cluster.db", cluster.scheduler_address) == 0
    assert _audit(inputs, tmp_path / "local.db", None) == 0
    on_cluster, local = _stored(tmp_path / "cluster.db"), _stored(tmp_path / "local.db")
    assert on_cluster == local and len(on_cluster) >= 13
    with sqlite3.connect(tmp_path / "cluster.db") as connection:
        workers = {w for (w,) in connection.execute("SELECT DISTINCT worker FROM letters")}
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    pids = {int(w.rsplit(":", 1)[1]) for w in workers}
    assert os.getpid() not in pids, "the coordinator audited letters itself"
    if worker_pids:
        assert pids <= worker_pids


def test_an_unreachable_scheduler_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from engine.errors import InputError

    with pytest.raises(InputError, match="cannot reach the Dask scheduler"):
        _audit([CASES_DIR / "2014-2015"], tmp_path / "x.db", "tcp://127.0.0.1:9")
