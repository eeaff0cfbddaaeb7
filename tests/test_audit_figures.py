"""Audit figures and the pair finder on inputs built here: Cohen's kappa and its interval, and
inconsistent determinations found (or not) from criterion statuses written into a real database."""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path

import pytest

from engine.audit.agreement import _kappa_estimate, agreement_of, kappa_interval
from engine.audit.pairs import inconsistent_groups
from engine.audit.record import CriterionRow, ItemRow, LetterRecord
from engine.audit.store import AuditStore
from engine.rules import RulePack, load_rules


def test_kappa_of_a_textbook_table() -> None:
    # 50 items: 20 both yes, 15 both no, 5 and 10 discordant: po = .70, pe = .50, kappa = .40
    stats = agreement_of(
        [("Upheld", "Upheld")] * 20 + [("Upheld", "Overturned")] * 5
        + [("Overturned", "Upheld")] * 10 + [("Overturned", "Overturned")] * 15
    )  # fmt: skip
    assert stats.kappa == pytest.approx(0.4)
    assert stats.confusion == {
        ("Upheld", "Upheld"): 20, ("Upheld", "Overturned"): 5,
        ("Overturned", "Upheld"): 10, ("Overturned", "Overturned"): 15,
    }  # fmt: skip
    assert stats.overturned_recall == pytest.approx(15 / 25)
    assert stats.overturned_precision == pytest.approx(15 / 20)


def _kappa_of(p: dict[tuple[str, str], float]) -> float:
    labels = ("Upheld", "Overturned")
    rows = {a: sum(p[a, b] for b in labels) for a in labels}
    cols = {b: sum(p[a, b] for a in labels) for b in labels}
    observed = sum(p[a, a] for a in labels)
    expected = sum(rows[a] * cols[a] for a in labels)
    return (observed - expected) / (1 - expected)


@pytest.mark.parametrize(
    "counts", [(20, 5, 10, 15), (132, 5, 4, 11), (40, 2, 3, 1), (7, 3, 2, 9)], ids=["50", "152", "46", "21"]
)
def test_kappa_variance_is_the_delta_method_variance(counts: tuple[int, int, int, int]) -> None:
    """Fleiss-Cohen-Everitt's large-sample variance equals grad' (diag(p) - p p') grad / n, the
    delta method over the multinomial cell shares, computed here by central differences."""
    cells = [
        ("Upheld", "Upheld"),
        ("Upheld", "Overturned"),
        ("Overturned", "Upheld"),
        ("Overturned", "Overturned"),
    ]
    n = sum(counts)
    p = {cell: c / n for cell, c in zip(cells, counts, strict=True)}
    step = 1e-6
    gradient = []
    for cell in cells:
        up, down = dict(p), dict(p)
        up[cell] += step
        down[cell] -= step
        gradient.append((_kappa_of(up) - _kappa_of(down)) / (2 * step))
    shares = [p[c] for c in cells]
    mean = sum(g * s for g, s in zip(gradient, shares, strict=True))
    delta = (sum(g * g * s for g, s in zip(gradient, shares, strict=True)) - mean * mean) / n
    estimate = _kappa_estimate(dict(zip(cells, counts, strict=True)))
    assert estimate is not None
    assert estimate[1] == pytest.approx(delta, rel=1e-4)
    low, high = kappa_interval(dict(zip(cells, counts, strict=True)))  # type: ignore[misc]
    assert (high - low) / 2 == pytest.approx(1.959964 * math.sqrt(delta), rel=1e-4)


def test_no_interval_where_one_rater_gives_one_outcome() -> None:
    assert kappa_interval({("Upheld", "Upheld"): 12, ("Overturned", "Upheld"): 1}) is None


# --- the pair finder ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pack() -> RulePack:
    return load_rules()


def _item(
    family: str, recorded: str, statuses: dict[str, tuple[str, bool] | tuple[str, bool, bool]], pack: RulePack
) -> ItemRow:
    return ItemRow(
        item_id="1", text=f"{family} request", kind=family, subtype=None, generic=None, drug_class=None,
        category_dwc="Rehabilitation", category_cwci="PT", family=family, ancillary_to=None,
        decision_word=recorded, recorded=recorded, predicted="Upheld", status="reproduced",
        result="not_supported", as_of="2014-11-10", as_of_basis="UR denial date",
        rule_ids=json.dumps(sorted({pack.criteria[c].rule_id for c in statuses})), deciding="[]",
        ur_original=None, ur_authorized=None, ur_remaining=None, citations=(),
        criteria=tuple(
            CriterionRow(
                criterion_id=c, rule_id=pack.criteria[c].rule_id, status=outcome[0], supports=outcome[1],
                from_rationale=outcome[2] if len(outcome) > 2 else False, facts="{}", missing="[]",
            )
            for c, outcome in statuses.items()
        ),
        facts=(), contradictions=(),
    )  # fmt: skip


def _groups(tmp_path: Path, pack: RulePack, items: list[ItemRow]) -> list[list[str]]:
    """The groups found among these items, each as the sorted letter names of its members."""
    with AuditStore(tmp_path / "pairs.db") as store:
        run_id = store.begin_run(pack, {})
        store.write(
            run_id,
            pack.content_hash,
            [
                LetterRecord(source=f"letter-{i}", sha256=f"{i:064x}", input_kind="letter", worker="test",
                             case_id=f"letter-{i}", items=(item,))
                for i, item in enumerate(items)
            ],
        )  # fmt: skip
    db = sqlite3.connect(tmp_path / "pairs.db")
    return [
        sorted(m.source for m in (*group.upheld, *group.overturned))
        for group in inconsistent_groups(db, pack.content_hash)
    ]


MET, NOT_MET, UNDOCUMENTED = ("met", True), ("not_met", False), ("not_documented", False)
SET_ASIDE = ("not_documented", True)


def test_items_alike_on_every_criterion_but_decided_oppositely_are_a_pair(
    tmp_path: Path, pack: RulePack
) -> None:
    statuses = {"CPMTG2009-PM-01": MET, "CPMTG2009-PM-04": SET_ASIDE, "ODG-PT-01": UNDOCUMENTED}
    found = _groups(
        tmp_path,
        pack,
        [
            _item("physical_therapy", "Upheld", statuses, pack),
            _item("physical_therapy", "Overturned", statuses, pack),
        ],
    )
    assert found == [["letter-0", "letter-1"]]


def test_undocumented_and_absent_agree_where_the_guideline_requires_the_fact(
    tmp_path: Path, pack: RulePack
) -> None:
    upheld = {"CPMTG2009-PM-01": MET, "CPMTG2009-PM-04": MET, "ODG-PT-01": NOT_MET}
    overturned = {"CPMTG2009-PM-01": MET, "CPMTG2009-PM-04": SET_ASIDE, "ODG-PT-01": UNDOCUMENTED}
    found = _groups(
        tmp_path,
        pack,
        [
            _item("physical_therapy", "Upheld", upheld, pack),
            _item("physical_therapy", "Overturned", overturned, pack),
        ],
    )
    assert found == [["letter-0", "letter-1"]]


def test_no_pair_when_too_much_differs_or_nothing_is_shared(tmp_path: Path, pack: RulePack) -> None:
    upheld = {"CPMTG2009-PM-01": NOT_MET, "CPMTG2009-PM-05": NOT_MET, "ODG-PT-01": UNDOCUMENTED}
    items = [
        _item("physical_therapy", "Upheld", upheld, pack),
        # two of three criteria differ in effect
        _item(
            "physical_therapy", "Overturned", {**upheld, "CPMTG2009-PM-01": MET, "CPMTG2009-PM-05": MET}, pack
        ),
        # the same statuses, another treatment family
        _item("chiropractic", "Overturned", upheld, pack),
        # the same outcome
        _item("physical_therapy", "Upheld", upheld, pack),
        # no guideline rule in common
        _item("physical_therapy", "Overturned", {"CPMTG2016-PM-01": NOT_MET}, pack),
    ]
    assert _groups(tmp_path, pack, items) == []


def test_two_thirds_agreeing_is_enough(tmp_path: Path, pack: RulePack) -> None:
    upheld = {"CPMTG2009-PM-01": MET, "CPMTG2009-PM-05": MET, "ODG-PT-01": UNDOCUMENTED}
    overturned = {**upheld, "ODG-PT-01": MET}
    found = _groups(
        tmp_path,
        pack,
        [
            _item("physical_therapy", "Upheld", upheld, pack),
            _item("physical_therapy", "Overturned", overturned, pack),
        ],
    )
    assert found == [["letter-0", "letter-1"]]


def test_many_items_alike_form_one_group(tmp_path: Path, pack: RulePack) -> None:
    statuses = {"CPMTG2009-PM-01": MET, "ODG-PT-01": UNDOCUMENTED}
    items = [_item("physical_therapy", "Upheld", statuses, pack) for _ in range(5)]
    items += [_item("physical_therapy", "Overturned", statuses, pack) for _ in range(2)]
    with AuditStore(tmp_path / "many.db") as store:
        run_id = store.begin_run(pack, {})
        store.write(
            run_id, pack.content_hash,
            [LetterRecord(source=f"l{i}", sha256=f"{i:064x}", input_kind="letter", worker="t", items=(item,))
             for i, item in enumerate(items)],
        )  # fmt: skip
    (group,) = inconsistent_groups(sqlite3.connect(tmp_path / "many.db"), pack.content_hash)
    assert (len(group.upheld), len(group.overturned), group.pairs, group.share) == (5, 2, 10, 1.0)


def test_a_difference_only_a_rationale_documents_does_not_part_the_records(
    tmp_path: Path, pack: RulePack
) -> None:
    upheld = {"CPMTG2009-PM-01": MET, "ODG-PT-01": UNDOCUMENTED, "ODG-PT-02": UNDOCUMENTED}
    # the overturning reviewer wrote that the prior course was long ago; nothing else differs
    overturned = {**upheld, "ODG-PT-02": ("met", True, True)}
    with AuditStore(tmp_path / "r.db") as store:
        run_id = store.begin_run(pack, {})
        store.write(
            run_id, pack.content_hash,
            [LetterRecord(source=f"l{i}", sha256=f"{i:064x}", input_kind="letter", worker="t", items=(item,))
             for i, item in enumerate([_item("physical_therapy", "Upheld", upheld, pack),
                                       _item("physical_therapy", "Overturned", overturned, pack)])],
        )  # fmt: skip
    (group,) = inconsistent_groups(sqlite3.connect(tmp_path / "r.db"), pack.content_hash)
    assert (group.share, group.differing, group.by_rationale) == (1.0, ["ODG-PT-02"], ["ODG-PT-02"])
