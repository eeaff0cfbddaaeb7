"""The audit's figures, computed from the database: overall and by category, drug class, reviewer
specialty, guideline and edition cited, UR-to-decision turnaround and year; and, beside them, the
published figures they can be compared with.

Every figure is per item, as DWC and CWCI count them. The uphold rate is over the items with a
recorded outcome; agreement, kappa, the confusion matrix and Overturned recall and precision are
over those the rules cover (an item no rule covers is counted only in the coverage).
"""

from __future__ import annotations

import sqlite3
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Literal

from engine.audit.agreement import OUTCOMES, agreement_of
from engine.audit.published import PublishedFigure, load_published
from engine.facts import StrictModel

# (dimension, label, SQL expression of the group over items i, letters l, citations c, specialties s)
DIMENSIONS: tuple[tuple[str, str, str], ...] = (
    ("category_dwc", "Treatment category (DWC)", "i.category_dwc"),
    ("category_cwci", "Service group (CWCI)", "i.category_cwci"),
    ("drug_class", "Drug class", "i.drug_class"),
    ("specialty", "Reviewer specialty", "COALESCE(s.specialty, 'not stated')"),
    (
        "guideline",
        "Guideline cited",
        "CASE WHEN c.item_pk IS NULL THEN 'no citation read' WHEN c.none_cited THEN 'no guideline cited'"
        " WHEN c.document IS NOT NULL THEN c.document ELSE 'not in the catalog: ' || c.guideline END",
    ),
    (
        "edition",
        "Edition cited",
        "CASE WHEN c.item_pk IS NULL THEN 'no citation read' WHEN c.none_cited THEN 'no guideline cited'"
        " WHEN c.edition_label IS NOT NULL THEN c.edition_label ELSE 'not in the catalog' END",
    ),
    (
        "turnaround",
        "UR denial to IMR decision",
        "CASE WHEN l.ur_to_decision_days IS NULL THEN 'dates not in the letter'"
        " WHEN l.ur_to_decision_days <= 30 THEN '0-30 days'"
        " WHEN l.ur_to_decision_days <= 60 THEN '31-60 days'"
        " WHEN l.ur_to_decision_days <= 90 THEN '61-90 days'"
        " WHEN l.ur_to_decision_days <= 180 THEN '91-180 days' ELSE 'over 180 days' END",
    ),
    (
        "decision_year",
        "Year of the IMR decision",
        "COALESCE(substr(l.decision_date, 1, 4), 'not in the letter')",
    ),
)
# Groups of these dimensions keep their natural order; the others come largest first.
_NATURAL_ORDER = {
    "turnaround": ("0-30 days", "31-60 days", "61-90 days", "91-180 days", "over 180 days"),
    "decision_year": (),
}


class GroupFigures(StrictModel):
    group: str
    items: int
    recorded: int
    upheld: int
    overturned: int
    uphold_rate: float | None
    covered: int
    coverage: float | None
    agreed: int
    compared: int
    agreement: float | None
    kappa: float | None
    kappa_ci95: list[float] | None
    confusion: dict[str, int]
    overturned_recall: float | None
    overturned_precision: float | None
    flagged: int
    not_covered: int


class Breakdown(StrictModel):
    dimension: str
    label: str
    groups: list[GroupFigures]


class DayStats(StrictModel):
    letters: int
    mean: float | None
    median: float | None
    p90: float | None


class Overview(StrictModel):
    letters: int
    letters_read: int
    letters_failed: int
    items: int
    items_per_letter: float | None
    multi_item_letter_share: float | None
    pharmaceutical_share: float | None
    contradicted_items: int
    ur_to_decision_days: DayStats
    assigned_to_decision_days: DayStats


class Comparison(StrictModel):
    id: str
    figure: str
    ours: float | None
    ours_n: int | None
    unit: str
    published: str
    period: str
    source: str
    verdict: Literal["within", "below", "above", "not in letters", "no data"]


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _group_figures(group: str, counts: Iterable[tuple[str | None, str | None, str, int]]) -> GroupFigures:
    pairs: list[tuple[str | None, str | None]] = []
    items = flagged = not_covered = upheld = overturned = 0
    for recorded, predicted, status, n in counts:
        items += n
        flagged += n if status == "flagged" else 0
        not_covered += n if status == "not_covered" else 0
        upheld += n if recorded == "Upheld" else 0
        overturned += n if recorded == "Overturned" else 0
        pairs.extend([(recorded, predicted)] * n)
    stats = agreement_of(pairs)
    return GroupFigures(
        group=group,
        items=items,
        recorded=upheld + overturned,
        upheld=upheld,
        overturned=overturned,
        uphold_rate=_rate(upheld, upheld + overturned),
        covered=stats.covered,
        coverage=_rate(stats.covered, stats.items),
        agreed=stats.agreed,
        compared=stats.compared,
        agreement=_rate(stats.agreed, stats.compared),
        kappa=None if stats.kappa is None else round(stats.kappa, 4),
        kappa_ci95=None if stats.kappa_ci is None else [round(x, 4) for x in stats.kappa_ci],
        confusion={
            f"{recorded}/{predicted}": stats.confusion.get((recorded, predicted), 0)
            for recorded in OUTCOMES
            for predicted in OUTCOMES
        },
        overturned_recall=None if stats.overturned_recall is None else round(stats.overturned_recall, 4),
        overturned_precision=(
            None if stats.overturned_precision is None else round(stats.overturned_precision, 4)
        ),
        flagged=flagged,
        not_covered=not_covered,
    )


_ITEMS = """
    FROM items i JOIN letters l ON l.letter_id = i.letter_id
    LEFT JOIN item_citations c ON c.item_pk = i.item_pk
    LEFT JOIN reviewer_specialties s ON s.letter_id = i.letter_id
    WHERE l.rules_version = ?
"""


def overall(db: sqlite3.Connection, rules_version: str) -> GroupFigures:
    rows = db.execute(
        "SELECT i.recorded, i.predicted, i.status, COUNT(*) FROM items i JOIN letters l USING (letter_id)"
        " WHERE l.rules_version = ? GROUP BY 1, 2, 3",
        (rules_version,),
    ).fetchall()
    return _group_figures("all items", rows)


def breakdowns(db: sqlite3.Connection, rules_version: str) -> list[Breakdown]:
    """Each dimension's groups, largest first (turnaround and year in their own order). An item
    counts once in each group it belongs to: a letter may list several specialties, an item cite
    several guidelines."""
    found = []
    for dimension, label, expression in DIMENSIONS:
        rows = db.execute(
            f"SELECT grp, recorded, predicted, status, COUNT(*) FROM (SELECT DISTINCT {expression} AS grp,"
            f" i.item_pk, i.recorded, i.predicted, i.status {_ITEMS}) WHERE grp IS NOT NULL"
            " GROUP BY 1, 2, 3, 4",
            (rules_version,),
        ).fetchall()
        by_group: dict[str, list[tuple[str | None, str | None, str, int]]] = defaultdict(list)
        for group, recorded, predicted, status, n in rows:
            by_group[group].append((recorded, predicted, status, n))
        groups = [_group_figures(group, counts) for group, counts in by_group.items()]
        if dimension in _NATURAL_ORDER:
            order = _NATURAL_ORDER[dimension]
            # named bands in their order, then years in theirs, then "not in the letter"
            groups.sort(
                key=lambda g: (
                    g.group not in order,
                    order.index(g.group) if g.group in order else 0,
                    not g.group[:1].isdigit(),
                    g.group,
                )
            )
        else:
            groups.sort(key=lambda g: (-g.items, g.group))
        found.append(Breakdown(dimension=dimension, label=label, groups=groups))
    return found


def _day_stats(values: Sequence[int]) -> DayStats:
    if not values:
        return DayStats(letters=0, mean=None, median=None, p90=None)
    ordered = sorted(values)
    return DayStats(
        letters=len(ordered),
        mean=round(statistics.fmean(ordered), 1),
        median=float(statistics.median(ordered)),
        p90=float(ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]),
    )


def overview(db: sqlite3.Connection, rules_version: str) -> Overview:
    letters, failed = db.execute(
        "SELECT COUNT(*), COUNT(error) FROM letters WHERE rules_version = ?", (rules_version,)
    ).fetchone()
    per_letter = [
        n
        for (n,) in db.execute(
            "SELECT COUNT(i.item_pk) FROM letters l JOIN items i USING (letter_id)"
            " WHERE l.rules_version = ? GROUP BY l.letter_id",
            (rules_version,),
        )
    ]
    items = sum(per_letter)
    pharmaceutical = db.execute(
        "SELECT COUNT(*) FROM items i JOIN letters l USING (letter_id)"
        " WHERE l.rules_version = ? AND i.category_dwc = 'Pharmaceuticals'",
        (rules_version,),
    ).fetchone()[0]
    contradicted = db.execute(
        "SELECT COUNT(DISTINCT k.item_pk) FROM contradictions k JOIN items i USING (item_pk)"
        " JOIN letters l USING (letter_id) WHERE l.rules_version = ?",
        (rules_version,),
    ).fetchone()[0]

    def days(column: str) -> list[int]:
        return [
            d
            for (d,) in db.execute(
                f"SELECT {column} FROM letters WHERE rules_version = ? AND {column} IS NOT NULL",
                (rules_version,),
            )
        ]

    return Overview(
        letters=letters,
        letters_read=letters - failed,
        letters_failed=failed,
        items=items,
        items_per_letter=round(items / len(per_letter), 3) if per_letter else None,
        multi_item_letter_share=_rate(sum(n > 1 for n in per_letter), len(per_letter)),
        pharmaceutical_share=_rate(pharmaceutical, items),
        contradicted_items=contradicted,
        ur_to_decision_days=_day_stats(days("ur_to_decision_days")),
        assigned_to_decision_days=_day_stats(days("assigned_to_decision_days")),
    )


def _specialty_key(name: str) -> str:
    return " ".join(name.lower().replace("&", " and ").split())


def _specialty_share(db: sqlite3.Connection, rules_version: str, specialties: list[str]) -> tuple[int, int]:
    """Items decided by a reviewer with one of these specialties, and all items."""
    wanted = {_specialty_key(s) for s in specialties}
    db.create_function("specialty_key", 1, _specialty_key, deterministic=True)
    marks = ", ".join("?" * len(wanted))
    total = db.execute(
        "SELECT COUNT(*) FROM items i JOIN letters l USING (letter_id) WHERE l.rules_version = ?",
        (rules_version,),
    ).fetchone()[0]
    part = db.execute(
        "SELECT COUNT(*) FROM items i JOIN letters l USING (letter_id) WHERE l.rules_version = ?"
        " AND EXISTS (SELECT 1 FROM reviewer_specialties s"
        f" WHERE s.letter_id = l.letter_id AND specialty_key(s.specialty) IN ({marks}))",
        (rules_version, *sorted(wanted)),
    ).fetchone()[0]
    return part, total


def _ours(
    figure: PublishedFigure,
    db: sqlite3.Connection,
    rules_version: str,
    all_items: GroupFigures,
    by: dict[str, dict[str, GroupFigures]],
    summary: Overview,
) -> tuple[float | None, int | None]:
    """Our value of a published figure, in its unit (percent as 0-100), and how many it counts."""
    pharma = by["category_dwc"].get("Pharmaceuticals")
    match figure.measure:
        case "uphold_rate":
            group = by["category_dwc"].get(figure.group) if figure.group else all_items
            if group is None or group.uphold_rate is None:
                return None, 0
            return 100 * group.uphold_rate, group.recorded
        case "items_per_letter":
            return summary.items_per_letter, summary.letters_read
        case "multi_item_letter_share":
            share = summary.multi_item_letter_share
            return (None if share is None else 100 * share), summary.letters_read
        case "pharmaceutical_share":
            share = summary.pharmaceutical_share
            return (None if share is None else 100 * share), summary.items
        case "drug_class_share":
            klass = by["drug_class"].get(figure.group or "")
            if pharma is None or not pharma.items:
                return None, 0
            return 100 * (klass.items if klass else 0) / pharma.items, pharma.items
        case "drug_class_uphold_rate":
            klass = by["drug_class"].get(figure.group or "")
            if klass is None or klass.uphold_rate is None:
                return None, 0
            return 100 * klass.uphold_rate, klass.recorded
        case "assigned_to_decision_days":
            stats = summary.assigned_to_decision_days
            return stats.mean, stats.letters
        case "specialty_share":
            part, total = _specialty_share(db, rules_version, (figure.group or "").split("|"))
            return (100 * part / total if total else None), total
    return None, None


def comparisons(
    db: sqlite3.Connection,
    rules_version: str,
    all_items: GroupFigures,
    found: Sequence[Breakdown],
    summary: Overview,
) -> list[Comparison]:
    by = {b.dimension: {g.group: g for g in b.groups} for b in found}
    rows = []
    for figure in load_published():
        if figure.measure is None:
            ours, n, verdict = None, None, "not in letters"
        else:
            ours, n = _ours(figure, db, rules_version, all_items, by, summary)
            assert figure.low is not None and figure.high is not None
            if ours is None:
                verdict = "no data"
            else:
                ours = round(ours, 2)
                verdict = "below" if ours < figure.low else "above" if ours > figure.high else "within"
        rows.append(
            Comparison(
                id=figure.id,
                figure=figure.figure,
                ours=ours,
                ours_n=n,
                unit=figure.unit,
                published=figure.band(),
                period=figure.period,
                source=" ".join(figure.source.split()),
                verdict=verdict,  # type: ignore[arg-type]
            )
        )
    return rows
