"""An audit run: find the inputs, skip those already audited, audit the rest over worker processes
(or a Dask cluster), and write each result from this process as it comes.

Every input is hashed first; one whose sha256 the database already holds under the same rules
version is skipped, so an interrupted run resumes where it stopped. Results are consumed in the
order they complete and committed in batches (a transaction every `BATCH_LETTERS` letters or
`BATCH_SECONDS`); memory stays flat however many letters there are. Ctrl-C stops the workers and
keeps everything finished so far.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from engine.audit.record import AuditWorker, LetterRecord, failed, input_kind, preload
from engine.audit.store import AuditStore
from engine.errors import InputError
from engine.inputs import STDIN, Entry, Skipped, find_inputs, read_bytes
from engine.rules import RulePack
from engine.workers import DEFAULT_TIMEOUT, WorkerPool, default_workers

BATCH_LETTERS = 250
BATCH_SECONDS = 2.0

AuditTask = tuple[str, str]  # (path, sha256 of its bytes when handed out)


class Dispatcher(Protocol):
    """Audits tasks somewhere and yields each letter's record as it completes."""

    def results(self, tasks: Sequence[AuditTask]) -> Iterator[LetterRecord]: ...

    def close(self) -> None: ...


# --- worker processes on this machine -------------------------------------------------------------

_worker: AuditWorker | None = None


class LocalPool:
    """One forked worker process per core (durable_rules holds the GIL), each with its own rulesets,
    over engine.workers: a worker that dies costs only the letter it held, which is retried once in
    a fresh process and recorded as failed if it kills that one too; a letter that hangs past the
    time bound is stopped and recorded."""

    def __init__(
        self, pack: RulePack, as_of: dt.date | None, workers: int, timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        self.pack = pack
        self.as_of = as_of
        self.workers = workers
        self.timeout = timeout
        self._running: Iterator[LetterRecord] | None = None

    def results(self, tasks: Sequence[AuditTask]) -> Iterator[LetterRecord]:
        self._running = self._results(tasks)
        return self._running

    def _results(self, tasks: Sequence[AuditTask]) -> Iterator[LetterRecord]:
        if not tasks:
            return
        preload(letters=any(input_kind(path) == "letter" for path, _ in tasks))
        pack, as_of = self.pack, self.as_of

        def setup() -> None:
            global _worker
            _worker = AuditWorker(pack, as_of)

        def job(task: AuditTask) -> LetterRecord:
            assert _worker is not None
            return _worker.audit(*task)

        pool = WorkerPool(job, default_workers(self.workers, len(tasks)), setup, self.timeout)
        for done in pool.run(tasks, ordered=False):
            if done.result is not None:
                yield done.result
            else:
                path, sha = done.task
                kind = "worker_died" if "worker process" in (done.failure or "") else "internal"
                yield failed(path, sha, f"{path}: {done.failure}", kind)

    def close(self) -> None:
        # closing the generator stops every worker process (WorkerPool.run's cleanup)
        if self._running is not None:
            self._running.close()  # type: ignore[attr-defined]
            self._running = None


# --- the run --------------------------------------------------------------------------------------


@dataclass
class RunSummary:
    run_id: int
    rules_version: str
    inputs: int = 0
    audited: int = 0
    skipped: int = 0
    duplicates: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    internal_failures: int = 0
    left_out: list[Skipped] = field(default_factory=list)
    interrupted: bool = False
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # this process's, during the run

    @property
    def rate(self) -> float:
        return self.audited / self.seconds if self.seconds else 0.0


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.0f} letters/s", style="cyan")


def _progress(total: int, enabled: bool) -> Progress:
    # drawn from this thread only (auto_refresh off): a refresh thread would be copied, mid-lock,
    # into every forked worker
    console = Console(stderr=True)
    return Progress(
        TextColumn("auditing"),
        BarColumn(),
        MofNCompleteColumn(),
        _RateColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        auto_refresh=False,
        disable=not (enabled and console.is_terminal),
    )


def run_audit(
    paths: Sequence[Path],
    store: AuditStore,
    pack: RulePack,
    dispatcher_for: Callable[[], Dispatcher],
    options: dict[str, object],
    progress: bool,
) -> RunSummary:
    """Audit every input into the store; see the module docstring."""
    inputs = find_inputs(paths)
    run_id = store.begin_run(pack, options)
    summary = RunSummary(
        run_id=run_id, rules_version=pack.content_hash, inputs=len(inputs.entries), left_out=inputs.skipped
    )
    written = store.done(pack.content_hash)
    started, cpu_started = time.perf_counter(), time.process_time()
    pending: list[LetterRecord] = []
    seen_sources: list[tuple[str, str]] = []
    last_commit = last_draw = time.monotonic()
    bar = _progress(len(inputs.entries), progress)
    task = bar.add_task("audit", total=len(inputs.entries))

    def advance() -> None:
        nonlocal last_draw
        bar.advance(task)
        if time.monotonic() - last_draw > 0.1:
            bar.refresh()
            last_draw = time.monotonic()

    def flush() -> None:
        nonlocal last_commit
        if pending:
            store.write(run_id, pack.content_hash, pending)
            pending.clear()
        if seen_sources:
            store.note_sources(run_id, seen_sources)
            seen_sources.clear()
        last_commit = time.monotonic()

    def take(record: LetterRecord) -> None:
        advance()
        if record.sha256 in written:
            # the file changed after it was handed out, into one already audited
            seen_sources.append((record.sha256, record.source))
            summary.duplicates += 1
            return
        written.add(record.sha256)
        pending.append(record)
        summary.audited += 1
        if record.error is not None:
            summary.failed += 1
            summary.errors.append(record.error)
            summary.internal_failures += record.error_kind in ("internal", "worker_died")

    tasks = _tasks(inputs.entries, written, take, seen_sources, summary, advance)
    dispatcher = dispatcher_for()
    status = "interrupted"
    try:
        with bar:
            try:
                for record in dispatcher.results(tasks):
                    take(record)
                    if len(pending) >= BATCH_LETTERS or time.monotonic() - last_commit >= BATCH_SECONDS:
                        flush()
                status = "finished"
            except KeyboardInterrupt:
                summary.interrupted = True
            finally:
                dispatcher.close()
                flush()
    finally:
        summary.seconds = time.perf_counter() - started
        summary.cpu_seconds = time.process_time() - cpu_started
        skipped = summary.skipped + summary.duplicates
        store.finish_run(run_id, status, summary.inputs, summary.audited, skipped, summary.failed)
    return summary


def _tasks(
    entries: Sequence[Entry],
    written: set[str],
    take: Callable[[LetterRecord], None],
    seen_sources: list[tuple[str, str]],
    summary: RunSummary,
    advance: Callable[[], None],
) -> list[AuditTask]:
    """The inputs still to audit, by content: those already in the database, or the same bytes
    under another name, are noted and skipped; those that cannot be read are recorded as such."""
    handed_out: set[str] = set()
    tasks = []
    for entry in entries:
        path = entry.path
        source = os.path.abspath(path)
        problem = entry.problem
        if path == STDIN:
            # an audit is resumed by re-reading its inputs: they must be files
            problem = "standard input cannot be audited; name the files or folders"
        sha = ""
        if problem is None:
            try:
                sha = hashlib.sha256(read_bytes(path)).hexdigest()
            except InputError as exc:
                problem = exc.message
        if problem is not None:
            # no content to name it by: the path stands in, and a later run tries it again
            stand_in = hashlib.sha256(f"unreadable\0{source}".encode()).hexdigest()
            take(failed(source, stand_in, f"{path}: {problem}", "unreadable"))
            continue
        if sha in written or sha in handed_out:
            if sha in written:
                summary.skipped += 1
            else:
                summary.duplicates += 1
            seen_sources.append((sha, source))
            advance()
            continue
        handed_out.add(sha)
        tasks.append((source, sha))
    return tasks
