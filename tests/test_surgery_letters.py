"""The surgical rules (ACOEM surgical considerations, ODG indications for surgery and for the services
around a surgery, the IMR dependency of ancillary services) on the development letters read blind.

Every surgery and every service attached to one in the development letters was Upheld: the surgery
for conservative care not shown to have failed, an imaging lesion not corroborated, or procedures
not named; each attached service because its surgery was not necessary. The rules must reach those
outcomes for those reasons, read from the letters.
"""

from __future__ import annotations

import pytest
from development_letters import (
    all_letter_paths,
    criterion_result,
    item_result,
    letter_case,
    letter_results,
    needs_letters,
    rule_ids_in,
)

pytestmark = needs_letters

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
    "rules/odg/postoperative-braces.yaml",
    "rules/odg/surgery-fracture.yaml",
    "rules/odg/surgery-ankle-foot.yaml",
)


def test_every_item_the_surgical_rules_decide_is_reproduced_or_flagged_with_its_deciding_criteria() -> None:
    decided = 0
    for path in all_letter_paths():
        for result in letter_results(path.stem):
            if not rule_ids_in(SURGICAL_RULE_FILES) & set(result.rule_ids):
                continue
            decided += 1
            assert result.status in ("reproduced", "flagged"), f"{path.name} item {result.item_id}"
            assert result.deciding, f"{path.name} item {result.item_id}: no deciding criterion named"
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
    case = letter_case(letter)
    assert item_result(letter, index_id).result == "not_supported"
    for item_id in ancillary_ids:
        requested = next(i for i in case.items if i.item_id == item_id)
        assert requested.ancillary_to == index_id
        result = item_result(letter, item_id)
        assert "IMR-ANC" in result.rule_ids
        assert criterion_result(result, "IMR-ANC-01").status == "not_met"
        assert "IMR-ANC-01" in result.deciding
        assert result.predicted == "Upheld"


def test_a_knee_arthroscopy_with_a_tear_but_no_failed_course_of_care() -> None:
    result = item_result("CM17-0002892", "1")
    assert result.rule_ids[:2] == ["ACOEM-KN-SURG", "ACOEM-KN-MENISC"]
    # locking, joint-line tenderness and McMurray: the mechanical signs are there ...
    assert criterion_result(result, "ACOEM-KN-MENISC-01").status == "met"
    # ... but the course of conservative care is not shown to have failed
    assert criterion_result(result, "ACOEM-KN-SURG-02").status != "met"
    assert "ACOEM-KN-SURG-02" in result.deciding
    assert result.predicted == "Upheld"


def test_an_arthroscopy_whose_procedures_are_not_named() -> None:
    result = item_result("CM17-0015957", "1")
    assert criterion_result(result, "IMR-SURG-FORM-01").status == "not_met"
    assert "IMR-SURG-FORM-01" in result.deciding
    assert result.predicted == "Upheld"


def test_a_shoulder_arthroscopy_is_judged_as_impingement_surgery() -> None:
    case = letter_case("CM17-0006797")
    shoulder = case.items[0]
    # findings written of the shoulder belong to the shoulder surgery
    tear = shoulder.facts["rotator_cuff_tear"]
    assert tear is not None and tear.value == "partial_thickness"  # "almost full-thickness tear"
    night_pain = shoulder.facts.get("night_pain") or case.findings["night_pain"]
    assert night_pain is not None and night_pain.value is False
    result = item_result("CM17-0006797", "1")
    assert "ACOEM-SH-IMP" in result.rule_ids
    # no three months of care and no cortisone injection documented
    assert criterion_result(result, "ACOEM-SH-IMP-01").status != "met"
    assert criterion_result(result, "ACOEM-SH-IMP-02").status != "met"
    assert result.predicted == "Upheld"
