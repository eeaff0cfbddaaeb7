"""Runs over many inputs: find the files, read each into a case, evaluate, keep going past bad ones.

Large runs use one worker process per core, each with its own durable_rules ruleset built after
the fork (durable_rules holds the GIL and keeps per-process C state).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from rich.progress import Progress

from engine.errors import InputError
from engine.evaluate import Evaluator
from engine.facts import Case, load_case
from engine.report import CaseOutcome
from engine.rules import RulePack

CASE_SUFFIXES = (".yaml", ".yml")
LETTER_SUFFIXES = (".pdf", ".txt")
# Below this many inputs, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 24


def input_files(paths: Sequence[Path]) -> Iterator[Path]:
    """Case files and letters named on the command line, folders expanded in sorted order."""
    for path in paths:
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in (*CASE_SUFFIXES, *LETTER_SUFFIXES)
            )
            if not found:
                raise InputError(path, "folder holds no case files (.yaml) or letters (.pdf, .txt)")
            yield from found
        elif path.is_file():
            yield path
        else:
            raise InputError(path, "no such file or folder")


def read_case(path: Path) -> Case:
    """A case file as written, or a letter read into a case."""
    if path.suffix.lower() in CASE_SUFFIXES:
        return load_case(path)
    from engine.letters.extract import extract_case

    return extract_case(path)


_worker: tuple[Evaluator, dt.date | None] | None = None


def _init_worker(pack: RulePack, as_of: dt.date | None) -> None:
    global _worker
    _worker = (Evaluator(pack), as_of)


def _evaluate_path(path: Path) -> CaseOutcome:
    assert _worker is not None
    evaluator, as_of = _worker
    return evaluate_path(evaluator, path, as_of)


def evaluate_path(evaluator: Evaluator, path: Path, as_of: dt.date | None) -> CaseOutcome:
    try:
        case = read_case(path)
    except InputError as exc:
        return CaseOutcome(path=str(path), error=exc.one_line())
    return CaseOutcome(path=str(path), case=case, result=evaluator.evaluate(case, as_of))


def run_paths(
    paths: Sequence[Path], pack: RulePack, as_of: dt.date | None, workers: int = 0, progress: bool = True
) -> list[CaseOutcome]:
    files = list(input_files(paths))
    workers = workers or os.cpu_count() or 1
    with Progress(transient=True, disable=not progress) as bar:
        task = bar.add_task("evaluating", total=len(files))
        if workers == 1 or len(files) < PARALLEL_THRESHOLD:
            evaluator = Evaluator(pack)
            outcomes = []
            for path in files:
                outcomes.append(evaluate_path(evaluator, path, as_of))
                bar.advance(task)
            return outcomes
        with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(pack, as_of)) as pool:
            outcomes = []
            for outcome in pool.map(_evaluate_path, files, chunksize=8):
                outcomes.append(outcome)
                bar.advance(task)
            return outcomes
