"""The surgical rules (ACOEM surgical considerations, ODG indications for surgery and for the services
around a surgery, the IMR dependency of ancillary services) on the development letters read blind.

Every surgery and every service attached to one in the development letters was Upheld: the surgery
for conservative care not shown to have failed, an imaging lesion not corroborated, or procedures
not named; each attached service because its surgery was not necessary. The rules must reach those
outcomes for those reasons, read from the letters.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from engine.batch import read_case
from engine.evaluate import CriterionResult, Evaluator, ItemResult
from engine.facts import Case
from engine.paths import LETTERS_DIR
from engine.rules import load_rules

pytestmark = pytest.mark.skipif(not LETTERS_DIR.is_dir(), reason=f"letters not found at {LETTERS_DIR}")

SURGICAL_RULE_FILES = (
    "rules/imr-practice/ancillary-services.yaml",
    "rules/imr-practice/surgical-requests.yaml",
    "rules/mtus-acoem-ankle-foot-2004/surgical-considerations.yaml",
    "rules/mtus-acoem-forearm-wrist-hand-2004/surgical-considerations.yaml",
    "rules/mtus-acoem-knee-2004/surgical-considerations.yaml",
    "rules/mtus-acoem-low-back-2004/surgical-considerations.yaml",
    "rules/mtus-acoem-neck-2004/surgical-considerations.yaml",
    "rules/mtus-acoem-shoulder-2004/surgical-considerations.yaml",
    "rules/mtus-cpmtg-2009/implanted-devices.yaml",
    "rules/mtus-cpmtg-2016/implanted-devices.yaml",
    "rules/mtus-elbow-2007/surgical-considerations.yaml",
    "rules/odg/surgery-hand-elbow.yaml",
    "rules/odg/surgery-hernia.yaml",
    "rules/odg/surgery-hip.yaml",
    "rules/odg/surgery-knee.yaml",
    "rules/odg/surgery-shoulder.yaml",
    "rules/odg/surgery-spine.yaml",
    "rules/odg/surgical-ancillaries.yaml",
)


@cache
def _evaluator() -> Evaluator:
    return Evaluator(load_rules())


@cache
def _surgical_rule_ids() -> frozenset[str]:
    return frozenset(rule.id for rule in _evaluator().pack.rules if rule.file in SURGICAL_RULE_FILES)


def _path(letter: str) -> Path:
    return next(p for p in LETTERS_DIR.rglob(f"{letter}.*") if p.suffix in (".pdf", ".txt"))


@cache
def _case(letter: str) -> Case:
    return read_case(_path(letter))


@cache
def _results(letter: str) -> tuple[ItemResult, ...]:
    return tuple(_evaluator().evaluate(_case(letter)).items)


def _item(letter: str, item_id: str) -> ItemResult:
    return next(r for r in _results(letter) if r.item_id == item_id)


def _criterion(result: ItemResult, criterion_id: str) -> CriterionResult:
    return next(c for c in result.criteria if c.id == criterion_id)


def _letters() -> list[Path]:
    return sorted(LETTERS_DIR.glob("2014-2015/*.txt")) + sorted(LETTERS_DIR.glob("dwc-2016-2017/*.pdf"))


def test_every_item_the_surgical_rules_decide_is_reproduced() -> None:
    decided = 0
    for path in _letters():
        for result in _results(path.stem):
            if not _surgical_rule_ids() & set(result.rule_ids):
                continue
            decided += 1
            assert result.status == "reproduced", f"{path.name} item {result.item_id}: {result.deciding}"
    # three index surgeries and seven services attached to them in the development letters
    assert decided >= 10


@pytest.mark.parametrize(
    ("letter", "index_id", "ancillary_ids"),
    [
        ("CM17-0002892", "1", ("2", "3")),
        ("CM17-0006797", "1", ("2", "3", "4", "5")),
        ("CM17-0015957", "1", ("2",)),
    ],
)
def test_services_attached_to_an_unnecessary_surgery_fall_with_it(
    letter: str, index_id: str, ancillary_ids: tuple[str, ...]
) -> None:
    case = _case(letter)
    assert _item(letter, index_id).result == "not_supported"
    for item_id in ancillary_ids:
        requested = next(i for i in case.items if i.item_id == item_id)
        assert requested.ancillary_to == index_id
        result = _item(letter, item_id)
        assert "IMR-ANC" in result.rule_ids
        assert _criterion(result, "IMR-ANC-01").status == "not_met"
        assert "IMR-ANC-01" in result.deciding
        assert result.predicted == "Upheld"


def test_a_knee_arthroscopy_with_a_tear_but_no_failed_course_of_care() -> None:
    result = _item("CM17-0002892", "1")
    assert result.rule_ids[:2] == ["ACOEM-KN-SURG", "ACOEM-KN-MENISC"]
    # locking, joint-line tenderness and McMurray: the mechanical signs are there ...
    assert _criterion(result, "ACOEM-KN-MENISC-01").status == "met"
    # ... but the course of conservative care is not shown to have failed
    assert _criterion(result, "ACOEM-KN-SURG-02").status != "met"
    assert "ACOEM-KN-SURG-02" in result.deciding
    assert result.predicted == "Upheld"


def test_an_arthroscopy_whose_procedures_are_not_named() -> None:
    result = _item("CM17-0015957", "1")
    assert _criterion(result, "IMR-SURG-FORM-01").status == "not_met"
    assert "IMR-SURG-FORM-01" in result.deciding
    assert result.predicted == "Upheld"


def test_a_shoulder_arthroscopy_is_judged_as_impingement_surgery() -> None:
    case = _case("CM17-0006797")
    tear = case.findings["rotator_cuff_tear"]
    assert tear is not None and tear.value == "partial_thickness"  # "almost full-thickness tear"
    night_pain = case.findings["night_pain"]
    assert night_pain is not None and night_pain.value is False
    result = _item("CM17-0006797", "1")
    assert "ACOEM-SH-IMP" in result.rule_ids
    # no three months of care and no cortisone injection documented
    assert _criterion(result, "ACOEM-SH-IMP-01").status != "met"
    assert _criterion(result, "ACOEM-SH-IMP-02").status != "met"
    assert result.predicted == "Upheld"
