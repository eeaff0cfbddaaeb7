"""`imr audit` end to end, letter text to database, on 10,000 letters recombined from the development
letters: 1 worker (the baseline), 2 workers, and a two-worker Dask LocalCluster (started as the
README says audit workers should be, without Dask's statistical profiler).

    .venv/bin/python bench/bench_audit.py [--letters N] [--keep DIR] [LETTERS_DIR]

Each recombined letter takes the header, credentials and frame of one development letter (with a
case number of its own), the case summary of another, and one to three disputed items drawn from all
of them, so no two letters are alike. Each run is the real command (`imr audit DIR --db ... --json`)
into a fresh database; letters/s is the run's own measure (inputs hashed, read, evaluated and
committed), the report built after it is timed apart. The workers' resident size and CPU time and
the coordinator's CPU time are sampled from /proc during the run: peak resident size per worker,
its growth from the first tenth of the run to the end (flat: under 10%), and the rate the run's CPU
time gives on otherwise idle cores (other work on the machine slows the wall clock, not that).
Budget (DESIGN.md): >= 100 letters/s with 2 workers; 2 workers >= 1.7x 1 worker.
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
class Samples:
    """Resident size and CPU time of the worker processes (and the coordinator's CPU time), sampled
    from /proc while a run goes."""

    rss: dict[int, list[int]] = field(default_factory=dict)
    cpu: dict[int, float] = field(default_factory=dict)
    coordinator_cpu: float = 0.0  # during the run, as the run reports it (the report after it is not counted)

    def peak_mib(self) -> float:
        return max((kb for series in self.rss.values() for kb in series), default=0) / 1024

    def growth(self) -> float:
        """Largest relative growth of a worker's resident size, from the first tenth of its samples
        (past its start) to the last tenth."""
        worst = 0.0
        for series in self.rss.values():
            if len(series) < 10:
                continue
            early = max(series[: len(series) // 10 + 1])
            late = max(series[-(len(series) // 10) :])
            worst = max(worst, late / early - 1)
        return worst

    def idle_core_seconds(self, cores: int) -> float:
        """How long the run would take on `cores` otherwise idle cores: the busiest worker's CPU
        time, or all the CPU time spread over the cores, whichever is longer."""
        workers = list(self.cpu.values())
        total = sum(workers) + self.coordinator_cpu
        return max(max(workers, default=0.0), total / cores)


_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, float] | None:
    """(resident KiB, CPU seconds) of a process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # after the command: state is field 3; utime 14, stime 15, rss (pages) 24
    cpu = (int(fields[11]) + int(fields[12])) / _TICKS
    return int(fields[21]) * os.sysconf("SC_PAGE_SIZE") // 1024, cpu


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _sample(samples: Samples, pids: Callable[[], list[int]], stop: threading.Event) -> None:
    while not stop.is_set():
        for pid in pids():
            found = _stat(pid)
            if found is not None:
                samples.rss.setdefault(pid, []).append(found[0])
                samples.cpu[pid] = found[1]
        stop.wait(0.25)


def audit(
    folder: Path, db: Path, extra: list[str], worker_pids: Callable[[int], list[int]]
) -> tuple[dict[str, Any], Samples, float]:
    samples = Samples()
    stop = threading.Event()
    started = time.perf_counter()
    process = subprocess.Popen(
        [IMR, "audit", str(folder), "--db", str(db), "--json", "--quiet", *extra],
        stdout=subprocess.PIPE,
        text=True,
    )
    sampler = threading.Thread(target=_sample, args=(samples, lambda: worker_pids(process.pid), stop))
    sampler.start()
    out, _ = process.communicate()
    stop.set()
    sampler.join()
    if process.returncode != 0:
        sys.exit(f"imr audit {' '.join(extra)} exited {process.returncode}")
    report = json.loads(out)
    samples.coordinator_cpu = report["run"]["coordinator_cpu_seconds"]
    return report, samples, time.perf_counter() - started


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
            report, samples, total = audit(folder, work / f"{label[0]}.db", extra, _children)
            results[label] = (report, samples, total)
        import dask
        from distributed import Client, LocalCluster

        # Dask's statistical profiler keeps a tree of sampled call stacks per second for an hour
        # (distributed.worker.profile): a worker's memory grows with it over any shorter run. The
        # README tells audit clusters to run without it; so does this one.
        with (
            dask.config.set({"distributed.worker.profile.enabled": False}),
            LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
        ):
            with Client(cluster) as client:
                pids = list(client.run(os.getpid).values())
            report, samples, total = audit(
                folder, work / "cluster.db", ["--cluster", cluster.scheduler_address], lambda _: pids
            )
            results["LocalCluster, 2 workers"] = (report, samples, total)
        cores = len(os.sched_getaffinity(0))
        base = results["1 worker"][0]["run"]["letters_per_second"]
        idle_base = args.letters / results["1 worker"][1].idle_core_seconds(cores)
        columns = ("letters/s", "x 1 worker", "on idle cores", "x 1 worker", "peak MiB/worker", "growth")
        print(f"{'run':<26}" + "".join(f"{c:>{len(c) + 3}}" for c in columns) + "   report s")
        for label, (report, samples, total) in results.items():
            run = report["run"]
            assert run["audited"] == args.letters and run["failed"] == 0, run
            assert report["overview"]["items"] == items, (report["overview"]["items"], items)
            rate = run["letters_per_second"]
            idle = args.letters / samples.idle_core_seconds(cores)
            print(
                f"{label:<26}{rate:>12.1f}{rate / base:>12.2f}x{idle:>16.1f}{idle / idle_base:>12.2f}x"
                f"{samples.peak_mib():>18.0f}{samples.growth():>9.0%}{total - run['seconds']:>11.1f}"
            )
            cpu = ", ".join(f"{c:.1f}" for c in samples.cpu.values())
            print(f"{'':<26}CPU s: workers {cpu}; coordinator {samples.coordinator_cpu:.1f}")
        print(
            "'on idle cores': the run's CPU time (the workers' from /proc, the coordinator's as the run"
            f" reports it) spread over {cores} cores: what the run would reach on a machine nobody else uses"
        )
        two = results["2 workers"][0]["run"]["letters_per_second"]
        two_idle = args.letters / results["2 workers"][1].idle_core_seconds(cores)
        flat = all(s.growth() < FLAT for _, s, _ in results.values())
        verdict = {True: "ok", False: "BELOW BUDGET"}
        print(
            f"budget >= {RATE_BUDGET:.0f} letters/s with 2 workers: {verdict[two >= RATE_BUDGET]}"
            f" (on idle cores: {verdict[two_idle >= RATE_BUDGET]})"
        )
        print(
            f"budget 2 workers >= {SCALING_BUDGET}x 1 worker: {verdict[two / base >= SCALING_BUDGET]}"
            f" (on idle cores: {verdict[two_idle / idle_base >= SCALING_BUDGET]})"
        )
        print(f"memory flat (growth < {FLAT:.0%}): {'ok' if flat else 'GROWS'}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
