"""Inconsistent determinations: items of one treatment family that the guideline sees alike but
that reviewers decided the opposite way.

Two items are compared on the criteria of the guideline rules applied to them (the IMR-practice
rules on the request form are left out: they say nothing about the treatment). A criterion agrees
when it has the same effect on its rule in both items: met, or set aside where the guideline lets
a missing fact pass, counts for the request; not met, or not documented where the guideline
requires it, counts against. "Not documented" and "documented absent" of a required fact therefore
agree, as they do in the decision. A criterion whose effect differs only because a rationale
documented its facts (every fact it read was quoted from one of the two reviewers' rationales) does
not set the records apart: it is the two reviewers reading the same kind of record differently,
which is what is sought; it is shown, and counted with the agreeing ones. A pair is reported when
the two items share a guideline rule, their recorded outcomes are opposite, and at least MIN_SHARE
of the criteria either item was judged on agree so. Items alike on every criterion form one group
whatever their number; groups are ranked by the share they agree on (the records alike first),
then by how many criteria that is.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from engine.facts import StrictModel

# Two of every three criteria: most of what decides the items agrees, and what differs is shown.
MIN_SHARE = Fraction(2, 3)
# Groups whose representative pair is shown with both letters' evidence.
DETAILED_GROUPS = 50


class PairMember(StrictModel):
    item_pk: int
    source: str
    case_id: str | None
    item_id: str
    text: str
    recorded: str
    predicted: str | None


class SideEvidence(StrictModel):
    status: str | None
    facts: dict[str, Any]
    quotes: list[str]


class CriterionSideBySide(StrictModel):
    criterion_id: str
    text: str
    agrees: bool
    upheld: SideEvidence
    overturned: SideEvidence


class InconsistentGroup(StrictModel):
    family: str
    share: float
    agreeing: int
    compared: int
    pairs: int
    differing: list[str]  # criteria whose effect differs (or that only one item was judged on)
    by_rationale: list[str]  # of those, the ones that differ only by what a rationale documented
    upheld: list[PairMember]
    overturned: list[PairMember]
    side_by_side: list[CriterionSideBySide] | None


@dataclass
class _Signature:
    criteria: dict[str, tuple[str, bool, bool]]  # criterion -> (status, counts for it, from a rationale)
    topic_rules: frozenset[str]
    members: dict[str, list[int]] = field(default_factory=lambda: {"Upheld": [], "Overturned": []})

    @property
    def effects(self) -> frozenset[tuple[str, bool]]:
        return frozenset((c, supports) for c, (_, supports, _) in self.criteria.items())

    def agreeing_with(self, other: _Signature) -> tuple[int, list[str]]:
        """How many criteria agree with the other's, and those that differ only by a rationale."""
        shared = self.criteria.keys() & other.criteria.keys()
        same = len(self.effects & other.effects)
        by_rationale = sorted(
            c for c in shared
            if self.criteria[c][1] != other.criteria[c][1] and (self.criteria[c][2] or other.criteria[c][2])
        )  # fmt: skip
        return same + len(by_rationale), by_rationale


def _signatures(db: sqlite3.Connection, rules_version: str) -> dict[str, dict[frozenset[Any], _Signature]]:
    rows = db.execute(
        """
        SELECT i.item_pk, i.family, i.recorded, c.criterion_id, c.status, c.supports, c.from_rationale,
               r.rule_id, r.cross_cutting
        FROM items i JOIN letters l ON l.letter_id = i.letter_id
        JOIN criteria c ON c.item_pk = i.item_pk
        JOIN rule_criteria r ON r.rules_version = l.rules_version AND r.criterion_id = c.criterion_id
        WHERE l.rules_version = ? AND i.recorded IS NOT NULL AND r.authority != 'imr-practice'
        ORDER BY l.source, i.position, c.position
        """,
        (rules_version,),
    )
    items: dict[int, tuple[str, str, dict[str, tuple[str, bool, bool]], set[str]]] = {}
    for (
        item_pk,
        family,
        recorded,
        criterion,
        status,
        supports,
        from_rationale,
        rule_id,
        cross_cutting,
    ) in rows:
        entry = items.setdefault(item_pk, (family, recorded, {}, set()))
        entry[2][criterion] = (status, bool(supports), bool(from_rationale))
        if not cross_cutting:
            entry[3].add(rule_id)
    families: dict[str, dict[frozenset[Any], _Signature]] = defaultdict(dict)
    for item_pk, (family, recorded, criteria, topic_rules) in items.items():
        if not topic_rules:
            continue
        key = frozenset((c, *outcome) for c, outcome in criteria.items())
        signature = families[family].setdefault(key, _Signature(criteria, frozenset(topic_rules)))
        signature.members[recorded].append(item_pk)
    return families


def _matches(
    family: dict[frozenset[Any], _Signature],
) -> Iterable[tuple[_Signature, _Signature, Fraction, int, list[str]]]:
    upheld = [s for s in family.values() if s.members["Upheld"]]
    overturned = [s for s in family.values() if s.members["Overturned"]]
    for one in upheld:
        for other in overturned:
            if not one.topic_rules & other.topic_rules:
                continue
            agreeing, by_rationale = one.agreeing_with(other)
            compared = len(one.criteria.keys() | other.criteria.keys())
            share = Fraction(agreeing, compared)
            if share >= MIN_SHARE:
                yield one, other, share, agreeing, by_rationale


def inconsistent_groups(db: sqlite3.Connection, rules_version: str) -> list[InconsistentGroup]:
    """Every group of inconsistent determinations, best ranked first; see the module docstring.

    Items with identical criterion statuses share a signature; two signatures are matched when their
    effects agree on enough criteria, so the work grows with the distinct signatures, not the items.
    """
    found: list[tuple[tuple[Any, ...], str, _Signature, _Signature, Fraction, int, list[str]]] = []
    for family, signatures in _signatures(db, rules_version).items():
        for one, other, share, agreeing, by_rationale in _matches(signatures):
            pairs = len(one.members["Upheld"]) * len(other.members["Overturned"])
            key = (-share, len(by_rationale), -agreeing, -pairs, family)
            found.append((key, family, one, other, share, agreeing, by_rationale))
    found.sort(key=lambda entry: entry[0])
    members = _members(
        db,
        {
            pk
            for *_, one, other, _, _, _ in found
            for pk in (*one.members["Upheld"], *other.members["Overturned"])
        },
    )
    texts = dict(
        db.execute("SELECT criterion_id, text FROM rule_criteria WHERE rules_version = ?", (rules_version,))
    )
    groups = []
    for rank, (_, family, one, other, share, agreeing, by_rationale) in enumerate(found):
        upheld = [members[pk] for pk in one.members["Upheld"]]
        overturned = [members[pk] for pk in other.members["Overturned"]]
        union = list(dict.fromkeys([*one.criteria, *other.criteria]))
        differing = [
            c
            for c in union
            if c not in one.criteria or c not in other.criteria or one.criteria[c][1] != other.criteria[c][1]
        ]
        groups.append(
            InconsistentGroup(
                family=family,
                share=round(float(share), 4),
                agreeing=agreeing,
                compared=len(union),
                pairs=len(upheld) * len(overturned),
                differing=differing,
                by_rationale=by_rationale,
                upheld=upheld,
                overturned=overturned,
                side_by_side=(
                    _side_by_side(db, union, differing, texts, upheld[0], overturned[0])
                    if rank < DETAILED_GROUPS
                    else None
                ),
            )
        )
    return groups


def _members(db: sqlite3.Connection, item_pks: set[int]) -> dict[int, PairMember]:
    found = {}
    ordered = sorted(item_pks)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        rows = db.execute(
            "SELECT i.item_pk, l.source, l.case_id, i.item_id, i.text, i.recorded, i.predicted"
            f" FROM items i JOIN letters l USING (letter_id) WHERE i.item_pk IN ({marks})",
            chunk,
        )
        for pk, source, case_id, item_id, text, recorded, predicted in rows:
            found[pk] = PairMember(
                item_pk=pk,
                source=source,
                case_id=case_id,
                item_id=item_id,
                text=text,
                recorded=recorded,
                predicted=predicted,
            )
    return found


def _side_by_side(
    db: sqlite3.Connection,
    criteria: list[str],
    differing: list[str],
    texts: dict[str, str],
    upheld: PairMember,
    overturned: PairMember,
) -> list[CriterionSideBySide]:
    left, right = item_evidence(db, upheld.item_pk), item_evidence(db, overturned.item_pk)
    return [
        CriterionSideBySide(
            criterion_id=c,
            text=texts.get(c, ""),
            agrees=c not in differing,
            upheld=left.get(c, SideEvidence(status=None, facts={}, quotes=[])),
            overturned=right.get(c, SideEvidence(status=None, facts={}, quotes=[])),
        )
        for c in criteria
    ]


def item_evidence(db: sqlite3.Connection, item_pk: int) -> dict[str, SideEvidence]:
    """Per criterion of an item: its status, the facts it read and their evidence quotes (the item's
    own fact over the case's finding of the same name, as the evaluator reads them)."""
    quotes: dict[str, list[str]] = defaultdict(list)
    level: dict[str, int] = {}
    rows = db.execute(
        """
        SELECT f.name, f.item_pk IS NOT NULL, e.quote FROM facts f
        JOIN evidence e ON e.fact_pk = f.fact_pk
        WHERE f.letter_id = (SELECT letter_id FROM items WHERE item_pk = ?)
          AND (f.item_pk = ? OR f.item_pk IS NULL)
        ORDER BY f.fact_pk, e.position
        """,
        (item_pk, item_pk),
    )
    for name, own, quote in rows:
        if level.get(name, own) > own:
            continue
        if level.get(name) is not None and own > level[name]:
            quotes[name] = []
        level[name] = own
        if quote not in quotes[name]:
            quotes[name].append(quote)
    found = {}
    for criterion, status, facts in db.execute(
        "SELECT criterion_id, status, facts FROM criteria WHERE item_pk = ? ORDER BY position", (item_pk,)
    ):
        read = json.loads(facts)
        found[criterion] = SideEvidence(
            status=status,
            facts=read,
            quotes=list(dict.fromkeys(q for name in read for q in quotes.get(name, []))),
        )
    return found
