"""The special-studies rules (imaging and electrodiagnostics) on the development letters read blind.

Reviewers overturned imaging that had a guideline indication on record -- a dermatomal sensory deficit
in the neck, a fracture seen on plain films after a fall -- and electrodiagnostics for a suspected
nerve entrapment with long-standing symptoms; they upheld imaging without red flags or objective
nerve compromise, lumbar imaging with no surgery in view, repeat and positional studies, and
electrodiagnostics for a radiculopathy that imaging already showed or nerve conduction of the legs.
The rules must reach those outcomes for those reasons, read from the letters.
"""

from __future__ import annotations

from functools import cache

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

from engine.evaluate import ItemResult

pytestmark = needs_letters

SPECIAL_STUDY_KINDS = frozenset({"imaging", "electrodiagnostic"})
SPECIAL_STUDY_FILES = frozenset(
    {
        "rules/mtus-acoem-ankle-foot-2004/special-studies.yaml",
        "rules/mtus-acoem-forearm-wrist-hand-2004/special-studies.yaml",
        "rules/mtus-acoem-knee-2004/special-studies.yaml",
        "rules/mtus-acoem-low-back-2004/special-studies.yaml",
        "rules/mtus-acoem-neck-2004/special-studies.yaml",
        "rules/mtus-acoem-shoulder-2004/special-studies.yaml",
        "rules/mtus-cpmtg-2016/electrodiagnostic-testing.yaml",
        "rules/odg/electrodiagnostic.yaml",
        "rules/odg/imaging.yaml",
    }
)


@cache
def _special_study_items() -> tuple[tuple[str, ItemResult], ...]:
    found = []
    for path in all_letter_paths():
        kinds = {item.item_id: item.kind for item in letter_case(path.stem).items}
        found += [
            (path.stem, r) for r in letter_results(path.stem) if kinds[r.item_id] in SPECIAL_STUDY_KINDS
        ]
    return tuple(found)


def test_every_disputed_study_has_a_special_studies_rule() -> None:
    items = _special_study_items()
    assert len(items) >= 45
    uncovered = [
        f"{letter} #{r.item_id} {r.text}"
        for letter, r in items
        if not set(r.rule_ids) & rule_ids_in(SPECIAL_STUDY_FILES)
    ]
    assert uncovered == []


def test_recorded_outcomes_are_reproduced() -> None:
    items = _special_study_items()
    decided = [(letter, r) for letter, r in items if r.recorded is not None]
    agree = sum(r.predicted == r.recorded for _, r in decided)
    overturned = [r for _, r in decided if r.recorded == "Overturned"]
    recalled = sum(r.predicted == "Overturned" for r in overturned)
    wrongly_overturned = [
        f"{letter} #{r.item_id}"
        for letter, r in decided
        if r.predicted == "Overturned" and r.recorded == "Upheld"
    ]
    print(f"special studies: {agree}/{len(decided)} agree; Overturned recalled {recalled}/{len(overturned)}")
    assert agree / len(decided) >= 0.9
    # Two cervical MRIs for a sensory deficit moved to Upheld: CM16-0235724 #1 documents no time
    # since onset and no chronic condition (the chapter's three to four weeks, p.177), and
    # CM16-0246624 #1 waits on the reading of its month of failed care (see the test below).
    assert recalled / len(overturned) >= 0.4
    assert len(wrongly_overturned) <= 1, wrongly_overturned


@pytest.mark.parametrize(("letter", "item_id"), [("CM16-0235724", "1"), ("CM16-0246624", "1")])
def test_a_dermatomal_sensory_deficit_is_an_indication_for_cervical_mri(letter: str, item_id: str) -> None:
    result = item_result(letter, item_id)
    assert criterion_result(result, "ACOEM-NECK-IMG-01").status == "met"


def test_a_deficit_after_failed_conservative_care_has_run_the_waiting_period() -> None:
    # The letter gives neither a duration nor a chronic condition (its date of injury is not read:
    # redaction rewrites it); the chapter's period is one of conservative care that fails to improve
    # the symptoms, and the failure is documented.
    result = item_result("CM16-0235724", "1")
    assert criterion_result(result, "ACOEM-NECK-IMG-02").status == "met"
    assert criterion_result(result, "ACOEM-NECK-IMG-03").status == "met"
    assert result.predicted == result.recorded == "Overturned"


@pytest.mark.xfail(
    strict=True,
    reason="reading: 'further conservative care of at least 1 month' with a persisting deficit is not "
    "yet read as a failed month of conservative care",
)
def test_a_month_of_care_with_a_persisting_deficit_supports_cervical_mri() -> None:
    result = item_result("CM16-0246624", "1")
    assert criterion_result(result, "ACOEM-NECK-IMG-02").status == "met"
    assert result.predicted == "Overturned"


def test_ct_after_a_fracture_on_plain_films_is_supported() -> None:
    result = item_result("CM17-0005924", "1")
    assert result.rule_ids[0] == "ACOEM-NECK-IMG"
    assert criterion_result(result, "ACOEM-NECK-IMG-01").facts["suspected_fracture"] is True
    assert result.predicted == "Overturned"


def test_lumbar_mri_with_sensory_findings_but_no_surgery_in_view_is_not_supported() -> None:
    result = item_result("CM16-0245295", "2")
    assert criterion_result(result, "ACOEM-LB-IMG-01").status == "met"
    assert criterion_result(result, "ACOEM-LB-IMG-04").status != "met"
    assert result.predicted == "Upheld"


def test_lumbar_mri_while_chiropractic_still_helps_is_not_supported() -> None:
    result = item_result("CM17-0004344", "1")
    assert criterion_result(result, "ACOEM-LB-IMG-02").facts["conservative_care_failed"] is False
    assert criterion_result(result, "ACOEM-LB-IMG-02").status != "met"
    assert result.predicted == "Upheld"


def test_a_repeat_knee_mri_needs_a_change_since_the_first() -> None:
    result = item_result("CM17-0001064", "3")
    assert "ODG-IMG-REPEAT" in result.rule_ids
    assert criterion_result(result, "ODG-IMG-REPEAT-01").status != "met"


def test_positional_mri_of_the_spine_is_not_recommended() -> None:
    for item_id in ("1", "2"):
        result = item_result("CM16-0234464", item_id)
        assert criterion_result(result, "ODG-IMG-UPRIGHT-01").status == "not_met"


def test_emg_for_a_radiculopathy_imaging_already_shows_is_not_supported() -> None:
    result = item_result("CM17-0010006", "5")
    assert criterion_result(result, "CPMTG2016-EMG-01").status == "not_met"
    assert result.predicted == "Upheld"


@pytest.mark.parametrize(("letter", "item_id"), [("CM17-0000859", "1"), ("CM17-0010006", "6")])
def test_nerve_conduction_of_the_legs_needs_a_suspected_neuropathy(letter: str, item_id: str) -> None:
    result = item_result(letter, item_id)
    assert criterion_result(result, "ODG-EDX-NCS-LE-01").status != "met"
    assert result.predicted == "Upheld"


def test_arm_electrodiagnostics_for_suspected_carpal_tunnel_syndrome_is_supported() -> None:
    result = item_result("CM16-0248034", "1")
    assert criterion_result(result, "CPMTG2016-EDX-02").status == "met"
    assert result.predicted == "Overturned"


def test_arm_electrodiagnostics_with_an_unremarkable_examination_is_not_supported() -> None:
    for item_id in ("1", "2"):
        result = item_result("CM17-0009887", item_id)
        assert (
            criterion_result(result, "CPMTG2016-EDX-02").facts["peripheral_nerve_disorder_suspected"] is False
        )
        assert criterion_result(result, "CPMTG2016-EDX-02").status != "met"
        assert result.predicted == "Upheld"
