"""Runs over many inputs: a bad input, dead worker, unreadable path or repeated name costs no other result."""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.batch import RunSettings, run_entries
from engine.inputs import Entry, find_inputs
from engine.paths import CASES_DIR, LETTERS_DIR, PROJECT_ROOT
from engine.report import CaseOutcome
from engine.workers import WorkerPool

IMR = str(Path(sys.executable).parent / "imr")
CASE = CASES_DIR / "2014-2015" / "000_749f852bc9fe9999.yaml"
needs_letters = pytest.mark.skipif(not LETTERS_DIR.is_dir(), reason="development letters not present")


# --- the worker pool ------------------------------------------------------------------------------


def _crash_on_three(task: int) -> int:
    if task == 3:
        ctypes.string_at(0)  # a real segfault, as durable_rules' C parser gives on some input
    return task * 10


def test_a_task_that_kills_its_worker_is_retried_once_then_reported_and_the_rest_go_on() -> None:
    done = list(WorkerPool(_crash_on_three, workers=2, timeout=30).run(list(range(8))))
    assert [d.task for d in done] == list(range(8))
    assert [d.result for d in done if d.task != 3] == [t * 10 for t in range(8) if t != 3]
    crashed = done[3]
    assert crashed.result is None
    assert crashed.retried is not None and "SIGSEGV" in crashed.retried
    assert crashed.failure is not None and "again when retried in a fresh process" in crashed.failure


def _killed_once(marker: str) -> str:
    if not os.path.exists(marker):
        Path(marker).write_text("died here once")
        os.kill(os.getpid(), signal.SIGKILL)
    return "read"


def test_a_task_whose_worker_was_killed_succeeds_on_its_retry(tmp_path: Path) -> None:
    marker = str(tmp_path / "marker")
    (done,) = WorkerPool(_killed_once, workers=1, timeout=30).run([marker])
    assert done.result == "read" and done.failure is None
    assert done.retried is not None and "SIGKILL" in done.retried


def _sleep_on_one(task: int) -> int:
    if task == 1:
        time.sleep(60)
    return task


def test_a_task_past_the_time_bound_is_stopped_and_reported_without_holding_the_others() -> None:
    started = time.monotonic()
    done = list(WorkerPool(_sleep_on_one, workers=2, timeout=2).run([0, 1, 2, 3]))
    assert time.monotonic() - started < 20
    assert [d.result for d in done] == [0, None, 2, 3]
    assert done[1].failure is not None and "no result after 2 s" in done[1].failure


def _raise_for_odd(entry: Entry) -> CaseOutcome:
    if entry.path.endswith("1.yaml"):
        raise ValueError("not a bad input: a bug")
    return CaseOutcome(path=entry.path)


def test_any_error_type_a_job_raises_is_that_inputs_failure(tmp_path: Path) -> None:
    for name in ("0.yaml", "1.yaml", "2.yaml"):
        (tmp_path / name).write_text("case_id: x\n")
    outcomes = list(
        run_entries(find_inputs([tmp_path]), _raise_for_odd, RunSettings(workers=1, progress=False))
    )
    assert [o.error is None for o in outcomes] == [True, False, True]
    assert outcomes[1].failure == "internal" and "ValueError: not a bad input" in (outcomes[1].error or "")


# --- folder walks -----------------------------------------------------------------------------------


@pytest.fixture
def odd_folder(tmp_path: Path) -> Path:
    """A folder with one good case and every kind of entry a walk must name rather than pass over."""
    shutil.copy(CASE, tmp_path / "good.yaml")
    os.mkfifo(tmp_path / "pipe.yaml")
    (tmp_path / "device.pdf").symlink_to("/dev/zero")
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "gone.txt")
    (tmp_path / "loop.yaml").symlink_to(tmp_path / "loop.yaml")
    (tmp_path / "notes.md").write_text("not a letter\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "back").symlink_to(tmp_path)
    return tmp_path


def test_a_folder_walk_names_every_entry_it_cannot_read_or_leaves_out(odd_folder: Path) -> None:
    found = find_inputs([odd_folder])
    problems = {Path(e.path).name: e.problem for e in found.entries if e.problem}
    assert "FIFO" in (problems["pipe.yaml"] or "")
    assert "device" in (problems["device.pdf"] or "")
    assert "broken symbolic link" in (problems["dangling.txt"] or "")
    assert "loop" in (problems["loop.yaml"] or "")
    assert [Path(e.path).name for e in found.readable] == ["good.yaml"]
    skipped = {Path(s.path).name: s.reason for s in found.skipped}
    assert "not a case file or letter" in skipped["notes.md"]
    assert "walked once" in skipped["back"]


def test_a_fifo_or_device_named_directly_says_what_it_is_and_never_blocks(odd_folder: Path) -> None:
    found = find_inputs([odd_folder / "pipe.yaml", "/dev/zero", odd_folder / "dangling.txt"])
    messages = [e.problem or "" for e in found.entries]
    assert "named pipe (FIFO)" in messages[0]
    assert "a device" in messages[1]
    assert "broken symbolic link" in messages[2]
    assert not any("no such file" in m for m in messages)


def test_the_same_file_named_twice_or_through_a_link_is_read_once(tmp_path: Path) -> None:
    shutil.copy(CASE, tmp_path / "case.yaml")
    (tmp_path / "alias.yaml").symlink_to(tmp_path / "case.yaml")
    found = find_inputs([tmp_path / "case.yaml", tmp_path, tmp_path / "case.yaml"])
    assert [e.path for e in found.entries] == [str(tmp_path / "case.yaml")]
    assert len(found.skipped) == 3


def _walk_as_nobody(folder: Path) -> list[str]:
    """find_inputs run by an unprivileged user (root reads any folder, whatever its mode)."""
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(read)
        os.setgid(65534)
        os.setuid(65534)
        problems = [e.problem or "" for e in find_inputs([folder]).entries]
        os.write(write, json.dumps(problems).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as stream:
        problems = json.loads(stream.read() or "[]")
    os.waitpid(child, 0)
    return problems


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run the walk as another user")
def test_an_unreadable_subfolder_is_named_and_the_rest_is_read() -> None:
    folder = Path(tempfile.mkdtemp())
    try:
        folder.chmod(0o755)
        shutil.copy(CASE, folder / "good.yaml")
        (folder / "locked").mkdir(mode=0o700)
        shutil.copy(CASE, folder / "locked" / "hidden.yaml")
        problems = _walk_as_nobody(folder)
        assert problems[0] == "" and "cannot read folder: permission denied" in problems[1]
    finally:
        shutil.rmtree(folder)


# --- through the command line --------------------------------------------------------------------


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [IMR, *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300, check=False
    )


def test_a_missing_path_fails_alone_and_the_others_are_evaluated(tmp_path: Path) -> None:
    done = run("check", "--json", str(tmp_path / "missing.yaml"), str(CASE))
    assert done.returncode == 2, done.stderr
    cases = json.loads(done.stdout)["cases"]
    assert cases[0]["error"].endswith("missing.yaml: no such file or folder")
    assert cases[1]["items"]
    assert done.stderr.strip().splitlines() == [f"error: {tmp_path / 'missing.yaml'}: no such file or folder"]


def test_a_file_named_twice_counts_its_items_once() -> None:
    done = run("check", "--json", str(CASE), str(CASE))
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert len(document["cases"]) == 1 and document["summary"]["items"] == 3
    assert document["skipped"] == [{"path": str(CASE), "reason": "named twice; read once"}]


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


@pytest.fixture
def two_thousand_letters(tmp_path: Path) -> Iterator[Path]:
    letters = sorted((LETTERS_DIR / "2014-2015").glob("*.txt"))
    for i in range(2000):
        shutil.copy(letters[i % len(letters)], tmp_path / f"letter-{i:04d}.txt")
    yield tmp_path


@needs_letters
def test_a_2000_letter_run_in_which_a_worker_is_killed_still_reports_every_letter(
    two_thousand_letters: Path,
) -> None:
    process = subprocess.Popen(
        [IMR, "check", "--json", "--quiet", "--workers", "2", str(two_thousand_letters)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while len(_children(process.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)  # into the run, past every worker's start
    victim = _children(process.pid)[0]
    os.kill(victim, signal.SIGKILL)
    stdout, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr
    cases = json.loads(stdout)["cases"]
    assert len(cases) == 2000
    assert all(c.get("error") is None and c["items"] for c in cases)
    retried = [c for c in cases if c.get("retried")]
    assert len(retried) == 1 and "SIGKILL" in retried[0]["retried"]
