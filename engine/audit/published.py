"""The published IMR figures an audit compares itself with (guidelines/published-figures.yaml)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from engine.facts import StrictModel
from engine.paths import GUIDELINES_DIR
from engine.yamlio import load_yaml, validate

PUBLISHED_FILE = GUIDELINES_DIR / "published-figures.yaml"

Measure = Literal[
    "uphold_rate",
    "items_per_letter",
    "multi_item_letter_share",
    "pharmaceutical_share",
    "drug_class_share",
    "drug_class_uphold_rate",
    "assigned_to_decision_days",
    "specialty_share",
]
_GROUPED: frozenset[str] = frozenset({"drug_class_share", "drug_class_uphold_rate", "specialty_share"})


class PublishedFigure(StrictModel):
    id: str
    figure: Annotated[str, Field(min_length=1)]
    measure: Measure | None = None
    group: str | None = None
    unit: Literal["percent", "ratio", "days", "count", "dollars", "text"]
    low: float | None = None
    high: float | None = None
    published: str | None = None
    period: str
    source: Annotated[str, Field(min_length=1)]

    @model_validator(mode="after")
    def _complete(self) -> PublishedFigure:
        if self.measure is None:
            if self.published is None:
                raise ValueError("a figure the letters cannot show needs its published value in 'published'")
            return self
        if self.low is None or self.high is None or self.low > self.high:
            raise ValueError("a measured figure needs its published band: low <= high")
        if self.measure in _GROUPED and self.group is None:
            raise ValueError(f"measure {self.measure} needs a group")
        return self

    def band(self) -> str:
        if self.measure is None:
            return self.published or ""
        suffix = {"percent": "%", "days": " days"}.get(self.unit, "")
        low, high = _number(self.low), _number(self.high)
        return f"{low}{suffix}" if low == high else f"{low}-{high}{suffix}"


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


class _PublishedFile(StrictModel):
    figures: list[PublishedFigure]


@cache
def load_published(path: Path = PUBLISHED_FILE) -> tuple[PublishedFigure, ...]:
    document = load_yaml(path)
    parsed = validate(document, _PublishedFile)
    ids = [f.id for f in parsed.figures]
    for i, figure_id in enumerate(ids):
        if ids.index(figure_id) != i:
            raise document.error(("figures", i, "id"), f"figure id {figure_id!r} appears twice")
    return tuple(parsed.figures)
