"""The physical-medicine topics on the development letters read blind: the therapy cues
(guidelines/cues/therapy.yaml) read what the letters say, and the therapy rules reproduce the
recorded outcomes of the therapy items."""

from __future__ import annotations

import pytest
from development_letters import (
    all_letter_paths,
    criterion_result,
    item_fact,
    item_result,
    letter_case,
    letter_results,
    needs_letters,
)

from engine.evaluate import ItemResult

THERAPY_RULE_PREFIXES = (
    "CPMTG2009-PM",
    "CPMTG2016-PM",
    "ODG-PT",
    "CPMTG2009-MT",
    "CPMTG2016-MT",
    "MTUS-ACU",
    "PSTG-PM",
    "CPMTG2009-AQUATIC",
    "CPMTG2016-AQUATIC",
    "CPMTG2009-MASSAGE",
    "CPMTG2016-MASSAGE",
    "CPMTG2009-PASSIVE",
    "CPMTG2016-PASSIVE",
    "CPMTG2009-WC",
    "CPMTG2016-WC",
)


@needs_letters
@pytest.mark.parametrize(
    ("letter", "item_id", "fact", "value"),
    [
        # "it is possible that the previous physical therapy was several years ago": the reviewer's
        # guess is no finding
        ("003_", "2", "prior_course_remote", None),
        # "Acupuncture for 8 sessions was the original request."
        ("CM17-0007857", "1", "visits_original_request", 8),
        # "Treatment to date has included ...; 6 chiropractic treatments (without ...)"
        ("CM16-0247660", "1", "prior_visits", 6),
        # "course physical therapy (8 sessions November 2016)"
        ("CM17-0006045", "1", "prior_visits", 8),
        # "the patient was authorized for a 6 session trial of acupuncture"
        ("CM17-0011703", "5", "prior_visits", 6),
        # "the patient is currently undergoing treatment with physical therapy" (ultrasound item)
        ("CM16-0231745", "4", "adjunct_to_active_program", True),
    ],
)
def test_therapy_cues_read_the_letter(letter: str, item_id: str, fact: str, value: object) -> None:
    assert item_fact(letter, item_id, fact) == value


@needs_letters
def test_advice_to_read_the_tapering_guideline_is_not_a_reduced_medication() -> None:
    # every 2016-2017 opioid decision advises consulting "Tapering opioids"; that is no finding
    for name in ("CM17-0015790", "CM17-0017734"):
        assert "pain_medication_reduced" not in letter_case(name).findings


@needs_letters
def test_a_lumbar_stabilization_program_is_not_a_shoulder_stabilization() -> None:
    documented = letter_case("CM17-0010362").findings.get("postsurgical_procedure")
    assert documented is None or documented.value != "shoulder_stabilization"


def _therapy_results() -> list[ItemResult]:
    results = []
    for path in all_letter_paths():
        for item in letter_results(path.stem):
            if item.recorded is not None and any(r.startswith(THERAPY_RULE_PREFIXES) for r in item.rule_ids):
                results.append(item)
    return results


@needs_letters
def test_therapy_items_reproduce_the_recorded_outcomes() -> None:
    results = _therapy_results()
    reproduced = sum(r.status == "reproduced" for r in results)
    overturned = [r for r in results if r.recorded == "Overturned"]
    found = sum(r.predicted == "Overturned" for r in overturned)
    print(
        f"therapy items: {reproduced}/{len(results)} reproduced; Overturned found {found}/{len(overturned)}"
    )
    assert len(results) >= 35
    assert reproduced / len(results) >= 0.8
    # Two acupuncture trials (CM16-0230548 #2, CM16-0242419 #1) were overturned on their count with
    # no indication of 9792.24.1(a) on record -- pain medication reduced or not tolerated, or an
    # adjunct to rehabilitation -- which the guideline makes the condition of acupuncture; a
    # chiropractic continuation (CM17-0004738 #1) waits on the reading of its prior visits (see
    # test_a_documented_prior_course_is_counted_against_the_total).
    assert found / len(overturned) >= 1 / 6


@needs_letters
def test_a_documented_prior_course_is_counted_against_the_total() -> None:
    result = item_result("CM17-0004738", "1")
    assert criterion_result(result, "CPMTG2016-MT-02").status == "met"
    assert result.predicted == "Overturned"
