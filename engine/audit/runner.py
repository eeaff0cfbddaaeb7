"""An audit run: find the inputs, skip those already audited, audit the rest over worker processes
(or a Dask cluster), and write each result from this process as it comes.

Inputs are hashed as they are handed out; an input whose sha256 the database already holds under
the same rules version is skipped, so an interrupted run resumes where it stopped. Results are
consumed in the order they complete and committed in batches (a transaction every
`BATCH_LETTERS` letters or `BATCH_SECONDS`); memory stays flat however many letters there are.
Ctrl-C stops handing out work and keeps everything finished so far.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
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
from engine.batch import input_files
from engine.rules import RulePack

BATCH_LETTERS = 200
BATCH_SECONDS = 0.5
# Letters per task sent to a worker: enough to make the hand-over cheap, few enough to keep every
# worker busy to the end and to lose little when a worker dies.
CHUNK = 8

AuditTask = tuple[str, str]  # (path, sha256)


class Dispatcher(Protocol):
    """Audits chunks of tasks somewhere and yields each letter's record as its chunk completes."""

    def results(self, chunks: Iterable[list[AuditTask]]) -> Iterator[LetterRecord]: ...

    def close(self) -> None: ...


# --- worker processes on this machine -------------------------------------------------------------

_worker: AuditWorker | None = None


def _init_process(pack: RulePack, as_of: dt.date | None) -> None:
    global _worker
    # Ctrl-C is the coordinator's to handle: it stops handing out work and keeps what is done
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker = AuditWorker(pack, as_of)


def _audit_chunk(chunk: list[AuditTask]) -> list[LetterRecord]:
    assert _worker is not None
    return [_worker.audit(path, sha) for path, sha in chunk]


class LocalPool:
    """One worker process per core (durable_rules holds the GIL), each with its own ruleset.

    A worker that dies (durable_rules' C code can abort the process) takes its chunk with it: the
    letters then in flight are audited again one at a time in a fresh process, and a letter that
    kills that one too is recorded as such.
    """

    def __init__(self, pack: RulePack, as_of: dt.date | None, workers: int) -> None:
        self.pack = pack
        self.as_of = as_of
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def _new_pool(self, workers: int) -> ProcessPoolExecutor:
        # fork: the workers inherit the loaded rule pack instead of unpickling it
        return ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_init_process,
            initargs=(self.pack, self.as_of),
        )

    def results(self, chunks: Iterable[list[AuditTask]]) -> Iterator[LetterRecord]:
        source = iter(chunks)
        first = next(source, None)
        if first is None:
            return  # everything already audited: no worker to start
        source = itertools.chain([first], source)
        preload(letters=any(input_kind(path) == "letter" for path, _ in first))
        in_flight: dict[Future[list[LetterRecord]], list[AuditTask]] = {}
        self._pool = self._new_pool(self.workers)
        exhausted = False
        while True:
            while not exhausted and len(in_flight) < 3 * self.workers:
                chunk = next(source, None)
                if chunk is None:
                    exhausted = True
                    break
                in_flight[self._pool.submit(_audit_chunk, chunk)] = chunk
            if not in_flight:
                return
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            broken = False
            for future in done:
                chunk = in_flight.pop(future)
                try:
                    yield from future.result()
                except BrokenProcessPool:
                    broken = True
                    yield from self._one_by_one(chunk)
            if broken:
                lost = [task for chunk in in_flight.values() for task in chunk]
                in_flight.clear()
                self._pool.shutdown(wait=False)
                yield from self._one_by_one(lost)
                self._pool = self._new_pool(self.workers)

    def _one_by_one(self, tasks: Sequence[AuditTask]) -> Iterator[LetterRecord]:
        for path, sha in tasks:
            pool = self._new_pool(1)
            try:
                yield from pool.submit(_audit_chunk, [(path, sha)]).result()
            except BrokenProcessPool:
                yield failed(
                    path, sha, f"{path}: the worker process died while auditing this input", "worker_died"
                )
            finally:
                pool.shutdown(wait=False)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


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
    interrupted: bool = False
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.audited / self.seconds if self.seconds else 0.0


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.0f} letters/s", style="cyan")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def run_audit(
    paths: Sequence[Path],
    store: AuditStore,
    pack: RulePack,
    dispatcher_for: Callable[[], Dispatcher],
    options: dict[str, object],
    progress: bool,
) -> RunSummary:
    """Audit every input into the store; see the module docstring."""
    files = list(input_files(paths))
    run_id = store.begin_run(pack, options)
    summary = RunSummary(run_id=run_id, rules_version=pack.content_hash, inputs=len(files))
    already = store.done(pack.content_hash)
    started = time.perf_counter()
    console = Console(stderr=True)
    bar = Progress(
        TextColumn("auditing"),
        BarColumn(),
        MofNCompleteColumn(),
        _RateColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not (progress and console.is_terminal),
    )
    task = bar.add_task("audit", total=len(files))
    pending: list[LetterRecord] = []
    seen_sources: list[tuple[str, str]] = []
    last_commit = time.monotonic()

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
        pending.append(record)
        summary.audited += 1
        if record.error is not None:
            summary.failed += 1
            summary.errors.append(record.error)
        bar.advance(task)

    def chunks() -> Iterator[list[AuditTask]]:
        handed_out: set[str] = set()
        chunk: list[AuditTask] = []
        for path in files:
            source = str(path.resolve())
            try:
                sha = file_sha256(path)
            except OSError as exc:
                unreadable = hashlib.sha256(f"unreadable\0{source}".encode()).hexdigest()
                take(failed(source, unreadable, f"{path}: cannot read: {exc.strerror}", "unreadable"))
                continue
            if sha in already or sha in handed_out:
                if sha in already:
                    summary.skipped += 1
                else:
                    summary.duplicates += 1
                seen_sources.append((sha, source))
                bar.advance(task)
                continue
            handed_out.add(sha)
            chunk.append((source, sha))
            if len(chunk) == CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    dispatcher = dispatcher_for()
    status = "interrupted"
    try:
        with bar:
            try:
                for record in dispatcher.results(chunks()):
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
        skipped = summary.skipped + summary.duplicates
        store.finish_run(run_id, status, summary.inputs, summary.audited, skipped, summary.failed)
    return summary


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
