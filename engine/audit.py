"""Across many letters: how far the rules reach, and how well they agree with the recorded outcomes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from engine.report import CaseOutcome


@dataclass(frozen=True)
class Agreement:
    """Predicted against recorded outcomes, over the items that have both."""

    items: int
    covered: int
    compared: int
    agreed: int
    kappa: float | None
    overturned_recorded: int
    overturned_found: int
    overturned_predicted: int

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

    def as_json(self) -> dict[str, float | int | None]:
        return {
            "items": self.items,
            "covered": self.covered,
            "coverage": round(self.coverage, 4),
            "compared": self.compared,
            "agreed": self.agreed,
            "accuracy": _round(self.accuracy),
            "kappa": _round(self.kappa),
            "overturned_recorded": self.overturned_recorded,
            "overturned_recall": _round(self.overturned_recall),
            "overturned_precision": _round(self.overturned_precision),
        }

    def line(self) -> str:
        def pct(x: float | None) -> str:
            return "n/a" if x is None else f"{x:.1%}"

        kappa = "n/a" if self.kappa is None else f"{self.kappa:.3f}"
        return (
            f"coverage {self.covered}/{self.items} ({pct(self.coverage)}); "
            f"agreement {self.agreed}/{self.compared} ({pct(self.accuracy)}); kappa {kappa}; "
            f"Overturned recall {self.overturned_found}/{self.overturned_recorded} "
            f"({pct(self.overturned_recall)}), "
            f"precision {pct(self.overturned_precision)}"
        )


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def cohens_kappa(pairs: Sequence[tuple[str, str]]) -> float | None:
    """Cohen's kappa of two raters over the same items; None when chance agreement is total."""
    n = len(pairs)
    if n == 0:
        return None
    observed = sum(a == b for a, b in pairs) / n
    first, second = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(first[label] * second[label] for label in set(first) | set(second)) / (n * n)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


def agreement(outcomes: Sequence[CaseOutcome]) -> Agreement:
    items = [i for o in outcomes if o.result for i in o.result.items if i.recorded is not None]
    covered = [i for i in items if i.predicted is not None]
    pairs = [(i.recorded, i.predicted) for i in covered]
    overturned = [i for i in items if i.recorded == "Overturned"]
    return Agreement(
        items=len(items),
        covered=len(covered),
        compared=len(pairs),
        agreed=sum(a == b for a, b in pairs),
        kappa=cohens_kappa(pairs),  # type: ignore[arg-type]
        overturned_recorded=len(overturned),
        overturned_found=sum(i.predicted == "Overturned" for i in overturned),
        overturned_predicted=sum(i.predicted == "Overturned" for i in covered),
    )


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
