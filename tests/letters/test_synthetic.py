"""Whole letters a second reader wrote without the code or the real letters (tests/letters/synthetic/),
each item decided by the reader from the guideline notes: read blind and evaluated as any letter is,
their determinations are reproduced at least as often as the floors. The development sets' failures
may be read; the held-out sets' figures only (synthetic-heldout/, synthetic-heldout-2/, -3/, -4/).

    .venv/bin/imr rules coverage tests/letters/synthetic/dev        (a development set's figures)
    .venv/bin/imr rules coverage tests/letters/synthetic/dev-2      (the second development set)
    .venv/bin/imr rules coverage tests/letters/synthetic/dev-3      (the third, half of it Overturned)
    .venv/bin/imr rules coverage tests/letters/synthetic/dev-4      (the fourth, in the most varied wording)
    .venv/bin/imr rules coverage tests/letters/synthetic-heldout    (the held-out figures)
    .venv/bin/imr rules coverage tests/letters/synthetic/dev-5      (the fifth, indirect wording)
    .venv/bin/imr rules coverage tests/letters/synthetic/dev-6      (the sixth, shorthand and dated visits)
    .venv/bin/imr rules coverage tests/letters/synthetic/dev-7      (the seventh, formal prose and shorthand)
    .venv/bin/imr rules coverage tests/letters/synthetic/dev-8      (the eighth, findings apart from items)
    .venv/bin/imr rules coverage tests/letters/synthetic/dev-9      (the ninth, the formal reviewers' style)
    .venv/bin/imr rules coverage tests/letters/synthetic-heldout-2  (the second held-out set)
    .venv/bin/imr rules coverage tests/letters/synthetic-heldout-3  (the third held-out set)
    .venv/bin/imr rules coverage tests/letters/synthetic-heldout-4  (the fourth held-out set)
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

IMR = str(Path(sys.executable).parent / "imr")
HERE = Path(__file__).parent
# First read (at 5aad39a) and today. Development set 1: 25/32 (kappa 0.52), today 32/32. Held out:
# 23/32 (kappa 0.36; 0.36 also at the stop's start, 586b7e7), today 25/32 (kappa 0.52). Development
# set 2, by other second readers: first read (at 8121fff) 26/34 (kappa 0.48), today 30/34 (kappa 0.75).
# Development set 3 (half its items Overturned): first read (at ae58475) 23/36 (kappa 0.30, Overturned
# recall 7/19), today 31/36 (kappa 0.72). Development set 4 (written to the held-out set 2's brief):
# first read (at 270a503) 24/37 (kappa 0.26, Overturned recall 5/17), today 33/37 (kappa 0.78).
# Held out, set 2 (another second reader, more varied wording): first read (at 714afbd) 20 of 33
# covered items (kappa 0.12, Overturned recall 3/14), as the unseen real letters read.
# Development sets 5, 6 and 7: first read (at 2070e21 for 5 and 6, at d5a5c15 for 7) 20/36 (kappa
# 0.14), 24/39 (kappa 0.24) and 29/39 (kappa 0.49); at e7a74f1, 27/36 (0.51), 29/39 (0.49) and 34/39
# (0.74). Held out, set 2 at e7a74f1: 22/33 (kappa 0.27); set 3 (first read at 2070e21): 20 of 36
# covered (kappa 0.07), unchanged. Development sets 8 and 9: first read (at 5b4b04b) 30/44 (kappa
# 0.36, Overturned recall 10/22) and 30/43 (0.39, 9/21). At df7a458: set 5 28/36 (0.56), 6 33/39
# (0.69), 7 36/39 (0.85), 8 40/44 (0.82), 9 37/43 (0.72; 38/43, 0.77 at debeb8c); held out, set 1
# 27/32 (0.66), sets 2 and 3 unchanged. Held out, set 4 (written at 7482c8c): 33/43 (kappa 0.54,
# Overturned recall 12/22), the same at 5b4b04b.
FLOORS = {
    "synthetic/dev": {"coverage": 0.97, "accuracy": 0.93, "kappa": 0.85},
    "synthetic/dev-2": {"coverage": 0.97, "accuracy": 0.85, "kappa": 0.70},
    "synthetic/dev-3": {"coverage": 0.97, "accuracy": 0.83, "kappa": 0.65},
    "synthetic/dev-4": {"coverage": 0.97, "accuracy": 0.85, "kappa": 0.70},
    "synthetic/dev-5": {"coverage": 0.97, "accuracy": 0.75, "kappa": 0.50},
    "synthetic/dev-6": {"coverage": 0.97, "accuracy": 0.80, "kappa": 0.62},
    "synthetic/dev-7": {"coverage": 0.97, "accuracy": 0.88, "kappa": 0.78},
    "synthetic/dev-8": {"coverage": 0.97, "accuracy": 0.86, "kappa": 0.75},
    "synthetic/dev-9": {"coverage": 0.97, "accuracy": 0.82, "kappa": 0.65},
    "synthetic-heldout": {"coverage": 0.95, "accuracy": 0.80, "kappa": 0.58},
    "synthetic-heldout-2": {"coverage": 0.95, "accuracy": 0.62, "kappa": 0.22},
    "synthetic-heldout-3": {"coverage": 0.95, "accuracy": 0.52, "kappa": 0.05},
    "synthetic-heldout-4": {"coverage": 0.95, "accuracy": 0.74, "kappa": 0.48},
}


@pytest.mark.parametrize("folder", sorted(FLOORS))
def test_synthetic_letters_are_reproduced_at_their_floors(folder: str) -> None:
    done = subprocess.run(
        [IMR, "rules", "coverage", str(HERE / folder), "--json", "--quiet"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["errors"] == []
    stats = report["agreement"]
    assert stats["items"] >= 30
    figures = {"coverage": stats["coverage"], "accuracy": stats["accuracy"], "kappa": stats["kappa"]}
    floors = FLOORS[folder]
    shown = figures if folder.startswith("synthetic/") else {k: round(v, 2) for k, v in figures.items()}
    assert all(figures[k] >= floors[k] for k in floors), shown
