"""`imr audit` end to end, letter text to database, on 10,000 letters recombined from the development
letters: 1 worker (the baseline), 2 workers, and a two-worker Dask LocalCluster.

    .venv/bin/python bench/bench_audit.py [--letters N] [--keep DIR] [LETTERS_DIR]

Each recombined letter takes the header, credentials and frame of one development letter (with a
case number of its own), the case summary of another, and one to three disputed items drawn from all
of them, so no two letters are alike. Each run is the real command (`imr audit DIR --db ... --json`)
into a fresh database; letters/s is the run's own measure (inputs hashed, read, evaluated and
committed), the report built after it is timed apart. Worker memory is sampled from /proc during the
run: peak resident size per worker, and its growth from the first tenth of the run to the end
(flat: under 10%). Budget (DESIGN.md): >= 100 letters/s with 2 workers; 2 workers >= 1.7x 1 worker.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.letters.parse import parse_letter
from engine.paths import LETTERS_DIR

IMR = str(Path(sys.executable).parent / "imr")
RATE_BUDGET = 100.0
SCALING_BUDGET = 1.7
FLAT = 0.10
_CASE_NUMBER = re.compile(r"(Case Number:\s*)(\S+)")


@dataclass(frozen=True)
class Frame:
    before_summary: str
    between: str
    after: str


def letter_parts(letters_dir: Path) -> tuple[list[Frame], list[str], list[str]]:
    """Frames (header, credentials, titles) of the letters with a header, every summary, every item
    block (heading, decision, guideline lines, rationale)."""
    frames, summaries, items = [], [], []
    for path in sorted(letters_dir.glob("**/*")):
        if path.suffix.lower() not in (".pdf", ".txt"):
            continue
        letter = parse_letter(path)
        if letter.summary is None or not letter.items or any(i.rationale is None for i in letter.items):
            continue
        text = letter.text
        summaries.append(text[letter.summary.start : letter.summary.end])
        starts = [i.heading.start for i in letter.items]
        ends = [i.rationale.end for i in letter.items if i.rationale is not None]
        items.extend(text[start:end] for start, end in zip(starts, ends, strict=True))
        if letter.header.case_number is not None:
            frames.append(
                Frame(text[: letter.summary.start], text[letter.summary.end : starts[0]], text[ends[-1] :])
            )
    return frames, summaries, items


def recombine(letters_dir: Path, count: int, folder: Path, seed: int = 2017) -> int:
    """Write `count` distinct letters into folder; returns how many items they hold."""
    frames, summaries, items = letter_parts(letters_dir)
    rng = random.Random(seed)
    seen: set[tuple[int, tuple[int, ...]]] = set()
    written = held = 0
    while written < count:
        summary = rng.randrange(len(summaries))
        chosen = tuple(rng.sample(range(len(items)), rng.choice((1, 1, 2, 2, 3))))
        if (summary, chosen) in seen:
            continue
        seen.add((summary, chosen))
        frame = rng.choice(frames)
        number = f"CM90-{written:07d}"
        head = _CASE_NUMBER.sub(lambda m, n=number: m.group(1) + n, frame.before_summary, count=1)
        body = "\n".join(items[i] for i in chosen)
        text = f"{head}{summaries[summary]}{frame.between}{body}\n{frame.after}"
        (folder / f"{number}.txt").write_text(text, encoding="utf-8")
        written += 1
        held += len(chosen)
    return held


@dataclass
class Memory:
    """Resident size of the worker processes, sampled while a run goes."""

    samples: dict[int, list[tuple[float, int]]] = field(default_factory=dict)

    def peak_mib(self) -> float:
        return max((kb for s in self.samples.values() for _, kb in s), default=0) / 1024

    def growth(self) -> float:
        """Largest relative growth of a worker from the end of the first tenth of its samples."""
        worst = 0.0
        for series in self.samples.values():
            if len(series) < 10:
                continue
            early = max(kb for _, kb in series[: len(series) // 10 + 1])
            late = max(kb for _, kb in series[-len(series) // 10 :])
            worst = max(worst, late / early - 1)
        return worst


def _rss_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _sample(memory: Memory, pids: Callable[[], list[int]], stop: threading.Event) -> None:
    started = time.monotonic()
    while not stop.is_set():
        for pid in pids():
            kb = _rss_kb(pid)
            if kb is not None:
                memory.samples.setdefault(pid, []).append((time.monotonic() - started, kb))
        stop.wait(0.25)


def audit(
    folder: Path, db: Path, extra: list[str], worker_pids: Callable[[int], list[int]]
) -> tuple[dict[str, Any], Memory, float]:
    memory = Memory()
    stop = threading.Event()
    started = time.perf_counter()
    process = subprocess.Popen(
        [IMR, "audit", str(folder), "--db", str(db), "--json", *extra], stdout=subprocess.PIPE, text=True
    )
    sampler = threading.Thread(target=_sample, args=(memory, lambda: worker_pids(process.pid), stop))
    sampler.start()
    out, _ = process.communicate()
    stop.set()
    sampler.join()
    if process.returncode != 0:
        sys.exit(f"imr audit {' '.join(extra)} exited {process.returncode}")
    total = time.perf_counter() - started
    return json.loads(out), memory, total


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("letters_dir", nargs="?", type=Path, default=LETTERS_DIR)
    parser.add_argument("--letters", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="write the recombined letters here and keep them")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="imr-bench-audit-"))
    folder = args.keep or work / "letters"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        started = time.perf_counter()
        items = recombine(args.letters_dir, args.letters, folder)
        print(f"{args.letters} recombined letters ({items} items) in {time.perf_counter() - started:.1f} s")
        results = {}
        for label, extra in (("1 worker", ["--workers", "1"]), ("2 workers", ["--workers", "2"])):
            report, memory, total = audit(folder, work / f"{label[0]}.db", extra, _children)
            results[label] = (report, memory, total)
        from distributed import Client, LocalCluster

        with LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster:
            with Client(cluster) as client:
                pids = list(client.run(os.getpid).values())
            report, memory, total = audit(
                folder, work / "cluster.db", ["--cluster", cluster.scheduler_address], lambda _: pids
            )
            results["LocalCluster, 2 workers"] = (report, memory, total)
        base = results["1 worker"][0]["run"]["letters_per_second"]
        columns = ("letters/s", "x 1 worker", "peak MiB/worker", "growth", "report s")
        print(f"{'run':<26}" + "".join(f"{c:>{len(c) + 3}}" for c in columns))
        for label, (report, memory, total) in results.items():
            run = report["run"]
            assert run["audited"] == args.letters and run["failed"] == 0, run
            assert report["overview"]["items"] == items, (report["overview"]["items"], items)
            rate = run["letters_per_second"]
            print(
                f"{label:<26}{rate:>12.1f}{rate / base:>12.2f}x{memory.peak_mib():>18.0f}"
                f"{memory.growth():>9.0%}{total - run['seconds']:>11.1f}"
            )
        two = results["2 workers"][0]["run"]["letters_per_second"]
        flat = all(m.growth() < FLAT for _, m, _ in results.values())
        verdict = {True: "ok", False: "BELOW BUDGET"}
        print(f"budget >= {RATE_BUDGET:.0f} letters/s with 2 workers: {verdict[two >= RATE_BUDGET]}")
        print(f"budget 2 workers >= {SCALING_BUDGET}x 1 worker: {verdict[two / base >= SCALING_BUDGET]}")
        print(f"memory flat (growth < {FLAT:.0%}): {'ok' if flat else 'GROWS'}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
