"""Across many items: how far the rules reach, and how well they agree with the recorded outcomes.

Used by `imr check` and `imr rules coverage` on outcomes held in memory, and by `imr audit` on the
rows of its database: both reduce to (recorded, predicted) pairs.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from engine.report import CaseOutcome

OUTCOMES = ("Upheld", "Overturned")
# Two-sided 95% normal quantile, for the asymptotic confidence interval of kappa.
Z_95 = 1.959963984540054


@dataclass(frozen=True)
class Agreement:
    """Predicted against recorded outcomes, over the items that have a recorded outcome.

    `confusion` counts (recorded, predicted) over the covered items; a prediction of None (no rule
    applies) is not compared and only lowers the coverage.
    """

    items: int
    covered: int
    confusion: dict[tuple[str, str], int]
    kappa: float | None
    kappa_ci: tuple[float, float] | None

    @property
    def compared(self) -> int:
        return sum(self.confusion.values())

    @property
    def agreed(self) -> int:
        return sum(n for (recorded, predicted), n in self.confusion.items() if recorded == predicted)

    @property
    def overturned_recorded(self) -> int:
        return sum(n for (recorded, _), n in self.confusion.items() if recorded == "Overturned")

    @property
    def overturned_predicted(self) -> int:
        return sum(n for (_, predicted), n in self.confusion.items() if predicted == "Overturned")

    @property
    def overturned_found(self) -> int:
        return self.confusion.get(("Overturned", "Overturned"), 0)

    @property
    def coverage(self) -> float:
        return self.covered / self.items if self.items else 0.0

    @property
    def accuracy(self) -> float | None:
        return self.agreed / self.compared if self.compared else None

    @property
    def overturned_recall(self) -> float | None:
        return self.overturned_found / self.overturned_recorded if self.overturned_recorded else None

    @property
    def overturned_precision(self) -> float | None:
        return self.overturned_found / self.overturned_predicted if self.overturned_predicted else None

    def as_json(self) -> dict[str, object]:
        return {
            "items": self.items,
            "covered": self.covered,
            "coverage": round(self.coverage, 4),
            "compared": self.compared,
            "agreed": self.agreed,
            "accuracy": _round(self.accuracy),
            "kappa": _round(self.kappa),
            "kappa_ci95": None if self.kappa_ci is None else [round(x, 4) for x in self.kappa_ci],
            "overturned_recorded": self.overturned_recorded,
            "overturned_recall": _round(self.overturned_recall),
            "overturned_precision": _round(self.overturned_precision),
            "confusion": {
                f"recorded {recorded}, predicted {predicted}": self.confusion.get((recorded, predicted), 0)
                for recorded in OUTCOMES
                for predicted in OUTCOMES
            },
        }

    def line(self) -> str:
        kappa = "n/a" if self.kappa is None else f"{self.kappa:.3f}"
        if self.kappa_ci is not None:
            kappa += f" (95% CI {self.kappa_ci[0]:.2f} to {self.kappa_ci[1]:.2f})"
        return (
            f"coverage {self.covered}/{self.items} ({percent(self.coverage)}); "
            f"agreement {self.agreed}/{self.compared} ({percent(self.accuracy)}); kappa {kappa}; "
            f"Overturned recall {self.overturned_found}/{self.overturned_recorded} "
            f"({percent(self.overturned_recall)}), "
            f"precision {percent(self.overturned_precision)}"
        )


def percent(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1%}"


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def kappa_interval(confusion: dict[tuple[str, str], int]) -> tuple[float, float] | None:
    """The asymptotic 95% confidence interval of Cohen's kappa (Fleiss, Cohen and Everitt 1969);
    None where that variance vanishes."""
    estimate = _kappa_estimate(confusion)
    if estimate is None:
        return None
    kappa, variance = estimate
    if variance <= 1e-12:
        # a rater who gave one outcome only, or agreement without a single miss: the large-sample
        # variance is zero and says nothing about the uncertainty of so few items
        return None
    half = Z_95 * math.sqrt(variance)
    return max(-1.0, kappa - half), min(1.0, kappa + half)


def _kappa_estimate(confusion: dict[tuple[str, str], int]) -> tuple[float, float] | None:
    """Kappa and its large-sample variance from a table of (first rater, second rater) counts."""
    n = sum(confusion.values())
    if n == 0:
        return None
    labels = sorted({label for pair in confusion for label in pair})
    p = {(a, b): confusion.get((a, b), 0) / n for a in labels for b in labels}
    rows = {a: sum(p[a, b] for b in labels) for a in labels}
    cols = {b: sum(p[a, b] for a in labels) for b in labels}
    observed = sum(p[a, a] for a in labels)
    expected = sum(rows[a] * cols[a] for a in labels)
    if expected == 1:
        return None
    kappa = (observed - expected) / (1 - expected)
    diagonal = sum(p[a, a] * (1 - (rows[a] + cols[a]) * (1 - kappa)) ** 2 for a in labels)
    off_diagonal = (1 - kappa) ** 2 * sum(
        p[a, b] * (cols[a] + rows[b]) ** 2 for a in labels for b in labels if a != b
    )
    correction = (kappa - expected * (1 - kappa)) ** 2
    variance = (diagonal + off_diagonal - correction) / (n * (1 - expected) ** 2)
    return kappa, variance


def agreement_of(pairs: Iterable[tuple[str | None, str | None]]) -> Agreement:
    """Agreement over (recorded, predicted) pairs; items without a recorded outcome are left out."""
    items = covered = 0
    confusion: Counter[tuple[str, str]] = Counter()
    for recorded, predicted in pairs:
        if recorded is None:
            continue
        items += 1
        if predicted is not None:
            covered += 1
            confusion[recorded, predicted] += 1
    table = dict(confusion)
    estimate = _kappa_estimate(table)
    return Agreement(
        items=items,
        covered=covered,
        confusion=table,
        kappa=None if estimate is None else estimate[0],
        kappa_ci=kappa_interval(table),
    )


def agreement(outcomes: Sequence[CaseOutcome]) -> Agreement:
    return agreement_of((i.recorded, i.predicted) for o in outcomes if o.result for i in o.result.items)


@dataclass(frozen=True)
class KindCoverage:
    kind: str
    items: int
    covered: int


@dataclass(frozen=True)
class Coverage:
    by_kind: list[KindCoverage]
    uncovered: list[tuple[str, str, str, str]]  # case, item id, kind, text

    @property
    def items(self) -> int:
        return sum(k.items for k in self.by_kind)

    @property
    def covered(self) -> int:
        return sum(k.covered for k in self.by_kind)


def coverage(outcomes: Sequence[CaseOutcome]) -> Coverage:
    """Share of items with an applicable rule, by treatment kind, and the items no rule covers."""
    counts: Counter[str] = Counter()
    covered: Counter[str] = Counter()
    uncovered: list[tuple[str, str, str, str]] = []
    for outcome in outcomes:
        if outcome.result is None or outcome.case is None:
            continue
        kinds = {item.item_id: item.kind for item in outcome.case.items}
        for item in outcome.result.items:
            kind = kinds[item.item_id]
            counts[kind] += 1
            if item.result != "no_applicable_rule":
                covered[kind] += 1
            else:
                uncovered.append((outcome.result.case_id, item.item_id, kind, item.text))
    by_kind = [KindCoverage(kind, n, covered[kind]) for kind, n in counts.most_common()]
    return Coverage(by_kind=by_kind, uncovered=uncovered)
