"""Runs over many inputs: read each into a case, evaluate it, and keep every result that can be had.

One bad input never costs a run. Whatever reading or evaluating one input raises becomes that
input's one-line failure; a worker process that dies costs only the input it held, which is
retried once in a fresh process (engine/workers.py); a path that cannot be read is a failed input
of its own (engine/inputs.py). Every worker builds its own durable_rules rulesets after the fork
(durable_rules holds the GIL and keeps per-process C state).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from engine.errors import InputError
from engine.evaluate import Evaluator
from engine.facts import Case, load_case, load_fact_vocabulary
from engine.inputs import STDIN, Entry, Inputs, Skipped, display_path, find_inputs
from engine.report import CaseOutcome
from engine.rules import RulePack
from engine.vocab import load_vocabulary
from engine.workers import DEFAULT_TIMEOUT, WorkerPool, default_workers


@dataclass(frozen=True)
class RunSettings:
    """How a run uses the machine: worker processes (0: one per core), the time bound per input,
    and whether a progress bar is drawn (on standard error, and only on a terminal)."""

    workers: int = 0
    timeout: float = DEFAULT_TIMEOUT
    progress: bool = True


@dataclass(frozen=True)
class Run:
    """Every input's outcome, in the order found, and what was deliberately left out."""

    outcomes: list[CaseOutcome]
    skipped: list[Skipped]


def _looks_like_case(data: bytes) -> bool:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith((b"case_id:", b"---", b"#")) or b"\ncase_id:" in head


def read_case(path: str | Path, data: bytes | None = None) -> Case:
    """A case file as written, or a letter read into a case (standard input: told by its content)."""
    from engine.letters.extract import extract_case

    name = display_path(path)
    is_case = (
        _looks_like_case(data)
        if str(path) == STDIN and data is not None
        else str(path).lower().endswith((".yaml", ".yml"))
    )
    if is_case:
        return load_case(Path(name), data)
    return extract_case(name, data)


def _failed(entry: Entry, exc: Exception) -> CaseOutcome:
    name = display_path(entry.path)
    if isinstance(exc, InputError):
        return CaseOutcome(path=name, error=exc.one_line(), failure="input")
    if isinstance(exc, MemoryError):
        return CaseOutcome(path=name, error=f"{name}: ran out of memory reading it", failure="internal")
    return CaseOutcome(
        path=name, error=f"{name}: internal error: {type(exc).__name__}: {exc}", failure="internal"
    )


def evaluate_entry(evaluator: Evaluator, entry: Entry, as_of: dt.date | None) -> CaseOutcome:
    """One input read and evaluated; whatever it raises becomes its failure."""
    try:
        case = read_case(entry.path, entry.data)
        return CaseOutcome(path=display_path(entry.path), case=case, result=evaluator.evaluate(case, as_of))
    except Exception as exc:
        return _failed(entry, exc)


def extract_entry(entry: Entry) -> CaseOutcome:
    """One letter read into a case (no evaluation); whatever it raises becomes its failure."""
    from engine.letters.extract import extract_case

    try:
        return CaseOutcome(
            path=display_path(entry.path), case=extract_case(display_path(entry.path), entry.data)
        )
    except Exception as exc:
        return _failed(entry, exc)


def _preload() -> None:
    """What every worker needs, loaded once before the fork so the workers share it."""
    import engine.letters.extract  # noqa: F401

    load_fact_vocabulary()
    load_vocabulary()


@contextmanager
def _progress(total: int, enabled: bool, label: str) -> Iterator[Callable[[], None]]:
    """A progress bar on standard error, drawn from this thread only (a refresh thread would be
    copied, mid-lock, into every forked worker)."""
    from rich.console import Console
    from rich.progress import Progress

    console = Console(stderr=True)
    with Progress(console=console, transient=True, auto_refresh=False, disable=not enabled) as bar:
        task = bar.add_task(label, total=total)
        last = 0.0

        def advance() -> None:
            nonlocal last
            bar.advance(task)
            now = time.monotonic()
            if now - last > 0.1:
                bar.refresh()
                last = now

        yield advance


def run_entries(
    inputs: Inputs,
    job: Callable[[Entry], CaseOutcome],
    settings: RunSettings,
    setup: Callable[[], None] | None = None,
    label: str = "reading",
) -> Iterator[CaseOutcome]:
    """`job` over every readable entry in worker processes; the outcomes in the order of the entries."""
    readable = inputs.readable
    _preload()
    pool = WorkerPool(job, default_workers(settings.workers, len(readable)), setup, settings.timeout)
    with _progress(len(readable), settings.progress and sys.stderr.isatty(), label) as advance:
        done = pool.run(readable, on_done=advance)
        for entry in inputs.entries:
            name = display_path(entry.path)
            if entry.problem is not None:
                yield CaseOutcome(path=name, error=f"{name}: {entry.problem}", failure="input")
                continue
            finished = next(done)
            if finished.result is None:
                yield CaseOutcome(
                    path=name,
                    error=f"{name}: {finished.failure}",
                    failure="internal",
                    retried=finished.retried,
                )
            else:
                yield dataclasses.replace(finished.result, retried=finished.retried)


_evaluator: Evaluator | None = None


def iter_evaluated(
    inputs: Inputs, pack: RulePack, as_of: dt.date | None, settings: RunSettings = RunSettings()
) -> Iterator[CaseOutcome]:
    """Every input read and evaluated against `pack`, as each comes (for runs too large to hold)."""

    def setup() -> None:
        global _evaluator
        _evaluator = Evaluator(pack)

    def job(entry: Entry) -> CaseOutcome:
        assert _evaluator is not None
        return evaluate_entry(_evaluator, entry, as_of)

    return run_entries(inputs, job, settings, setup, "evaluating")


def run_paths(
    paths: Sequence[str | Path], pack: RulePack, as_of: dt.date | None, settings: RunSettings = RunSettings()
) -> Run:
    """Every case file and letter under `paths` read and evaluated."""
    inputs = find_inputs(paths)
    return Run(outcomes=list(iter_evaluated(inputs, pack, as_of, settings)), skipped=inputs.skipped)


def extract_paths(paths: Sequence[str | Path], settings: RunSettings = RunSettings()) -> Run:
    """Every letter under `paths` read into a case."""
    from engine.inputs import LETTER_SUFFIXES

    inputs = find_inputs(paths, LETTER_SUFFIXES)
    return Run(
        outcomes=list(run_entries(inputs, extract_entry, settings, label="extracting")),
        skipped=inputs.skipped,
    )
