"""Timing shared by the benchmarks (run as scripts: `python bench/<name>.py`)."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_rate(work: Callable[[], int], rounds: int) -> float:
    """Letters per second of the fastest round; `work` returns how many letters it handled."""
    best = float("inf")
    count = 0
    for _ in range(rounds):
        started = time.perf_counter()
        count = work()
        best = min(best, time.perf_counter() - started)
    return count / best
