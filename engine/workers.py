"""Worker processes that survive their workers: a run keeps every result a dead worker did not take.

Each worker holds one task at a time, so when one dies (killed, out of memory, or a segfault in
the native rule engine) the parent knows which task it held: that task is retried once in a fresh
process, and reported failed if it kills that one too; every other task goes on. A task that
outlasts the time bound has its worker stopped and is reported failed (a hang would only hang
again). Workers are forked after the parent has loaded what they share, and ignore Ctrl-C, which
the parent handles by stopping them all.
"""

from __future__ import annotations

import faulthandler
import multiprocessing
import multiprocessing.connection
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# A letter within the input limits is read and evaluated in well under a second.
DEFAULT_TIMEOUT = 120.0


@dataclass(frozen=True)
class Done(Generic[T, R]):
    """One task's end: its result, or why the worker produced none; and why it was retried, if so."""

    task: T
    result: R | None
    failure: str | None = None
    retried: str | None = None


@dataclass(frozen=True)
class _Raised:
    """A job that raised instead of returning (a bug: jobs turn bad input into results)."""

    message: str


def _serve(
    connection: multiprocessing.connection.Connection, setup: Callable[[], None] | None, job: Callable[[T], R]
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # a crash is reported by the parent in one line; a Python stack dump would reach the terminal
    faulthandler.disable()
    if setup is not None:
        setup()
    while True:
        try:
            task = connection.recv()
        except EOFError:
            return
        try:
            result: object = job(task)
            connection.send(result)
        except Exception as exc:
            connection.send(_Raised(f"internal error: {type(exc).__name__}: {exc}"))


def death_reason(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        cause = {
            "SIGSEGV": " (a crash in native code, such as the rule engine)",
            "SIGKILL": " (killed, perhaps for lack of memory)",
            "SIGABRT": " (aborted by native code)",
        }.get(name, "")
        return f"worker process died of {name}{cause}"
    return f"worker process exited with code {exitcode} without a result"


class _Worker:
    def __init__(
        self,
        context: multiprocessing.context.ForkContext,
        setup: Callable[[], None] | None,
        job: Callable[[T], R],
    ) -> None:
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, setup, job), daemon=True)
        self.process.start()
        child.close()
        self.task: int | None = None
        self.started = 0.0
        self.fresh = True

    def give(self, index: int, task: object) -> None:
        self.task, self.started, self.fresh = index, time.monotonic(), False
        self.connection.send(task)

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.connection.close()


class WorkerPool(Generic[T, R]):
    """Runs `job` over tasks in `workers` forked processes (each first runs `setup`)."""

    def __init__(
        self,
        job: Callable[[T], R],
        workers: int,
        setup: Callable[[], None] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.job = job
        self.workers = max(1, workers)
        self.setup = setup
        self.timeout = timeout
        self._context = multiprocessing.get_context("fork")

    def run(
        self, tasks: Sequence[T], on_done: Callable[[], None] | None = None, ordered: bool = True
    ) -> Iterator[Done[T, R]]:
        """Every task's Done, in the order of `tasks` (or, not `ordered`, as each ends); `on_done` is
        called as each one ends."""
        pending = deque(range(len(tasks)))
        retry: deque[int] = deque()
        retried: dict[int, str] = {}
        finished: dict[int, Done[T, R]] = {}
        next_out = yielded = 0
        pool: list[_Worker] = []
        try:
            while yielded < len(tasks):
                self._fill(pool, pending, retry, tasks)
                self._collect(pool, tasks, retry, retried, finished, on_done)
                if not ordered:
                    for index in list(finished):
                        yield finished.pop(index)
                        yielded += 1
                while next_out in finished:
                    yield finished.pop(next_out)
                    next_out += 1
                    yielded += 1
        finally:
            for worker in pool:
                worker.stop()

    def _fill(self, pool: list[_Worker], pending: deque[int], retry: deque[int], tasks: Sequence[T]) -> None:
        # a retry goes only to a process that has run nothing else
        while retry:
            worker = next((w for w in pool if w.fresh), None)
            if worker is None:
                worker = _Worker(self._context, self.setup, self.job)
                pool.append(worker)
            index = retry.popleft()
            worker.give(index, tasks[index])
        while pending:
            worker = next((w for w in pool if w.task is None), None)
            if worker is None:
                if len([w for w in pool if w.task is not None]) >= self.workers:
                    return
                worker = _Worker(self._context, self.setup, self.job)
                pool.append(worker)
            index = pending.popleft()
            worker.give(index, tasks[index])

    def _collect(
        self,
        pool: list[_Worker],
        tasks: Sequence[T],
        retry: deque[int],
        retried: dict[int, str],
        finished: dict[int, Done[T, R]],
        on_done: Callable[[], None] | None,
    ) -> None:
        busy = [w for w in pool if w.task is not None]
        if not busy:
            return
        now = time.monotonic()
        wait_for = max(0.0, min(w.started + self.timeout for w in busy) - now)
        waitables = [w.connection for w in busy] + [w.process.sentinel for w in busy]
        ready = set(multiprocessing.connection.wait(waitables, timeout=wait_for))
        for worker in busy:
            index = worker.task
            assert index is not None
            failure: str | None = None
            if worker.connection in ready or worker.process.sentinel in ready:
                try:
                    result = worker.connection.recv()
                except (EOFError, OSError):
                    worker.process.join()
                    failure = death_reason(worker.process.exitcode)
                else:
                    worker.task = None
                    if isinstance(result, _Raised):
                        finished[index] = Done(tasks[index], None, result.message, retried.get(index))
                    else:
                        finished[index] = Done(tasks[index], result, retried=retried.get(index))
                    if on_done:
                        on_done()
                    continue
            elif time.monotonic() - worker.started >= self.timeout:
                failure = f"no result after {self.timeout:g} s; its worker process was stopped"
                worker.stop()
                pool.remove(worker)
                finished[index] = Done(tasks[index], None, failure, retried.get(index))
                if on_done:
                    on_done()
                continue
            else:
                continue
            worker.stop()
            pool.remove(worker)
            if index in retried:
                finished[index] = Done(
                    tasks[index], None, f"{failure}, again when retried in a fresh process", retried[index]
                )
                if on_done:
                    on_done()
            else:
                retried[index] = failure
                retry.append(index)


def default_workers(requested: int, tasks: int) -> int:
    """`requested` processes (0: one per core), never more than there are tasks."""
    return max(1, min(requested or os.cpu_count() or 1, tasks))
